"""Stage 5 report sections on a hand-made client (every number computed by hand), on a client
without the stage's tables, on the demo client's planted problems and on the real Olist funnel."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from auditkit.runner import NOTEBOOKS_DIR, run_client
from auditkit.report.sections import communication as stage
from helpers import run_sections as run_stage_sections
from helpers import REPO, write

SECTIONS = ("lead_response", "handover", "nps", "csat", "reasons", "rhythm")


def run_sections(params_path: Path, run_dir: Path, sections=SECTIONS):
    return run_stage_sections(params_path, run_dir, stage, sections)


@pytest.fixture
def voice_client(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write(data / "clients.csv", """
        client_id,name,segment
        C1,Alpha,Retail
        C2,Beta,Industry
        C3,Gamma,Industry
    """)
    write(data / "managers.csv", "manager_id,name\nM1,Max Mustermann\n")
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,client_id,closed_at
        D1,2024-02-01,won,1000,C1,2024-03-01
        D2,2024-02-15,won,500,C2,2024-04-01
        D3,2024-02-20,lost,300,C3,2024-03-15
    """)
    write(data / "orders.csv", """
        order_id,client_id,date,amount
        O1,C1,2024-03-11,1000
        O2,C3,2024-01-05,50
        O3,C2,2024-01-10,100
    """)
    write(data / "activities.csv", """
        activity_id,manager_id,type,date,client_id
        A1,M1,call,2024-01-02,C3
        A2,M1,call,2024-03-05,C1
        A3,M1,call,2024-06-30,C3
    """)
    write(data / "leads.csv", """
        lead_id,created_at,source,first_contact_at,deal_id
        L1,2024-01-10 09:00,web,2024-01-10 09:30,D1
        L2,2024-01-11 09:00,web,2024-01-11 11:00,
        L3,2024-01-12 09:00,web,2024-01-13 15:00,
        L4,2024-01-13 09:00,web,,
        L5,2024-01-14 09:00,expo,2024-01-16 11:00,D2
        L6,2024-01-15 09:00,expo,,
        L7,2023-12-30 09:00,web,2023-12-30 09:10,
    """)
    write(data / "surveys.csv", """
        client_id,date,nps,csat,reasons,comment,respondent
        C1,2024-05-01,10,5,,Great service,loyal
        C1,2024-05-02,9,4,,,loyal
        C1,2024-05-03,3,2,price; delivery,Too expensive,loyal
        C2,2024-05-04,2,1,price,too  expensive,churned
        C3,2024-05-05,5,3,Price,Slow delivery,churned
        C3,2023-11-05,0,1,price,Out of the window,churned
    """)
    write(data / "checklist.csv", """
        parameter_id,answer,note
        plan_communicated_to_managers,yes,
        plan_signed_by_managers,no,Never signed
        plan_fact_meetings,1,
    """)
    return write(tmp_path / "params" / "voice.yaml", """
        client: Voice Test
        language: en
        currency: EUR
        period: {start: 2024-01-01, end: 2024-06-30}
        data_dir: ../data
    """)


def test_lead_response_by_hand(voice_client, tmp_path):
    audit = run_sections(voice_client, tmp_path / "run", ["lead_response"])
    got = audit.metrics
    # in the window: L1..L6 (L7 is from 2023); contacted after 0.5, 2, 30 and 50 hours, two never
    assert got["communication.leads"] == 6
    assert got["communication.response_median_hours"] == pytest.approx(16.0)  # median of 0.5, 2, 30, 50
    assert got["communication.response_within_1h"] == pytest.approx(1 / 6)
    assert got["communication.response_within_24h"] == pytest.approx(2 / 6)
    assert got["communication.never_contacted"] == pytest.approx(2 / 6)
    assert got["communication.response_median_hours.web"] == pytest.approx(2.0)
    assert got["communication.never_contacted.expo"] == pytest.approx(0.5)
    assert got["communication.response_within_1h.norm"] == 0.8
    # lead -> won: L1 09:00 10 Jan -> 1 Mar = 50.625 d; L5 09:00 14 Jan -> 1 Apr = 77.625 d
    assert got["communication.won_leads"] == 2
    assert got["communication.lead_to_won_days"] == pytest.approx((50.625 + 77.625) / 2)
    assert (tmp_path / "run" / "results" / "lead_response_by_source.csv").is_file()


