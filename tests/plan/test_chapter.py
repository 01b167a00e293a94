"""The facts of a chapter's conclusion (auditkit.plan.chapter), computed by hand on the technology
chapter's measures: linear scores with the catalogue's floors, ranked by weight × deviation."""
import pytest

from auditkit.inputs.params import load_params
from auditkit.plan.chapter import chapter_facts

# technology measures (norm, floor, weight from data/scorecard.yaml):
#   share_stale 0.35, norm ≤ 0.10, floor 0.6, weight 2: score 100·(0.35−0.6)/(0.1−0.6) = 50 → priority 2·50 = 100
#   share_lost_with_reason 0.70, norm ≥ 0.90, floor 0.5, weight 1: 100·(0.7−0.5)/(0.9−0.5) = 50 → priority 50
#   share_overdue 0.20 against the norm 0.25 recorded beside it (the stage's own norm): meets it
#   share_with_stage_history 0.92 ≥ 0.90 (weight 2) and share_with_activity 0.95 ≥ 0.90 (weight 1): meet
METRICS = {
    "technology.share_stale": 0.35,
    "technology.share_lost_with_reason": 0.70,
    "technology.share_overdue": 0.20, "technology.share_overdue.norm": 0.25,
    "technology.share_with_stage_history": 0.92,
    "technology.share_with_activity": 0.95,
    "process.win_rate": 0.05,  # another chapter's measure: not this chapter's fact
}


def test_gaps_by_priority_and_what_meets_the_norm_by_weight(tiny_client):
    facts = chapter_facts("technology", load_params(tiny_client), METRICS)
    assert facts.assessed == 5  # share_with_lead_source has no value: not assessed, not counted
    assert list(facts.gaps["id"]) == ["te_share_stale", "te_share_lost_with_reason"]
    assert list(facts.gaps["score"]) == pytest.approx([50.0, 50.0])
    assert list(facts.gaps["priority"]) == pytest.approx([100.0, 50.0])
    assert list(facts.gaps["norm"]) == pytest.approx([0.10, 0.90])
    # weight 2 first; the two of weight 1 by id; the overdue norm is the one recorded beside the metric
    assert list(facts.held["id"]) == ["te_share_with_stage_history", "te_share_overdue", "te_share_with_activity"]
    assert facts.held.set_index("id").loc["te_share_overdue", "norm"] == pytest.approx(0.25)
    assert set(facts.gaps["fmt"]) == {"pct"}


def test_a_chapter_without_measured_values_has_no_facts(tiny_client):
    facts = chapter_facts("technology", load_params(tiny_client), {"process.win_rate": 0.05})
    assert facts.assessed == 0 and facts.gaps.empty and facts.held.empty
