"""The portfolio read from an output folder: the latest complete run of each client, by industry."""
import shutil

from auditkit.inputs.portfolio import portfolio_clients
from helpers import fake_audit


def test_latest_complete_runs_by_industry(tmp_path):
    fake_audit(tmp_path, "Beta Foods", {"pr_win_rate": 0.3}, ["funnel", "retention"], "Food", 61.5, {"planning": 70.0})
    fake_audit(tmp_path, "Alpha Pack", {"pr_win_rate": 0.2, "pr_cycle": 40}, ["funnel"], "Packaging")
    incomplete = fake_audit(tmp_path, "Gamma Half", {"pr_win_rate": 0.1})
    (incomplete / "results" / "scorecard.csv").unlink()  # an incomplete run is not part of the portfolio
    (tmp_path / ".failures").mkdir()
    clients = portfolio_clients(tmp_path)
    assert [c.client for c in clients] == ["Alpha Pack", "Beta Foods"]
    beta = clients[1]
    assert beta.industry == "Food" and beta.overall == 61.5 and beta.blocks == {"planning": 70.0}
    assert beta.values == {"pr_win_rate": 0.3} and beta.findings == ["funnel", "retention"]
    assert [c.client for c in portfolio_clients(tmp_path, industry="packaging")] == ["Alpha Pack"]
    assert [c.client for c in portfolio_clients(tmp_path, exclude=tmp_path / "alpha-pack")] == ["Beta Foods"]
    shutil.rmtree(tmp_path / "beta-foods" / "20250101-000000-abcd")  # latest points nowhere
    assert [c.client for c in portfolio_clients(tmp_path)] == ["Alpha Pack"]
