"""A re-audit's inputs: the earlier run it is compared with (the baseline) and the status of the
earlier action plan the client filled in (`action_plan_status.xlsx` in the data folder).

`baseline:` in the parameters is a run folder (relative to the parameter file), or `previous`: the
newest complete earlier run of the same client slug under the output folder whose audit period
ends before this one starts. A run knows its period from `results/audit.json` (written by stage 6
since re-audits exist); for older runs, from the parameter file its executed stage-6 notebook names.
A baseline that cannot be found is a ParamsError naming the key.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from auditkit.errors import ParamsError
from auditkit.i18n import LANGUAGES, Locale
from auditkit.inputs.params import AuditParams
from auditkit.inputs.read import Problem

PREVIOUS = "previous"
AUDIT_FILE = "audit.json"  # results/audit.json: what a later re-audit needs to know about this run
STATUS_FILE = "action_plan_status.xlsx"
STATUS_TABLE = "action_plan_status"
STATUSES = ("done", "in_progress", "not_started", "dropped")  # as auditkit.report.action_plan writes them
STATUS_COLUMNS = ("rank", "action", "status", "progress", "comment")
REQUIRED_STATUS_COLUMNS = ("rank", "action", "status")


@dataclass
class Baseline:
    """One earlier complete run: what it measured and planned."""

    path: Path
    metrics: dict
    scorecard: pd.DataFrame  # results/scorecard.csv
    findings: pd.DataFrame  # results/findings.csv (empty when the run had none)
    actions: pd.DataFrame  # results/action_plan.csv
    info: dict = field(default_factory=dict)  # results/audit.json (period, version, norms…), {} if absent

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        return period_of(self.info)

    @property
    def version(self) -> str | None:
        return self.info.get("auditkit_version")

    @property
    def norms(self) -> dict | None:
        return self.info.get("norms")


def period_of(info: dict) -> tuple[dt.date, dt.date] | None:
    """The audit window (start, end) an earlier run's audit info records; None when it does not."""
    p = info.get("period") or {}
    try:
        return dt.date.fromisoformat(str(p["start"])), dt.date.fromisoformat(str(p["end"]))
    except (KeyError, ValueError):
        return None


def audit_info(params: AuditParams, version: str | None) -> dict:
    """What results/audit.json records of a run: client, period, language, version and norms."""
    return {"client": params.client, "slug": params.client_slug, "language": params.language,
            "period": {"start": params.period.start.isoformat(), "end": params.period.end.isoformat()},
            "auditkit_version": version, "norms": params.norms.model_dump(mode="json"),
            "scorecard_norms": dict(params.scorecard_norms)}


def write_audit_info(run_dir: Path, info: dict) -> Path:
    path = Path(run_dir) / "results" / AUDIT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return path


def _info_from_notebook(run: Path) -> dict:
    """An older run without audit.json: the period of the parameter file its stage-6 notebook names."""
    notebook = run / "notebooks" / "06_improvement_plan.ipynb"
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return {}
    for cell in cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []) or "parameters" in cell.get(
                "metadata", {}).get("tags", []):
            m = re.search(r'params_path\s*=\s*"([^"]+)"', "".join(cell.get("source", "")))
            if m and Path(m[1]).is_file():
                try:
                    raw = yaml.safe_load(Path(m[1]).read_text(encoding="utf-8"))
                    return {"period": {k: str(v) for k, v in raw["period"].items()}, "from_params": m[1]}
                except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
                    return {}
    return {}


def _csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.EmptyDataError):
        return pd.DataFrame()


def is_complete(run: Path) -> bool:
    """A complete run folder: not hidden (.partial), not .failed, with its metrics and scorecard."""
    return (run.is_dir() and not run.is_symlink() and not run.name.startswith(".") and not run.name.endswith(".failed")
            and (run / "results" / "metrics.json").is_file() and (run / "results" / "scorecard.csv").is_file())


def run_info(run: Path) -> dict:
    """An earlier run's audit info: its results/audit.json, else what its stage-6 notebook tells."""
    info_path = Path(run) / "results" / AUDIT_FILE
    return json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else _info_from_notebook(Path(run))


