"""Where a client of a batch stands, read from fake run folders (no kernel is started here)."""
import json
import os

from auditkit.batch import engine
from auditkit.batch.state import FAILED, NEVER_RUN, STALE, UP_TO_DATE, client_state, notebooks_of, record_failure
from auditkit.inputs.fingerprint import fingerprint
from auditkit.inputs.params import load_params
from auditkit.runner import RunResult
from helpers import write


def fake_run(tiny_client, out, run_id, stamp=None):
    """A complete run folder with the fingerprint the client has now (or `stamp`), pointed at by latest."""
    params = load_params(tiny_client)
    run = out / params.client_slug / run_id
    (run / "provenance").mkdir(parents=True)
    stamp = stamp or fingerprint(tiny_client, params, notebooks_of("full"))
    (run / "provenance" / "fingerprint.json").write_text(json.dumps(stamp))
    (run / "report.html").write_text("<html></html>")
    link = out / params.client_slug / "latest"
    link.unlink(missing_ok=True)
    os.symlink(run_id, link)
    return run


def test_never_run_up_to_date_stale_and_failed(tiny_client, tmp_path):
    out = tmp_path / "out"
    assert client_state(tiny_client, out).status == NEVER_RUN
    run = fake_run(tiny_client, out, "20260101-100000-aaaa")
    state = client_state(tiny_client, out)
    assert state.status == UP_TO_DATE and state.latest == run and state.client == "Tiny Trading"

    orders = tiny_client.parent.parent / "data" / "orders.csv"
    orders.write_text(orders.read_text() + "O9,C2,2024-06-01,5\n")
    write(tiny_client.parent.parent / "data" / "leads.csv", "lead_id,created_at,source\n")
    state = client_state(tiny_client, out)
    assert state.status == STALE and state.details == ["orders.csv changed", "new input leads.csv"]

    failed = out / "tiny-trading" / "20260102-090000-bbbb.failed"
    failed.mkdir()
    (failed / "failure.txt").write_text("Tiny Trading: 02_process.ipynb, cell 4: ValueError: broke\n\nTraceback…")
    state = client_state(tiny_client, out)
    assert state.status == FAILED and state.details == ["Tiny Trading: 02_process.ipynb, cell 4: ValueError: broke"]


def test_a_failure_without_run_folder_is_remembered_until_the_next_complete_run(tiny_client, tmp_path):
    out = tmp_path / "out"
    record_failure(out, "tiny-trading", "tiny.yaml: 1 input error(s)", ["orders.csv, row 2, column “date”: bad"])
    state = client_state(tiny_client, out)
    assert state.status == FAILED and state.details[1] == "orders.csv, row 2, column “date”: bad"
    fake_run(tiny_client, out, "29990101-000000-cccc")  # a later complete run with this fingerprint
    assert client_state(tiny_client, out).status == UP_TO_DATE


def test_parameters_that_do_not_load_are_a_failure_naming_the_key(tmp_path):
    bad = write(tmp_path / "bad.yaml", "client: X\nperiod: {start: 2024-01-01, end: 2024-02-01}\ndata_dir: nowhere\n")
    state = client_state(bad, tmp_path / "out")
    assert state.status == FAILED and any("data_dir" in line for line in state.details)


def test_a_batch_of_up_to_date_clients_starts_nothing_unless_forced(tiny_client, tmp_path, monkeypatch):
    out = tmp_path / "out"
    fake_run(tiny_client, out, "20260101-100000-aaaa")
    started = []

    def pool(paths, output, jobs, notebooks_dir, on_done, kind, on_stage=None, on_batch_stage=None):
        started.extend(paths)
        for path in paths:
            on_done(RunResult(path, failure="not run in this test"))

    monkeypatch.setattr(engine, "run_on_pool", pool)
    seen = []
    [result] = engine.run_batch([tiny_client], out, jobs=1, on_done=seen.append)
    assert result.ok and result.up_to_date and result.report_html.name == "report.html" and seen == [result]
    assert started == []
    engine.run_batch([tiny_client], out, jobs=1, force=True)
    assert started == [tiny_client]


def test_an_edited_formula_or_an_upgraded_package_makes_a_client_stale(tiny_client, tmp_path):
    """A run made by other code or on other packages of the same auditkit version is not up to date."""
    params = load_params(tiny_client)
    now = fingerprint(tiny_client, params, notebooks_of("full"))
    other = {**now, "code": "0" * 64, "packages": {**now["packages"], "pandas": "2.0.0", "gone": "1.0"}}
    fake_run(tiny_client, tmp_path / "out", "20260101-100000-aaaa", stamp=other)
    state = client_state(tiny_client, tmp_path / "out")
    assert state.status == STALE
    assert state.details == ["auditkit's code or texts changed", "gone 1.0 → missing",
                             f"pandas 2.0.0 → {now['packages']['pandas']}"]


def earlier_run(out, slug, run_id, end="2023-12-31", metrics='{"x": 1}'):
    """A complete earlier run of `slug` whose audit period ends on `end`."""
    results = out / slug / run_id / "results"
    results.mkdir(parents=True)
    (results / "metrics.json").write_text(metrics)
    (results / "scorecard.csv").write_text("parameter,score\n")
    (results / "audit.json").write_text(json.dumps({"period": {"start": "2023-01-01", "end": end}}))
    return results.parent


def test_a_re_audit_is_stale_when_its_baseline_run_changes_or_a_newer_one_appears(tiny_client, tmp_path):
    """`baseline: previous` compares with the newest earlier run: its results are part of what the
    re-audit depends on, as is which run that is."""
    tiny_client.write_text(tiny_client.read_text() + "baseline: previous\n")
    out, slug = tmp_path / "out", load_params(tiny_client).client_slug
    first = earlier_run(out, slug, "20250101-100000-aaaa")
    now = fingerprint(tiny_client, load_params(tiny_client), notebooks_of("full"), runs_folder=out / slug)
    assert now["baseline"]["run"] == first.name and set(now["baseline"]["results"]) == {
        "metrics.json", "scorecard.csv", "audit.json"}
    fake_run(tiny_client, out, "20260101-100000-cccc", stamp=now)
    assert client_state(tiny_client, out).status == UP_TO_DATE
    (first / "results" / "metrics.json").write_text('{"x": 2}')
    state = client_state(tiny_client, out)
    assert state.status == STALE and state.details == [f"baseline run {first.name}'s results changed"]
    second = earlier_run(out, slug, "20250201-100000-bbbb", end="2023-12-31")
    assert client_state(tiny_client, out).details == [f"baseline run {first.name} → {second.name}"]
