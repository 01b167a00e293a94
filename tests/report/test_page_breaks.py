"""Page breaks in Chromium's PDF (report.css + chromium.css): a section's heading, its opening sentence
and the long table they introduce start on one page with at least three of its rows, wherever on the
page the section falls. The page of each row and heading is read from the PDF's named destinations
(Chromium names one after each element a link points to)."""
from __future__ import annotations

import pytest

from auditkit.report import pdf
from auditkit.report.export import TEMPLATES
from auditkit.report.html import KEEP_WHOLE_ROWS

ROWS = KEEP_WHOLE_ROWS + 8  # a long table: report.css lets it split


def _section_after(filler_mm: int) -> str:
    css = (TEMPLATES / "auditkit_report" / "report.css").read_text(encoding="utf-8")
    rows = "".join(f'<tr id="r{i}"><td class="num">{i}</td><td>Action {i}</td></tr>' for i in range(ROWS))
    links = "".join(f'<a href="#{x}">.</a>' for x in ["s", *(f"r{i}" for i in range(ROWS))])
    return (f'<html><head><style>{css}</style></head><body><main class="ak-report">'
            f'<div style="height: {filler_mm}mm"></div>'
            f'<h2 class="ak-section" id="s">6.5 Action plan</h2><p class="ak-text">One action per root cause.</p>'
            f'<table class="ak-table"><thead><tr><th>#</th><th>Action</th></tr></thead><tbody>{rows}</tbody></table>'
            f'<p style="font-size: 1px">{links}</p></main></body></html>')


@pytest.mark.e2e
@pytest.mark.skipif(pdf.find_chromium() is None, reason="no Chromium installed (bin/setup-env installs it)")
def test_a_heading_its_sentence_and_three_rows_of_its_table_share_a_page(tmp_path):
    moved = 0
    for filler in range(190, 250, 6):  # from room for all of it to room for the heading alone
        pdf.write_pdf(_section_after(filler), tmp_path / "r.pdf", tmp_path, "Client")
        page = pdf.heading_pages(tmp_path / "r.pdf")
        assert page["s"] == page["r0"] == page["r1"] == page["r2"], (filler, page)
        moved += page["s"] == 2
    assert 0 < moved < 10  # the section stayed on the first page where it fitted, and moved where not


def _pages_of(html_text: str, tmp_path) -> tuple[dict[str, int], list, list]:
    """Print `html_text` with an id on every table row and on what each section heading heads (the
    next element, and the one after an opening sentence), and links to them, so that the PDF names
    them; returns (id -> page, the long tables as lists of their row ids, the headings as (heading
    id, ids of what it heads))."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_text, "html.parser")
    main = soup.find("main")
    tables, heads = [], []
    for i, table in enumerate(main.find_all("table", class_="ak-table")):
        rows = table.select("tbody > tr")
        for j, tr in enumerate(rows):
            tr["id"] = f"t{i}-r{j}"
        if len(rows) > KEEP_WHOLE_ROWS:
            tables.append([tr["id"] for tr in rows])
    for k, h2 in enumerate(main.find_all("h2", class_="ak-section")):
        after = h2.find_next_siblings(limit=2)  # what it heads: the next element, and the one after an opening sentence
        if after and not (after[0].name == "p" and "ak-text" in after[0].get("class", [])):
            after = after[:1]
        for n, el in enumerate(after):
            el["id"] = el.get("id") or f"h{k}-{n}"
        heads.append((h2["id"], *(el["id"] for el in after)))
    links = soup.new_tag("p", style="font-size: 1px")
    for target in [x for t in tables for x in t] + [x for h in heads for x in h]:
        link = soup.new_tag("a", href=f"#{target}")
        link.string = "."
        links.append(link)
    main.append(links)
    pdf.write_pdf(str(soup), tmp_path / "r.pdf", tmp_path, "Client")
    return pdf.heading_pages(tmp_path / "r.pdf"), tables, heads


@pytest.mark.e2e  # the demo client's whole audit
@pytest.mark.xdist_group("demo")  # shares conftest.demo_run with the other demo tests
@pytest.mark.skipif(pdf.find_chromium() is None, reason="no Chromium installed (bin/setup-env installs it)")
def test_the_demo_report_starts_no_table_with_a_row_or_two_and_leaves_no_heading_alone(demo_run, tmp_path):
    page, tables, heads = _pages_of((demo_run / "report.html").read_text(encoding="utf-8"), tmp_path)
    short_starts = [rows[0] for rows in tables
                    if page[rows[0]] != page[rows[-1]] and [page[r] for r in rows].count(page[rows[0]]) < 3]
    assert short_starts == [], "a long table starts with fewer than three rows at a page's foot"
    alone = [h for h, *after in heads if after and any(page[a] != page[h] for a in after)]
    assert alone == [], "a heading (and its opening sentence) left alone at a page's foot"
