"""Assemble one client report from the executed stage notebooks: HTML (self-contained) and PDF.

Route (see shared/ENGINEERING-NOTES.md): nbconvert with auditkit's own template, which keeps only
the HTML that auditkit displayed (no code, prompts, warnings or tracebacks) and loads no script
from anywhere; WeasyPrint turns the same HTML into an A4 PDF.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from auditkit.i18n import FALLBACK, Locale, catalogue
from auditkit.inputs.read import AuditData
from auditkit.inputs.params import AuditParams
from auditkit.report import results
from auditkit.report.context import esc
from auditkit.inputs.validation import describe

TEMPLATES = Path(str(resources.files("auditkit.report").joinpath("templates")))
# What differs between the report kinds: the output file stem, the cover and title texts, and whether the
# report has a table of contents and the appendices (the express report is a few pages from the checklist).
KINDS = {
    "full": {"stem": "report", "cover": "report.cover.kind", "title": "report.title", "toc": True, "appendix": True},
    "express": {"stem": "express", "cover": "express.cover_kind", "title": "express.report_title", "toc": False,
                "appendix": False},
}
HEADING = re.compile(r'<h(?P<level>[12]) class="(?P<cls>ak-stage|ak-section|ak-unnumbered)" id="(?P<id>[^"]+)">(?P<title>.*?)</h[12]>')


FRONT_TAG = "executive-summary"
FRONT_TAGS = (FRONT_TAG, "progress")  # the summary, then a re-audit's progress chapter (sections/progress.py)


def merge_notebooks(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook with the cells of all executed stage notebooks, in order; cells tagged
    "executive-summary" (written by the last stage) move to the front of the report."""
    merged = nbformat.v4.new_notebook()
    cells = [c for path in paths for c in nbformat.read(path, as_version=4).cells]
    front = [c for tag in FRONT_TAGS for c in cells if tag in c.metadata.get("tags", [])]
    merged.cells = front + [c for c in cells if not set(FRONT_TAGS) & set(c.metadata.get("tags", []))]
    merged.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return merged


def number_headings(body: str) -> tuple[str, list[tuple[int, str, str, str]]]:
    """Number stage (1, 2…) and section (1.1, 1.2…) headings; return the body and the TOC entries."""
    toc = []
    counters = [0, 0]

    def repl(m):
        level = int(m["level"])
        if m["cls"] == "ak-unnumbered":  # executive summary and appendices (lettered in their titles)
            toc.append((level, m["id"], "", m["title"]))
            return m[0]
        counters[level - 1] += 1
        if level == 1:
            counters[1] = 0
        number = f"{counters[0]}." if level == 1 else f"{counters[0]}.{counters[1]}"
        toc.append((level, m["id"], number, m["title"]))
        return (f'<h{level} class="{m["cls"]}" id="{m["id"]}"><span class="ak-num">{number}</span>'
                f'{m["title"]}</h{level}>')

    return HEADING.sub(repl, body), toc


# attributes in any order: the notebook's HTML output may reorder them
APPENDIX_BLOCK = re.compile(r'<div (?P<attrs>[^>]*class="ak-appendix-item"[^>]*)>'
                            r'(?P<content>.*?</table>(?:<p class="ak-caption">.*?</p>)?)</div>', re.S)
# links left by tables of one section sent to the appendix one after another: the first one stays
SEE_APPENDIX_RUN = re.compile(r'(?P<first><p class="ak-caption ak-see-appendix">.*?</p>)'
                              r'(?:\s*<p class="ak-caption ak-see-appendix">.*?</p>)+', re.S)
ATTRIBUTE = re.compile(r'(?P<name>[\w-]+)="(?P<value>[^"]*)"')


def move_to_appendix(body: str, loc: Locale) -> tuple[str, str]:
    """Take the tables sections sent to the appendix out of the body; return the body and the
    appendix of detailed tables (each under its section's title, in report order; '' if none)."""
    items = []

    def take(m):
        attrs = {a["name"]: a["value"] for a in ATTRIBUTE.finditer(m["attrs"])}
        items.append((attrs["id"], attrs.get("data-title", ""), m["content"]))
        return ""

    body = SEE_APPENDIX_RUN.sub(r"\g<first>", APPENDIX_BLOCK.sub(take, body))
    if not items:
        return body, ""
    parts = [f'<h1 class="ak-unnumbered" id="appendix-tables">{esc(loc.t("appendix.tables.title"))}</h1>']
    last = None
    for anchor, title, content in items:
        head = f'<h3 class="ak-subhead">{title}</h3>' if title != last else ""
        parts.append(f'<div class="ak-appendix-table" id="{anchor}">{head}{content}</div>')
        last = title
    return body, "".join(parts)


