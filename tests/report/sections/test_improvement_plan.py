"""Stage 6 sections on hand-made metrics: reproducible scorecard, coverage instead of invented
scores, norm overrides, money at stake, the action plan workbook."""
import json
from unittest import mock

import openpyxl
import pandas as pd
import pytest

from auditkit.inputs.read import load_inputs
from auditkit.inputs.params import load_params
from auditkit.report.context import Audit
from auditkit.report.sections import improvement_plan as stage
from helpers import write


def _audit(params_path, run_dir, metrics=None):
    params = load_params(params_path)
    if metrics is not None:
        folder = run_dir / "results" / "metrics"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data_collection.json").write_text(json.dumps(metrics))
    return Audit("improvement_plan", params, load_inputs(params), run_dir)


METRICS = {  # as stage 1 records them
    "data_collection.retention": 0.70, "data_collection.retention.norm": 0.80,
    "data_collection.retention_base": 300, "data_collection.retention_periods_per_year": 4,
    "data_collection.revenue_per_client_year": 120_000, "data_collection.ltv_cac": 4.0,
}


def test_scorecard_is_reproducible_and_scores_by_the_formula(tiny_client, tmp_path):
    audit = _audit(tiny_client, tmp_path / "run", METRICS)
    first, second = stage.assess(audit), stage.assess(audit)
    pd.testing.assert_frame_equal(first.scorecard, second.scorecard)
    row = first.scorecard.set_index("id").loc["dc_retention"]
    # linear with floor 0.4: 100 × (0.70 − 0.40) / (0.80 − 0.40) = 75
    assert row["score"] == pytest.approx(75.0) and row["norm"] == 0.80
    # money: (0.80 − 0.70) × 300 × 4 × 120,000 × 0.5 = 7,200,000
    assert row["money"] == pytest.approx(7_200_000)
    assert first.scorecard.set_index("id").loc["dc_ltv_cac", "score"] == 100


def test_client_with_only_orders_gets_low_coverage_not_invented_scores(tiny_client, tmp_path):
    audit = _audit(tiny_client, tmp_path / "run", {})
    plan = stage.assess(audit)
    assert not plan.scorecard["assessed"].any()
    assert plan.blocks["score"].isna().all() and (plan.blocks["coverage"] == 0).all()
    assert plan.findings.empty and plan.actions.empty


def test_client_norm_override_wins_over_the_stage_norm(tiny_client, tmp_path):
    write(tiny_client, tiny_client.read_text() + "scorecard_norms: {dc_retention: 0.75}\n")
    plan = stage.assess(_audit(tiny_client, tmp_path / "run", METRICS))
    row = plan.scorecard.set_index("id").loc["dc_retention"]
    # 100 × (0.70 − 0.40) / (0.75 − 0.40) = 85.714…
    assert row["norm"] == 0.75 and row["score"] == pytest.approx(100 * 0.30 / 0.35)


def test_checklist_findings_rank_below_measured_ones_and_actions_have_deadlines(tiny_client, tmp_path):
    write(tiny_client.parent.parent / "data" / "checklist.csv",
          "parameter_id,answer,note\nplan_method_defined,no,<b>none</b>\nproc_sales_process_documented,yes,\n")
    audit = _audit(tiny_client, tmp_path / "run", METRICS)
    plan = stage.assess(audit)
    ids = plan.findings["id"].tolist()
    # retention: weight 3 × deviation 25 × 1 = 75; the "no" answer: weight 3 × 100 × ½ = 150
    assert ids.index("plan_method_defined") < ids.index("dc_retention")
    assert plan.findings.set_index("id").loc["plan_method_defined", "priority"] == pytest.approx(150)
    action = plan.actions.set_index("parameter").loc["plan_method_defined"]
    assert action["deadline"] > action["start"]
    with mock.patch("auditkit.report.context.display"):
        stage.action_plan(audit, plan)
    sheet = openpyxl.load_workbook(tmp_path / "run" / "action_plan.xlsx").active
    assert [c.value for c in sheet[1]][:3] == ["#", "Finding", "Action"]
    assert sheet.auto_filter.ref and sheet.freeze_panes == "A2"


def test_summary_headline_is_the_first_clause_and_short():
    assert stage.headline("Introduce a proposal review: within 48 h of sending.") == "Introduce a proposal review"
    assert stage.headline("Write the procedure. Then train the team.") == "Write the procedure"
    assert stage.headline("Call the leads never contacted (for event leads: scan cards)") == "Call the leads never contacted"
    long = stage.headline("word " * 60)
    assert len(long) <= 110 and long.endswith("…")
