"""The public API of `import auditkit`: a small set of names, importable lazily."""
import subprocess
import sys

import pytest

import auditkit
from helpers import REPO


def test_every_public_name_resolves():
    for name in auditkit.__all__:
        assert getattr(auditkit, name) is not None, name
    assert set(auditkit.__all__) >= {"load_params", "load_inputs", "validate", "run_client", "run_batch",
                                      "open_stage", "AuditkitError", "ParamsError", "InputsError"}


def test_errors_share_one_base():
    for name in ("ParamsError", "InputsError"):
        assert issubclass(getattr(auditkit, name), auditkit.AuditkitError)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        auditkit.no_such_thing  # noqa: B018


def test_import_auditkit_does_not_load_the_runner_or_notebook_machinery():
    code = "import sys, auditkit; print(any(m.startswith(('papermill', 'weasyprint', 'auditkit.runner')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_readme_example_validates_the_demo():
    params = auditkit.load_params(REPO / "params" / "demo.yaml")
    data = auditkit.load_inputs(params)
    assert not data.errors
    lines, ok, _ = auditkit.validate(REPO / "params" / "demo.yaml")
    assert ok, lines
    assert auditkit.__version__


@pytest.mark.parametrize("given, used", [(None, False), ("1", True)])
def test_import_auditkit_turns_numpy_huge_pages_off_unless_one_set_them(given, used):
    """numpy's madvise of huge pages costs the kernel's memory compaction on this project's machines
    (auditkit/__init__.py): auditkit turns it off before numpy is imported, for itself and the
    kernels it starts; an explicit NUMPY_MADVISE_HUGEPAGE wins."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if given is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = given
    code = ("import os, auditkit.metrics.process; from numpy._core import multiarray; "
            "print(os.environ['NUMPY_MADVISE_HUGEPAGE'], multiarray._get_madvise_hugepage())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == [given or "0", str(used)]