def cover_html(params: AuditParams, loc: Locale, kind: str = "full") -> str:
    rows = [("report.cover.period", f"{loc.date(params.period.start)} — {loc.date(params.period.end)}"),
            ("report.cover.consultant", params.consultant or "—"),
            ("report.cover.date", loc.date(params.report_date))]
    dl = "".join(f"<dt>{esc(loc.t(k))}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    goals = ""
    if params.goals:
        goals = f"<h2>{esc(loc.t('report.cover.goals'))}</h2><ul>" + "".join(
            f"<li>{esc(g)}</li>" for g in params.goals) + "</ul>"
    return (f'<section class="ak-cover"><p class="ak-kind">{esc(loc.t(KINDS[kind]["cover"]))}</p>'
            f'<h1 class="ak-client">{esc(params.client)}</h1><dl>{dl}</dl>{goals}</section>')


def toc_html(entries, loc: Locale) -> str:
    items = "".join(f'<li class="l{lvl}"><a href="#{hid}">{num} {title}</a></li>' for lvl, hid, num, title in entries)
    return f'<nav class="ak-toc"><h1>{esc(loc.t("report.toc"))}</h1><ol>{items}</ol></nav>'


def appendix_html(params: AuditParams, data: AuditData, loc: Locale, tables: str = "") -> str:
    """Data-quality appendix (missing tables, warnings, returns, notes), the detailed tables the
    sections sent there, and the glossary."""
    parts = [f'<h1 class="ak-unnumbered" id="appendix-data-quality">{esc(loc.t("appendix.data_quality.title"))}</h1>']
    missing = [f"<li><strong>{esc(loc.t(f'tables.{t}'))}</strong>: {esc(loc.t(f'tables_why.{t}'))}</li>"
               for t in data.missing]
    if missing:
        parts.append(f"<p>{esc(loc.t('appendix.data_quality.missing'))}</p><ul class='ak-problems'>{''.join(missing)}</ul>")
    orders = data.tables.get("orders")
    if orders is not None:
        returns = orders["amount"] < 0
        parts.append(f"<p>{esc(loc.t('appendix.data_quality.returns', lines=loc.number(int(returns.sum())), amount=loc.money(-orders.loc[returns, 'amount'].sum())))}</p>")
    for note in data.notes:
        parts.append(f"<p>{esc(loc.t(f'notes.{note}'))}</p>")
    warnings = [f"<li>{esc(describe(p, params.language))}</li>" for p in data.problems if not p.is_error]
    parts.append(f"<p>{esc(loc.t('appendix.data_quality.warnings', n=len(warnings)))}</p>")
    if warnings:
        parts.append(f"<ul class='ak-problems'>{''.join(warnings)}</ul>")
    parts.append(tables)
    parts.append(f'<h1 class="ak-unnumbered" id="appendix-glossary">{esc(loc.t("appendix.glossary.title"))}</h1>')
    terms = {k.split(".")[1] for k in catalogue(FALLBACK) if k.startswith("glossary.")}
    entries = "".join(f"<dt>{esc(loc.t(f'glossary.{k}.term'))}</dt><dd>{esc(loc.t(f'glossary.{k}.definition'))}</dd>"
                      for k in sorted(terms, key=lambda k: loc.t(f"glossary.{k}.term").lower()))
    parts.append(f'<dl class="ak-glossary">{entries}</dl>')
    return '<section class="ak-appendix">' + "".join(parts) + "</section>"


def render_html(params: AuditParams, notebooks: list[Path], data: AuditData, kind: str = "full") -> str:
    """The complete self-contained report HTML (`kind`: full or express, see KINDS)."""
    loc = Locale(params.language, params.currency)
    spec = KINDS[kind]
    exporter = HTMLExporter(template_name="auditkit_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    css = (TEMPLATES / "auditkit_report" / "report.css").read_text(encoding="utf-8")
    marker, back = "<!--ak-front-->", "<!--ak-back-->"
    body, _ = exporter.from_notebook_node(merge_notebooks(notebooks), resources={"ak": {
        "lang": params.language, "title": loc.t(spec["title"], client=params.client), "css": css,
        "front": marker, "back": back}})
    body, tables = move_to_appendix(body, loc)
    body = body.replace(back, appendix_html(params, data, loc, tables) if spec["appendix"] else tables, 1)
    body, toc = number_headings(body)
    front = cover_html(params, loc, kind) + (toc_html(toc, loc) if spec["toc"] else "")
    return body.replace(marker, front, 1)


CHAPTER = re.compile(r'<h1 class="(?:ak-stage|ak-unnumbered)" id="(?P<id>[^"]+)"')


def write_pdf(html_text: str, pdf_path: Path, base_dir: Path) -> dict:
    """Write the PDF; return its layout: {"pages": number of pages, "chapters": {id of a chapter or
    appendix heading (h1): the page it starts on, 1-based}}."""
    from weasyprint import HTML

    document = HTML(string=html_text, base_url=str(base_dir)).render()
    document.write_pdf(str(pdf_path))
    first: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for anchor in page.anchors:
            first.setdefault(anchor, number)
    chapters = {m["id"]: first[m["id"]] for m in CHAPTER.finditer(html_text) if m["id"] in first}
    return {"pages": len(document.pages), "chapters": chapters}


def export_report(run_dir: Path, params: AuditParams, notebooks: list[Path], data: AuditData,
                  kind: str = "full") -> tuple[Path, Path]:
    """Write report.html and report.pdf (express.html / express.pdf for the express report) into the run folder."""
    html_text = render_html(params, notebooks, data, kind)
    stem = KINDS[kind]["stem"]
    html_path, pdf_path = run_dir / f"{stem}.html", run_dir / f"{stem}.pdf"
    html_path.write_text(html_text, encoding="utf-8")
    layout = write_pdf(html_text, pdf_path, run_dir)
    results.write_json(run_dir, f"{stem}_pages", layout)  # where each chapter starts: the body's length
    return html_path, pdf_path
