"""The portfolio report: scores and key metrics per client, their distribution, the common findings."""
import pytest

from auditkit.i18n import Locale
from auditkit.inputs.portfolio import portfolio_clients
from auditkit.report.portfolio import portfolio_html, write_portfolio
from helpers import fake_audit


@pytest.fixture
def portfolio(tmp_path):
    fake_audit(tmp_path, "Alpha Pack", {"pr_win_rate": 0.2, "pr_cycle": 40}, ["funnel", "retention"], "Packaging",
               44.0, {"planning": 70.0, "processes": 30.0})
    fake_audit(tmp_path, "Beta Foods", {"pr_win_rate": 0.3, "co_nps": 12}, ["funnel"], "Food", 61.0)
    fake_audit(tmp_path, "Gamma Tools", {"pr_win_rate": 0.45}, [], "Packaging", 75.0)
    return portfolio_clients(tmp_path)


def test_the_portfolio_names_clients_with_their_scores_metrics_and_common_findings(portfolio):
    text = portfolio_html(portfolio, Locale("en"))
    assert "Portfolio of audits: 3 clients" in text
    for shown in ("Alpha Pack", "Beta Foods", "Gamma Tools", '"num">44<', '"num">70<', '"num">20.0%<',
                  '"num">45.0%<', '"num">40 d<', '"num">+12<', "Deals are lost or stall in the funnel",
                  '"num">66.7%<', "Distribution across clients", "data:image/svg+xml;base64,"):
        assert shown in text, shown
    assert "Portfel audytów: 3 klientów" in portfolio_html(portfolio, Locale("pl"))


@pytest.mark.e2e  # writes the PDF
def test_write_portfolio_writes_html_and_pdf(portfolio, tmp_path):
    html_path, pdf_path = write_portfolio(portfolio, tmp_path / "port", "ru", industry="Packaging")
    assert pdf_path.read_bytes()[:5] == b"%PDF-" and "Портфель аудитов" in html_path.read_text(encoding="utf-8")
