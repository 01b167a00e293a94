"""The runner: stage notebooks executed with papermill, report written atomically, a batch that
keeps going past a broken client and names the stage and cell that failed; faults (Ctrl-C, a full
or read-only disk, a killed earlier run) leave no half-written run. Tests marked e2e execute the
notebooks and export the PDF; the others stop the run before the notebooks."""
import errno
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import papermill as pm
import psutil
import pytest

from auditkit import runner
from auditkit.cli import main
from auditkit.runner import NOTEBOOKS_DIR, remove_leftovers, run_batch, run_client
from auditkit.stages import STAGES
from helpers import write, write_stage_notebook


@pytest.fixture
def notebooks_with_a_failing_stage(tmp_path):
    """The real stage-1 notebook plus a stage-2 notebook whose second cell fails."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(NOTEBOOKS_DIR / "01_data_collection.ipynb", folder)
    write_stage_notebook(folder / "02_process.ipynb", "x = 1", "raise ValueError('stage 2 broke')")
    return folder


@pytest.mark.e2e
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
    assert not (run / "cache").exists() and not (run / "owner").exists()  # the run's working files are gone


@pytest.mark.e2e
def test_batch_keeps_going_and_names_stage_and_cell(tiny_client, tmp_path, notebooks_with_a_failing_stage):
    out = tmp_path / "outputs"
    first = run_client(tiny_client, out)  # an earlier good run must survive the failing one
    assert first.ok
    broken_input = write(tmp_path / "params" / "broken.yaml",
                         tiny_client.read_text().replace("Tiny Trading", "Broken Inputs").replace("../data", "../bad"))
    write(tmp_path / "bad" / "orders.csv", "order_id,client_id,date,amount\nO1,C1,not a date,1\n")
    stages = []
    results = run_batch([tiny_client, broken_input], out, jobs=2, notebooks_dir=notebooks_with_a_failing_stage,
                        on_batch_stage=lambda *progress: stages.append(progress))
    stage_fail, input_fail = results
    # the workers' stage progress reached the batch: the client that ran names its first stages in order
    assert [s[1:3] for s in stages if s[0] == str(tiny_client)][:2] == [("data_collection", 0), ("process", 1)]
    assert not stage_fail.ok and "02_process.ipynb, cell 4 `raise ValueError('stage 2 broke')`" in stage_fail.failure and "stage 2 broke" in stage_fail.failure
    assert stage_fail.run_dir.name.endswith(".failed")
    partial = nbformat.read(stage_fail.run_dir / "notebooks" / "02_process.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in partial.cells for o in c.get("outputs", []))
    assert not input_fail.ok and "1 input error" in input_fail.failure
    assert any("orders.csv, row 2" in p for p in input_fail.problems)
    assert not (out / "broken-inputs").exists()  # nothing written for invalid inputs
    assert (out / "tiny-trading" / "latest").resolve() == first.run_dir.resolve()
    assert (first.run_dir / "report.pdf").is_file()


@pytest.fixture
def hostile_client(tiny_client):
    """The tiny client with named managers (anonymised), their names in comments and lost reasons,
    a warning quoting an unknown manager id, '$' in a segment and client text that would be a
    spreadsheet formula."""
    data = tiny_client.parent.parent / "data"
    write(data / "clients.csv", """
        client_id,name,segment,manager_id
        C1,Alpha,$$ Cash & Carry $$,ivanov
        C2,Beta,"=HYPERLINK(""http://evil.example"",""click"")",petrova
        C3,"@SUM(A1)",-Retail,ivanov
    """)
    write(data / "managers.csv", """
        manager_id,name,team
        ivanov,Dmitry Ivanov,North
        petrova,Maria Petrova,South
    """)
    write(data / "orders.csv", """
        order_id,client_id,date,amount,manager_id
        O1,C1,2024-01-10,100,ivanov
        O2,C2,2024-02-11,250.5,petrova
        O3,C3,2024-04-02,80,ivanov
        O4,C1,2024-05-20,40,petrova
    """)
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,client_id,manager_id,closed_at,lost_reason
        D1,2024-01-02,won,100,C1,ivanov,2024-01-09,
        D2,2024-01-05,lost,70,C2,petrova,2024-02-01,"=cmd|' /C calc'!A0"
        D3,2024-02-01,lost,30,C3,ivanov,2024-03-01,Maria Petrova quoted too late
        D4,2024-03-01,open,55,C1,petrova,,
    """)
    write(data / "activities.csv", """
        activity_id,manager_id,type,date,client_id,outcome
        A1,ivanov,call,2024-01-03,C1,Ivanov agreed a visit
        A2,sidorov,call,2024-02-03,C2,connected
    """)
    write(data / "surveys.csv", """
        client_id,date,nps,comment
        C1,2024-03-01,9,Dmitry Ivanov is great
        C2,2024-03-02,3,"Petrova never called back; =1+1"
    """)
    write(tiny_client, tiny_client.read_text() + "anonymise_managers: true\n")
    return tiny_client