def test_handover_by_hand(voice_client, tmp_path):
    got = run_sections(voice_client, tmp_path / "run", ["handover"]).metrics
    # D1 won 1 Mar, C1 orders 11 Mar (10 days); D2 won 1 Apr, C2 never orders after it
    assert got["communication.won_deals"] == 2
    assert got["communication.won_to_first_order_days"] == pytest.approx(10.0)
    assert got["communication.first_order_within_days"] == pytest.approx(0.5)
    assert got["communication.won_without_order"] == pytest.approx(0.5)
    # C1 called on day 4 after the win, C2 never; the log (2 Jan – 30 Jun) covers both windows
    assert got["communication.post_sale_contact"] == pytest.approx(0.5)


def test_client_voice_by_hand(voice_client, tmp_path):
    audit = run_sections(voice_client, tmp_path / "run", ["nps", "csat", "reasons"])
    got = audit.metrics
    # 5 answers in the window: NPS 10, 9 (promoters), 3, 2, 5 (detractors)
    assert got["communication.nps"] == pytest.approx(100 * (2 - 3) / 5)
    assert got["communication.nps_answers"] == 5
    assert got["communication.nps.segment.Retail"] == pytest.approx(100 * (2 - 1) / 3)
    assert got["communication.nps.segment.Industry"] == pytest.approx(-100.0)
    assert got["communication.nps.respondent.churned"] == pytest.approx(-100.0)
    assert "communication.nps_worst_segment" not in got  # 2 answers per segment are too few to name one
    assert got["communication.csat"] == pytest.approx(2 / 5)
    assert got["communication.csat.segment.Retail"] == pytest.approx(2 / 3)
    # reasons: price (3 mentions, any case), delivery (1)
    assert got["communication.reason_share.price"] == pytest.approx(0.75)
    complaints = audit.results["top_complaints"]
    assert complaints.iloc[0]["complaint"] == "too expensive" and complaints.iloc[0]["count"] == 2
    assert "Great service" not in set(complaints["example"])  # a promoter's praise is not a complaint
    assert 'class="ak-text ak-finding"' in audit.shown


def test_management_rhythm_from_checklist(voice_client, tmp_path):
    audit = run_sections(voice_client, tmp_path / "run", ["rhythm"])
    got = audit.metrics
    # weights 3 (yes), 2 (no), 3 ("1" = partly); two questions unanswered
    assert got["communication.rhythm_score"] == pytest.approx((100 * 3 + 0 * 2 + 50 * 3) / 8)
    assert got["communication.rhythm_answered"] == 3
    assert got["communication.rhythm.plan_fact_meetings"] == 50.0
    assert got["communication.rhythm.plan_control_continuous"] is None
    assert "Never signed" in audit.shown


def test_the_rhythm_callout_names_the_practices_the_answers_miss(voice_client, tmp_path):
    """N10 of the review: the callout agrees with the answers (here: plans brought to the managers
    "yes", signed "no", plan/fact meetings "partly"; the other two unanswered)."""
    audit = run_sections(voice_client, None, ["rhythm"])
    callout = re.search(r'<p class="ak-text ak-finding">(.*?)</p>', audit.shown).group(1)
    assert callout.startswith("2 of the 5 management-rhythm practices are not in place or only partly: ")
    assert "plans accepted by each manager with a signature (no)" in callout
    assert "regular plan/fact meetings with corrective actions and deadlines (partly)" in callout
    assert "no manager has taken the plan on as a personal commitment" in callout
    assert "deviations from the plan are neither reviewed nor corrected" in callout
    assert "brought to each manager" not in callout  # answered "yes": not a gap


def test_missing_tables_are_findings_not_errors(tiny_client, tmp_path):
    audit = run_sections(tiny_client, tmp_path / "run")
    for table in ("leads", "deals", "surveys", "checklist"):
        assert audit.metrics[f"communication.missing.{table}"] is True
    assert audit.shown.count('class="ak-missing"') == 6


