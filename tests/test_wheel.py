"""The built wheel carries everything a run needs (the notebooks from the top-level notebooks/,
translations, data catalogues, report templates) and nothing of the work tree (tests, .venv), and
an unpacked wheel finds its notebooks and data through importlib.resources, not the source tree.

The wheel is built from a copy of the work tree (without .git, .venv, build/, generated data), so a
stale build/ folder cannot hide a missing file and the work tree is left as it was."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import REPO

SKIP_AT_ROOT = {".git", ".venv", "build", "dist", "data", "outputs", ".pytest_cache"}
SKIP_ANYWHERE = ("__pycache__", ".ipynb_checkpoints", "*.egg-info")


def _copy_tree(dest: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(shutil.ignore_patterns(*SKIP_ANYWHERE)(folder, names))
        return skipped | (SKIP_AT_ROOT & set(names) if Path(folder) == REPO else set())

    shutil.copytree(REPO, dest, ignore=ignore)
    # a virtual environment beside the sources, as a developer has one: it must stay out of the wheel
    (dest / ".venv" / "lib" / "site-packages" / "auditkit_stray").mkdir(parents=True)
    (dest / ".venv" / "lib" / "site-packages" / "auditkit_stray" / "__init__.py").write_text("")
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = _copy_tree(tmp_path_factory.mktemp("src") / "auditkit-src")
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--no-index", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, cwd=out)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("auditkit-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def _expected(pattern: str, base: Path, prefix: str) -> set[str]:
    found = {prefix + p.relative_to(base).as_posix() for p in base.glob(pattern) if p.is_file()}
    assert found, f"nothing matches {pattern} in {base}"
    return found


def test_wheel_carries_the_notebooks_from_the_top_level_folder(names):
    notebooks = _expected("*.ipynb", REPO / "notebooks", "auditkit/notebooks/")
    assert {f"auditkit/notebooks/{n}" for n in ("express_report.ipynb", "express_checklist.ipynb")} <= notebooks
    assert len([n for n in notebooks if n.split("/")[-1][:2].isdigit()]) == 6
    assert notebooks | {"auditkit/notebooks/__init__.py"} <= names, sorted(notebooks - names)


def test_wheel_carries_translations_data_and_templates(names):
    package = REPO / "auditkit"
    for pattern, base in (("*/*.yaml", package / "i18n"), ("**/*", package / "data"),
                          ("**/*", package / "report" / "templates")):
        expected = _expected(pattern, base, base.relative_to(REPO).as_posix() + "/")
        assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"


def test_wheel_carries_every_module(names):
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "auditkit").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert modules - names == set()


def test_wheel_holds_nothing_of_the_work_tree(names):
    tops = {n.split("/")[0] for n in names}
    assert tops == {"auditkit", "auditkit-0.1.0.dist-info"}, tops
    assert not [n for n in names if "__pycache__" in n or ".ipynb_checkpoints" in n or n.endswith(".pyc")]


def test_wheel_declares_the_command(wheel):
    with zipfile.ZipFile(wheel) as zf:
        entry_points = zf.read("auditkit-0.1.0.dist-info/entry_points.txt").decode()
    assert "auditkit = auditkit.cli:main" in entry_points


def test_unpacked_wheel_finds_its_files_from_any_folder(wheel, tmp_path):
    """The unpacked wheel first on the path (before the editable install), run from an unrelated
    folder: the notebooks, translations, catalogues and templates all come from inside it."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = """
import json
from pathlib import Path
import auditkit
from auditkit.runner import NOTEBOOKS_DIR, EXPRESS_NOTEBOOK, stage_notebooks
from auditkit.report.export import TEMPLATES
from auditkit.i18n import catalogue
from auditkit.inputs.checklist import load_checklist
from auditkit.inputs.contracts import contracts
from auditkit.inputs.presets import preset_names
import numpy as np
from auditkit.inputs import demo
from auditkit.plan.recommendations import catalogue as recommendations
print(json.dumps({
    "package": auditkit.__file__, "notebooks": str(NOTEBOOKS_DIR), "templates": str(TEMPLATES),
    "stages": [p.name for p in stage_notebooks()], "express": (NOTEBOOKS_DIR / EXPRESS_NOTEBOOK).is_file(),
    "texts": {lang: len(catalogue(lang)) for lang in ("en", "ru", "pl")},
    "questions": len(load_checklist()["questions"]), "contracts": len(contracts()),
    "presets": len(preset_names()), "recommendations": len(recommendations()),
    "demo_checklist": len(demo._checklist(np.random.default_rng(0))),
}))
"""
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    for key in ("package", "notebooks", "templates"):
        assert Path(found[key]).is_relative_to(site), (key, found[key])
    assert len(found["stages"]) == 6 and found["express"]
    assert all(found["texts"].values()) and found["questions"] == found["demo_checklist"] > 0
    assert found["contracts"] and found["presets"] and found["recommendations"]
