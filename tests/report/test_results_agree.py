"""Every number the demo report shows in two places is the same number (issue 10, point 9): team
and manager revenue, plan fulfilment, CAC, new clients and client counts per segment agree across
the chapters' results; two different metrics never share a name; a client count states its base."""
from __future__ import annotations

import json
from collections import defaultdict

import pandas as pd
import pytest

from auditkit.i18n import LANGUAGES, catalogue

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo")]  # reads the demo client's whole audit (conftest.demo_run)


@pytest.fixture(scope="module")
def results(demo_run):
    folder = demo_run / "results"
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))

    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / f"{name}.csv")

    return metrics, table


def test_team_revenue_is_one_number_in_every_chapter(results):
    metrics, table = results
    revenue = metrics["data_collection.revenue"]  # §1.3 sales dynamics
    assert metrics["data_collection.fact_revenue"] == pytest.approx(revenue, abs=0.01)  # §1.6 plan and fact
    company = table("plan_fact").query("manager_id.isna()")  # the company rows; the managers' follow
    assert company["fact"].sum() == pytest.approx(revenue, abs=0.01)
    scorecard = table("manager_scorecard")  # §3.1: the managers plus the row of sales credited to none
    assert scorecard["revenue"].sum() == pytest.approx(revenue, abs=0.01)
    assert table("team_structure")["revenue"].sum() == pytest.approx(revenue, abs=0.01)  # §3.6
    team = table("manager_results").iloc[-1]  # the team row closes the manager table
    assert team["revenue"] == pytest.approx(revenue, abs=0.01)
    assert team["plan_fulfilment"] == pytest.approx(metrics["data_collection.plan_fulfilment"])


def test_each_managers_revenue_and_plan_fulfilment_agree_between_plan_fact_scorecard_and_structure(results):
    _, table = results
    plan_fact = table("plan_fact_by_manager").set_index("manager")
    scorecard = table("manager_scorecard").dropna(subset=["manager"]).set_index("manager")
    structure = table("team_structure").set_index("manager")
    assert len(plan_fact) >= 10
    for manager, row in plan_fact.iterrows():
        assert scorecard.loc[manager, "revenue"] == pytest.approx(row["fact"], abs=0.01), manager
        assert scorecard.loc[manager, "plan_fulfilment"] == pytest.approx(row["fulfilment"]), manager
        assert structure.loc[manager, "revenue"] == pytest.approx(row["fact"], abs=0.01), manager


def test_one_cac_and_its_channels_sum_back_to_it(results):
    metrics, table = results
    cac = metrics["process.cac_blended"]  # §2.2
    assert metrics["data_collection.cac"] == pytest.approx(cac)  # §1.9, the CAC of LTV:CAC
    channels = table("cac_by_channel")
    assert (channels["cac"] * channels["new_clients"]).sum() == pytest.approx(channels["cost"].sum())
    assert channels["cost"].sum() / channels["new_clients"].sum() == pytest.approx(cac)
    assert channels["cost"].sum() == pytest.approx(metrics["process.marketing_cost"])


def test_new_clients_are_one_count_in_every_chapter(results):
    metrics, table = results
    new = metrics["data_collection.new_clients"]  # §1.3: first order ever in the audit period
    assert new > 0
    assert metrics["process.new_clients"] == new  # §2.2 CAC
    assert metrics["process.new_clients_measured"] == new  # §2.9 after the first sale
    assert table("cac_by_channel")["new_clients"].sum() == metrics["process.new_clients_paid_channels"] <= new
    assert table("manager_scorecard")["new_clients"].sum() == new  # §3.1
    years = sorted({k.rsplit(".", 1)[1] for k in metrics if k.startswith("growth.new_clients_count.")})
    assert sum(metrics[f"growth.new_clients_count.{y}"] for y in years) == new  # §1.4 the bridge, audit years


def test_client_counts_per_segment_agree_on_each_base(results):
    metrics, table = results
    segments = table("clients_by_segment").set_index("segment")  # §1.5
    status = table("client_status_by_segment").set_index("segment")  # §2.10
    inventory = table("data_inventory").set_index("table")
    assert segments["clients"].sum() == inventory.loc["clients", "rows"]  # the register
    assert segments["buying_clients"].sum() == metrics["data_collection.buying_clients"]  # bought in the period
    with_orders = status.sum(axis=1)  # ever ordered: the base of the client status
    assert with_orders.sum() == metrics["process.clients_total"] == len(table("client_status"))
    for segment, count in with_orders.items():
        assert segments.loc[segment, "buying_clients"] <= count <= segments.loc[segment, "clients"], segment


def _metric_labels(language: str) -> dict[str, list[str]]:
    """Label (lower case) → the metric ids `<stage>.<id>` it names in a chapter's KPI table."""
    labels = defaultdict(list)
    for key, text in catalogue(language).items():
        stage, group, *rest = key.split(".")
        if group == "metrics" and len(rest) == 1:
            labels[text.strip().lower()].append(f"{stage}.{rest[0]}")
    return labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_metrics_that_share_a_name_are_the_same_number(results, language):
    metrics, _ = results
    clashes = {}
    for label, ids in _metric_labels(language).items():
        values = {metrics[i] for i in ids if isinstance(metrics.get(i), (int, float))}
        if len(values) > 1 and max(values) - min(values) > 1e-9 * max(abs(v) for v in values):
            clashes[label] = {i: metrics.get(i) for i in ids}
    assert not clashes, clashes
    named = {t for t, ids in _metric_labels(language).items()
             if {"process.activities_per_won_deal", "people.activities_per_won_deal"} & set(ids)}
    assert len(named) == 2  # "activities on a won deal" (stage 2) is not "all activities per won deal" (stage 3)


def test_client_counts_state_their_base(demo_run):
    html = (demo_run / "report.html").read_text(encoding="utf-8")
    en = catalogue("en")
    assert en["data_collection.columns.clients_in_register"] in html  # 887 clients of the register…
    assert en["data_collection.columns.clients_buying_in_period"] in html  # …767 of them bought in the period
    assert "clients with an order in the data are lost" in html  # the base of the status shares
