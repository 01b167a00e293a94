"""Stage 3 report sections on a hand-made client (every number computed by hand), on clients
without the stage's tables, on the demo client's planted problems, and the anonymised run."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from auditkit.plan import head_of_sales as head_rules
from auditkit.runner import NOTEBOOKS_DIR, run_client
from auditkit.report.sections import people as stage
from helpers import run_sections as run_stage_sections
from helpers import REPO, write

SECTIONS = ("scorecard", "activity", "call_quality", "mystery_shopper", "assessment", "structure")
NAMES = ("Alice Smith", "Bob Jones", "Carol Head")


def run_sections(params_path: Path, run_dir: Path | None, sections=SECTIONS, stage_module=stage):
    return run_stage_sections(params_path, run_dir, stage_module, sections)


def _activities() -> str:
    """January 2024. M1: 100 calls (60 with a next step) + 70 e-mails = 170; M2: 20 calls (5 with a
    next step) + 14 tasks = 34. The first 10 calls of M1 belong to deals D1 / D2, the first call of M2 to D3."""
    rows = ["activity_id,manager_id,type,date,deal_id,next_step"]
    days = pd.bdate_range("2024-01-09", "2024-01-31")
    n = 0

    def add(manager, kind, count, with_next, deal=lambda i: ""):
        nonlocal n
        for i in range(count):
            n += 1
            step = "" if kind != "call" else ("true" if i < with_next else "false")
            rows.append(f"A{n},{manager},{kind},{days[i % len(days)].date()},{deal(i)},{step}")

    add("M1", "call", 100, 60, lambda i: "D1" if i < 5 else "D2" if i < 10 else "")
    add("M1", "email", 70, 0)
    add("M2", "call", 20, 5, lambda i: "D3" if i == 0 else "")
    add("M2", "task", 14, 0)
    return "\n".join(rows) + "\n"


@pytest.fixture
def team_client(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write(data / "managers.csv", """
        manager_id,name,role,team,hired_at,left_at
        M1,Alice Smith,manager,North,2020-01-01,
        M2,Bob Jones,manager,South,2021-06-01,
        M3,Carol Head,head,Management,2019-01-01,
    """)
    write(data / "clients.csv", "client_id,name\nC1,Alpha\nC2,Beta\nC3,Gamma\n")
    write(data / "orders.csv", """
        order_id,client_id,date,amount,manager_id
        O1,C1,2024-01-10,1000,M1
        O2,C2,2024-01-20,500,M1
        O3,C3,2024-01-15,300,M2
    """)
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,client_id,manager_id,lead_source,closed_at,expected_close,lost_reason
        D1,2023-12-01,won,1000,C1,M1,web,2024-01-10,2024-01-10,
        D2,2024-01-03,lost,500,C2,M1,web,2024-01-20,2024-01-25,price
        D3,2024-01-04,won,300,C3,M2,,2024-01-15,2024-01-15,
        D4,2024-01-05,lost,200,,M2,web,2024-01-25,2024-01-25,
        D5,2024-01-06,lost,,,M2,web,2024-01-26,2024-01-26,price
        D6,2024-01-05,open,400,,M2,web,,2024-01-20,
    """)
    write(data / "activities.csv", _activities())
    write(data / "plans.csv", """
        period,metric,target,manager_id
        2024-01,revenue,2000,M1
        2024-01,revenue,200,M2
    """)
    write(data / "call_reviews.csv", """
        manager_id,date,review_id,greeting,objection_handling
        M1,2024-01-10,R1,1,0
        M1,2024-01-11,R2,1,1
        M2,2024-01-12,R3,1,0
        M2,2024-01-13,R4,0,1
    """)
    write(data / "staff_assessment.csv", """
        manager_id,product_knowledge,sales_technique,motivation,loyalty
        M1,4,4,2,3
        M2,2,3,4,5
    """)
    write(data / "checklist.csv", """
        parameter_id,answer,note
        proc_crm_single_source,yes,
        res_telephony_integrated,no,Calls are logged by hand
        res_erp_integration,partly,
    """)
    return write(tmp_path / "params" / "team.yaml", """
        client: Team Trading
        language: en
        currency: EUR
        country: RU
        period: {start: 2024-01-01, end: 2024-01-31}
        data_dir: ../data
        norms: {people: {call_item_scales: {objection_handling: 2}}}  # observed maximum is 1
    """)


