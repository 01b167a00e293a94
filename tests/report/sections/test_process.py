"""Stage 2 report sections on a hand-made client (every number computed by hand), on a client
without the stage's tables, on the demo client's planted problems and on the real Maven CRM and
Olist exports (numbers recomputed here from the raw files)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditkit.inputs.params import load_params
from auditkit.report.sections import process as stage
from helpers import REPO, write
from helpers import run_sections

SECTIONS = ("acquisition", "cac", "win_rate", "pipeline", "stages", "cycle", "lost_reasons", "velocity",
            "after_sales", "relationship")


def run(params_path: Path, run_dir: Path, sections=SECTIONS):
    return run_sections(params_path, run_dir, stage, sections)


@pytest.fixture
def process_client(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write(data / "clients.csv", """
        client_id,name,segment
        C1,Alpha,Retail
        C2,Beta,Industry
        C3,Gamma,Industry
        C4,Delta,Retail
    """)
    write(data / "managers.csv", "manager_id,name\nM1,Anna Berg\nM2,Boris Lind\n")
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,client_id,manager_id,channel,lead_source,stage,closed_at,probability,lost_reason
        D1,2024-01-05,won,1000,C1,M1,web,web,won,2024-02-04,,
        D2,2024-01-10,won,3000,C2,M2,expo,expo,won,2024-03-10,,
        D3,2024-01-15,lost,2000,C3,M1,web,web,lost,2024-02-15,,price
        D4,2024-02-01,lost,1000,,M2,expo,expo,lost,2024-03-01,,price
        D5,2024-02-10,lost,500,,M1,web,web,lost,2024-04-01,,competitor
        D6,2024-05-01,open,4000,C1,M1,web,web,proposal,,50,
        D7,2024-06-01,open,2000,C2,M2,expo,expo,new,,,
    """)
    write(data / "stage_history.csv", """
        deal_id,stage,entered_at
        D1,new,2024-01-05
        D1,qualification,2024-01-10
        D1,proposal,2024-01-15
        D1,negotiation,2024-01-25
        D1,contract,2024-02-01
        D2,new,2024-01-10
        D2,qualification,2024-01-20
        D2,proposal,2024-02-01
        D2,negotiation,2024-02-20
        D2,contract,2024-03-01
        D3,new,2024-01-15
        D3,qualification,2024-01-20
        D3,proposal,2024-01-25
        D4,new,2024-02-01
        D4,proposal,2024-02-05
    """)
    write(data / "leads.csv", """
        lead_id,created_at,source,mql_at,sql_at,deal_id
        L1,2024-01-02,web,2024-01-03,2024-01-04,D1
        L2,2024-01-03,web,2024-01-05,,
        L3,2024-01-04,web,,,
        L4,2024-01-05,expo,2024-01-06,2024-01-08,D2
    """)
    write(data / "marketing_costs.csv", """
        period,channel,cost
        2024-01,web,600
        2024-02,expo,900
    """)
    write(data / "plans.csv", """
        period,metric,target
        2024-06,revenue,5000
        2024-07,revenue,1000
        2024-08,revenue,1000
        2024-09,revenue,1000
        2024-10,revenue,7000
    """)
    write(data / "orders.csv", """
        order_id,client_id,date,amount,category
        O0,C3,2023-01-10,100,film
        O1,C1,2024-02-05,1000,film
        O2,C1,2024-03-20,500,tape
        O3,C2,2024-03-12,3000,film
        O4,C3,2024-02-20,200,film
        O5,C3,2024-06-10,300,film
        O6,C4,2024-06-20,100,film
    """)
    write(data / "activities.csv", """
        activity_id,manager_id,type,date,client_id
        A1,M1,call,2024-02-10,C1
        A2,M2,call,2024-06-25,C3
    """)
    return write(tmp_path / "params" / "process.yaml", """
        client: Process Test
        language: en
        currency: EUR
        period: {start: 2024-01-01, end: 2024-06-30}
        data_dir: ../data
    """)


