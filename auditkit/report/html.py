"""HTML building blocks of the report: pure functions from texts and values to HTML strings.

Client text is always escaped; numbers are formatted by the report's `Locale`. The classes
(`ak-…`) are styled by templates/auditkit_report/report.css; the export numbers the `ak-stage`
and `ak-section` headings.
"""
from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import matplotlib.pyplot as plt
import pandas as pd

from auditkit.i18n import VALUE_FORMATS, Locale

Direction = Literal["higher", "lower"]
Format = Literal["number", "decimal", "money", "pct", "days", "months", "points", "ratio", "text"]
assert set(get_args(Format)) == set(VALUE_FORMATS)


def esc(text) -> str:
    """Client text made safe for HTML (names, comments, reasons)."""
    return html.escape("" if text is None or text is pd.NA else str(text))


def is_missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


@dataclass(frozen=True)
class Kpi:
    """One row of an 'as is / norm / deviation' comparison.

    `direction`: "higher" (as is should be ≥ norm), "lower" (≤ norm), or None (no norm)."""

    metric_id: str
    value: float | None
    fmt: Format = "number"
    norm: float | None = None
    direction: Direction | None = None

    def __post_init__(self):
        if self.fmt not in VALUE_FORMATS:
            raise ValueError(f"Kpi {self.metric_id}: fmt {self.fmt!r} is not one of {VALUE_FORMATS}")
        if self.direction not in (*get_args(Direction), None):
            raise ValueError(f"Kpi {self.metric_id}: direction {self.direction!r} is not 'higher', 'lower' or None")
        if self.norm is not None and self.direction is None:
            raise ValueError(f"Kpi {self.metric_id}: a norm needs a direction")

    @property
    def meets_norm(self) -> bool | None:
        if self.norm is None or is_missing(self.value):
            return None
        return self.value >= self.norm if self.direction == "higher" else self.value <= self.norm


def stage_title(stage: str, title: str, lead: str) -> str:
    return f'<h1 class="ak-stage" id="stage-{stage}">{esc(title)}</h1><p class="ak-lead">{esc(lead)}</p>'


def heading(anchor: str, title: str) -> str:
    """A section heading (numbered when the report is assembled)."""
    return f'<h2 class="ak-section" id="{anchor}">{esc(title)}</h2>'


def paragraph(text_html: str, css: str = "") -> str:
    """A paragraph of already-safe HTML (a catalogue text filled with escaped values)."""
    return f'<p class="ak-text {css}">{text_html}</p>'


def missing(what: str, why: str) -> str:
    """'Missing data: …' and why it matters."""
    return f'<div class="ak-missing"><strong>{esc(what)}</strong> {esc(why[:1].upper() + why[1:])}</div>'


def kpi_table(rows: list[Kpi], loc: Locale, label: Callable[[str], str], heads: Mapping[str, str],
              status: Mapping[bool, str]) -> str:
    """'As is / norm / deviation / status' rows. `label(metric_id)` names a metric; `heads` gives
    the column headers (metric, as_is, norm, deviation, status); `status` the texts for met/not met."""
    body = []
    for k in rows:
        meets = k.meets_norm
        css = {True: "ak-ok", False: "ak-bad", None: ""}[meets]
        deviation = "" if meets is None else loc.deviation(k.value - k.norm, k.fmt)
        body.append(
            f'<tr class="{css}"><td>{esc(label(k.metric_id))}</td>'
            f'<td class="num">{esc(loc.value(k.value, k.fmt))}</td>'
            f'<td class="num">{"" if k.norm is None else esc(loc.value(k.norm, k.fmt))}</td>'
            f'<td class="num">{esc(deviation)}</td>'
            f'<td>{esc(status[meets]) if meets is not None else ""}</td></tr>')
    head = "".join(f"<th>{esc(heads[c])}</th>" for c in ("metric", "as_is", "norm", "deviation", "status"))
    return (f'<table class="ak-table ak-kpis ak-keep"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


KEEP_WHOLE_ROWS = 12  # a table of at most this many rows is never split across pages (report.css .ak-keep)


def table(df: pd.DataFrame, formats: Mapping[str, str | Callable], headers: list[str], loc: Locale,
          max_rows: int = 30, css: str = "", more: str = "") -> str:
    """The first `max_rows` rows of `df`, columns in `formats` order; a format is a name of
    `Locale.value` or a function value -> text. `more`: a caption under a cut table."""
    cols = list(formats)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    rows = []
    for rec in df[cols].head(max_rows).itertuples(index=False):
        cells = []
        for c, v in zip(cols, rec):
            f = formats[c]
            text = f(v) if callable(f) else loc.value(v, f)
            cls = "" if callable(f) or f == "text" else ' class="num"'
            cells.append(f"<td{cls}>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f'<p class="ak-caption">{esc(more)}</p>' if more else ""
    keep = " ak-keep" if len(rows) <= KEEP_WHOLE_ROWS else ""
    return (f'<table class="ak-table{keep} {css}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{caption}')


def group(parts: list[str], css: str) -> str:
    """Pieces of HTML in one `<div>` of class `css` (laid out together by report.css)."""
    return f'<div class="{css}">{"".join(parts)}</div>'


def figure(fig, caption: str = "", css: str = "") -> str:
    """A matplotlib figure embedded as SVG (self-contained); the figure is closed."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    return svg_figure([buf.getvalue()], caption, css)


def svg_figure(svgs: list[str], caption: str = "", css: str = "") -> str:
    """SVG drawings (text of each) embedded one under another in one figure, self-contained."""
    images = "".join(f'<img alt="" src="data:image/svg+xml;base64,{base64.b64encode(s.encode("utf-8")).decode("ascii")}"/>'
                     for s in svgs)
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="ak-figure {css}">{images}{cap}</figure>'


APPENDIX_ITEM = "ak-appendix-item"


def to_appendix(table_id: str, section_title: str, content: str, link_text: str) -> str:
    """A link in the section to `content`, which the export moves to the appendix of detailed
    tables under `section_title` (see auditkit.report.export.move_to_appendix)."""
    anchor = f"appendix-{table_id}"
    return (f'<p class="ak-caption ak-see-appendix"><a href="#{anchor}">{esc(link_text)}</a></p>'
            f'<div class="{APPENDIX_ITEM}" id="{anchor}" data-title="{esc(section_title)}">{content}</div>')