def test_people_sections_match_hand_computed_numbers(team_client, tmp_path):
    audit = run_sections(team_client, tmp_path / "run")
    m = audit.metrics
    # scorecard: M3 (head) has no sales, deals or activities of her own → not compared
    assert m["people.managers"] == 2
    assert "Not compared: Carol Head" in audit.shown
    # plan fulfilment M1 1500/2000 = 0.75 (below 100%), M2 300/200 = 1.5
    assert m["people.managers_below_plan"] == 1
    # win rate: M1 D1 won, D2 lost → 1/2; M2 D3 won, D4 D5 lost → 1/3; team 2/5
    assert m["people.win_rate_team"] == pytest.approx(0.4)
    assert m["people.win_rate_spread"] == pytest.approx(0.5 - 1 / 3)
    card = pd.read_csv(tmp_path / "run" / "results" / "manager_scorecard.csv").set_index("manager_id")
    assert card.loc["M1", "revenue"] == 1500 and card.loc["M2", "revenue"] == 300
    assert card.loc["M1", "plan_fulfilment"] == pytest.approx(0.75)
    # January 2024 in Russia: 23 weekdays − New Year holidays Jan 1–5, 8 = 17 working days
    assert card.loc["M1", "working_days"] == 17
    assert card.loc["M1", "activities_per_day"] == pytest.approx(170 / 17)
    assert card.loc["M2", "activities_per_day"] == pytest.approx(34 / 17)
    # activity: median of 10 and 2 = 6; under half the median (3): M2
    assert m["people.activities_per_day_median"] == pytest.approx(6.0)
    assert m["people.activities_per_day_median.norm"] == 20
    assert m["people.underlogging"] == ["M2"]
    assert m["people.underlogging_managers"] == 1
    assert 'ak-finding">Bob Jones logs 2.0 activities per working day' in audit.shown
    # next step: (60 + 5) / (100 + 20) calls; activities per won deal (170 + 34) / 2
    assert m["people.call_next_step_share"] == pytest.approx(65 / 120)
    assert m["people.activities_per_won_deal"] == pytest.approx(204 / 2)
    # call reviews: greeting 0/1 → (100+100+100+0)/4 = 75%, objection 0–2 → (0+50+0+50)/4 = 25%
    assert m["people.call_item.greeting"] == pytest.approx(0.75)
    assert m["people.call_item.objection_handling"] == pytest.approx(0.25)
    assert m["people.call_score"] == pytest.approx(0.5)
    assert m["people.call_training_needs"] == ["objection_handling"]
    assert m["people.call_item_min_item"] == "objection_handling"  # the weakest item, 25%
    assert m["people.call_items_below"] == 1
    assert "Training needs — items below 70% team-wide: Objection handling 25%" in audit.shown
    # M2 greeting 50% against the team's 75%: 25 points below and under 70% → an individual gap
    assert m["people.call_individual_gaps"] == 1
    # no mystery-shopper table: said, not crashed
    assert m["people.missing.mystery_shopper"] is True
    assert "Not assessed — missing data: mystery shopper calls." in audit.shown
    # assessment: M1 competence 4, motivation 2.5, below plan → coach; M2 competence 2.5, motivation 4.5 → train
    assert m["people.competence_avg"] == pytest.approx(3.25)
    assert m["people.motivation_avg"] == pytest.approx(3.5)
    assert m["people.low_motivation"] == 1
    assert m["people.recommendation.coach"] == 1 and m["people.recommendation.train"] == 1
    matrix = pd.read_csv(tmp_path / "run" / "results" / "staff_matrix.csv").set_index("manager_id")
    assert matrix.loc["M1", "recommendation"] == "coach" and matrix.loc["M2", "recommendation"] == "train"
    # structure: 3 people employed at the end; Gini of (1500, 300) = 2·(1·300 + 2·1500)/(2·1800) − 3/2 = 1/3
    assert m["people.headcount"] == 3
    assert m["people.revenue_gini"] == pytest.approx(1 / 3)
    assert m["people.clients_per_manager"] == pytest.approx(1.5)
    # every table shown is also a CSV
    for table in ("manager_results", "manager_highlights", "manager_activity", "call_items", "staff_matrix",
                  "team_structure"):
        assert (tmp_path / "run" / "results" / f"{table}.csv").is_file(), table


