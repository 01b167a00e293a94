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