def test_planted_problems_of_the_demo_client(tmp_path):
    audit = run_sections(REPO / "params" / "demo.yaml", tmp_path / "run")
    got = audit.metrics
    assert got["communication.slowest_source"] == "exhibitions"
    assert got["communication.response_median_hours.exhibitions"] > 24
    assert got["communication.nps_worst_segment"] == "Retail chains"
    assert got["communication.nps.segment.Retail chains"] < 0 < got["communication.nps.segment.Manufacturing"]
    assert got["communication.nps.respondent.churned"] < got["communication.nps.respondent.loyal"]
    assert audit.shown.count('class="ak-text ak-finding"') >= 4


@pytest.fixture
def orders_and_deals_client(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write(data / "orders.csv", """
        order_id,client_id,date,amount
        O1,C1,2024-01-10,100
        O2,C2,2024-02-11,250
        O3,C1,2024-04-02,80
        O4,C3,2024-05-20,40
    """)
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,client_id,closed_at,manager_id,channel
        D1,2024-01-02,won,100,C1,2024-01-08,M1,web
        D2,2024-01-20,lost,300,C2,2024-02-01,M2,expo
        D3,2024-03-01,open,500,C3,,M1,web
        D4,2024-02-01,won,250,C2,2024-02-10,M2,expo
    """)
    return write(tmp_path / "params" / "od.yaml", """
        client: Orders And Deals
        language: ru
        currency: RUB
        period: {start: 2024-01-01, end: 2024-06-30}
        data_dir: ../data
    """)


@pytest.mark.e2e  # stage notebooks in a kernel, and the PDF
def test_notebooks_run_on_a_client_with_only_orders_and_deals(orders_and_deals_client, tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("02_process.ipynb", "05_communication.ipynb"):
        shutil.copy(NOTEBOOKS_DIR / name, folder)
    res = run_client(orders_and_deals_client, tmp_path / "out", notebooks_dir=folder)
    assert res.ok, res.failure
    html = (res.run_dir / "report.html").read_text(encoding="utf-8")
    assert "Traceback" not in html and "Коммуникации и взаимодействие" in html and "Процесс продаж" in html
    metrics = json.loads((res.run_dir / "results" / "metrics.json").read_text())
    assert metrics["communication.missing.surveys"] is True and metrics["process.missing.stage_history"] is True
    assert metrics["process.win_rate"] == pytest.approx(2 / 3)
    assert metrics["communication.won_deals"] == 2


def test_olist_time_to_close_from_the_real_export(tmp_path, shared_data):
    olist = shared_data("olist_funnel")
    audit = run_sections(REPO / "params" / "examples" / "olist_funnel.yaml", tmp_path / "run")
    got = audit.metrics
    mql = pd.read_csv(olist / "olist_marketing_qualified_leads_dataset.csv")
    won = pd.read_csv(olist / "olist_closed_deals_dataset.csv")
    both = mql.merge(won, on="mql_id")
    days = (pd.to_datetime(both["won_date"], format="%d-%m-%Y %H:%M")
            - pd.to_datetime(both["first_contact_date"], format="%d-%m-%Y")) / pd.Timedelta(days=1)
    assert got["communication.won_leads"] == len(won) == 842
    valid = days >= 0  # one seller is won 1.2 days before its first contact: a data error, left out
    assert (~valid).sum() == 1 and "1 lead was won before it was created" in audit.shown
    assert got["communication.lead_to_won_days"] == pytest.approx(days[valid].median())
    assert got["communication.lead_to_won_p75_days"] == pytest.approx(days[valid].quantile(0.75))
    by_origin = both[valid].assign(origin=both["origin"].fillna("unknown"), d=days).groupby("origin")["d"].median()
    for origin, median in by_origin.items():
        assert got[f"communication.lead_to_won_days.{origin}"] == pytest.approx(median)
    assert got["communication.first_contact_recorded"] is False  # no first-contact time: a finding
    assert got["communication.missing.surveys"] is True
