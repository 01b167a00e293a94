"""The context of one stage notebook: the client's parameters and tables, the report's locale,
and what the stage records.

An `Audit` is opened once per stage notebook (`open_stage`). Its methods show HTML built by
`auditkit.report.html` from catalogue texts and locale-formatted values; every number it shows
through `kpis`/`record` is kept under a stable metric id for `results/metrics.json`, and every
table it shows as `results/<table id>.csv` (`auditkit.report.results`), so the report and its
data never disagree. A report section is a function `section(audit)` decorated with `@section`.

Exploring (an analyst in JupyterLab): `audit.where(segment=…, manager=…, channel=…, period=…)` and
`audit.with_norms(process={"win_rate": 0.3})` return a narrowed or re-normed copy that writes
nothing; every section takes the same as keyword arguments and returns what it showed
(`Shown`: tables as DataFrames, figures, metrics), e.g. `stage.win_rate(audit, segment="Retail")`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import functools
import warnings
from dataclasses import dataclass, field
from importlib import resources
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import yaml
from pydantic import ValidationError
from IPython.display import HTML, display

from auditkit.i18n import Locale
from auditkit.inputs.anonymise import anonymise_managers
from auditkit.inputs.cache import cached_inputs
from auditkit.inputs.params import AuditParams, Norms, Period, load_params
from auditkit.inputs.read import AuditData
from auditkit.inputs.subset import subset
from auditkit.report import html, results
from auditkit.report.html import Kpi, esc, is_missing

__all__ = ["Audit", "Kpi", "Shown", "esc", "is_missing", "open_stage", "section"]

FILTERS = ("segment", "manager", "channel", "period")


@dataclass
class Shown:
    """What a section showed: its tables (table id -> the full DataFrame, as in results/<id>.csv),
    its figures (matplotlib), the metrics it recorded (`<stage>.<metric>` -> value) and whatever
    the section function itself returned. Displaying it shows nothing more (the section already did)."""

    section: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list = field(default_factory=list)
    metrics: dict[str, object] = field(default_factory=dict)
    value: object = None

    def _ipython_display_(self) -> None:
        """Nothing: the section's output is already on the page."""

    def __repr__(self) -> str:
        return (f"Shown({self.section!r}: tables {sorted(self.tables)}, {len(self.figures)} figure(s), "
                f"{len(self.metrics)} metric(s))")


