"""The validated tables of one run, loaded once by the runner and read by every stage notebook.

They are pickled into `<run dir>/cache/inputs.pkl` (removed when the run ends); a notebook opened
without a run folder (an analyst in JupyterLab) loads and validates the inputs itself.
"""
from __future__ import annotations

import pickle
from pathlib import Path

from auditkit.errors import InputsError
from auditkit.inputs.params import AuditParams
from auditkit.inputs.read import AuditData, load_inputs
from auditkit.inputs.validation import describe

CACHE_FILE = "cache/inputs.pkl"


def write_cache(data: AuditData, run_dir: Path) -> Path:
    path = Path(run_dir) / CACHE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def is_cached(run_dir: Path | None) -> bool:
    return run_dir is not None and (Path(run_dir) / CACHE_FILE).is_file()


def cached_inputs(params: AuditParams, run_dir: Path | None, express: bool = False) -> AuditData:
    """The run's validated tables from the cache, else loaded now; raises InputsError on errors.

    `express`: only the checklist is needed (see `load_inputs`)."""
    if is_cached(run_dir):
        with open(Path(run_dir) / CACHE_FILE, "rb") as fh:
            return pickle.load(fh)
    data = load_inputs(params, express=express)
    if data.errors:
        raise InputsError(params.source_path, [describe(p, params.language) for p in data.errors])
    return data
