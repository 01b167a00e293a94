"""The template notebooks as git holds them: no outputs (a client's numbers must never be committed),
the kernel "auditkit", one heading per section (the section shows its own), the explore or what-if
panel in a `widget` cell (never in a client report), and JupyterLab's pre-save hook that strips them."""
from __future__ import annotations

import json
import runpy
from types import SimpleNamespace

import pytest

from helpers import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
STAGE_NOTEBOOKS = [p for p in NOTEBOOKS if p.name[:2].isdigit()]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_template_notebook_carries_no_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i + 1 for i, c in enumerate(notebook["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} carry outputs; clear them (JupyterLab: Edit > Clear Outputs "
                       "of All Cells; bin/lab strips them on save)")
    assert "widgets" not in notebook["metadata"], f"{path.name}: widget state saved in the notebook"
    assert notebook["metadata"]["kernelspec"]["name"] == "auditkit"


@pytest.mark.parametrize("path", STAGE_NOTEBOOKS, ids=lambda p: p.name)
def test_stage_notebook_has_one_heading_per_section_and_a_panel(path):
    markdown = ["".join(c["source"]) for c in cells(path) if c["cell_type"] == "markdown"]
    assert not [m for m in markdown if m.startswith("## ")], "a section heading in markdown repeats the section's own"
    panels = [c for c in cells(path) if "widget" in c["metadata"].get("tags", [])]
    assert len(panels) == 1 and ("explore(audit)" in "".join(panels[0]["source"])
                                 or "what_if(audit, plan)" in "".join(panels[0]["source"]))
    assert "audit.where(" in markdown[0] or "What if" in markdown[0]  # documented in the first cell


def test_lab_pre_save_hook_strips_template_notebooks_only():
    settings = SimpleNamespace(FileContentsManager=SimpleNamespace(), KernelSpecManager=SimpleNamespace(),
                               MappingKernelManager=SimpleNamespace())
    config = runpy.run_path(str(REPO / "lab" / "jupyter_server_config.py"), init_globals={"get_config": lambda: settings})
    assert settings.FileContentsManager.pre_save_hook is config["strip_template_outputs"]
    assert settings.MappingKernelManager.default_kernel_name == "auditkit"
    hook = config["strip_template_outputs"]

    def model():
        return {"type": "notebook", "content": {"metadata": {"widgets": {"state": {}}}, "cells": [
            {"cell_type": "code", "execution_count": 3, "outputs": [{"output_type": "stream"}], "metadata": {}},
            {"cell_type": "markdown", "metadata": {}, "source": "# x"}]}}

    template = model()
    hook(template, "notebooks/02_process.ipynb")
    code = template["content"]["cells"][0]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert "widgets" not in template["content"]["metadata"]
    kept = model()
    hook(kept, "outputs/demo/my_analysis.ipynb")  # an analyst's own copy keeps its outputs
    assert kept["content"]["cells"][0]["outputs"] and "widgets" in kept["content"]["metadata"]
