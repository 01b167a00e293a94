"""Stage 6 sections on hand-made metrics: reproducible scorecard, coverage instead of invented
scores, norm overrides, money at stake, the action plan workbook."""
import json
import re
from unittest import mock

import numpy as np
import openpyxl
import pandas as pd
import pytest

from auditkit.inputs.read import load_inputs
from auditkit.inputs.params import load_params
from auditkit.report import charts
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


def test_findings_group_by_root_cause_and_money_ranks_first(tiny_client, tmp_path):
    write(tiny_client.parent.parent / "data" / "checklist.csv",
          "parameter_id,answer,note\nplan_method_defined,no,<b>none</b>\nproc_sales_process_documented,yes,\n"
          "seg_churn_monitoring,no,\n")
    audit = _audit(tiny_client, tmp_path / "run", METRICS)
    plan = stage.assess(audit)
    groups = plan.findings["group"].tolist()
    # retention (priced: 3,600,000–7,200,000) ranks first although the "no" answer's priority is higher:
    # retention: weight 3 × deviation 25 × 1 = 75; the planning "no": weight 3 × 100 × ½ = 150
    assert groups[0] == "retention" and "planning" in groups
    first = plan.findings.iloc[0]
    assert (first["money_low"], first["money_high"]) == pytest.approx((3_600_000, 7_200_000))
    # the churn-monitoring answer is evidence of the same root cause as the retention rate
    assert set(plan.evidence.loc[plan.evidence["group"] == "retention", "id"]) == {"dc_retention", "seg_churn_monitoring"}
    assert plan.findings.set_index("group").loc["planning", "priority"] == pytest.approx(150)
    primary = plan.actions[plan.actions["primary"]]
    assert primary["group"].is_unique and set(primary["group"]) == set(groups)
    assert (plan.actions["deadline"] > plan.actions["start"]).all()
    with mock.patch("auditkit.report.context.display"):
        stage.action_plan(audit, plan)
    sheet = openpyxl.load_workbook(tmp_path / "run" / "action_plan.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["#", "Finding", "Action"] and "Comment" in header and header[-3].startswith("Status")
    assert sheet.auto_filter.ref and sheet.freeze_panes == "A2"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"


def test_no_owner_starts_more_than_four_actions_in_a_month_and_dependencies_come_first():
    from auditkit.plan.actions import action_plan
    from auditkit.plan.catalogue import Group
    from auditkit.plan.recommendations import Recommendation

    text = {"en": "Do it."}
    recs = {f"p{i}": [Recommendation(f"r{i}", f"p{i}", "head_of_sales", "quick_win", "low", text, text, text)]
            for i in range(6)}
    groups = {f"g{i}": Group(f"g{i}", text, (f"p{i}",), after=("g5",) if i == 0 else ()) for i in range(6)}
    findings = pd.DataFrame({"rank": range(1, 7), "group": [f"g{i}" for i in range(6)],
                             "money_low": float("nan"), "money_high": float("nan")})
    evidence = pd.DataFrame({"group": [f"g{i}" for i in range(6)], "id": [f"p{i}" for i in range(6)]})
    plan = action_plan(findings, evidence, groups, recs, pd.Timestamp("2026-01-15"), "en").set_index("group")
    assert plan.loc["g0", "start_month"] == plan.loc["g5", "deadline_month"]  # g0 waits for g5
    starts = plan["start_month"].value_counts()
    assert starts.max() <= 4
    assert plan.loc["g4", "start_month"] == 1  # the fifth action starting in month 0 moves to month 1
    assert plan.loc["g0", "phase"] == "90_days" and plan.loc["g1", "phase"] == "30_days"


def test_summary_headline_is_the_first_clause_and_short():
    assert stage.headline("Introduce a proposal review: within 48 h of sending.") == "Introduce a proposal review"
    assert stage.headline("Write the procedure. Then train the team.") == "Write the procedure"
    assert stage.headline("Call the leads never contacted (for event leads: scan cards)") == "Call the leads never contacted"
    long = stage.headline("word " * 60)
    assert len(long) <= 110 and long.endswith("…")
    # remarks in parentheses go, a dash or a semicolon ends the clause, "3." (a Polish ordinal) does not
    assert stage.headline("Run a training cycle (typically objection handling) — a script; a role-play") == \
        "Run a training cycle"
    assert stage.headline("Tworzyć zadania na 3. i 14. dzień: telefon.") == "Tworzyć zadania na 3. i 14. dzień"
    # past the limit: up to the last comma before it, not cut inside a phrase
    assert stage.headline("Hold an interview with every manager of low motivation, agree a plan, and give "
                          "the key clients a second contact in the company", 80) == \
        "Hold an interview with every manager of low motivation, agree a plan"


def test_a_roadmap_label_fits_one_line_with_its_number():
    action = "Create automatic CRM tasks on the 3rd and 14th day after a new client's first order: a call"
    for rank in (1, 10):
        label = stage.roadmap_label(rank, action)
        assert label.startswith(f"{rank}. Create automatic CRM tasks") and len(label) <= stage.ROADMAP_LINE
        assert "\n" not in charts.wrap_words(label, stage.ROADMAP_LINE)  # one line: no lone "a…" below it
    assert stage.roadmap_label(2, "Unblock the bottleneck stage: write its exit criterion") == \
        "2. Unblock the bottleneck stage"


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
def test_roadmap_shows_whole_labels_on_level_evenly_spaced_month_ticks_and_both_horizons(language):
    from auditkit.i18n import Locale

    loc = Locale(language, "RUB")
    labels = [f"{i}. " + "действие с длинным названием " * (i % 4 + 1) for i in range(1, 16)]
    starts = pd.to_datetime(["2026-01-15"] * 8 + ["2026-04-15"] * 7)
    ends = starts + pd.DateOffset(months=3)
    ends = ends.where(np.arange(15) != 6, pd.Timestamp("2029-01-15"))
    phases = ["90 days"] * 6 + ["3 years"] + ["1 year"] * 8
    fig = charts.roadmap(labels, starts, ends, phases, loc, "Roadmap", "one year", "three years",
                         phases=["30 days", "90 days", "1 year", "3 years"])
    ax = fig.axes[0]
    assert [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()] == [s.strip() for s in labels]
    ticks = ax.get_xticks()
    assert np.allclose(np.diff(ticks), np.diff(ticks)[0], atol=0.02)  # evenly spaced: 3 months, then a year apart
    assert all(t.get_rotation() == 0 for t in ax.get_xticklabels())
    assert [t.get_text().split("\n")[1] for t in ax.get_xticklabels()] == \
        ["2026", "2026", "2026", "2026", "2027", "2028", "2029"]
    horizons = [line.get_xdata()[0] for line in ax.get_lines()]
    assert horizons == [2.0, 3.0] and ticks[4] == pytest.approx(2.0) and ticks[-1] == pytest.approx(3.0)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["90 days", "1 year", "3 years"]  # in the plan's order, only the phases shown
    assert fig.get_figheight() <= 9.0  # fits an A4 page under its heading
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))  # month ticks never run into each other
    figure = fig.bbox
    assert all(figure.x0 <= b.x0 and b.x1 <= figure.x1 for b in
               (t.get_window_extent(renderer) for t in ax.get_yticklabels()))  # no label cut at the edge


