"""JupyterLab's server configuration for auditkit (linked into .venv-lab/etc/jupyter by bin/setup-env).

The kernel: "auditkit" only (below). The template notebooks in notebooks/ are tracked in git and reach every client's run: saving one
(autosave included) writes it without outputs, execution counts or widget state, so no client's
numbers ever land in the repository (tests/test_notebooks.py fails on a template with outputs).
Save a notebook elsewhere (File > Save As, e.g. under outputs/) to keep its outputs.
"""
from pathlib import PurePosixPath

TEMPLATE_FOLDER = "notebooks"


def strip_template_outputs(model, path, **_):
    """Pre-save hook: a notebook directly in notebooks/ is saved without outputs and widget state."""
    if model.get("type") != "notebook" or PurePosixPath(path).parent.name != TEMPLATE_FOLDER:
        return
    notebook = model["content"]
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell.get("metadata", {}).pop("execution", None)


c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file
c.FileContentsManager.pre_save_hook = strip_template_outputs
# The only kernel is "auditkit" (the run environment .venv, registered by bin/setup-env --lab): this
# environment's own Python has no auditkit, so it is not offered.
c.KernelSpecManager.ensure_native_kernel = False
c.MappingKernelManager.default_kernel_name = "auditkit"
