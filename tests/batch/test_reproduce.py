"""A run records how it was made (appendix "How this report was made"), keeps secrets out of
everything it writes, and `reproduce` re-runs it to the same numbers or names the input that changed."""
import hashlib
import json

import nbformat
import pytest

from auditkit.batch.reproduce import compare_metrics, reproduce
from auditkit.runner import run_client


def test_compare_metrics_names_every_number_that_differs():
    assert compare_metrics({"a": 1.0, "b": 2, "c": "x"}, {"a": 1.0 + 1e-12, "b": 2, "c": "x"}) == []
    assert compare_metrics({"a": 1.0, "b": 2}, {"a": 1.5, "c": 3}) == [
        "a: recorded 1.0, now 1.5", "b: recorded 2, now absent", "c: not recorded, now 3"]


@pytest.mark.e2e  # two runs of the tiny client
def test_a_run_records_provenance_without_secrets_and_reproduces(tiny_client, tmp_path, monkeypatch):
    secret_env = "pw-from-the-environment-4711"
    monkeypatch.setenv("AUDITKIT_DB_PASSWORD", secret_env)
    tiny_client.write_text("# CRM api_token: tok-in-a-comment-0815\n" + tiny_client.read_text())
    res = run_client(tiny_client, tmp_path / "out")
    assert res.ok, res.failure
    orders = tiny_client.parent.parent / "data" / "orders.csv"

    html = res.report_html.read_text(encoding="utf-8")
    assert "How this report was made" in html and res.run_dir.name in html
    assert hashlib.sha256(orders.read_bytes()).hexdigest() in html
    assert "<td>orders.csv</td><td>Orders</td><td class='num'>5</td>" in html  # 5 lines in the file
    assert "<li>Win rate: 25.0% <code>process.win_rate</code></li>" in html and "pandas" in html  # label, value as the report shows it, key

    for path in res.run_dir.rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            text = path.read_text(encoding="utf-8", errors="replace")
            assert secret_env not in text and "tok-in-a-comment-0815" not in text, path
    notebook = nbformat.read(res.run_dir / "notebooks" / "01_data_collection.ipynb", as_version=4)
    assert set(notebook.metadata.papermill.parameters) == {"params_path", "run_dir"}  # papermill injects only paths
    assert notebook.metadata.papermill.environment_variables == {}

    same = reproduce(res.run_dir)
    assert same.ok and same.differences == [] and same.compared > 20, same.failure

    orders.write_text(orders.read_text() + "O9,C2,2024-06-01,5\n")
    changed = reproduce(res.run_dir)
    assert not changed.ok and "orders.csv changed" in changed.failure
    metrics = json.loads((res.run_dir / "results" / "metrics.json").read_text())
    assert metrics["data_collection.revenue"] == pytest.approx(450.5)
