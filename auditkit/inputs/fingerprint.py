"""A run's fingerprint: what its result depends on, as SHA-256 hashes.

The fingerprint of a client is the hash of its parameter file, of every input file (the regular
files of `data_dir`, plus table and lookup files outside it), of the stage notebooks, the version
of auditkit and the hash of its code and data files (an edited formula or text changes the report
without a new version), the versions of the packages auditkit runs on, and for a re-audit the
earlier run it is compared with (its results files). Two runs with equal fingerprints compute the same report, so a batch skips a
client whose latest complete run has the fingerprint it would have now ("up to date"), and
`changes` says which of these differ when it is stale.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from functools import cache
from pathlib import Path

from auditkit.inputs.baseline import BASELINE_FILES, baseline_run
from auditkit.inputs.params import AuditParams

FINGERPRINT_FILE = "fingerprint.json"  # in a run's provenance/ folder
CHUNK = 1 << 20
PACKAGE = Path(__file__).resolve().parents[1]  # the auditkit package folder
CODE_SUFFIXES = {".py", ".yaml", ".css", ".html", ".tpl", ".j2", ".json", ".ttf", ".otf"}


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def auditkit_version() -> str:
    try:
        return importlib.metadata.version("auditkit")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@cache
def code_hash() -> str:
    """Hex SHA-256 over auditkit's own code and data files (path and bytes of each), read once per
    process: what computes, words and draws the report, apart from the notebooks."""
    digest = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def package_versions() -> dict[str, str]:
    """Version of each package auditkit requires to run (its extras aside), by name."""
    try:
        required = importlib.metadata.requires("auditkit") or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    names = sorted({re.match(r"[A-Za-z0-9_.-]+", r)[0].lower() for r in required if "extra ==" not in r})
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def input_files(params: AuditParams) -> dict[str, Path]:
    """The files a run may read, by the name the report shows: every regular, not hidden file of
    `data_dir` (by its name there) and the table and lookup files named outside it (by their path)."""
    files = {p.name: p for p in sorted(params.data_dir.iterdir()) if p.is_file() and not p.name.startswith(".")}
    for source in (part for table in params.tables for part in params.parts(table)):  # every export of a table
        for name in [source.file] + [lk.file for lk in source.lookup]:
            if not name:
                continue
            path = (params.data_dir / name)
            if path.is_file() and path.resolve().parent != params.data_dir.resolve():
                files[str(name)] = path
    return files


def fingerprint(params_path: Path, params: AuditParams, notebooks: list[Path], runs_folder: Path | None = None) -> dict:
    """What a run of these parameters depends on: {"auditkit" (version), "code" (:func:`code_hash`),
    "packages" (name: version), "params", "inputs", "notebooks"}, each file as its hex SHA-256
    (inputs and notebooks keyed by name), and for a re-audit "baseline": the earlier run it is
    compared with ({"run": its folder name, "results": name: SHA-256 of each file it reads}; the run
    None when it is not found). ``runs_folder``: the client's output folder, where `previous` is
    looked for."""
    stamp = {"auditkit": auditkit_version(), "code": code_hash(), "packages": package_versions(),
             "params": sha256(Path(params_path)),
             "inputs": {name: sha256(path) for name, path in input_files(params).items()},
             "notebooks": {nb.name: sha256(nb) for nb in notebooks}}
    if params.baseline:
        run = baseline_run(params, runs_folder)
        stamp["baseline"] = {"run": run.name if run else None, "results": {} if run is None else {
            name: sha256(run / "results" / name) for name in BASELINE_FILES if (run / "results" / name).is_file()}}
    return stamp


GROUPS = ("params", "inputs", "notebooks", "auditkit", "code", "packages", "baseline")


def changes(old: dict | None, new: dict, groups: tuple[str, ...] = GROUPS) -> list[str]:
    """What differs between a recorded fingerprint and the current one in `groups`, as short phrases
    naming the files ("orders.csv changed", "new input leads.csv", "parameter file changed"); [] when equal."""
    if not old:
        return ["its latest run recorded no fingerprint (made before runs recorded one)"]
    found = []
    if "params" in groups and old.get("params") != new["params"]:
        found.append("parameter file changed")
    for group, label in (("inputs", "input"), ("notebooks", "notebook")):
        if group not in groups:
            continue
        before, now = old.get(group) or {}, new[group]
        found += [f"{name} changed" for name in sorted(set(before) & set(now)) if before[name] != now[name]]
        found += [f"new {label} {name}" for name in sorted(set(now) - set(before))]
        found += [f"{label} {name} removed" for name in sorted(set(before) - set(now))]
    if "auditkit" in groups and old.get("auditkit") != new["auditkit"]:
        found.append(f"auditkit {old.get('auditkit')} → {new['auditkit']}")
    if "code" in groups and old.get("code") != new["code"]:  # unrecorded (an older run): not the same code
        found.append("auditkit's code or texts changed")
    if "baseline" in groups and old.get("baseline") != new.get("baseline"):
        before, now = (old.get("baseline") or {}).get("run"), (new.get("baseline") or {}).get("run")
        found.append(f"baseline run {before} → {now}" if before != now else f"baseline run {now}'s results changed")
    if "packages" in groups and "packages" in old:
        before, now = old["packages"], new["packages"]
        found += [f"{name} {before.get(name, 'missing')} → {now.get(name, 'missing')}"
                  for name in sorted(set(before) | set(now)) if before.get(name) != now.get(name)]
    return found


def read_fingerprint(run_dir: Path) -> dict | None:
    """The fingerprint a run recorded (None for a run made before fingerprints, or unreadable)."""
    try:
        return json.loads((Path(run_dir) / "provenance" / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