def test_the_matrices_leave_out_whoever_the_comparison_leaves_out(team_client, tmp_path):
    """N11 of the review: the head of sales (Carol Head, no sales of her own) is assessed but is not
    placed on the manager matrices; the note names her, the full table keeps her row."""
    with open(team_client.parent.parent / "data" / "staff_assessment.csv", "a", encoding="utf-8") as f:
        f.write("M3,5,5,5,5\n")
    audit = run_sections(team_client, tmp_path / "run", ["scorecard", "assessment"])
    assert "Not on the matrices: Carol Head" in audit.shown
    matrix = pd.read_csv(tmp_path / "run" / "results" / "staff_matrix.csv").set_index("manager_id")
    assert "M3" in matrix.index
    # the coach (M1: competent, below plan) is named as such and sits on the matrices
    assert "Coach (1): Alice Smith" in audit.shown


def test_people_sections_without_their_tables(tiny_client, tmp_path):
    """Orders and clients only, no manager anywhere: every section says what is missing and why."""
    audit = run_sections(tiny_client, tmp_path / "run")
    for table in ("managers", "activities", "call_reviews", "mystery_shopper", "staff_assessment"):
        assert audit.metrics[f"people.missing.{table}"] is True, table
    assert "Without the team register, results cannot be attributed to people" in audit.shown
    assert "Without call reviews, the quality of sales conversations is not controlled" in audit.shown


def test_people_sections_on_deals_only(tmp_path):
    """A CRM export of deals and managers alone (won deals stand in for orders)."""
    data = tmp_path / "data"
    write(data / "managers.csv", "manager_id,name\nM1,Ann\nM2,Ben\n")
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,manager_id,closed_at
        D1,2024-01-02,won,100,M1,2024-01-20
        D2,2024-01-03,lost,50,M1,2024-01-21
        D3,2024-01-04,won,300,M2,2024-01-22
        D4,2024-01-05,open,80,M2,
    """)
    params = write(tmp_path / "params" / "p.yaml", """
        client: Deals Only
        period: {start: 2024-01-01, end: 2024-01-31}
        data_dir: ../data
    """)
    audit = run_sections(params, tmp_path / "run")
    assert audit.metrics["people.managers"] == 2
    assert audit.metrics["people.win_rate_team"] == pytest.approx(2 / 3)
    assert audit.metrics["people.missing.activities"] is True
    # no personal plans: performance is the revenue rank; Gini of (100, 300) = 2·(100 + 600)/(2·400) − 3/2
    assert audit.metrics["people.revenue_gini"] == pytest.approx(0.25)


def test_demo_planted_problems_are_findings(tmp_path):
    """The under-logging manager M07 and the weakest call items of the demo client are highlighted."""
    audit = run_sections(REPO / "params" / "demo.yaml", None)
    m = audit.metrics
    assert m["people.underlogging"] == ["M07"]
    assert 'ak-finding">Pavel Morozov logs' in audit.shown
    needs = m["people.call_training_needs"]
    assert set(needs[:2]) == {"objection_handling", "next_step_agreed"}
    assert 'ak-finding">Training needs — items below 70% team-wide: Objection handling' in audit.shown
    assert set(m["people.mystery_training_needs"][:2]) == {"objection_handling", "follow_up"}
    assert m["people.low_motivation"] >= 1


def test_demo_head_of_sales_is_assessed_apart_with_a_verdict(tmp_path):
    """The demo's head (M01, role "head") gets the evidence the rules read and the verdict they give."""
    audit = run_sections(REPO / "params" / "demo.yaml", tmp_path, ["head_of_sales"])
    m = audit.metrics
    checklist = pd.read_csv(REPO / "data" / "demo" / "checklist.csv").set_index("parameter_id")["answer"]
    score = {"yes": 100, "partly": 50, "no": 0}
    coaching = [score[checklist[q]] for q in ("res_training_regular", "res_call_reviews", "res_competence_assessment")]
    assert m["people.head_of_sales.coaching"] == pytest.approx(sum(coaching) / 3)
    assert m["people.head_of_sales.assessment"] == pytest.approx((5 + 4 + 4 + 5) / 4)  # M01 in staff_assessment
    assert m["people.head_of_sales.own_calls"] is None  # the demo's control calls are the managers' only
    evidence = {k.rsplit(".", 1)[1]: v for k, v in m.items() if k.startswith("people.head_of_sales.") and
                not k.endswith("verdict")}
    assert m["people.head_of_sales.verdict"] == head_rules.verdict(evidence)[0] == "develop"
    table = pd.read_csv(tmp_path / "results" / "head_of_sales.csv")
    assert table.loc[table["item"] == "coaching", "rating"].item() == "bad"
    assert "Verdict: develop Olga Smirnova" in audit.shown