def test_funnel_and_cac_by_hand(process_client, tmp_path):
    got = run(process_client, tmp_path / "run", ["acquisition", "cac"]).metrics
    # 4 leads; MQL L1 L2 L4; SQL L1 L4; won L1 (D1) and L4 (D2)
    assert got["process.leads"] == 4
    assert got["process.mql_rate"] == pytest.approx(3 / 4)
    assert got["process.sql_rate"] == pytest.approx(2 / 3)
    assert got["process.sql_to_won"] == pytest.approx(1.0)
    assert got["process.lead_to_won"] == pytest.approx(2 / 4)
    assert got["process.lead_to_won.web"] == pytest.approx(1 / 3)
    assert got["process.lead_to_won.expo"] == pytest.approx(1.0)
    # new clients (first order ever in Jan–Jun; C3 bought in 2023): C1 (5 Feb), C2 (12 Mar), C4 (20 Jun).
    # Channel of the first won deal: C1 D1 web, C2 D2 expo, C4 none (not recorded, its own row).
    assert got["process.new_clients"] == 3 and got["process.new_clients_paid_channels"] == 2
    assert got["process.cac.web"] == pytest.approx(600.0)
    assert got["process.cac.expo"] == pytest.approx(900.0)
    assert got["process.cac.na"] is None  # no cost can be put on a channel that is not recorded
    # CAC (blended) = all cost / all new clients = (600 + 900) / 3 = 500 (was 1500 / 2 over paid channels)
    assert got["process.cac_blended"] == pytest.approx(500.0)
    assert got["process.cac_blended.norm"] == pytest.approx(2000.0)  # the average won deal
    assert got["process.cac_to_won_deal"] == pytest.approx(500 / 2000)


def test_win_rate_pipeline_cycle_velocity_by_hand(process_client, tmp_path):
    audit = run(process_client, tmp_path / "run", ["win_rate", "pipeline", "cycle", "lost_reasons", "velocity"])
    got = audit.metrics
    assert (got["process.won_deals"], got["process.lost_deals"]) == (2, 3)
    assert got["process.win_rate"] == pytest.approx(0.4)
    assert got["process.win_rate_value"] == pytest.approx(4000 / 7500)
    assert got["process.average_won_deal"] == pytest.approx(2000.0)
    assert got["process.win_rate.manager_id.M1"] == pytest.approx(1 / 3)
    assert got["process.win_rate.channel.expo"] == pytest.approx(1 / 2)
    # open at 30 Jun: D6 4000 × 50% and D7 2000 × the "new" stage's 10%; plan Jul–Sep 3000
    assert got["process.open_deals"] == 2
    assert got["process.pipeline_amount"] == pytest.approx(6000.0)
    assert got["process.pipeline_weighted"] == pytest.approx(2200.0)
    assert got["process.remaining_plan"] == pytest.approx(3000.0)
    # coverage: the open pipeline 6000 / 3000 = 2.0 against 1 / win rate 0.4 = 2.5; the weighted
    # pipeline 2200 / 3000 against 1.0 (its probabilities are already inside it)
    assert got["process.pipeline_coverage_unweighted"] == pytest.approx(6000 / 3000)
    assert got["process.pipeline_coverage_unweighted.norm"] == pytest.approx(1 / 0.4)
    assert got["process.pipeline_coverage"] == pytest.approx(2200 / 3000)
    assert got["process.pipeline_coverage.norm"] == pytest.approx(1.0)
    assert got["process.pipeline_weighted.manager_id.M2"] == pytest.approx(200.0)
    # cycle: D1 30 days, D2 60 days
    assert got["process.cycle_median_days"] == pytest.approx(45.0)
    assert got["process.cycle_p75_days"] == pytest.approx(52.5)
    assert got["process.lost_reason_share.price"] == pytest.approx(2 / 3)
    assert got["process.velocity"] == pytest.approx(2 * 0.4 * 2000 / 45)
    assert "Anna Berg" in set(audit.results["pipeline_breakdown"]["name"])  # managers by name


def test_stage_analysis_by_hand(process_client, tmp_path):
    audit = run(process_client, tmp_path / "run", ["stages"])
    got = audit.metrics
    # entered: new 4, qualification 3, proposal 4, negotiation 2, contract 2
    assert got["process.stage_conversion.new"] == pytest.approx(3 / 4)
    assert got["process.stage_conversion.qualification"] == pytest.approx(1.0)
    assert got["process.stage_conversion.proposal"] == pytest.approx(2 / 4)
    assert got["process.stage_conversion.negotiation"] == pytest.approx(1.0)
    # the norm of every stage is the median conversion 0.875: proposal has the largest gap
    assert got["process.bottleneck"] == "proposal"
    assert got["process.bottleneck_conversion"] == pytest.approx(0.5)
    assert got["process.bottleneck_conversion.norm"] == pytest.approx(0.875)
    assert got["process.deals_with_skips"] == pytest.approx(1 / 4)  # D4 skipped qualification
    # days in proposal: D1 10 and D2 19 (to negotiation), D3 21 and D4 25 (to their close date)
    assert got["process.stage_median_days.proposal"] == pytest.approx(20.0)
    assert 'class="ak-text ak-finding"' in audit.shown
    # the as-is map: D4 new → proposal is the one skip; D1, D2 end at contract as won; D3, D4 lost at proposal
    edges = pd.read_csv(tmp_path / "run" / "results" / "process_map_edges.csv")
    moves = {(s, t): (k, d) for s, t, k, d in edges[["source", "target", "kind", "deals"]].itertuples(index=False)}
    assert moves[("new", "proposal")] == ("skip", 1)
    assert moves[("new", "qualification")] == ("forward", 3)
    assert moves[("contract", ":won")] == ("won", 2) and moves[("proposal", ":lost")] == ("lost", 2)
    assert got["process.map_skip_deals"] == 1 and got["process.map_back_deals"] == 0
    assert 'class="ak-figure ak-map"' in audit.shown
    assert "1 deal went from “New” straight to “Proposal”" in audit.shown


