"""A batch's terminal output: a line per finished client, a summary table, no bar off a terminal."""
import io
from pathlib import Path

from auditkit.batch.progress import BatchProgress, summary_table
from auditkit.runner import RunResult

RESULTS = [RunResult(Path("a.yaml"), "Alpha", ok=True, report_html=Path("out/alpha/1/report.html"),
                     seconds={"notebooks": 20.4, "export": 3.0}),
           RunResult(Path("b.yaml"), "Beta Trading", ok=True, up_to_date=True, report_html=Path("out/beta/0/report.html")),
           RunResult(Path("c.yaml"), failure="c.yaml: 1 input error(s)")]


def test_lines_per_client_and_no_bar_when_not_a_terminal(capsys):
    stream = io.StringIO()  # not a terminal
    progress = BatchProgress(3, stream=stream)
    for result in RESULTS:
        progress(result)
    progress.close()
    assert stream.getvalue() == ""
    assert capsys.readouterr().out.splitlines() == ["ok          Alpha (23 s)", "up to date  Beta Trading",
                                                    "FAILED      c.yaml"]
    assert (progress.done, progress.failed) == (2, 1)


def test_quiet_prints_nothing(capsys):
    progress = BatchProgress(3, quiet=True, stream=io.StringIO())
    progress(RESULTS[0])
    progress.close()
    assert capsys.readouterr().out == ""


def test_summary_table():
    assert summary_table(RESULTS).splitlines() == [
        "client        result      time  report / failure",
        "------------  ----------  ----  ----------------",
        "Alpha         ok          23 s  out/alpha/1/report.html",
        "Beta Trading  up to date  —     out/beta/0/report.html",
        "c.yaml        FAILED      —     c.yaml: 1 input error(s)",
        "3 client(s): 1 run, 1 up to date, 1 failed"]


def test_the_bar_names_each_client_under_way_with_its_stage():
    progress = BatchProgress(3, stream=io.StringIO())
    progress.stage("params/alpha.yaml", "process", 1, 6)
    progress.stage("params/beta.yaml", "data_collection", 0, 6)
    assert progress.bar.desc == "alpha: process 2/6, beta: data_collection 1/6"
    progress.stage("params/alpha.yaml", "done", 6, 6)  # alpha finished: only beta is under way
    assert progress.bar.desc == "beta: data_collection 1/6"
    progress.stage("params/beta.yaml", "done", 6, 6)
    assert progress.bar.desc == "audit"
    progress.close()
