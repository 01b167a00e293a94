"""`auditkit validate`: check a parameter file and every input table, describe all problems at once."""
from __future__ import annotations

import re
from pathlib import Path

from auditkit.i18n import Locale
from auditkit.inputs import baseline as bl
from auditkit.inputs.params import AuditParams, ParamsError, load_params
from auditkit.inputs.read import AuditData, Problem, load_inputs
from auditkit.inputs.scaffold import TEMPLATE_NAME


def describe(problem: Problem, language: str = "en") -> str:
    """One line naming the file, the rows (as numbered in the file) and the column."""
    loc = Locale(language)
    where = [problem.file]
    if problem.rows:
        rows = ", ".join(str(r) for r in problem.rows)
        more = problem.count - len(problem.rows)
        where.append(loc.t("validation.rows", rows=rows, n=problem.count or len(problem.rows))
                     + (loc.t("validation.more", n=more) if more > 0 else ""))
    if problem.column:
        where.append(loc.t("validation.column", column=problem.column))
    severity = loc.t(f"validation.{problem.severity}")
    args = {k: _values_listed(loc, v) if isinstance(v, list) else v for k, v in problem.args.items()}
    message = loc.t(f"problems.{problem.code}", **{"table": problem.key, "table_name": problem.table, **args})
    return f"{severity}: {', '.join(where)}: {message}"


def parts_lines(data: AuditData, loc: Locale) -> list[str]:
    """One line per table read from several exports: each file with its preset and rows, and the total."""
    lines = []
    for table, parts in data.parts.items():
        if len(parts) > 1:
            files = ", ".join(loc.t("validation.part" if p.preset else "validation.part_no_preset", file=p.file,
                                    preset=p.preset or "", rows=p.rows) for p in parts)
            lines.append(loc.t("validation.parts", table=table, n_files=len(parts), rows=sum(p.rows for p in parts),
                               files=files))
    return lines


def template_not_filled(params: AuditParams, data: AuditData) -> bool:
    """Whether the client's folder holds only the untouched input template of `auditkit new-client`:
    no table was given (no file, no row in the template's sheets)."""
    return (params.data_dir / TEMPLATE_NAME).is_file() and all(df is None for df in data.tables.values())


def undraft(params_path: str | Path) -> bool:
    """Remove the `draft: true` line that `auditkit new-client` wrote (comments and the rest of the file
    kept as they are); True when there was one."""
    path = Path(params_path)
    text = path.read_text(encoding="utf-8")
    kept = re.sub(r"(?m)^draft:\s*true\s*(#.*)?\n?", "", text)
    if kept == text:
        return False
    path.write_text(kept, encoding="utf-8")
    return True


def _values_listed(loc: Locale, values: list[tuple]) -> str:
    """Values with their row counts, each as “value” (n rows), or “value” → status (n rows) when a
    third item says what the value was read as; all of them, in the given order."""
    return ", ".join(loc.t("validation.value_rows_as" if len(v) > 2 and v[2] else "validation.value_rows",
                           value=v[0], n=v[1], status=v[2] if len(v) > 2 else "") for v in values)


def validate(params_path: str | Path) -> tuple[list[str], bool, AuditData | None]:
    """(lines to print, ok, data). ok is False when any problem is an error."""
    try:
        params = load_params(params_path)
    except ParamsError as exc:
        return [f"error: {exc.path}: {p}" for p in exc.problems], False, None
    data = load_inputs(params)
    loc = Locale(params.language)
    if template_not_filled(params, data):
        template = params.data_dir / TEMPLATE_NAME
        return [loc.t("validation.template_not_filled", template=str(template), folder=str(params.data_dir))], False, data
    lines = parts_lines(data, loc) + [describe(p, params.language) for p in data.problems]
    unusable = {p.table for p in data.errors if not p.rows and not p.column}  # named above: not "missing"
    for table in data.missing:
        if table not in unusable:
            lines.append(loc.t("validation.table_missing", table=table))
    for note in data.notes:
        lines.append(loc.t(f"notes.{note}"))
    reaudit, reaudit_ok = _reaudit(params, loc)
    return lines + reaudit, not data.errors and reaudit_ok, data


def _reaudit(params: AuditParams, loc: Locale) -> tuple[list[str], bool]:
    """A re-audit's own inputs, checked as `auditkit run` will read them: the earlier run that
    `baseline:` names (`previous` is looked for under ./outputs/<slug>, as a run without --output
    writes it) and the client's action_plan_status.xlsx in the data folder."""
    lines, ok = [], True
    if params.baseline:
        try:
            base = bl.load_baseline(params)
        except ParamsError as exc:
            lines += [f"{loc.t('validation.error')}: {p}" for p in exc.problems]
            ok = False
        else:
            period = base.period
            lines.append(loc.t("validation.baseline", run=str(base.path), period=(
                f"{loc.date(period[0])} — {loc.date(period[1])}" if period else "—")))
    path = bl.status_path(params)
    if path is not None:
        status, problems = bl.read_status(path, params.language)
        lines += [describe(p, params.language) for p in problems]
        ok = ok and not any(p.severity == "error" for p in problems)
        if status is not None:
            lines.append(loc.t("validation.status_read", file=path.name, n=len(status),
                               done=int((status["status"] == "done").sum())))
        if not params.baseline:
            lines.append(f"{loc.t('validation.warning')}: {loc.t('validation.status_without_baseline', file=path.name)}")
    return lines, ok