def test_a_table_sent_to_the_appendix_leaves_a_link_and_lands_under_its_section_title():
    from auditkit.i18n import Locale
    from auditkit.report import html
    from auditkit.report.export import move_to_appendix

    table = "<table><tr><td>1</td></tr></table>"
    moved = html.to_appendix("scorecard", "Integral scorecard", table, "See the appendix")
    # the notebook's HTML output may put the attributes in another order
    moved = moved.replace('id="appendix-scorecard" data-title="Integral scorecard"',
                          'data-title="Integral scorecard" id="appendix-scorecard"')
    body, appendix = move_to_appendix(f"<h2>Scorecard</h2>{moved}<p>after</p>", Locale("en"))
    assert table not in body and 'href="#appendix-scorecard"' in body and "<p>after</p>" in body
    assert 'id="appendix-scorecard"' in appendix and "Integral scorecard" in appendix and table in appendix
    assert move_to_appendix("<p>no tables</p>", Locale("en")) == ("<p>no tables</p>", "")


def test_how_it_should_be_rates_each_component_from_its_evidence(tiny_client, tmp_path):
    """Retention (dc_retention 75 with weight 3; the checklist question and the A-client cadence not
    assessed) is partly met; a block whose evidence is all missing says so; every box is shown."""
    audit = _audit(tiny_client, tmp_path / "run", METRICS)
    shown = []
    audit.show = shown.append
    stage.how_it_should_be(audit, stage.assess(audit))
    assert audit.metrics["improvement_plan.component.retention"] == "partly"
    assert audit.metrics["improvement_plan.component.automation"] == "not_assessed"
    html_text = "\n".join(shown)
    assert html_text.count('class="ak-ideal"') == 4
    table = pd.read_csv(tmp_path / "run" / "results" / "components.csv")
    assert table.set_index("component").loc["retention", "short"] == "dc_retention"
    assert "<td>Clients are kept</td><td>◐ partly</td>" in html_text


