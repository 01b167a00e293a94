"""`jupyter nbconvert --to html` (and JupyterLab's "Export as HTML"): an executed notebook becomes one
self-contained page, JupyterLab's without its CDN scripts (auditkit/report/templates/auditkit_notebook).
bin/setup-env links this file into the etc/jupyter folder of .venv (and of .venv-lab)."""
from pathlib import Path

c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file
c.HTMLExporter.extra_template_basedirs = [str(Path(__file__).resolve().parents[1] / "auditkit" / "report" / "templates")]
c.HTMLExporter.template_name = "auditkit_notebook"
