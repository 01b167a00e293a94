"""The runner end to end: stage notebooks executed with papermill, report written atomically,
a batch that keeps going past a broken client and names the stage and cell that failed."""
import json
import shutil

import nbformat
import pytest

from auditkit.runner import NOTEBOOKS_DIR, run_batch, run_client
from auditkit.stages import STAGES
from helpers import write

pytestmark = pytest.mark.e2e  # every test here executes notebooks and exports the PDF


@pytest.fixture
def notebooks_with_a_failing_stage(tmp_path):
    """The real stage-1 notebook plus a stage-2 notebook whose second cell fails."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(NOTEBOOKS_DIR / "01_data_collection.ipynb", folder)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('params_path = ""\nrun_dir = None', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("raise ValueError('stage 2 broke')")]
    nbformat.write(nb, folder / "02_process.ipynb")
    return folder


def test_tiny_client_run_writes_report_results_and_latest(tiny_client, tmp_path):
    out = tmp_path / "outputs"
    progress = []
    res = run_client(tiny_client, out, on_stage=lambda *call: progress.append(call))
    assert res.ok, res.failure
    assert progress[-1] == ("done", 6, 6) and {stage for stage, *_ in progress[:-1]} == set(STAGES)
    run = res.run_dir
    assert run.parent == out / "tiny-trading" and (out / "tiny-trading" / "latest").resolve() == run.resolve()
    assert (run / "notebooks" / "01_data_collection.ipynb").is_file()
    assert (run / "report.pdf").read_bytes()[:5] == b"%PDF-"
    html = (run / "report.html").read_text(encoding="utf-8")
    metrics = json.loads((run / "results" / "metrics.json").read_text())
    # 100 + 250.5 + (80 - 20) + 40 = 450.5 in the window
    assert metrics["data_collection.revenue"] == pytest.approx(450.5)
    assert (run / "results" / "dynamics.csv").is_file()
    assert "<script" not in html.replace("&lt;script&gt;", "")  # the client named <script> is text
    assert "http://" not in html and "https://" not in html  # self-contained: nothing loaded from outside
    for leak in ("Traceback", "DeprecationWarning", "FutureWarning", "UserWarning", "import ", "open_stage("):
        assert leak not in html, leak
    assert "Tiny Trading" in html and "Data inventory" in html
    assert not list(out.glob("tiny-trading/.*partial"))


def test_batch_keeps_going_and_names_stage_and_cell(tiny_client, tmp_path, notebooks_with_a_failing_stage):
    out = tmp_path / "outputs"
    first = run_client(tiny_client, out)  # an earlier good run must survive the failing one
    assert first.ok
    broken_input = write(tmp_path / "params" / "broken.yaml",
                         tiny_client.read_text().replace("Tiny Trading", "Broken Inputs").replace("../data", "../bad"))
    write(tmp_path / "bad" / "orders.csv", "order_id,client_id,date,amount\nO1,C1,not a date,1\n")
    results = run_batch([tiny_client, broken_input], out, jobs=2, notebooks_dir=notebooks_with_a_failing_stage)
    stage_fail, input_fail = results
    assert not stage_fail.ok and "02_process.ipynb, cell 4 `raise ValueError('stage 2 broke')`" in stage_fail.failure and "stage 2 broke" in stage_fail.failure
    assert stage_fail.run_dir.name.endswith(".failed")
    partial = nbformat.read(stage_fail.run_dir / "notebooks" / "02_process.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in partial.cells for o in c.get("outputs", []))
    assert not input_fail.ok and "1 input error" in input_fail.failure
    assert any("orders.csv, row 2" in p for p in input_fail.problems)
    assert not (out / "broken-inputs").exists()  # nothing written for invalid inputs
    assert (out / "tiny-trading" / "latest").resolve() == first.run_dir.resolve()
    assert (first.run_dir / "report.pdf").is_file()
