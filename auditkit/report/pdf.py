"""The report's PDF: headless Chromium prints the report HTML on A4 pages, twice when the report has
a table of contents — the first print's named destinations (one per heading the contents link to)
give each heading's page, written into the contents for the second print.

Chromium lays out and draws the report in about a tenth of WeasyPrint's time (issue #16; the
figures are in the commit that chose this route). One browser, driven by Playwright, loads the page
once and prints it twice: the second print re-uses the first's loaded fonts and decoded charts
(two separate `chromium --print-to-pdf` runs cost 4.3 s on the demo, this 2.4 s). It has no CSS `target-counter`, `leader` or
`string-set`: `chromium.css` draws the contents' dotted leaders, the page numbers come from the
first print, and the client's name in the footer is written into the page style. Where no Chromium
is installed, WeasyPrint prints the same HTML with report.css alone.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

CHROMIUM_CSS = resources.files("auditkit.report").joinpath("templates/auditkit_report/chromium.css")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_TIMEOUT_S = 300
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # a closed network: nothing to fetch
DEFAULT_MARGINS = dict.fromkeys(("top", "right", "bottom", "left"), "1cm")  # as `chromium --print-to-pdf`; @page's win
FILL_TOC = """pages => document.querySelectorAll('nav.ak-toc a').forEach(a => {
  const page = pages[a.getAttribute('href').slice(1)];
  a.querySelector('.ak-toc-page').textContent = page === undefined ? '' : String(page); })"""
MAX_PRINTS = 3  # the page numbers of the second print are those of the first unless the contents re-flowed
TOC = re.compile(r'<nav class="ak-toc">.*?</nav>', re.S)
TOC_LINK = re.compile(r'<a href="#(?P<id>[^"]+)">(?P<text>.*?)</a>', re.S)
PLACEHOLDER = "00"  # a page number's width in the first print
CHAPTER = re.compile(r'<h1 class="(?:ak-stage|ak-unnumbered)" id="(?P<id>[^"]+)"')  # chapters and appendices


class PdfError(RuntimeError):
    """Chromium failed to print the report, or its contents' page numbers did not settle."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: $AUDITKIT_CHROMIUM, else the first found on the PATH."""
    if os.environ.get("AUDITKIT_CHROMIUM"):
        return os.environ["AUDITKIT_CHROMIUM"]
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


def write_pdf(html_text: str, pdf_path: Path, base_dir: Path, client: str) -> dict:
    """Print the report HTML to `pdf_path` (A4, page numbers and `client` in the footers, the
    contents with each heading's page). `base_dir`: where relative URLs of the HTML point.
    Returns the PDF's layout: {"pages": number of pages, "chapters": {id of a chapter or appendix
    heading (h1): the page it starts on, 1-based}}."""
    chromium = find_chromium()
    if chromium is None:
        return _weasyprint(html_text, Path(pdf_path), Path(base_dir))
    pages: dict[str, int] | None = None
    with _page(chromium, for_chromium(html_text, client), Path(base_dir)) as page:
        for _ in range(MAX_PRINTS):
            Path(pdf_path).write_bytes(page.pdf(prefer_css_page_size=True, print_background=True,
                                                margin=DEFAULT_MARGINS, outline=True, tagged=True))
            found = heading_pages(Path(pdf_path))
            if not TOC.search(html_text) or found == pages:
                return _layout(html_text, found, page_count(Path(pdf_path)))
            page.evaluate(FILL_TOC, found)  # each entry's placeholder becomes its heading's page
            pages = found
    raise PdfError(f"the contents' page numbers changed in each of {MAX_PRINTS} prints")


def _layout(html_text: str, first_page: dict[str, int], pages: int) -> dict:
    chapters = {m["id"]: first_page[m["id"]] for m in CHAPTER.finditer(html_text) if m["id"] in first_page}
    return {"pages": pages, "chapters": chapters}


def _weasyprint(html_text: str, pdf_path: Path, base_dir: Path) -> dict:
    from weasyprint import HTML

    document = HTML(string=html_text, base_url=str(base_dir)).render()
    document.write_pdf(str(pdf_path))
    first: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for anchor in page.anchors:
            first.setdefault(anchor, number)
    return _layout(html_text, first, len(document.pages))


def page_count(pdf_path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf_path).pages)


def for_chromium(html_text: str, client: str) -> str:
    """The report HTML as Chromium prints it: chromium.css and the client's name for the footers,
    and each contents entry with a placeholder of a page number's width (FILL_TOC writes the pages
    into the loaded page once the first print has given them)."""
    style = (CHROMIUM_CSS.read_text(encoding="utf-8")
             + f"@page {{ @bottom-left {{ content: {css_string(client)}; }} }}"
             + "@page :first { @bottom-left { content: none; } }")

    def entry(m):
        return (f'<a href="#{m["id"]}"><span class="ak-toc-text">{m["text"]}</span>'
                f'<span class="ak-toc-dots"></span><span class="ak-toc-page">{PLACEHOLDER}</span></a>')

    text = TOC.sub(lambda m: TOC_LINK.sub(entry, m[0]), html_text, count=1)
    return text.replace("</head>", f"<style>{style}</style></head>", 1)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that cannot end the string or the <style> element."""
    return '"' + "".join(f"\\{ord(c):x} " if c in '\\"<>' or not c.isprintable() else c for c in text) + '"'


@contextmanager
def _page(chromium: str, html_text: str, base_dir: Path) -> Iterator:
    """The report loaded in a headless Chromium tab (Playwright's Page), from a file beside the
    report so that relative URLs resolve as in the HTML; a browser of its own, so that parallel
    runs never share one. Playwright's errors become PdfError."""
    from playwright.sync_api import Error, sync_playwright

    path = base_dir / f".print-{secrets.token_hex(4)}.html"
    path.write_text(html_text, encoding="utf-8")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                                 timeout=CHROMIUM_TIMEOUT_S * 1000)
            try:
                page = browser.new_page()
                page.set_default_timeout(CHROMIUM_TIMEOUT_S * 1000)
                page.goto(path.resolve().as_uri(), wait_until="load")
                yield page
            finally:
                browser.close()
    except Error as e:
        raise PdfError(f"{chromium} could not print the report: {str(e).strip()[-500:]}") from e
    finally:
        path.unlink(missing_ok=True)


def heading_pages(pdf_path: Path) -> dict[str, int]:
    """Anchor -> page number (1 = first) of every named destination in a Chromium PDF (Chromium
    names one after the id of each element a link of the document points to)."""
    from pypdf import PdfReader

    reader = PdfReader(pdf_path)
    return {str(name).lstrip("/"): reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()}
