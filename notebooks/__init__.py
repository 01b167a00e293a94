"""The stage template notebooks. Installed, this folder is the package ``auditkit.notebooks`` (see
pyproject.toml), so the runner finds the notebooks with importlib.resources wherever auditkit is."""
