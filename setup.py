"""The package list, the one thing pyproject.toml cannot say: auditkit's packages and data folders
(found, as namespace packages) plus the top-level notebooks/ as auditkit.notebooks."""
from setuptools import find_namespace_packages, setup

setup(packages=[*find_namespace_packages(include=["auditkit", "auditkit.*"]), "auditkit.notebooks"])
