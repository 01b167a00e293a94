"""Re-run a recorded run and report every number that differs: `auditkit reproduce <run folder>`.

The run's provenance/ folder holds its fingerprint and the parameter file as run. The inputs are
checked against their recorded SHA-256 first (a changed input cannot reproduce anything, and is
named); the parameter file is the original when its hash still matches, else the recorded copy
(with its data folder). The fresh run goes to a temporary folder and its results/metrics.json is
compared with the recorded one, number by number.
"""
from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from auditkit.inputs.fingerprint import changes, fingerprint, sha256
from auditkit.inputs.params import load_params
from auditkit.inputs.provenance import read_provenance
from auditkit.runner import NOTEBOOKS_DIR, run_client, stage_notebooks

REL_TOLERANCE = 1e-9  # floating-point noise between two runs of the same arithmetic


@dataclass
class Reproduction:
    """What a re-run found: `ok` when it ran; `differences` lists every number that differs."""

    run_dir: Path
    ok: bool = False
    failure: str = ""
    notes: list[str] = field(default_factory=list)  # what differs in how it was made (notebooks, version)
    differences: list[str] = field(default_factory=list)
    compared: int = 0


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    return a == b


def compare_metrics(recorded: dict, now: dict) -> list[str]:
    """Every metric id whose value differs, is new or is gone: "id: recorded X, now Y"."""
    out = []
    for key in sorted(set(recorded) | set(now)):
        if key not in now:
            out.append(f"{key}: recorded {recorded[key]!r}, now absent")
        elif key not in recorded:
            out.append(f"{key}: not recorded, now {now[key]!r}")
        elif not _same(recorded[key], now[key]):
            out.append(f"{key}: recorded {recorded[key]!r}, now {now[key]!r}")
    return out


def _params_to_run(run_dir: Path, stamp: dict, run: dict, as_run: str, work: Path) -> tuple[Path, str]:
    """The parameter file to re-run with, and a note on which one it is."""
    original = Path(run.get("params_path", ""))
    if original.is_file() and sha256(original) == stamp["params"]:
        return original, f"parameter file {original} (unchanged)"
    raw = yaml.safe_load(as_run)
    raw["data_dir"] = run["data_dir"]
    copy = work / original.name
    copy.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy, f"the parameter file as recorded in {run_dir / 'provenance'} ({original} changed or is gone)"


def reproduce(run_dir: Path, keep: Path | None = None) -> Reproduction:
    """Re-run `run_dir` from its recorded parameter file and inputs and compare its metrics.
    `keep`: an output folder for the fresh run (default: a temporary one, removed afterwards)."""
    run_dir = Path(run_dir).resolve()
    out = Reproduction(run_dir)
    stamp, run, as_run = read_provenance(run_dir)
    if stamp is None or not as_run:
        out.failure = f"{run_dir}: no provenance/ folder: the run was made before runs recorded how they were made"
        return out
    work = Path(tempfile.mkdtemp(prefix="auditkit-reproduce-"))
    try:
        params_path, which = _params_to_run(run_dir, stamp, run, as_run, work)
        out.notes.append(f"re-run from {which}")
        params = load_params(params_path)
        now = fingerprint(params_path, params, stage_notebooks(NOTEBOOKS_DIR), runs_folder=run_dir.parent)
        inputs_changed = changes(stamp, now, ("inputs",))
        if inputs_changed:
            out.failure = "the inputs differ from the recorded ones: " + "; ".join(inputs_changed)
            return out
        out.notes += [f"{c} since the run" for c in changes(stamp, now, ("notebooks", "auditkit", "code", "packages"))]
        result = run_client(params_path, keep or work / "outputs")
        if not result.ok:
            out.failure = f"the re-run failed: {result.failure}"
            return out
        recorded = json.loads((run_dir / "results" / "metrics.json").read_text(encoding="utf-8"))
        fresh = json.loads((result.run_dir / "results" / "metrics.json").read_text(encoding="utf-8"))
        out.ok, out.compared = True, len(set(recorded) | set(fresh))
        out.differences = compare_metrics(recorded, fresh)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)
