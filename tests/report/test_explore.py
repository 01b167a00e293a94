"""Exploring a stage as an analyst does in JupyterLab: `Audit.where` / `with_norms`, sections that take
filters and norms and return what they showed, the explore panel, the improvement plan measured in
the session and its what-if (auditkit/report/context.py, explore.py, session.py, what_if.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.report.context import Audit, Shown
from auditkit.report.explore import ALL, Explorer
from auditkit.report.sections import improvement_plan
from auditkit.report.sections import process as stage
from auditkit.report.what_if import assess_with, movable
from helpers import write_small_client


@pytest.fixture
def audit(tmp_path: Path) -> Audit:
    params = load_params(write_small_client(tmp_path))
    a = Audit("process", params, load_inputs(params), None)
    a.html = []
    a.show = a.html.append
    return a


def test_with_norms_returns_a_renormed_copy_and_names_a_bad_value(audit):
    renormed = audit.with_norms(process={"win_rate": 0.3})
    assert renormed.params.norms.process.win_rate == 0.3
    assert audit.params.norms.process.win_rate == 0.25  # the audit itself is unchanged
    assert renormed.run_dir is None
    with pytest.raises(ValueError, match=r"norms\.process\.win_rate"):
        audit.with_norms(process={"win_rate": 3})
    with pytest.raises(ValueError, match="unknown norm"):
        audit.with_norms(process={"win_ratio": 0.3})


def test_where_narrows_by_segment_manager_name_and_period(audit):
    retail = audit.where(segment="Retail")
    assert sorted(retail.data.tables["deals"]["deal_id"]) == ["D1", "D3", "D5"]
    boris = audit.where(manager="Boris Lind")  # by the name the report shows
    assert sorted(boris.data.tables["deals"]["deal_id"]) == ["D2", "D3", "D6"]
    year = audit.where(period=2025)
    assert (year.start.year, year.end.year, year.end.month) == (2025, 2025, 12)
    assert year.filters == {"period": 2025}


def test_a_section_takes_filters_and_norms_and_returns_what_it_showed(audit):
    whole = stage.win_rate(audit)
    assert isinstance(whole, Shown) and whole.metrics["process.win_rate"] == pytest.approx(3 / 6)
    retail = stage.win_rate(audit, segment="Retail", norms={"win_rate": 0.4})
    assert retail.metrics["process.win_rate"] == pytest.approx(2 / 3)
    assert retail.metrics["process.win_rate.norm"] == 0.4
    assert "win_rate_breakdown" in retail.tables and retail.figures
    shown_for = audit.where(segment="Retail", manager="M2").filter_text()
    assert shown_for == "segment “Retail”; manager “Boris Lind”"  # the note under a filtered section's heading
    first_year = stage.win_rate(audit, period=("2024-01-01", "2024-12-31"))
    assert first_year.metrics["process.win_rate"] == pytest.approx(2 / 4)
    assert audit.metrics["process.win_rate"] == pytest.approx(3 / 6)  # a filtered call records on its copy only


def test_explore_panel_sets_filters_norms_and_draws_the_chosen_section(audit, monkeypatch):
    panel = Explorer(audit)
    drawn = []
    monkeypatch.setattr(panel, "render", lambda: drawn.append(panel.explored()))
    panel.filters["segment"].value = "Retail"
    panel.norms["win_rate"].value = 0.35
    assert panel.norms["win_rate"].max == 1.0  # the schema's bound of a share
    last = drawn[-1]
    assert last.filters == {"segment": "Retail"} and last.params.norms.process.win_rate == 0.35
    panel.filters["segment"].value = ALL
    assert drawn[-1].filters == {}
    monkeypatch.undo()
    panel.shown.value = [run.section for run in panel.sections].index("win_rate")
    assert panel.render() >= 0
    assert "Retail" not in panel.status.value and panel.status.value.startswith("Drawn in")


def test_plan_by_hand_is_measured_in_the_session_and_what_if_moves_it(audit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no earlier run of this client here
    plan_audit = Audit("improvement_plan", audit.params, audit.data, None)
    plan_audit.show = lambda _html: None
    plan = improvement_plan.assess(plan_audit.with_norms(process={"win_rate": 0.6}))
    assert plan.metrics_from == "session"
    assert plan.metrics["process.win_rate"] == pytest.approx(3 / 6)
    assert plan.metrics["process.win_rate.norm"] == 0.6  # the analyst's norm reached the scorecard
    assert "pr_win_rate" in movable(plan)
    before = plan.scorecard.set_index("id").loc["pr_win_rate", "score"]
    after = assess_with(plan_audit, plan, "pr_win_rate", 0.6).scorecard.set_index("id").loc["pr_win_rate", "score"]
    assert after == 100 and before < 100