def period_of(value) -> Period:
    """An audit window from a year (2025 or "2025"), a (start, end) pair or {"start":…, "end":…}."""
    if isinstance(value, Period):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return Period(start=dt.date(int(value), 1, 1), end=dt.date(int(value), 12, 31))
    if isinstance(value, dict):
        return Period.model_validate(value)
    start, end = value
    return Period(start=pd.Timestamp(start).date(), end=pd.Timestamp(end).date())


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
        self.filters: dict[str, object] = {}  # what `where` narrowed this copy to
        self.showing: Shown | None = None  # what the running section has shown so far
        self.silent = False  # True: measure and record only, show nothing (see `measured`)

    # exploring -----------------------------------------------------------------------------
    def _copy(self, params: AuditParams, data: AuditData, filters: dict) -> Audit:
        """A copy for exploring: it writes nothing (no run folder) and records its own metrics."""
        other = Audit(self.stage, params, data, None)
        other.filters = filters
        return other

    def with_norms(self, **groups: dict) -> Audit:
        """A copy with some norms changed, per stage group, e.g. `with_norms(process={"win_rate": 0.3})`;
        validated like the parameter file (ValueError naming the key when a value is not allowed)."""
        merged = self.params.norms.model_dump()
        for group, values in groups.items():
            if group not in merged:
                raise ValueError(f"unknown norm group {group!r}; known: {', '.join(merged)}")
            unknown = sorted(set(values) - set(merged[group]))
            if unknown:
                raise ValueError(f"unknown norm(s) {', '.join(unknown)} in {group}; known: {', '.join(merged[group])}")
            merged[group] = {**merged[group], **values}
        try:
            norms = Norms.model_validate(merged)
        except ValidationError as exc:
            raise ValueError("; ".join(f"norms.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                             ) from None
        return self._copy(self.params.model_copy(update={"norms": norms}), self.data, self.filters)

    def where(self, segment=None, manager=None, channel=None, period=None) -> Audit:
        """A copy narrowed to a segment, a manager (id or name as the report shows it), a channel
        (a value or a list each; see auditkit.inputs.subset) and/or an audit window (`period`: a year,
        a (start, end) pair)."""
        if manager is not None:
            by_name = {name: mid for mid, name in self.manager_names().items()}
            names = [manager] if isinstance(manager, str) else list(manager)
            manager = [by_name.get(m, m) for m in names]
        params = self.params if period is None else self.params.model_copy(update={"period": period_of(period)})
        given = {k: v for k, v in zip(FILTERS, (segment, manager, channel, period)) if v is not None}
        return self._copy(params, subset(self.data, segment, manager, channel), {**self.filters, **given})

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

    def texts(self, prefix: str) -> Callable[..., str]:
        """`t` bound to a catalogue prefix: `audit.texts("consultancy.marketing")("cols.cac")`."""
        return lambda key, **values: self.t(f"{prefix}.{key}", **values)

    def fmt(self, value, fmt: str) -> str:
        """A value as text in one of the report's formats (see `Locale.value`), HTML-escaped."""
        return esc(self.loc.value(value, fmt))  # numbers need no escaping; client text does

    # showing -------------------------------------------------------------------------------
    def show(self, html_text: str) -> None:
        if not self.silent:
            display(HTML(html_text))

    def stage_title(self) -> None:
        self.show(html.stage_title(self.stage, self.t(".title"), self.t(".lead")))

    def heading(self, section: str) -> None:
        self.section = section
        self.show(html.heading(f"{self.stage}-{section}", self.t(f".sections.{section}.title")))
        if self.filters:
            self.note("explore.shown_for", filters=self.filter_text())

    def filter_text(self) -> str:
        """The filters of this copy as the reader sees them: «segment “Retail”, period 2025»."""
        parts = []
        for name, value in self.filters.items():
            if name == "period":
                p = period_of(value)
                shown = f"{self.loc.date(p.start)} – {self.loc.date(p.end)}"
            else:
                values = [value] if isinstance(value, str) else list(value)
                shown = ", ".join(self.loc.quote(self.manager_name(v) if name == "manager" else str(v)) for v in values)
            parts.append(f"{self.t(f'explore.filter.{name}').lower()} {shown}")
        return "; ".join(parts)

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
              css: str = "", appendix: bool = False, save: bool = True) -> None:
        """Show a table (columns in `formats`, in order) and save the full data (or `csv`) as CSV.

        `formats` maps a column to a format of `Locale.value` or a function value -> text;
        headers are `columns.<column>` texts unless `labels` gives them. `appendix` (or the table's
        id in data/report_layout.yaml): the table goes to the report's appendix of detailed
        tables, the section keeps a link to it. `save=False`: the table shows part of one the
        section saves whole under another id (no CSV of its own)."""
        if save:
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

    @contextlib.contextmanager
    def group(self, css: str):
        """Show what is shown inside the `with` block as one `<div class="{css}">`: e.g.
        "ak-side-by-side" puts a figure and a table side by side, "ak-ideal-grid" boxes two a row.
        Groups nest."""
        parts: list[str] = []
        own = self.__dict__.get("show")  # a test or a caller may have replaced `show` on the instance
        self.show = parts.append
        try:
            yield
        finally:
            if own is None:
                del self.show
            else:
                self.show = own
        self.show(html.group(parts, css))

    def figure(self, fig, caption_key: str | None = None, css: str = "", **values) -> None:
        """Embed a matplotlib figure as SVG (self-contained) and close it."""
        if self.showing is not None:
            self.showing.figures.append(fig)
        if self.silent:
            plt.close(fig)
            return
        self.show(html.figure(fig, self.t(caption_key, **values) if caption_key else "", css))

    # recording -----------------------------------------------------------------------------
    def save_csv(self, table_id: str, df: pd.DataFrame) -> None:
        self.results[table_id] = df
        if self.showing is not None:
            self.showing.tables[table_id] = df
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


def explored(audit: Audit, norms: dict | None = None, **filters) -> Audit:
    """`audit` narrowed by the filters given (`Audit.where`) and with `norms` changed: either per
    group ({"process": {"win_rate": 0.3}}) or, for short, of the audit's own stage ({"win_rate": 0.3})."""
    given = {k: v for k, v in filters.items() if v is not None}
    if given:
        audit = audit.where(**given)
    if norms:
        groups = set(Norms.model_fields)
        audit = audit.with_norms(**(norms if set(norms) <= groups else {audit.stage: norms}))
    return audit


def section(name: str, needs: tuple[str, ...] | str = (), why: str | None = None):
    """Make `fn(audit, …)` a report section: it shows the heading `<stage>.sections.<name>.title`,
    then, when a table of `needs` is missing, says so (why: `why`, default `tables_why.<table>`)
    instead of running the section. The section also takes the filters of `Audit.where`
    (segment, manager, channel, period) and `norms` (see `explored`) as keyword arguments, and
    returns what it showed (`Shown`)."""
    needs = (needs,) if isinstance(needs, str) else tuple(needs)

    def decorate(fn):
        @functools.wraps(fn)
        def run(audit: Audit, *args, segment=None, manager=None, channel=None, period=None, norms=None, **kwargs):
            audit = explored(audit, norms, segment=segment, manager=manager, channel=channel, period=period)
            shown, outer = Shown(name), audit.showing
            before = dict(audit.metrics)
            audit.showing = shown
            try:
                audit.heading(name)
                absent = [t for t in needs if audit.data.tables.get(t) is None]
                if absent:
                    audit.missing(absent, why or f"tables_why.{absent[0]}")
                else:
                    shown.value = fn(audit, *args, **kwargs)
            finally:
                audit.showing = outer
            shown.metrics = {k: v for k, v in audit.metrics.items() if before.get(k, ...) != v}
            return shown

        run.section, run.needs = name, needs
        return run

    return decorate


def find_params(path: str | Path) -> Path:
    """A parameter file's path: as given when it exists (or is absolute), else the first match
    relative to a folder above the working directory — so "params/demo.yaml" works from the project
    root and from notebooks/ alike."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    return next((folder / path for folder in Path.cwd().parents if (folder / path).exists()), path)


def injected_params(namespace: dict | None) -> dict:
    """The parameter-file keys found in a notebook's namespace: papermill's `-f params/<client>.yaml`
    injects each top-level key of the file as a variable (relative data_dir: against params_path's folder)."""
    fields = set(AuditParams.model_fields) - {"source_path"}
    return {k: v for k, v in (namespace or {}).items() if k in fields}


def open_stage(stage: str, params_path: str | Path, run_dir: str | Path | None = None,
               namespace: dict | None = None) -> Audit:
    """Open a stage notebook's audit: parameters, validated inputs, chart theme; show the stage title.
    `namespace`: the notebook's `globals()`, whose parameter keys (injected by papermill `-f`)
    override the file's."""
    from auditkit.report.charts import use_theme

    warnings.filterwarnings("ignore", module="seaborn|matplotlib|pandas")
    params = load_params(find_params(params_path), injected_params(namespace))
    run_dir = Path(run_dir) if run_dir else None
    data = cached_inputs(params, run_dir)
    if params.anonymise_managers and run_dir is not None:
        anonymise_managers(data)
    audit = Audit(stage, params, data, run_dir)
    use_theme(audit.loc)
    audit.stage_title()
    return audit
