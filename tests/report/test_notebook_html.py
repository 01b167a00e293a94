"""`jupyter nbconvert --to html` of an executed notebook gives a page that loads nothing from a CDN
(lab/jupyter_nbconvert_config.py, linked into .venv by bin/setup-env; template auditkit_notebook)."""
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import REPO

JUPYTER = Path(sys.executable).with_name("jupyter")


@pytest.mark.skipif(not (Path(sys.prefix) / "etc" / "jupyter" / "jupyter_nbconvert_config.py").exists(),
                    reason="bin/setup-env links lab/jupyter_nbconvert_config.py into the environment")
def test_an_executed_notebook_exported_to_html_loads_nothing_from_a_cdn(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Stage 2 — Sales process"),
        nbformat.v4.new_code_cell("1 + 1", execution_count=1, outputs=[
            nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)])])
    path = tmp_path / "stage.ipynb"
    nbformat.write(nb, path)
    subprocess.run([str(JUPYTER), "nbconvert", "--to", "html", str(path)], cwd=REPO, check=True, capture_output=True)
    page = (tmp_path / "stage.html").read_text(encoding="utf-8")
    assert "Stage 2 — Sales process" in page and ">2<" in page.replace("\n", "")
    assert not re.findall(r'(?:src|href)="https?://', page)  # no require.js, MathJax, Mermaid or widget manager
