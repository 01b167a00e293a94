"""What a run records about how it was made, in its `provenance/` folder: the fingerprint (hashes of
the parameter file, inputs, stage notebooks, auditkit's version), the parameter file as run (parsed,
secrets hidden) and the versions of Python and the key packages. The report's appendix "How this
report was made" shows them; `auditkit reproduce` re-runs from them.
"""
from __future__ import annotations

import importlib.metadata
import json
import platform
from pathlib import Path

from auditkit.inputs.fingerprint import FINGERPRINT_FILE, fingerprint, read_fingerprint
from auditkit.inputs.params import AuditParams
from auditkit.inputs.secrets import params_as_run

FOLDER = "provenance"
PARAMS_FILE = "params.yaml"
RUN_FILE = "run.json"  # run id, the parameter file's original path, package versions
KEY_PACKAGES = ("pandas", "numpy", "scipy", "matplotlib", "seaborn", "papermill", "nbconvert", "weasyprint")


def package_versions() -> dict[str, str]:
    """Python's and the key packages' versions (a package not installed is left out)."""
    found = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def write_provenance(run_dir: Path, run_id: str, params_path: Path, params: AuditParams,
                     notebooks: list[Path]) -> dict:
    """Write provenance/{fingerprint.json, params.yaml, run.json} into the run folder; return the fingerprint."""
    folder = Path(run_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = fingerprint(params_path, params, notebooks, runs_folder=Path(run_dir).parent)
    (folder / FINGERPRINT_FILE).write_text(json.dumps(stamp, indent=1, sort_keys=True), encoding="utf-8")
    (folder / PARAMS_FILE).write_text(params_as_run(params_path), encoding="utf-8")
    run = {"run_id": run_id, "params_path": str(Path(params_path).resolve()),
           "data_dir": str(params.data_dir.resolve()), "versions": package_versions()}
    (folder / RUN_FILE).write_text(json.dumps(run, indent=1, sort_keys=True), encoding="utf-8")
    return stamp


def read_provenance(run_dir: Path) -> tuple[dict | None, dict, str]:
    """(fingerprint or None, run.json as a dict ({} if absent), the parameter file as run ('' if absent))."""
    folder = Path(run_dir) / FOLDER
    try:
        run = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        run = {}
    try:
        as_run = (folder / PARAMS_FILE).read_text(encoding="utf-8")
    except OSError:
        as_run = ""
    return read_fingerprint(run_dir), run, as_run
