"""The three real data sets of ../shared/data run through the full audit with their parameter
files (presets and mappings only, no preprocessing); key figures checked against independent
pandas computations on the raw exports."""
import json

import pandas as pd
import pytest

from auditkit.runner import run_client
from helpers import REPO

pytestmark = pytest.mark.e2e  # whole audits of the example clients, PDF included


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared_data):
    for name in ("maven_crm", "olist_funnel", "online_retail"):
        shared_data(name)  # skips when the data set is absent
    out = tmp_path_factory.mktemp("examples")
    return {name: run_client(REPO / "params" / "examples" / f"{name}.yaml", out)
            for name in ("maven_crm", "olist_funnel", "online_retail")}


def _metrics(run):
    assert run.ok, run.failure
    assert (run.run_dir / "report.pdf").stat().st_size > 10_000
    return json.loads((run.run_dir / "results" / "metrics.json").read_text())


def test_online_retail_revenue_nets_cancellations_and_keeps_lines_without_customer(runs, shared_data):
    m = _metrics(runs["online_retail"])
    raw = pd.read_excel(shared_data("online_retail") / "online_retail_sample40k.xlsx")
    inside = raw[(raw["InvoiceDate"] >= "2010-12-01") & (raw["InvoiceDate"] < "2011-12-01")]
    assert m["data_collection.revenue"] == pytest.approx((inside["Quantity"] * inside["UnitPrice"]).sum(), rel=1e-9)
    html = (runs["online_retail"].run_dir / "report.html").read_text(encoding="utf-8")
    assert "CustomerID" in html and "allow_empty" in html  # the kept lines are counted in the appendix


def test_maven_win_rate_over_deals_closed_in_the_window(runs, shared_data):
    m = _metrics(runs["maven_crm"])
    raw = pd.read_csv(shared_data("maven_crm") / "sales_pipeline.csv", parse_dates=["close_date"])
    closed = raw[raw["close_date"].between("2016-10-01", "2017-12-31") & raw["deal_stage"].isin(["Won", "Lost"])]
    won = (closed["deal_stage"] == "Won").sum()
    assert m["process.won_deals"] == won
    assert m["process.win_rate"] == pytest.approx(won / len(closed))


def test_olist_conversion_of_leads_to_won_sellers(runs, shared_data):
    m = _metrics(runs["olist_funnel"])
    leads = pd.read_csv(shared_data("olist_funnel") / "olist_marketing_qualified_leads_dataset.csv")
    won = pd.read_csv(shared_data("olist_funnel") / "olist_closed_deals_dataset.csv")
    assert m["process.leads"] == len(leads)
    assert m["process.lead_to_won"] == pytest.approx(won["mql_id"].isin(leads["mql_id"]).sum() / len(leads))


def test_a_client_with_only_orders_gets_low_coverage_not_invented_scores(runs):
    m = _metrics(runs["online_retail"])
    assert m["improvement_plan.coverage"] < 0.1
    assert m["improvement_plan.block.planning.score"] is None and m["improvement_plan.block.planning.coverage"] == 0
    assert m["improvement_plan.block.resources.score"] is None


def test_olist_sales_cycle_uses_the_lead_date_looked_up_in_the_second_file(runs, shared_data):
    m = _metrics(runs["olist_funnel"])
    leads = pd.read_csv(shared_data("olist_funnel") / "olist_marketing_qualified_leads_dataset.csv")
    won = pd.read_csv(shared_data("olist_funnel") / "olist_closed_deals_dataset.csv")
    both = won.merge(leads, on="mql_id")
    days = (pd.to_datetime(both["won_date"], format="%d-%m-%Y %H:%M")
            - pd.to_datetime(both["first_contact_date"], format="%d-%m-%Y")).dt.total_seconds() / 86400
    window = pd.to_datetime(both["won_date"], format="%d-%m-%Y %H:%M").between("2017-06-01", "2018-12-01")
    assert m["process.cycle_median_days"] == pytest.approx(days[window & (days >= 0)].median())
