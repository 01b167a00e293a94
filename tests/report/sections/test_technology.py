"""Stage 4 report sections on the hand-made client of test_people.py (every number computed
by hand), on a client without the stage's tables, and on the demo client's planted problems."""
from __future__ import annotations

import pandas as pd
import pytest

from auditkit.report.sections import technology as stage
from helpers import REPO
from helpers import run_sections
from .test_people import team_client  # noqa: F401 (fixture)

SECTIONS = ("completeness", "follow_up", "stage_history", "automation")


def _run(params, run_dir):
    return run_sections(params, run_dir, stage, SECTIONS)


def test_technology_sections_match_hand_computed_numbers(team_client, tmp_path):  # noqa: F811
    audit = _run(team_client, tmp_path / "run")
    m = audit.metrics
    # deals created in January: D2–D6 (D1 was created in December)
    assert m["technology.deals"] == 5
    assert m["technology.share_with_amount"] == pytest.approx(4 / 5)  # D5 has no amount
    assert m["technology.share_with_lead_source"] == pytest.approx(4 / 5)  # D3 has no source
    assert m["technology.share_closed_with_date"] == pytest.approx(1.0)
    assert m["technology.share_lost_with_reason"] == pytest.approx(2 / 3)  # D2, D5 of D2, D4, D5
    assert m["technology.share_with_activity"] == pytest.approx(2 / 5)  # D2 and D3 have activities
    assert m["technology.share_with_activity.norm"] == 0.9
    assert "Below the norm of 90%" in audit.shown
    # open at the end: D6 — never touched (stale) and expected on Jan 20 (overdue)
    assert m["technology.open_deals"] == 1
    assert m["technology.share_stale"] == pytest.approx(1.0)
    assert m["technology.share_overdue"] == pytest.approx(1.0)
    # activities per working day: 170/17 and 34/17 → median 6; M2 logs under half of it
    assert m["technology.activities_per_day_median"] == pytest.approx(6.0)
    assert m["technology.underlogging"] == ["M2"]
    follow = pd.read_csv(tmp_path / "run" / "results" / "crm_follow_up.csv").set_index("manager")
    assert follow.loc["Bob Jones", "stale_open_deals"] == 1
    # no stage history: said, and recorded as a finding
    assert m["technology.has_stage_history"] is False
    assert m["technology.missing.stage_history"] is True
    assert "No stage history is kept" in audit.shown
    # automation: crm yes 100, telephony no 0, ERP partly 50; four aspects not answered
    assert m["technology.automation.crm"] == 100 and m["technology.automation.telephony"] == 0
    assert m["technology.automation.erp_integration"] == 50
    assert m["technology.automation_score"] == pytest.approx(0.5)
    assert m["technology.aspects_not_automated"] == 1
    assert m["technology.aspects_not_answered"] == 4
    assert 'ak-finding">Not automated: Telephony integrated with the CRM.' in audit.shown
    for table in ("crm_completeness", "crm_follow_up", "automation"):
        assert (tmp_path / "run" / "results" / f"{table}.csv").is_file(), table


def test_technology_sections_without_their_tables(tiny_client, tmp_path):
    """Orders and clients only: no deals, activities, stage history or checklist — said, not crashed."""
    audit = _run(tiny_client, tmp_path / "run")
    for table in ("deals", "stage_history", "checklist"):
        assert audit.metrics[f"technology.missing.{table}"] is True, table
    assert audit.metrics["technology.has_stage_history"] is False
    assert "Without deals in a CRM, win rate, pipeline and sales cycle cannot be measured" in audit.shown


def test_demo_crm_discipline_points_at_the_under_logging_manager():
    audit = _run(REPO / "params" / "demo.yaml", None)
    m = audit.metrics
    assert m["technology.underlogging"] == ["M07"]
    assert 'ak-finding">Pavel Morozov logs' in audit.shown
    assert m["technology.has_stage_history"] is True
    assert m["technology.share_with_stage_history"] == pytest.approx(1.0)
    assert m["technology.automation.telephony"] == 0  # planted: calls are logged by hand


def test_bar_names_never_touch_even_with_few_bars_and_a_norm():
    """Seven automation aspects with the norm's legend above: each name gets a row at least as tall as
    itself (they touched at the old height, 0.16 in a bar + 0.7 in for title, legend and axis)."""
    from auditkit.i18n import Locale
    from auditkit.report import charts

    charts.use_theme()
    names = ["ERP / 1C integration", "Funnel stages set up to the to-be process", "CRM as the single source",
             "Automated reports", "Automatic task assignment", "Telephony integrated with the CRM",
             "E-mail integrated with the CRM"]
    fig = charts.hbars(pd.Series([1.0, 0.5, 0.5, 0, 0, 0, 0], index=names), Locale("en", "RUB"), "Automation by aspect",
                       "Score", fmt="pct", norm=1.0, norm_label="Norm")
    fig.canvas.draw()
    boxes = sorted((t.get_window_extent() for t in fig.axes[0].get_yticklabels()), key=lambda b: b.y0)
    assert all(a.y1 + 1 < b.y0 for a, b in zip(boxes, boxes[1:])), "bar names touch"
