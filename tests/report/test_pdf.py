"""The report's PDF: Chromium's two prints (the contents' page numbers from the first), the
footer's client name as a CSS string, and the WeasyPrint route where no Chromium is installed."""
from __future__ import annotations

import re

import pytest

from auditkit.report import pdf

TOC_HTML = ('<html><head><title>t</title></head><body><nav class="ak-toc"><h1>Contents</h1><ol>'
            '<li class="l1"><a href="#one">1. One</a></li><li class="l2"><a href="#two">1.1 Two &amp; more</a></li>'
            '</ol></nav>{body}</body></html>')


def test_for_chromium_writes_each_entry_with_a_placeholder_page_and_the_footer():
    """The first print's contents: each entry with a placeholder of a page number's width (the pages
    themselves are written into the loaded page: see the Chromium test below)."""
    text = pdf.for_chromium(TOC_HTML.format(body=""), 'A "B" </style>')
    assert '<a href="#one"><span class="ak-toc-text">1. One</span><span class="ak-toc-dots"></span>' \
           f'<span class="ak-toc-page">{pdf.PLACEHOLDER}</span></a>' in text
    assert '<span class="ak-toc-text">1.1 Two &amp; more</span><span class="ak-toc-dots"></span>' \
           f'<span class="ak-toc-page">{pdf.PLACEHOLDER}</span>' in text
    assert text.count(f'<span class="ak-toc-page">{pdf.PLACEHOLDER}</span>') == 2
    assert text.count("<style>") == 1 and "</style></head>" in text
    assert 'content: "A \\22 B\\22  \\3c /style\\3e ";' in text  # cannot end the string nor the style


def test_css_string_keeps_letters_and_escapes_quotes_and_angle_brackets():
    assert pdf.css_string("ООО «Ромашка»") == '"ООО «Ромашка»"'
    assert pdf.css_string('a\\b"<') == '"a\\5c b\\22 \\3c "'


def _pages_text(path):
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


BODY = ('<h1 id="one" style="break-before: page">One</h1><p>first</p>'
        '<h2 id="two" style="break-before: page">Two</h2><p>second</p>'
        '<h2 id="three" style="break-before: page">Three</h2>')


@pytest.mark.e2e
@pytest.mark.skipif(pdf.find_chromium() is None, reason="no Chromium installed (bin/setup-env installs it)")
def test_chromium_prints_the_contents_with_the_page_of_each_heading(tmp_path):
    html = TOC_HTML.replace('<li class="l2"><a href="#two">1.1 Two &amp; more</a></li>',
                            '<li class="l2"><a href="#two">Two</a></li><li class="l2"><a href="#three">Three</a></li>')
    pdf.write_pdf(html.format(body=BODY), tmp_path / "r.pdf", tmp_path, "Client")
    assert pdf.heading_pages(tmp_path / "r.pdf") == {"one": 2, "two": 3, "three": 4}
    pages = _pages_text(tmp_path / "r.pdf")
    for title, page in (("One", 2), ("Two", 3), ("Three", 4)):  # the dotted leader, then the page
        assert re.search(rf"{title} \.+ ?{page}$", pages[0], re.M), pages[0]
    assert "Client" not in pages[0] and pages[1].startswith("Client")  # the footer, not on the first page
    assert not list(tmp_path.glob(".print-*"))  # the printed copies are removed


@pytest.mark.e2e
def test_without_chromium_weasyprint_prints_the_same_html(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    pdf.write_pdf(TOC_HTML.format(body=BODY), tmp_path / "r.pdf", tmp_path, "Client")
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Three" in _pages_text(tmp_path / "r.pdf")[-1]