class _TextAudit:
    """What evidence_line and the summary's goal answers read of an Audit: texts, formats, managers' names."""

    def __init__(self, language, goals=()):
        from types import SimpleNamespace

        from auditkit.i18n import Locale
        self.loc, self.shown = Locale(language, "RUB"), []
        self.params = SimpleNamespace(language=language, goals=list(goals))

    def t(self, key, **values):
        return self.loc.t(f"improvement_plan{key}" if key.startswith(".") else key, **values)

    def fmt(self, value, fmt):
        return self.loc.value(value, fmt)

    def manager_names(self):
        return {"M07": "Pavel Morozov"}

    def show(self, html_text):
        self.shown.append(html_text)


def _row(pid, value, norm, fmt, detail=None, detail_kind=None, group="g"):
    from types import SimpleNamespace
    return SimpleNamespace(id=pid, value=value, norm=norm, fmt=fmt, detail=detail, detail_kind=detail_kind,
                           group=group)


@pytest.mark.parametrize("language, expected", [
    ("en", "1 manager logs fewer than half the team's median activities a day (Pavel Morozov), where there should be none"),
    ("ru", "1 менеджер фиксирует меньше половины медианы команды по активностям в день (Pavel Morozov), "
           "а таких быть не должно"),
    ("pl", "1 handlowiec rejestruje mniej niż połowę mediany aktywności zespołu dziennie (Pavel Morozov), "
           "a norma wynosi zero"),
])
def test_a_count_against_a_norm_of_0_is_stated_as_a_count(language, expected):
    audit = _TextAudit(language)
    line = stage.evidence_line(audit, _row("pe_underlogging", 1, 0, "number", ["M07"], "manager"))
    assert line == expected
    # 3 managers: the plural of the count; a client's norm above zero is a norm again
    three = stage.evidence_line(audit, _row("pe_underlogging", 3, 1, "number"))
    assert three == {"en": "3 managers log fewer than half the team's median activities a day, against a norm of 1",
                     "ru": "3 менеджера фиксируют меньше половины медианы команды по активностям в день, при норме 1",
                     "pl": "3 handlowców rejestruje mniej niż połowę mediany aktywności zespołu dziennie, "
                           "przy normie 1"}[language]
    # met: no manager below, nothing said about a norm
    assert stage.evidence_line(audit, _row("pe_low_motivation", 0, 0, "number")) == {
        "en": "0 managers have low motivation or loyalty", "ru": "0 менеджеров с низкой мотивацией или лояльностью",
        "pl": "0 handlowców z niską motywacją lub lojalnością"}[language]