def read_baseline(run: Path, info: dict | None = None) -> Baseline:
    """The earlier run `run` as a baseline (`info`: its audit info, when already read)."""
    run = Path(run).resolve()
    results = run / "results"
    info = run_info(run) if info is None else info
    return Baseline(run, json.loads((results / "metrics.json").read_text(encoding="utf-8")),
                    _csv(results / "scorecard.csv"), _csv(results / "findings.csv"),
                    _csv(results / "action_plan.csv"), info)


def output_folders(params: AuditParams, run_dir: Path | None) -> list[Path]:
    """Where the client's earlier runs are: beside this run, else (analyst mode) outputs/<slug>."""
    if run_dir is not None:
        return [Path(run_dir).resolve().parent]
    slug = params.client_slug
    return [Path.cwd() / "outputs" / slug, Path.cwd().parent / "outputs" / slug]


def previous_run(params: AuditParams, folders: list[Path], exclude: Path | None = None) -> tuple[Path, dict] | None:
    """The newest complete run in `folders` whose period ends before this audit starts (by period
    end, then by run id), with its audit info (the only file of each run read to choose)."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for run in folder.iterdir():
            if not is_complete(run) or (exclude is not None and run.resolve() == Path(exclude).resolve()):
                continue
            info = run_info(run)
            period = period_of(info)
            if period and period[1] < params.period.start:
                found.append((period[1], run.name, run, info))
    return max(found, key=lambda x: x[:2])[2:] if found else None


BASELINE_FILES = ("metrics.json", "scorecard.csv", "findings.csv", "action_plan.csv", AUDIT_FILE)  # what it reads


def baseline_run(params: AuditParams, runs_folder: Path | None) -> Path | None:
    """The run folder ``params.baseline`` names now, without reading it (None when none is named or
    none is found): `previous` among the complete runs in ``runs_folder`` (the client's output
    folder), else the folder relative to the parameter file."""
    spec = getattr(params, "baseline", None)
    if not spec:
        return None
    if spec == PREVIOUS:
        found = previous_run(params, [Path(runs_folder)]) if runs_folder is not None else None
        return found[0].resolve() if found else None
    run = _named_run(params, spec)
    return run if is_complete(run) else None


def _named_run(params: AuditParams, spec: str) -> Path:
    """The run folder a `baseline:` other than `previous` names: relative to the parameter file."""
    return ((params.source_path.parent if params.source_path else Path.cwd()) / spec).resolve()


def load_baseline(params: AuditParams, run_dir: Path | None = None) -> Baseline | None:
    """The baseline `params.baseline` names, read once (None when the parameters name none):
    `previous` is the newest earlier complete run beside `run_dir` (`previous_run`), else a run
    folder relative to the parameter file. Raises ParamsError naming `baseline` when it cannot
    be found."""
    spec = getattr(params, "baseline", None)
    if not spec:
        return None
    where = params.source_path or Path("params")
    if spec == PREVIOUS:
        folders = output_folders(params, run_dir)
        found = previous_run(params, folders, exclude=run_dir)
        if found is None:
            raise ParamsError(where, [
                f"baseline: previous: no complete earlier run of {params.client_slug!r} whose period ends before "
                f"{params.period.start} in {', '.join(str(f) for f in folders)}"])
        return read_baseline(*found)
    run = _named_run(params, spec)
    if not run.is_dir():
        raise ParamsError(where, [f"baseline: folder not found: {run}"])
    if not is_complete(run):
        raise ParamsError(where, [f"baseline: not a complete run (results/metrics.json and results/scorecard.csv "
                                  f"expected): {run}"])
    return read_baseline(run)


# ------------------------------------------------------------------------------------- status file
def _status_headers(language: str) -> dict[str, str]:
    """Header text (lower case, any report language, the report's own first) -> column."""
    out = {}
    for lang in (language, *LANGUAGES):
        loc = Locale(lang)
        for col in STATUS_COLUMNS:
            out.setdefault(loc.t(f"improvement_plan.xlsx.{col}").strip().lower(), col)
        out.setdefault(col, col)
    return out


def _status_words(language: str) -> dict[str, str]:
    out = {}
    for lang in (language, *LANGUAGES):
        loc = Locale(lang)
        for s in STATUSES:
            out.setdefault(loc.t(f"improvement_plan.xlsx.status_{s}").strip().lower(), s)
            out.setdefault(s, s)
            out.setdefault(s.replace("_", " "), s)
    return out


def read_status(path: Path, language: str = "en") -> tuple[pd.DataFrame | None, list[Problem]]:
    """The client's filled action plan: rank, action, status (done / in_progress / not_started /
    dropped, or empty), progress (0..100) and comment, one row per action as in the earlier
    action_plan.xlsx; `row` is the row number in the file (header = 1). Problems name the file,
    the row and the column as headed in the file; a row with a problem keeps no status."""
    path = Path(path)
    problems: list[Problem] = []

    def problem(code, column=None, rows=(), severity="error", **args):
        problems.append(Problem(severity, STATUS_TABLE, path.name, code, column, tuple(rows[:10]), len(rows), args))

    try:
        raw = pd.read_excel(path, dtype=object, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same problem for the client
        problem("status_unreadable", reason=f"{type(exc).__name__}: {exc}")
        return None, problems
    headers = _status_headers(language)
    columns = {}
    for header in raw.columns:
        col = headers.get(str(header).strip().lower())
        if col and col not in columns:
            columns[col] = header
    missing = [c for c in REQUIRED_STATUS_COLUMNS if c not in columns]
    if missing:
        loc = Locale(language)
        problem("status_missing_columns", columns=", ".join(loc.t(f"improvement_plan.xlsx.{c}") for c in missing),
                found=", ".join(str(h) for h in raw.columns))
        return None, problems
    raw = raw.dropna(how="all")
    rows = raw.index.to_numpy() + 2
    out = pd.DataFrame({"row": rows})
    rank = pd.to_numeric(raw[columns["rank"]], errors="coerce").to_numpy()
    bad = np.isnan(rank.astype(float))
    if bad.any():
        problem("status_not_a_number", columns["rank"], list(rows[bad]), example=str(raw[columns["rank"]].iloc[bad.argmax()]))
    out["rank"] = rank
    out["action"] = raw[columns["action"]].fillna("").astype(str).str.strip().to_numpy()
    words = _status_words(language)
    text = raw[columns["status"]].fillna("").astype(str).str.strip()
    status = text.str.lower().map(words)
    unknown = (text != "") & status.isna()
    if unknown.any():
        loc = Locale(language)
        problem("status_unknown", columns["status"], list(rows[unknown.to_numpy()]),
                seen=", ".join(sorted(set(text[unknown]))[:5]),
                allowed=", ".join(loc.t(f"improvement_plan.xlsx.status_{s}") for s in STATUSES))
    out["status"] = [s if isinstance(s, str) and not u else None for s, u in zip(status, unknown)]
    if "progress" in columns:
        given = raw[columns["progress"]]
        cleaned = given.astype(str).str.strip().str.rstrip("%").str.replace(",", ".", regex=False)
        value = pd.to_numeric(cleaned.where(given.notna()), errors="coerce")
        bad = (given.notna() & (given.astype(str).str.strip() != "")) & (value.isna() | (value < 0) | (value > 100))
        if bad.any():
            problem("status_bad_progress", columns["progress"], list(rows[bad.to_numpy()]),
                    example=str(given[bad].iloc[0]))
        out["progress"] = value.where(~bad).to_numpy(float)
    else:
        out["progress"] = np.nan
    out["comment"] = (raw[columns["comment"]].fillna("").astype(str).str.strip().to_numpy()
                      if "comment" in columns else "")
    return out, problems


def status_path(params: AuditParams) -> Path | None:
    path = params.data_dir / STATUS_FILE
    return path if path.is_file() else None
