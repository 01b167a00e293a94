"""The demo follow-up year (auditkit.inputs.demo_followup): valid inputs for 2026 with the planted
changes, and the client's status workbook filled from a first run's action plan."""
import pandas as pd
import pytest

from auditkit.inputs import baseline as bl
from auditkit.inputs import demo, demo_followup
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from helpers import write


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("fu")
    demo.write(root / "demo")
    out = demo_followup.write(root / "demo-followup", root / "demo")
    return root, out


def _ts(s):
    return pd.to_datetime(s, format="mixed", errors="coerce")


def test_the_follow_up_year_is_valid_and_holds_the_planted_changes(folder):
    root, out = folder
    params = load_params(write(root / "params" / "fu.yaml", """
        client: Demo follow-up
        period: {start: 2026-01-01, end: 2026-12-31}
        data_dir: ../demo-followup
    """))
    data = load_inputs(params)
    assert not data.errors, data.errors[:3]
    leads = pd.read_csv(out / "leads.csv", dtype=str)
    recent = leads[_ts(leads["created_at"]) >= "2026-01-01"]
    expo = recent[recent["channel"] == "exhibitions"]
    wait = (_ts(expo["first_contact_at"]) - _ts(expo["created_at"])).dt.total_seconds() / 3600
    assert len(expo) > 100 and (wait <= 1).mean() > 0.95  # answered within the hour
    deals = pd.read_csv(out / "deals.csv", dtype=str)
    follow = deals[_ts(deals["created_at"]) >= "2026-01-01"]
    lost = follow[follow["status"] == "lost"]
    assert lost["lost_reason"].isna().mean() > 0.25  # the problem that got worse
    assert (deals["status"] == "open").sum() == (follow["status"] == "open").sum()  # one open pipeline


def test_the_status_workbook_is_filled_from_the_first_runs_plan(tmp_path):
    run = tmp_path / "run"
    (run / "results").mkdir(parents=True)
    plan = pd.DataFrame({"rank": [1, 3, 10], "group": ["funnel", "lead_handling", "after_sales"],
                         "primary": [True, True, True], "action": ["A", "B", "C"]})
    plan.to_csv(run / "results" / "action_plan.csv", index=False)
    pd.DataFrame({"#": [1, 3, 10], "Action": ["A", "B", "C"], "Status": "", "Progress, %": None,
                  "Comment": ""}).to_excel(run / "action_plan.xlsx", index=False)
    out = demo_followup.fill_status(run / "action_plan.xlsx", tmp_path / "action_plan_status.xlsx")
    status, problems = bl.read_status(out, "en")
    assert problems == [] and list(status["status"]) == ["done", "done", "done"]
