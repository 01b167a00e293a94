"""The context of one stage notebook: the client's parameters and tables, the report's locale,
and what the stage records.

An `Audit` is opened once per stage notebook (`open_stage`). Its methods show HTML built by
`auditkit.report.html` from catalogue texts and locale-formatted values; every number it shows
through `kpis`/`record` is kept under a stable metric id for `results/metrics.json`, and every
table it shows as `results/<table id>.csv` (`auditkit.report.results`), so the report and its
data never disagree. A report section is a function `section(audit)` decorated with `@section`.
"""
from __future__ import annotations

import fnmatch
import functools
import warnings
from importlib import resources
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml
from IPython.display import HTML, display

from auditkit.i18n import Locale
from auditkit.inputs.anonymise import anonymise_managers
from auditkit.inputs.cache import cached_inputs
from auditkit.inputs.params import AuditParams, load_params
from auditkit.inputs.read import AuditData
from auditkit.report import html, results
from auditkit.report.html import Kpi, esc, is_missing

__all__ = ["Audit", "Kpi", "esc", "is_missing", "open_stage", "section"]


class Audit:
    """One stage notebook's view of a client's audit: data, locale, and what it has recorded."""

    def __init__(self, stage: str, params: AuditParams, data: AuditData, run_dir: Path | None):
        self.stage, self.params, self.data = stage, params, data
        self.loc = Locale(params.language, params.currency)
        self.run_dir = Path(run_dir) if run_dir else None
        self.metrics: dict[str, object] = {}
        self.results: dict[str, pd.DataFrame] = {}
        self.section: str | None = None  # the section being shown (set by its heading)
        self.start = pd.Timestamp(params.period.start)
        self.end = pd.Timestamp(params.period.end) + pd.Timedelta(hours=23, minutes=59, seconds=59)

    def manager_names(self) -> dict[str, str]:
        """manager_id -> name as the report shows it (codes M01… when the client asked for anonymity)."""
        managers = self.data.tables.get("managers")
        if managers is None:
            return {}
        return dict(zip(managers["manager_id"], managers["name"].fillna(managers["manager_id"])))

    def manager_name(self, manager_id) -> str:
        """A manager as the report names them; a missing id (sales or deals credited to nobody, a
        row of its own in every breakdown by manager) is «no manager specified»."""
        if is_missing(manager_id):
            return self.t("report.no_manager")
        return str(self.manager_names().get(manager_id, manager_id))

    # texts ---------------------------------------------------------------------------------
    def key(self, key: str) -> str:
        """A catalogue key; one starting with '.' is relative to this stage ('.text.x' -> '<stage>.text.x')."""
        return self.stage + key if key.startswith(".") else key

    def t(self, key: str, **values) -> str:
        return self.loc.t(self.key(key), **values)

    def fmt(self, value, fmt: str) -> str:
        """A value as text in one of the report's formats (see `Locale.value`), HTML-escaped."""
        return esc(self.loc.value(value, fmt))  # numbers need no escaping; client text does

    # showing -------------------------------------------------------------------------------
    def show(self, html_text: str) -> None:
        display(HTML(html_text))

    def stage_title(self) -> None:
        self.show(html.stage_title(self.stage, self.t(".title"), self.t(".lead")))

    def heading(self, section: str) -> None:
        self.section = section
        self.show(html.heading(f"{self.stage}-{section}", self.t(f".sections.{section}.title")))

    def paragraph(self, key: str, css: str = "", **values) -> None:
        """A translated paragraph; values are formatted strings and are escaped."""
        self.show(html.paragraph(self.t(key, **{k: esc(v) for k, v in values.items()}), css))

    def note(self, key: str, **values) -> None:
        self.paragraph(key, css="ak-note", **values)

    def missing(self, tables: list[str], why_key: str) -> None:
        """Say which input tables are missing and why that matters (a finding)."""
        names = ", ".join(self.t(f"tables.{t}") for t in tables)
        self.show(html.missing(self.t("report.missing_data", tables=names), self.t(why_key)))
        for table in tables:
            self.metrics[f"{self.stage}.missing.{table}"] = True

    def record(self, metric_id: str, value) -> None:
        """Store a scalar under `<stage>.<metric_id>` for results/metrics.json."""
        self.metrics[f"{self.stage}.{metric_id}"] = results.jsonable(value)

    def kpis(self, rows: list[Kpi]) -> None:
        """Show 'as is / norm / deviation' for a list of metrics and record every value (and norm)."""
        for k in rows:
            self.record(k.metric_id, k.value)
            if k.norm is not None:
                self.record(k.metric_id + ".norm", k.norm)
        heads = {c: self.t(f"report.kpi_head.{c}") for c in ("metric", "as_is", "norm", "deviation", "status")}
        status = {True: self.t("report.meets_norm"), False: self.t("report.below_norm")}
        self.show(html.kpi_table(rows, self.loc, lambda metric_id: self.t(f".metrics.{metric_id}"), heads, status))

    def table(self, table_id: str, df: pd.DataFrame, formats: dict[str, str | Callable],
              labels: dict[str, str] | None = None, max_rows: int = 30, csv: pd.DataFrame | None = None,
              css: str = "", appendix: bool = False) -> None:
        """Show a table (columns in `formats`, in order) and save the full data (or `csv`) as CSV.

        `formats` maps a column to a format of `Locale.value` or a function value -> text;
        headers are `columns.<column>` texts unless `labels` gives them. `appendix` (or the table's
        id in data/report_layout.yaml): the table goes to the report's appendix of detailed
        tables, the section keeps a link to it."""
        self.save_csv(table_id, df if csv is None else csv)
        labels = labels or {}
        headers = [labels.get(c) or self.t(f"columns.{c}") for c in formats]
        more = ""
        if len(df) > max_rows:
            more = self.t("report.rows_shown", shown=max_rows, total=self.loc.number(len(df)), file=table_id + ".csv")
        table = html.table(df, formats, headers, self.loc, max_rows, css, more)
        if appendix or in_appendix(table_id):
            title = self.t(f".sections.{self.section}.title") if self.section else self.t(".title")
            table = html.to_appendix(table_id, title, table, self.t("report.in_appendix"))
        self.show(table)

    def figure(self, fig, caption_key: str | None = None, css: str = "", **values) -> None:
        """Embed a matplotlib figure as SVG (self-contained) and close it."""
        self.show(html.figure(fig, self.t(caption_key, **values) if caption_key else "", css))

    # recording -----------------------------------------------------------------------------
    def save_csv(self, table_id: str, df: pd.DataFrame) -> None:
        self.results[table_id] = df
        if self.run_dir is not None:
            results.write_csv(self.run_dir, table_id, df)

    def finish(self) -> None:
        """Write this stage's metrics to results/metrics/<stage>.json (merged by the runner)."""
        if self.run_dir is not None:
            results.write_stage_metrics(self.run_dir, self.stage, self.metrics)


