"""What a stage notebook shows and records: headings, paragraphs, KPI comparisons, tables, charts.

An `Audit` is opened once per stage notebook. Everything it shows is HTML built from translated
texts and locale-formatted numbers (client text escaped); everything it shows as a number is also
recorded under a stable metric id in `results/metrics/<stage>.json`, and every table it shows as
`results/<table id>.csv`, so the report and its data never disagree.
"""
from __future__ import annotations

import base64
import html
import io
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display

from auditkit.i18n import Locale
from auditkit.inputs.anonymise import anonymise_managers
from auditkit.inputs.cache import cached_inputs
from auditkit.inputs.read import AuditData
from auditkit.inputs.params import AuditParams, load_params

def esc(text) -> str:
    """Client text made safe for HTML (names, comments, reasons)."""
    return html.escape("" if text is None or text is pd.NA else str(text))


@dataclass(frozen=True)
class Kpi:
    """One row of an 'as is / norm / deviation' comparison.

    `direction`: "higher" (as is should be ≥ norm), "lower" (≤ norm) or None (no norm)."""

    metric_id: str
    value: float | None
    fmt: str = "number"  # number | money | pct | days | points | ratio
    norm: float | None = None
    direction: str | None = None

    @property
    def meets_norm(self) -> bool | None:
        if self.norm is None or self.value is None or _isnan(self.value):
            return None
        return self.value >= self.norm if self.direction == "higher" else self.value <= self.norm


def _isnan(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _jsonable(x):
    if _isnan(x):
        return None
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, (pd.Timestamp,)):
        return x.date().isoformat()
    return x


