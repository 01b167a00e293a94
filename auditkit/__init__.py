"""auditkit: a sales-department audit from a client's exports to a client-ready report.

The flow runs one way: parameters → inputs (read, map, validate) → metrics per stage → plan
(scorecard, findings, money at stake, actions) → report → runner → command line. The public API:

    import auditkit
    params = auditkit.load_params("params/demo.yaml")     # ParamsError names every bad key
    data = auditkit.load_inputs(params)                   # validated tables; data.problems
    lines, ok, _ = auditkit.validate("params/demo.yaml")  # what `auditkit validate` prints
    result = auditkit.run_client("params/demo.yaml")      # HTML + PDF report; result.report_pdf

Names are imported on first use, so `import auditkit` stays fast.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import os

# numpy asks Linux for transparent huge pages for every array of 4 MB or more. On this project's
# machines (THP and its defrag both "madvise") each such array then waits for memory compaction:
# with them, stage analysis at 4x the benchmark's size spent 1.0 s of 2.7 s in the kernel, and stage 1
# on 4M order lines took about 4 s more cpu (benchmarks/run.py "scale", "stage1"); the demo's arrays
# stay under 4 MB. Set before numpy is first imported: here, and so in every notebook kernel the
# runner starts (a kernel inherits it). A setting of one's own wins.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

_API = {
    "load_params": "auditkit.inputs.params",
    "load_inputs": "auditkit.inputs.read",
    "validate": "auditkit.inputs.validation",
    "run_client": "auditkit.runner",
    "run_batch": "auditkit.runner",
    "RunResult": "auditkit.runner",
    "open_stage": "auditkit.report.context",
    "AuditkitError": "auditkit.errors",
    "ParamsError": "auditkit.errors",
    "InputsError": "auditkit.errors",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    if name == "__version__":
        return importlib.metadata.version("auditkit")
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'auditkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
