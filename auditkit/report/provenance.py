"""The appendix "How this report was made": the run id, each input file with its rows and SHA-256,
auditkit's and the key packages' versions, the norms in force (named and formatted in the report's
language, the parameter file's key beside each) and the parameter file as run
(secrets hidden), all read from the run's provenance/ folder (auditkit.inputs.provenance)."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from auditkit.i18n import Locale
from auditkit.inputs.params import AuditParams
from auditkit.inputs.provenance import read_provenance
from auditkit.inputs.read import AuditData
from auditkit.plan.catalogue import by_id
from auditkit.report.html import esc

ANCHOR = "appendix-provenance"


@cache
def norm_formats() -> dict[str, dict[str, dict]]:
    """stage -> norm -> {"fmt": value format, "names": catalogue prefix or absent} (data/norm_formats.yaml)."""
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/norm_formats.yaml").read_text("utf-8"))
    return {stage: {key: spec if isinstance(spec, dict) else {"fmt": spec} for key, spec in norms.items()}
            for stage, norms in raw.items()}


def _named(value, names: str | None, loc: Locale) -> str:
    """A text value, list item or mapping key named by the catalogue under `names`, else as written."""
    return loc.t(f"{names}{value}") if names and loc.has(f"{names}{value}") else str(value)


def norm_text(value, fmt: str, loc: Locale, names: str | None = None) -> str:
    """A norm's value as the report shows that measure: '80.0%', '14 d', '3.0×', '+30'; a list in its
    order ('New → Qualification'), a mapping as 'New 10.0%; Proposal 40.0%'; a text value, a list's
    items and a mapping's keys named by the catalogue under `names` where it has them; '—' when not set."""
    def shown(v) -> str:
        return _named(v, names, loc) if fmt == "text" else loc.value(v, fmt)

    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, dict):  # "; ": a decimal comma (ru, pl) must not read as the separator; a name keeps its value
        return "; ".join(f"{_named(k, names, loc)}\u00a0{loc.value(v, fmt)}" for k, v in value.items())
    if isinstance(value, list):
        return " → ".join(shown(v) for v in value)
    return shown(value)


def named_norm(key: str, loc: Locale) -> tuple[str, Callable[[object], str]]:
    """A norm of the parameters by its dotted key (`norms.process.win_rate`, a mapping's entry
    `norms.process.stage_conversion.proposal`, `scorecard_norms.pr_win_rate`): its label in the
    report's language (i18n norms.yaml; a client scorecard norm as the scorecard names its parameter)
    and how its values are shown (data/norm_formats.yaml; the parameter's `fmt`). A key this version
    does not know (a baseline's older norm) is named and shown as written."""
    group, _, rest = key.partition(".")
    if group == "scorecard_norms":
        card = by_id().get(rest)  # a question is scored 0–100
        fmt = "text" if card is None else "number" if card.fmt == "answer" else card.fmt
        return (card.short_name(loc) if card else rest), lambda v: norm_text(v, fmt, loc)
    stage, _, name = rest.partition(".")
    name, _, entry = name.partition(".")
    spec = norm_formats().get(stage, {}).get(name)
    if spec is None:
        return rest, lambda v: norm_text(v, "text", loc)
    label = loc.t(f"norms.{stage}.{name}")
    if entry:  # one stage's conversion, one item's scale
        return f"{label} ({_named(entry, spec.get('names'), loc)})", lambda v: norm_text(v, spec["fmt"], loc)
    return label, lambda v: norm_text(v, loc=loc, **spec)


def norm_list(params: AuditParams, loc: Locale) -> list[tuple[str, str, str]]:
    """(key in the parameter file, label in the report's language, value as the report shows it) of
    every norm in force: `norms.<stage>.<key>`, then the client's `scorecard_norms.<parameter>`
    (named_norm)."""
    keys = [(f"norms.{stage}.{key}", value) for stage, norms in params.norms.model_dump(mode="json").items()
            for key, value in norms.items()]
    out = []
    for key, value in keys + [(f"scorecard_norms.{k}", v) for k, v in params.scorecard_norms.items()]:
        label, shown = named_norm(key, loc)
        out.append((key.removeprefix("norms."), label, shown(value)))
    return out


def input_rows(data: AuditData) -> dict[str, tuple[str, int]]:
    """File label (`orders.csv`, or `input_template.xlsx[orders]` for a template's sheet) → (table,
    rows after validation) of every file read; a table read from several exports gives each of its
    files with its own rows."""
    return {part.file: (table, part.rows) for table, parts in data.parts.items()
            if data.tables.get(table) is not None for part in parts}


def provenance_html(run_dir: Path, params: AuditParams, data: AuditData, loc: Locale) -> str:
    """The appendix, or '' when the run recorded no provenance (a report built outside the runner)."""
    stamp, run, as_run = read_provenance(run_dir)
    if stamp is None:
        return ""
    rows = input_rows(data)
    table_rows = []
    for name, digest in stamp["inputs"].items():
        table, n = rows.get(name) or rows.get(Path(name).name, ("", None))  # a file outside data_dir: by its path
        sheets = [(t, k) for label, (t, k) in rows.items() if label.startswith(f"{name}[")]
        if sheets:  # the input template: one line per sheet read
            table, n = ", ".join(loc.t(f"tables.{t}") for t, _ in sheets), sum(k for _, k in sheets)
        elif table:
            table = loc.t(f"tables.{table}")
        table = table[:1].upper() + table[1:]
        table_rows.append(f"<tr><td>{esc(name)}</td><td>{esc(table or '—')}</td>"
                          f"<td class='num'>{loc.number(n) if n is not None else '—'}</td>"
                          f"<td class='ak-hash'>{digest}</td></tr>")
    head = "".join(f"<th>{esc(loc.t(f'provenance.columns.{c}'))}</th>" for c in ("file", "table", "rows", "sha256"))
    versions = run.get("versions", {})
    version_line = " · ".join(f"{esc(name)} {esc(v)}" for name, v in
                              [("auditkit", stamp["auditkit"]), *versions.items()])
    norm_items = "".join(f"<li>{esc(label)}: {esc(value)} <code>{esc(key)}</code></li>"
                         for key, label, value in norm_list(params, loc))
    notebooks = ", ".join(esc(name) for name in stamp["notebooks"])
    return (f'<section class="ak-appendix ak-provenance"><h1 class="ak-unnumbered" id="{ANCHOR}">'
            f'{esc(loc.t("provenance.title"))}</h1>'
            f'<p>{esc(loc.t("provenance.intro", run=run.get("run_id", "—"), version=stamp["auditkit"]))}</p>'
            f'<h3 class="ak-subhead">{esc(loc.t("provenance.inputs"))}</h3>'
            f'<table class="ak-table ak-provenance-inputs"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(table_rows)}</tbody></table>'
            f'<p class="ak-note">{esc(loc.t("provenance.parameter_hash", sha=stamp["params"]))} '
            f'{esc(loc.t("provenance.notebooks", names=notebooks))}</p>'
            f'<h3 class="ak-subhead">{esc(loc.t("provenance.versions"))}</h3><p class="ak-note">{version_line}</p>'
            f'<h3 class="ak-subhead">{esc(loc.t("provenance.norms"))}</h3>'
            f'<ul class="ak-norms">{norm_items}</ul>'
            f'<h3 class="ak-subhead">{esc(loc.t("provenance.params"))}</h3>'
            f'<p class="ak-note">{esc(loc.t("provenance.params_note"))}</p>'
            f'<pre class="ak-params">{esc(as_run)}</pre></section>')