class Audit:
    """One stage notebook's view of a client's audit: data, locale, and the report it writes."""

    def __init__(self, stage: str, params: AuditParams, data: AuditData, run_dir: Path | None):
        self.stage, self.params, self.data = stage, params, data
        self.loc = Locale(params.language, params.currency)
        self.run_dir = Path(run_dir) if run_dir else None
        self.metrics: dict[str, object] = {}
        self.results: dict[str, object] = {}
        self.start = pd.Timestamp(params.period.start)
        self.end = pd.Timestamp(params.period.end) + pd.Timedelta(hours=23, minutes=59, seconds=59)

    def manager_names(self) -> dict[str, str]:
        """manager_id -> name as the report shows it (codes M01… when the client asked for anonymity)."""
        managers = self.data.tables.get("managers")
        if managers is None:
            return {}
        return dict(zip(managers["manager_id"], managers["name"].fillna(managers["manager_id"])))

    # texts ---------------------------------------------------------------------------------
    def key(self, key: str) -> str:
        """A catalogue key; one starting with '.' is relative to this stage ('.text.x' -> '<stage>.text.x')."""
        return self.stage + key if key.startswith(".") else key

    def t(self, key: str, **values) -> str:
        return self.loc.t(self.key(key), **values)

    def show(self, html_text: str) -> None:
        display(HTML(html_text))

    def stage_title(self) -> None:
        self.show(f'<h1 class="ak-stage" id="stage-{self.stage}">{esc(self.t(".title"))}</h1>'
                  f'<p class="ak-lead">{esc(self.t(".lead"))}</p>')

    def heading(self, section: str) -> None:
        """A numbered section heading (numbers are given when the report is assembled)."""
        title = self.t(f".sections.{section}.title")
        self.show(f'<h2 class="ak-section" id="{self.stage}-{section}">{esc(title)}</h2>')

    def paragraph(self, key: str, css: str = "", **values) -> None:
        """A translated paragraph; values are formatted strings and are escaped."""
        text = self.t(key, **{k: esc(v) for k, v in values.items()})
        self.show(f'<p class="ak-text {css}">{text}</p>')

    def note(self, key: str, **values) -> None:
        self.paragraph(key, css="ak-note", **values)

    def missing(self, tables: list[str], why_key: str) -> None:
        """Say which input tables are missing and why that matters (a finding)."""
        names = ", ".join(self.t(f"tables.{t}") for t in tables)
        why = self.t(why_key)
        self.show(f'<div class="ak-missing"><strong>{esc(self.t("report.missing_data", tables=names))}</strong> '
                  f'{esc(why[:1].upper() + why[1:])}</div>')
        for table in tables:
            self.metrics[f"{self.stage}.missing.{table}"] = True

    # numbers -------------------------------------------------------------------------------
    def fmt(self, value, fmt: str) -> str:
        loc = self.loc
        if _isnan(value):
            return "—"
        return {
            "number": lambda v: loc.number(v),
            "decimal": lambda v: loc.number(v, 1),
            "money": lambda v: loc.money(v),
            "pct": lambda v: loc.pct(v),
            "days": lambda v: self.t("units.days", n=loc.number(v, 1 if v < 10 else 0)),
            "months": lambda v: self.t("units.months", n=loc.number(v, 1)),
            "points": lambda v: loc.points(v),
            "ratio": lambda v: self.t("units.times", n=loc.number(v, 1)),
            "text": lambda v: esc(v),
        }[fmt](value)

    def _signed(self, difference: float, fmt: str) -> str:
        """A deviation with its sign: '+4.5 pp', '−RUB 1,200', '−0.5×'."""
        if fmt == "pct":
            return self.t("units.pp", n=self.loc.points(difference * 100, 1))
        if fmt == "points":
            return self.loc.points(difference)
        sign = "+" if difference > 0 else "−" if difference < 0 else ""
        return sign + self.fmt(abs(difference), fmt)

    def record(self, metric_id: str, value) -> None:
        """Store a scalar under `<stage>.<metric_id>` for results/metrics.json."""
        self.metrics[f"{self.stage}.{metric_id}"] = _jsonable(value)

    def kpis(self, rows: list[Kpi]) -> None:
        """Show 'as is / norm / deviation' for a list of metrics and record every value."""
        body = []
        for k in rows:
            self.record(k.metric_id, k.value)
            if k.norm is not None:
                self.record(k.metric_id + ".norm", k.norm)
            meets = k.meets_norm
            status = {True: ("ak-ok", "report.meets_norm"), False: ("ak-bad", "report.below_norm"),
                      None: ("", None)}[meets]
            deviation = "" if meets is None else self._signed(k.value - k.norm, k.fmt)
            body.append(
                f'<tr class="{status[0]}"><td>{esc(self.t(f".metrics.{k.metric_id}"))}</td>'
                f'<td class="num">{self.fmt(k.value, k.fmt)}</td>'
                f'<td class="num">{"" if k.norm is None else self.fmt(k.norm, k.fmt)}</td>'
                f'<td class="num">{deviation}</td>'
                f'<td>{esc(self.t(status[1])) if status[1] else ""}</td></tr>')
        head = "".join(f"<th>{esc(self.t(f'report.kpi_head.{c}'))}</th>"
                       for c in ("metric", "as_is", "norm", "deviation", "status"))
        self.show(f'<table class="ak-table ak-kpis"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')

    # tables and charts ----------------------------------------------------------------------
    def table(self, table_id: str, df: pd.DataFrame, formats: dict[str, str | Callable],
              labels: dict[str, str] | None = None, max_rows: int = 30, csv: pd.DataFrame | None = None,
              css: str = "") -> None:
        """Show a table (columns in `formats`, in order) and save the full data as CSV.

        `formats` maps a column to a format name of `fmt` or a function value -> text;
        headers are `columns.<column>` texts unless `labels` gives them."""
        self.save_csv(table_id, df if csv is None else csv)
        labels = labels or {}
        cols = list(formats)
        head = "".join(f'<th>{esc(labels.get(c) or self.t(f"columns.{c}"))}</th>' for c in cols)
        rows = []
        for rec in df[cols].head(max_rows).itertuples(index=False):
            cells = []
            for c, v in zip(cols, rec):
                f = formats[c]
                text = esc(f(v)) if callable(f) else self.fmt(v, f)
                cls = "" if f in ("text",) or callable(f) else ' class="num"'
                cells.append(f"<td{cls}>{text}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        more = ""
        if len(df) > max_rows:
            more = f'<p class="ak-caption">{esc(self.t("report.rows_shown", shown=max_rows, total=self.loc.number(len(df)), file=table_id + ".csv"))}</p>'
        self.show(f'<table class="ak-table {css}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>{more}')

    def save_csv(self, table_id: str, df: pd.DataFrame) -> None:
        self.results[table_id] = df
        if self.run_dir is not None:
            path = self.run_dir / "results" / f"{table_id}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            df.to_csv(path, index=not isinstance(df.index, pd.RangeIndex))

    def figure(self, fig, caption_key: str | None = None, css: str = "", **values) -> None:
        """Embed a matplotlib figure as SVG (self-contained) and close it."""
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
        plt.close(fig)
        data = base64.b64encode(buf.getvalue().encode("utf-8")).decode("ascii")
        caption = f'<figcaption>{esc(self.t(caption_key, **values))}</figcaption>' if caption_key else ""
        self.show(f'<figure class="ak-figure {css}"><img alt="" src="data:image/svg+xml;base64,{data}"/>{caption}</figure>')

    # end of stage -----------------------------------------------------------------------------
    def finish(self) -> None:
        """Write this stage's metrics to results/metrics/<stage>.json (merged by the runner)."""
        if self.run_dir is None:
            return
        path = self.run_dir / "results" / "metrics" / f"{self.stage}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.metrics, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def open_stage(stage: str, params_path: str | Path, run_dir: str | Path | None = None) -> Audit:
    """Open a stage notebook's audit: parameters, validated inputs, chart theme; show the stage title."""
    from auditkit.report.charts import use_theme

    warnings.filterwarnings("ignore", module="seaborn|matplotlib|pandas")
    params = load_params(params_path)
    run_dir = Path(run_dir) if run_dir else None
    data = cached_inputs(params, run_dir)
    if params.anonymise_managers and run_dir is not None:
        anonymise_managers(data)
    audit = Audit(stage, params, data, run_dir)
    use_theme(audit.loc)
    audit.stage_title()
    return audit