def test_a_share_against_a_norm_of_0_where_lower_is_better_says_there_should_be_none():
    line = stage.evidence_line(_TextAudit("en"), _row("mk_weak_channel_spend", 0.417, 0.0, "pct"))
    assert line == "Marketing spend on the channels to cut: 41.7%, where there should be none"
    # a norm of zero where higher is better (a change of the check) stays a norm
    line = stage.evidence_line(_TextAudit("en"), _row("dc_segment_avg_check", -0.08, 0.0, "pct"))
    assert line == "Average check of the weakest segment, year over year: −8.0% against a norm of 0.0%"


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
def test_goal_answer_names_the_manager_once_and_no_count_against_a_norm_of_0(language):
    """The demo's summary read "Pavel Morozov: the work is not logged in the CRM (finding 6): managers
    logging under half the team median (Pavel Morozov): 1 against a norm of 0"."""
    from types import SimpleNamespace

    goal = {"en": "Assess the CRM discipline", "ru": "Оценить дисциплину в CRM", "pl": "Ocenić dyscyplinę w CRM"}
    audit = _TextAudit(language, [goal[language]])
    findings = pd.DataFrame({"rank": [6], "group": ["crm_logging"], "stage": ["technology"],
                             "detail": [["M07"]], "detail_kind": ["manager"]})
    evidence = pd.DataFrame([vars(_row("pe_underlogging", 1, 0, "number", ["M07"], "manager", "crm_logging")),
                             vars(_row("pe_activity_per_day", 9.7, 20.0, "decimal", group="crm_logging"))])
    plan = SimpleNamespace(findings=findings, evidence=evidence)
    stage._answers(audit, plan, None)
    answer = audit.shown[0]
    assert answer.count("Pavel Morozov") == 1
    assert not re.search(r"\b1 (against a norm of|при норме|przy normie) 0\b", answer)
    assert {"en": "Pavel Morozov: the work is not logged in the CRM (finding 6): 1 manager logs fewer than half",
            "ru": "Pavel Morozov: работа не фиксируется в CRM (проблема 6): 1 менеджер фиксирует меньше половины",
            "pl": "Pavel Morozov: praca nie jest rejestrowana w CRM (ustalenie 6): 1 handlowiec rejestruje mniej niż"
            }[language] in answer


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
def test_every_counted_parameter_is_stated_as_a_count(language):
    """A scorecard parameter shown as a whole number counts people or things: its evidence needs the
    count's own words (evidence.count.<id>), else it would read '1 against a norm of 0'."""
    from auditkit.i18n import catalogue
    from auditkit.plan.catalogue import entries

    counted = [e.id for e in entries() if e.fmt == "number"]
    assert counted and all(f"evidence.count.{pid}" in catalogue(language) for pid in counted)


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
def test_summary_radar_is_drawn_at_the_width_it_is_shown_with_every_label_inside(language):
    """The summary shows the radar in 44 % of the page: drawn 7.2 in wide, its 8.5 pt labels printed at
    about 3.5 pt. Drawn at HALF_IN, they print near their size, and no label or title leaves the figure."""
    from auditkit.i18n import Locale

    charts.use_theme()
    loc = Locale(language, "RUB")
    names = [loc.t(f"improvement_plan.block.{b}") for b in stage.BLOCKS]
    fig = charts.radar(names, [57, 59, 56, 52], loc, loc.t("improvement_plan.charts.radar.title"), "As is", "Norm",
                       height=2.7, wrap=11, width=charts.HALF_IN)
    fig.canvas.draw()
    assert fig.get_figwidth() == charts.HALF_IN
    texts = fig.axes[0].get_xticklabels() + [fig._suptitle] + fig.legends[0].get_texts()
    assert all(fig.bbox.x0 <= t.get_window_extent().x0 and t.get_window_extent().x1 <= fig.bbox.x1 + 0.5
               for t in texts), "a label runs off the chart"