def _texts(run_dir):
    """(path, text) of every file a run wrote: the workbook's XML parts, the PDF's text."""
    import zipfile

    from pypdf import PdfReader

    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                yield path, "\n".join(book.read(n).decode("utf-8") for n in book.namelist())
        elif path.suffix == ".pdf":
            yield path, "\n".join(page.extract_text() for page in PdfReader(path).pages)
        else:
            yield path, path.read_text(encoding="utf-8")


@pytest.mark.e2e
def test_hostile_client_leaves_no_manager_name_no_formula_and_keeps_dollars_plain(hostile_client, tmp_path):
    import csv
    import stat
    import zipfile

    res = run_client(hostile_client, tmp_path / "outputs")
    assert res.ok, res.failure
    run = res.run_dir
    texts = dict(_texts(run))
    assert any(p.suffix == ".pdf" for p in texts) and any(p.suffix == ".ipynb" for p in texts)
    for path, text in texts.items():  # anonymise_managers: no id or name anywhere a client sees
        for real in ("ivanov", "petrova", "sidorov", "dmitry", "maria"):
            assert real not in text.lower(), f"{real} in {path.relative_to(run)}"
    html = texts[run / "report.html"]
    assert "M01" in html and "$$ Cash &amp; Carry $$" in html  # codes, and '$' shown as written
    assert "$$ Cash & Carry $$" in texts[run / "report.pdf"]
    cells = [cell for path in run.glob("results/*.csv") for row in csv.reader(path.open(encoding="utf-8"))
             for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells and "'-Retail" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                or (c[:1] == "-" and not c[1:2].isdigit())]  # formulas neutralised; numbers stay numbers
    with zipfile.ZipFile(run / "action_plan.xlsx") as book:
        assert "<f>" not in "".join(book.read(n).decode("utf-8") for n in book.namelist())  # no formula cell
    mode = stat.S_IMODE
    assert mode((run / "action_plan.xlsx").stat().st_mode) == mode((run / "report.html").stat().st_mode)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_leftovers_of_a_killed_run_are_removed_and_a_running_ones_kept(tmp_path):
    client_dir = tmp_path / "outputs" / "tiny-trading"
    killed, running = client_dir / ".20240101-000000-dead.partial", client_dir / ".20240101-000001-live.partial"
    for folder, pid in ((killed, _dead_pid()), (running, os.getpid())):
        folder.mkdir(parents=True)
        (folder / "owner").write_text(f"{pid} {psutil.Process(os.getpid()).create_time()}")
    socket = os.path.join(tempfile.gettempdir(), f"auditkit-kernel-{_dead_pid()}-0123456789abcdef-1")
    mine = os.path.join(tempfile.gettempdir(), f"auditkit-kernel-{os.getpid()}-0123456789abcdef.json")
    for path in (socket, mine):
        open(path, "w").close()
    try:
        assert remove_leftovers(client_dir) == [killed]
        assert running.is_dir() and not os.path.exists(socket) and os.path.exists(mine)
    finally:
        os.unlink(mine)


@pytest.mark.parametrize("where,code", [("write_cache", errno.ENOSPC), ("_make_partial", errno.EROFS),
                                        ("merge_metrics", errno.ENOSPC)])
def test_a_full_or_read_only_disk_fails_the_client_with_a_reason_and_no_partial(tiny_client, tmp_path, monkeypatch,
                                                                                 where, code):
    client_dir = tmp_path / "outputs" / "tiny-trading"
    stale = client_dir / ".20240101-000000-dead.partial"
    stale.mkdir(parents=True)
    (stale / "owner").write_text(f"{_dead_pid()} 0")

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(runner, "_execute_stages", lambda *a, **k: [])
    monkeypatch.setattr(runner, where, refuse)
    res = run_client(tiny_client, tmp_path / "outputs")
    assert not res.ok and f"cannot write the run to {client_dir}: {os.strerror(code)}" in res.failure
    assert list(client_dir.iterdir()) == []  # the stale partial of a killed run and this run's are gone


