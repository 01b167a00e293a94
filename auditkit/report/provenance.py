"""The appendix "How this report was made": the run id, each input file with its rows and SHA-256,
auditkit's and the key packages' versions, the norms in force (named in the report's language, the
parameter file's key beside each) and the parameter file as run
(secrets hidden), all read from the run's provenance/ folder (auditkit.inputs.provenance)."""
from __future__ import annotations

from pathlib import Path

from auditkit.i18n import Locale
from auditkit.inputs.params import AuditParams
from auditkit.inputs.provenance import read_provenance
from auditkit.inputs.read import AuditData
from auditkit.plan.catalogue import by_id
from auditkit.report.html import esc

ANCHOR = "appendix-provenance"


def _flat(prefix: str, value) -> list[tuple[str, str]]:
    """Nested norms as (dotted key, value as the parameter file writes it)."""
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        return [pair for k, v in value.items() for pair in _flat(f"{prefix}{k}.", v)]
    if isinstance(value, dict):
        return [(f"{prefix}{k}", _text(v)) for k, v in value.items()]
    return [(prefix.rstrip("."), _text(value))]


def _text(value) -> str:
    """A value as the parameter file writes it; "—" when it is not set (none, an empty list or mapping)."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)


def norm_list(params: AuditParams, loc: Locale) -> list[tuple[str, str, str]]:
    """(key in the parameter file, label in the report's language, value as the file writes it) of
    every norm in force: `norms.<stage>.<key>` named by the catalogue (i18n norms.yaml), then the
    client's `scorecard_norms.<parameter>` named as the scorecard names the parameter."""
    out = [(key, loc.t(f"norms.{key}"), value) for key, value in _flat("", params.norms.model_dump(mode="json"))]
    cards = by_id()
    return out + [(f"scorecard_norms.{k}", cards[k].short_name(loc) if k in cards else k, _text(v))
                  for k, v in params.scorecard_norms.items()]


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
