"""Stage 6: money-at-stake formulas (hand-computed), the scorecard catalogue's completeness."""
import math

import pytest

from auditkit.plan.catalogue import entries
from auditkit.plan.money import KINDS, money_at_stake
from auditkit.inputs.checklist import load_checklist
from auditkit.plan.scorecard import BLOCKS, STAGES


def test_win_rate_to_norm():
    # win rate 20% against a norm of 25%: 0.05 × 400 closed deals a year × 50,000 = 1,000,000
    m = money_at_stake("rate_times_volume", 0.20, 0.25, {"volume_per_year": "d", "value_each": "a"},
                       {"d": 400, "a": 50_000})
    assert m.amount == pytest.approx(1_000_000) and m.assumption == "money.rate_times_volume"


def test_retention_to_norm():
    # (0.80 − 0.70) × 300 clients a quarter × 4 quarters × 120,000 a year × 0.5 = 7,200,000
    m = money_at_stake("retained_clients", 0.70, 0.80,
                       {"clients_per_period": "c", "periods_per_year": "p", "revenue_per_client_year": "r"},
                       {"c": 300, "p": 4, "r": 120_000})
    assert m.amount == pytest.approx(7_200_000)


def test_shorter_cycle_and_plan_gap_and_check():
    # velocity 10,000/day × 365 × (60 / 45 − 1) = 1,216,666.67
    assert KINDS["shorter_cycle"](60, 45, 10_000) == pytest.approx(3_650_000 / 3)
    assert KINDS["shorter_cycle"](40, 45, 10_000) == 0  # already faster than the norm
    assert KINDS["plan_gap"](0.9, 1.0, 12_000_000) == pytest.approx(1_200_000)
    assert KINDS["check_to_norm"](90_000, 100_000, 1_000) == pytest.approx(10_000_000)
    # 0.3 × 5,000 leads × (0.10 − 0.04) × 80,000 = 7,200,000
    assert KINDS["faster_response"](0.5, 0.8, 5_000, 0.10, 0.04, 80_000) == pytest.approx(7_200_000)


def test_money_cannot_be_computed_says_why():
    assert money_at_stake(None, 1, 2, {}, {}).amount is None
    missing = money_at_stake("plan_gap", 0.9, 1.0, {"plan_per_year": "x"}, {})
    assert missing.amount is None and missing.assumption == "money.missing_inputs"
    nan = money_at_stake("plan_gap", math.nan, 1.0, {"plan_per_year": "x"}, {"x": 1})
    assert nan.amount is None


def test_catalogue_covers_blocks_stages_problems_and_planning():
    es = entries()
    assert len(es) >= 50
    assert {e.parameter.block for e in es} == set(BLOCKS)
    assert {e.parameter.stage for e in es} >= set(STAGES[:-1])
    questions = load_checklist()["questions"]
    assert {q["problem"] for q in questions if q.get("topic") == "typical_problem"} == set(range(1, 8))
    assert sum(q["block"] == "planning" for q in questions) >= 10
    for e in es:
        assert {"en", "ru", "pl"} <= set(e.text), e.id
        if e.money:
            assert e.money["kind"] in KINDS, e.id
            assert set(e.money["inputs"]) <= set(KINDS[e.money["kind"]].__code__.co_varnames[2:]), e.id


# ------------------------------------------------------------------ the catalogue on the demo client
import csv  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

from auditkit.plan.recommendations import by_parameter  # noqa: E402
from auditkit.runner import run_client  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# the planted problems of the demo client (docs/demo_client.md) and the parameters that measure them
PLANTED = {
    "pr_bottleneck_conversion": "proposal bottleneck",
    "co_response_within_1h": "slow response to leads",
    "co_lead_source_contacted": "exhibition leads never contacted",
    "pe_underlogging": "the under-logging manager",
    "pr_segment_retention": "churn of Retail chains",
    "co_nps_segment": "low NPS in Retail chains",
    "pe_call_weakest_item": "weakest call items",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    res = run_client(REPO / "params" / "demo.yaml", tmp_path_factory.mktemp("o"))
    assert res.ok, res.failure
    metrics = json.loads((res.run_dir / "results" / "metrics.json").read_text(encoding="utf-8"))
    with open(res.run_dir / "results" / "findings.csv", encoding="utf-8", newline="") as handle:
        findings = list(csv.DictReader(handle))
    return metrics, findings, (res.run_dir / "report.html").read_text(encoding="utf-8")


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def test_every_metric_source_and_money_input_exists_in_the_demo(demo):
    metrics, *_ = demo
    for e in entries():
        if e.parameter.source_kind != "metric":
            continue
        assert _number(metrics.get(e.parameter.source_ref)), (e.id, e.parameter.source_ref)
        for argument, metric_id in (e.money or {}).get("inputs", {}).items():
            assert _number(metrics.get(metric_id)), (e.id, argument, metric_id)


def test_the_demo_measures_the_planted_problems_where_they_are(demo):
    metrics, *_ = demo
    assert metrics["process.bottleneck"] == "proposal"
    assert metrics["communication.worst_source"] == "exhibitions"
    assert metrics["process.segment_retention_min_segment"] == "Retail chains"
    assert metrics["communication.nps_worst_segment"] == "Retail chains"
    assert metrics["people.underlogging"] == ["M07"]
    assert metrics["people.call_item_min"] == pytest.approx(metrics["people.call_item.objection_handling"])


def test_planted_problems_are_among_the_top_10_findings_with_plausible_money(demo):
    metrics, findings, _ = demo
    rank = {f["id"]: int(f["rank"]) for f in findings}
    missing = {pid: what for pid, what in PLANTED.items() if rank.get(pid, 999) > 10}
    assert not missing, missing
    money = {f["id"]: float(f["money"]) for f in findings if f["money"]}
    yearly_revenue = metrics["data_collection.revenue"] / 2  # the demo window is two years
    for pid in ("pr_bottleneck_conversion", "pr_segment_retention", "co_lead_source_contacted"):
        assert 0 < money[pid] < 0.5 * yearly_revenue, (pid, money.get(pid))
    assert all(0 <= m < yearly_revenue for m in money.values()), money


def test_every_metric_parameter_has_a_recommendation():
    recs = by_parameter()
    metric_ids = {e.id for e in entries() if e.parameter.source_kind == "metric"}
    assert not sorted(metric_ids - set(recs))
    known = {e.id for e in entries()}
    assert not sorted(set(recs) - known)  # no recommendation for a parameter that does not exist


def test_every_parameter_points_to_a_section_of_the_demo_report(demo):
    *_, html = demo
    for e in entries():
        assert f'id="{e.section}"' in html, (e.id, e.section)
