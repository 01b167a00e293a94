"""The body of the demo report (the executive summary and the six chapters) fits in 30 A4 pages in
English: the page on which the first appendix starts minus the page of the executive summary, as
the PDF export laid them out (results/report_pages.json, written with the PDF from the same
WeasyPrint document, so no PDF reader is needed)."""
from __future__ import annotations

import json

import pytest

BODY_PAGES_MAX = 30  # issue 11: the body in English


@pytest.mark.e2e  # the demo client's whole audit
@pytest.mark.xdist_group("demo")  # shares conftest.demo_run with the other demo tests
def test_the_demo_report_body_fits_in_thirty_pages(demo_run):
    layout = json.loads((demo_run.run_dir / "results" / "report_pages.json").read_text(encoding="utf-8"))
    chapters = layout["chapters"]
    summary, appendix = chapters["executive-summary"], chapters["appendix-data-quality"]
    assert list(chapters)[0] == "executive-summary"  # the body starts with the summary …
    assert min(p for c, p in chapters.items() if c.startswith("appendix")) == appendix  # … and ends at the appendix
    assert all(summary <= p < appendix for c, p in chapters.items() if c.startswith("stage-"))
    body = appendix - summary
    assert body <= BODY_PAGES_MAX, f"the body is {body} pages (pages {summary}–{appendix - 1}), at most {BODY_PAGES_MAX}"
    assert layout["pages"] > appendix  # the count is of this PDF: the appendices follow the body