def test_a_batch_with_one_job_keeps_going_past_any_exception(tiny_client, tmp_path, monkeypatch):
    broken = write(tmp_path / "params" / "broken.yaml", tiny_client.read_text().replace("../data", "../bad"))
    write(tmp_path / "bad" / "orders.csv", "order_id,client_id,date,amount\nO1,C1,2024-01-01,x\n")
    real_load = runner.load_inputs

    def crash_first(params, **kw):
        if params.data_dir.name == "data":
            raise RuntimeError("boom")
        return real_load(params, **kw)

    monkeypatch.setattr(runner, "load_inputs", crash_first)
    crashed, invalid = run_batch([tiny_client, broken], tmp_path / "outputs", jobs=1)
    assert not crashed.ok and crashed.failure == "Tiny Trading: RuntimeError: boom"
    assert not invalid.ok and invalid.problems == [
        'error: orders.csv, row 2, column “amount”: not a number: “x” (for a decimal comma set tables.orders.decimal: ",")']


def test_a_failure_always_has_a_reason_and_keeps_the_failed_run(tiny_client, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_execute_stages", lambda *a, **k: [])
    monkeypatch.setattr(runner, "merge_metrics", lambda work: {}[""])  # a KeyError with an empty message
    res = run_client(tiny_client, tmp_path / "outputs")
    assert res.failure == "Tiny Trading: KeyError: ''" and res.run_dir.name.endswith(".failed")
    assert (res.run_dir / "failure.txt").read_text().startswith(res.failure)


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(),  # Ctrl-C in auditkit, or in the kernel's cell:
                                       pm.PapermillExecutionError(3, 1, "", "KeyboardInterrupt", "", [])])
def test_ctrl_c_stops_the_batch_after_removing_the_current_partial(tiny_client, tmp_path, monkeypatch, capsys,
                                                                   interrupt):
    second = write(tmp_path / "params" / "second.yaml", tiny_client.read_text().replace("Tiny Trading", "Second"))
    started = []

    def interrupted(notebooks, work, *args):
        started.append(work)
        assert work.is_dir()
        raise interrupt

    monkeypatch.setattr(runner, "_execute_stages", interrupted)
    out = tmp_path / "outputs"
    assert main(["run", str(tiny_client), str(second), "--jobs", "1", "--output", str(out)]) == 130
    assert "interrupted: 0 of 2 client(s) finished" in capsys.readouterr().out
    assert len(started) == 1 and list(out.rglob("*partial*")) == [] and not (out / "second").exists()


@pytest.mark.e2e  # starts kernels
def test_ctrl_c_stops_a_parallel_batch_and_every_run_cleans_up(tiny_client, tmp_path):
    import signal
    import sys
    import time

    notebooks = tmp_path / "slow"
    write_stage_notebook(notebooks / "01_data_collection.ipynb", "import time\ntime.sleep(300)")
    second = write(tmp_path / "params" / "second.yaml", tiny_client.read_text().replace("Tiny Trading", "Second"))
    out = tmp_path / "outputs"
    script = ("import sys\nfrom pathlib import Path\nfrom auditkit.runner import run_batch\n"
              "try:\n    run_batch([Path(a) for a in sys.argv[1:3]], Path(sys.argv[3]), 2, notebooks_dir=Path(sys.argv[4]))\n"
              "except KeyboardInterrupt:\n    print('interrupted')\n    sys.exit(130)\n")
    batch = subprocess.Popen([sys.executable, "-c", script, str(tiny_client), str(second), str(out), str(notebooks)],
                             stdout=subprocess.PIPE, text=True, start_new_session=True)  # its own group, as a terminal's
    deadline = time.monotonic() + 240
    while len(list(out.glob("*/.*.partial/notebooks/*.ipynb"))) < 2:  # both kernels are executing
        assert time.monotonic() < deadline and batch.poll() is None
        time.sleep(0.5)
    time.sleep(2)
    os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    stdout, _ = batch.communicate(timeout=120)
    assert batch.returncode == 130 and "interrupted" in stdout
    assert [p.name for p in out.glob("*/*") if p.name != "latest"] == []  # no .partial, no .failed
    kernel_files = [runner.KERNEL_FILE.fullmatch(p.name) for p in Path(tempfile.gettempdir()).iterdir()]
    assert all(psutil.pid_exists(int(m[1])) for m in kernel_files if m)  # the kernels' sockets are removed
