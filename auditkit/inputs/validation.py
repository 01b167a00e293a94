"""`auditkit validate`: check a parameter file and every input table, describe all problems at once."""
from __future__ import annotations

from pathlib import Path

from auditkit.i18n import Locale
from auditkit.inputs.read import AuditData, Problem, load_inputs
from auditkit.inputs.params import ParamsError, load_params


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
    message = loc.t(f"problems.{problem.code}", **problem.args)
    return f"{severity}: {', '.join(where)}: {message}"


def validate(params_path: str | Path) -> tuple[list[str], bool, AuditData | None]:
    """(lines to print, ok, data). ok is False when any problem is an error."""
    try:
        params = load_params(params_path)
    except ParamsError as exc:
        return [f"error: {exc.path}: {p}" for p in exc.problems], False, None
    data = load_inputs(params)
    loc = Locale(params.language)
    lines = [describe(p, params.language) for p in data.problems]
    unusable = {p.table for p in data.errors if not p.rows and not p.column}  # named above: not "missing"
    for table in data.missing:
        if table not in unusable:
            lines.append(loc.t("validation.table_missing", table=table))
    for note in data.notes:
        lines.append(loc.t(f"notes.{note}"))
    return lines, not data.errors, data