def test_after_sales_and_relationship_by_hand(process_client, tmp_path):
    got = run(process_client, tmp_path / "run", ["after_sales", "relationship"]).metrics
    # new clients (first order ever in Jan – 16 Jun): C1 (called 5 days later), C2 (never called)
    assert got["process.after_sales_contact"] == pytest.approx(0.5)
    # clients buying in the window: C1 (2 orders), C2, C3 (2), C4 → 2 of 4 repeat
    assert got["process.repeat_rate"] == pytest.approx(0.5)
    assert got["process.days_to_second_order"] == pytest.approx(44.0)  # C1: 5 Feb → 20 Mar
    # at 30 Jun: C4 new (first order 10 days ago), C3 active (20 days), C1 (102) and C2 (110) sleeping
    assert got["process.clients_total"] == 4
    assert got["process.clients_new"] == pytest.approx(0.25)
    assert got["process.clients_active"] == pytest.approx(0.25)
    assert got["process.clients_sleeping"] == pytest.approx(0.5)
    assert got["process.clients_lost"] == pytest.approx(0.0)


def test_missing_tables_are_findings_not_errors(tiny_client, tmp_path):
    audit = run(tiny_client, tmp_path / "run")
    for table in ("leads", "deals", "stage_history"):
        assert audit.metrics[f"process.missing.{table}"] is True
    assert "ak-missing" in audit.shown and audit.metrics["process.clients_total"] == 3


def test_planted_problems_of_the_demo_client(tmp_path):
    got = run(REPO / "params" / "demo.yaml", tmp_path / "run").metrics
    assert got["process.bottleneck"] == "proposal"
    assert got["process.stage_conversion.proposal"] < 0.5 < got["process.stage_conversion.negotiation"]
    assert got["process.churning_segment"] == "Retail chains"
    assert got["process.cac.marketplace"] > got["process.average_won_deal"]


def test_olist_conversion_by_origin_from_the_real_export(tmp_path, shared_data):
    olist = shared_data("olist_funnel")
    audit = run(REPO / "params" / "examples" / "olist_funnel.yaml", tmp_path / "run")
    got = audit.metrics
    mql = pd.read_csv(olist / "olist_marketing_qualified_leads_dataset.csv")
    won = set(pd.read_csv(olist / "olist_closed_deals_dataset.csv")["mql_id"])
    mql["won"] = mql["mql_id"].isin(won)
    rate = mql.assign(origin=mql["origin"].fillna("unknown")).groupby("origin")["won"].mean()
    assert got["process.leads"] == len(mql) == 8000
    assert got["process.lead_to_won"] == pytest.approx(842 / 8000)
    assert got["process.mql_rate"] == pytest.approx(1.0) and got["process.sql_rate"] is None
    for origin, value in rate.items():
        assert got[f"process.lead_to_won.{origin}"] == pytest.approx(value)
    # only won deals are exported: no win rate, and no cycle (deals are created at the win)
    assert got["process.lost_deals"] == 0 and got["process.win_rate"] is None
    assert "cannot be measured" in audit.shown


