"""The stages measured in this kernel session: which sections a stage notebook shows, and the
metrics of the data stages computed here (silently) for an analyst's audit copy, so that the
improvement plan run by hand scores what the analyst changed rather than an earlier run."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import import_module, resources

from auditkit.report.context import Audit
from auditkit.stages import DATA_STAGES, STAGES

IMPORT = re.compile(r"from auditkit\.report\.sections import (\w+)(?: as (\w+))?")
CALL = re.compile(r"^(\w+)\.(\w+)\(audit\b", re.M)


def stage_sections(stage: str) -> list[Callable]:
    """The report sections the stage's template notebook calls, in its order (the notebook is the
    one list of what a stage shows)."""
    name = f"{STAGES.index(stage) + 1:02d}_{stage}.ipynb"
    cells = json.loads(resources.files("auditkit.notebooks").joinpath(name).read_text("utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    modules = {alias or module: import_module(f"auditkit.report.sections.{module}")
               for module, alias in IMPORT.findall(code)}
    found = []
    for alias, function in CALL.findall(code):
        fn = getattr(modules.get(alias), function, None)
        if getattr(fn, "section", None):
            found.append(fn)
    return found


def measure_stages(audit: Audit) -> dict:
    """The metrics every data stage records for `audit`'s parameters and data (its norms and filters
    included), computed in this kernel without showing anything: `<stage>.<metric>` -> value."""
    metrics = {}
    for stage in DATA_STAGES:
        quiet = Audit(stage, audit.params, audit.data, None)
        quiet.silent = True
        for run in stage_sections(stage):
            run(quiet)
        metrics.update(quiet.metrics)
    return metrics