@functools.cache
def report_layout() -> dict:
    """data/report_layout.yaml: which tables go to the appendix and how much of a list the body shows."""
    return yaml.safe_load(resources.files("auditkit").joinpath("data/report_layout.yaml").read_text("utf-8"))


def appendix_tables() -> frozenset[str]:
    """The ids (or shell patterns of ids, `win_rate_by_*`) of the tables the report shows in its
    appendix (data/report_layout.yaml)."""
    return frozenset(report_layout()["appendix_tables"])


def in_appendix(table_id: str) -> bool:
    """True when data/report_layout.yaml sends the table `table_id` to the appendix."""
    return any(fnmatch.fnmatchcase(table_id, pattern) for pattern in appendix_tables())


def section(name: str, needs: tuple[str, ...] | str = (), why: str | None = None):
    """Make `fn(audit, …)` a report section: it shows the heading `<stage>.sections.<name>.title`,
    then, when a table of `needs` is missing, says so (why: `why`, default `tables_why.<table>`)
    instead of running the section."""
    needs = (needs,) if isinstance(needs, str) else tuple(needs)

    def decorate(fn):
        @functools.wraps(fn)
        def run(audit: Audit, *args, **kwargs):
            audit.heading(name)
            absent = [t for t in needs if audit.data.tables.get(t) is None]
            if absent:
                audit.missing(absent, why or f"tables_why.{absent[0]}")
                return None
            return fn(audit, *args, **kwargs)

        run.section, run.needs = name, needs
        return run

    return decorate


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