def _maven_truth(maven):
    p = pd.read_csv(maven / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    teams = pd.read_csv(maven / "sales_teams.csv")
    return p, teams


def test_maven_win_rate_cycle_pipeline_from_the_real_export(tmp_path, shared_data):
    maven = shared_data("maven_crm")
    params_path = REPO / "params" / "examples" / "maven_crm.yaml"
    params = load_params(params_path)
    audit = run(params_path, tmp_path / "run", ["win_rate", "pipeline", "cycle", "velocity"])
    got = audit.metrics
    p, teams = _maven_truth(maven)
    start, end = pd.Timestamp(params.period.start), pd.Timestamp(params.period.end)
    closed = p[p["deal_stage"].isin(["Won", "Lost"]) & p["close_date"].between(start, end)]
    won = closed[closed["deal_stage"] == "Won"]
    assert got["process.won_deals"] == len(won)
    assert got["process.win_rate"] == pytest.approx(len(won) / len(closed))
    assert got["process.average_won_deal"] == pytest.approx(won["close_value"].mean())
    days = (won["close_date"] - won["engage_date"]).dt.days
    assert got["process.cycle_median_days"] == pytest.approx(days.median())
    assert got["process.cycle_p75_days"] == pytest.approx(days.quantile(0.75))
    per_agent = closed.assign(w=closed["deal_stage"] == "Won").groupby("sales_agent")["w"].mean()
    for agent, rate in per_agent.items():
        assert got[f"process.win_rate.manager_id.{agent}"] == pytest.approx(rate)
    # open at the end date: Engaging and Prospecting deals (Prospecting ones have no engage date)
    open_deals = p[p["deal_stage"].isin(["Engaging", "Prospecting"])]
    assert got["process.open_deals"] == len(open_deals) == 2089
    for agent, count in open_deals.groupby("sales_agent").size().items():
        assert got[f"process.pipeline_open_deals.manager_id.{agent}"] == count
    by_team = open_deals.merge(teams, on="sales_agent").groupby("manager").size()
    assert by_team.sum() == len(open_deals)
    for team, count in by_team.items():
        assert got[f"process.pipeline_open_deals.team.{team}"] == count
    team_rate = closed.merge(teams, on="sales_agent").assign(w=lambda d: d["deal_stage"] == "Won")
    for team, rate in team_rate.groupby("manager")["w"].mean().items():
        assert got[f"process.win_rate.team.{team}"] == pytest.approx(rate)
    # lost deals and open deals carry no value in this export: not assessed, and said so
    assert got["process.win_rate_value"] is None and "process.pipeline_amount" not in got
    assert "carry no amount" in audit.shown
    assert got["process.velocity"] == pytest.approx(len(open_deals) * got["process.win_rate"]
                                                    * won["close_value"].mean() / days.median())


def test_process_map_is_drawn_from_the_salesforce_opportunity_history(tmp_path):
    """The Salesforce-shaped fixture: "Closed Won" / "Closed Lost" are the outcomes, the map is drawn
    (an SVG from Graphviz) and the deal won straight from Prospecting is named as a difference."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("salesforce_opportunities_api.csv", "salesforce_opportunity_history.csv"):
        (data / name).write_bytes((REPO / "tests" / "data" / "presets" / name).read_bytes())
    params = write(tmp_path / "sf.yaml", """
        client: Salesforce map
        period: {start: 2024-01-01, end: 2024-12-31}
        data_dir: data
        norms:
          process: {stages: [Prospecting, Qualification, Proposal/Price Quote]}
        tables:
          deals: {preset: salesforce_opportunities, file: salesforce_opportunities_api.csv}
          stage_history: {preset: salesforce_opportunity_history, file: salesforce_opportunity_history.csv}
    """)
    audit = run(params, tmp_path / "run", ["stages"])
    assert audit.shown.count('<img alt="" src="data:image/svg+xml;base64,') >= 3  # bars, to-be line, map
    edges = pd.read_csv(tmp_path / "run" / "results" / "process_map_edges.csv")
    assert set(edges["target_name"]) >= {"Won", "Lost", "Open at the end date"}
    assert not {"Closed Won", "Closed Lost"} & (set(edges["source"]) | set(edges["target"]))
    assert "1 deal was won straight from “Prospecting”" in audit.shown


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
def test_pareto_names_stay_apart_and_the_cumulative_label_within_the_chart(language):
    """Seven lost reasons in the demo's words: the names under the bars never touch, and the long
    name of the cumulative line ("Накопленная доля проигранных сделок") is in the legend, not along the axis."""
    from auditkit.i18n import Locale
    from auditkit.report import charts

    loc = Locale(language, "RUB")
    names = {"en": ["Price", "Competitor", "No response", "No budget", "Delivery terms", "Not qualified",
                    "not recorded"],
             "ru": ["Цена", "Конкурент", "Нет ответа", "Нет бюджета", "Условия поставки", "Нецелевой клиент",
                    "не указана"],
             "pl": ["Cena", "Konkurencja", "Brak odpowiedzi", "Brak budżetu", "Warunki dostawy",
                    "Poza profilem", "nie zapisano"]}[language]
    counts = pd.Series([513, 414, 369, 326, 208, 199, 156], index=names)
    fig = charts.pareto(counts, loc, "Reasons", "Lost deals",
                        "Накопленная доля проигранных сделок", cut_label="80%")
    fig.canvas.draw()
    ax, ax2 = fig.axes[0], fig.axes[1]
    boxes = [label.get_window_extent() for label in ax.get_xticklabels()]
    assert all(a.x1 + 2 < b.x0 for a, b in zip(boxes, boxes[1:])), "reason names run into each other"
    assert [label.get_text().replace("\n", " ") for label in ax.get_xticklabels()] == names
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Накопленная доля проигранных сделок" in legend and ax2.get_ylabel() == ""  # named once, in the legend