def _notebooks(tmp_path: Path, names=("03_people", "04_technology")) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in names:
        shutil.copy(NOTEBOOKS_DIR / f"{name}.ipynb", folder)
    return folder


@pytest.mark.e2e  # stage notebooks in a kernel, and the PDF
def test_stage_notebooks_run_on_a_client_with_only_orders_and_deals(tmp_path):
    data = tmp_path / "data"
    write(data / "orders.csv", """
        order_id,client_id,date,amount,manager_id
        O1,C1,2024-01-10,100,M1
        O2,C2,2024-01-12,200,M2
    """)
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,client_id,manager_id,closed_at
        D1,2024-01-02,won,100,C1,M1,2024-01-10
        D2,2024-01-03,lost,50,C2,M2,2024-01-21
    """)
    params = write(tmp_path / "params" / "p.yaml", """
        client: Orders And Deals
        period: {start: 2024-01-01, end: 2024-01-31}
        data_dir: ../data
    """)
    res = run_client(params, tmp_path / "out", notebooks_dir=_notebooks(tmp_path))
    assert res.ok, res.failure
    html = (res.run_dir / "report.html").read_text(encoding="utf-8")
    assert "Manager scorecard" in html and "Automation of sales" in html
    assert "Not assessed — missing data: call reviews." in html
    metrics = json.loads((res.run_dir / "results" / "metrics.json").read_text())
    assert metrics["people.managers"] == 2 and metrics["technology.deals"] == 2
    for leak in ("Traceback", "DeprecationWarning", "FutureWarning", "UserWarning", "RuntimeWarning"):
        assert leak not in html, leak


@pytest.mark.e2e  # the whole audit in a kernel, and the PDF
def test_anonymised_run_shows_no_manager_name(team_client, tmp_path):
    """anonymise_managers: true → codes M01, M02… everywhere in the client report and results."""
    text = team_client.read_text().replace("data_dir: ../data", "data_dir: ../data\nanonymise_managers: true")
    team_client.write_text(text)
    res = run_client(team_client, tmp_path / "out", notebooks_dir=_notebooks(
        tmp_path, [p.stem for p in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))]))
    assert res.ok, res.failure
    html = (res.run_dir / "report.html").read_text(encoding="utf-8")
    files = {p.name: p.read_text(encoding="utf-8") for p in (res.run_dir / "results").rglob("*.csv")}
    assert "manager_scorecard.csv" in files and "M01" in files["manager_scorecard.csv"]
    for name in NAMES + ("Alice", "Smith", "Bob Jones"):
        assert name not in html, name
        assert not [f for f, text in files.items() if name in text], name
    assert "M02" in html  # the under-logging manager, by code


def test_sections_run_on_the_real_maven_crm_export(tmp_path, shared_data):
    """Deals and the sales-team register of a real CRM export, nothing else."""
    from auditkit.report.sections import technology

    shared_data("maven_crm")  # read by the example's parameter file
    params = REPO / "params" / "examples" / "maven_crm.yaml"
    people = run_sections(params, tmp_path / "run")
    m = people.metrics
    assert m["people.managers"] == 30  # 35 agents, 5 without any deal
    assert m["people.win_rate_team"] == pytest.approx(4238 / (4238 + 2473))
    assert m["people.headcount"] == 35
    assert 0 < m["people.revenue_gini"] < 1
    for table in ("activities", "call_reviews", "mystery_shopper", "staff_assessment"):
        assert m[f"people.missing.{table}"] is True
    tech = run_sections(params, tmp_path / "run", ("completeness", "follow_up", "stage_history", "automation"),
                        technology)
    t = tech.metrics
    assert t["technology.open_deals"] == 1589 + 500  # Engaging + Prospecting
    # the export has no lost reason, though 2,473 deals are lost: kept on 0% of them, a finding
    assert t["technology.share_lost_with_reason"] == 0.0
    assert t["technology.share_with_stage_history"] == 0.0  # no stage history at all
    assert t["technology.has_stage_history"] is False and t["technology.stages_outside_model"] == 2


@pytest.mark.parametrize("language", ["ru", "pl"])
def test_checklist_heatmap_column_names_stay_inside_their_columns(language):
    """Eight checklist items in Russian or Polish: long single words ("Аргументация", "Prezentacja")
    are wrapped or shrunk inside their own column, never run into the next name."""
    from auditkit.i18n import Locale
    from auditkit.report import charts

    items = ["objection_handling", "next_step_agreed", "price_argumentation", "closing", "needs_discovery",
             "crm_logging", "presentation", "greeting"]
    loc = Locale(language, "RUB")
    names = [loc.t(f"people.items.{i}") for i in items]
    grid = pd.DataFrame([[0.4] * 8] * 11, columns=names, index=[f"Manager {i}" for i in range(11)])
    fig, ax = charts.new(2.9)
    charts.heatmap_on(ax, grid, loc, "Checklist", fmt="pct", cmap="RdYlGn", vmin=0, vmax=1,
                      fit_columns=True)
    fig.canvas.draw()
    boxes = [label.get_window_extent() for label in ax.get_xticklabels()]
    assert [label.get_text().replace("\n", " ") for label in ax.get_xticklabels()] == names
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), "column names run into each other"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_matrix_labels_never_cover_each_other(language):
    """The demo's performance matrix, with its legend, corner captions and percent axis: the names
    stay apart ("Екатерина Орлова" ran into "Елена Васильева" when they were placed before the layout
    was finished, with widths estimated for Latin letters)."""
    from matplotlib.text import Text

    from auditkit.i18n import Locale
    from auditkit.report import charts

    charts.use_theme()
    names = {"en": ["Sergey Popov", "Pavel Morozov", "Natalia Volkova", "Anna Kuznetsova", "Elena Vasilieva",
                    "Dmitry Ivanov", "Ekaterina Orlova", "Alexey Sokolov", "Andrey Lebedev", "Maria Novikova"],
             "ru": ["Сергей Попов", "Павел Морозов", "Наталья Волкова", "Анна Кузнецова", "Елена Васильева",
                    "Дмитрий Иванов", "Екатерина Орлова", "Алексей Соколов", "Андрей Лебедев", "Мария Новикова"]}
    points = pd.DataFrame({"x": [3.5, 3.5, 3.5, 4.0, 4.0, 4.5, 2.5, 3.0, 3.0, 3.0],
                           "y": [0.875, 0.845, 0.903, 0.917, 0.923, 0.949, 0.926, 0.965, 0.961, 0.901],
                           "label": names[language], "group": ["coach"] * 6 + ["train"] * 4})
    fig = charts.quadrant_scatter(points, Locale(language, "RUB"), "Performance", "Competence", "Plan", 3.5, 1.0,
                                  {"top right": "develop", "bottom right": "coach",
                                   "bottom left": "train or rotate (by motivation)"},
                                  groups={"coach": "coach", "train": "train"}, y_fmt="pct", xlim=(0.8, 5.6),
                                  ylim=(0.795, 1.05))
    fig.canvas.draw()
    ax = fig.axes[0]
    boxes = [Text.get_window_extent(t) for t in ax.texts if t.get_text() in names[language]]  # the text, no leader
    assert len(boxes) == 10
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)], "names overlap"
