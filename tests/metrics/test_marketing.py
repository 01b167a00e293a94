"""Marketing per channel (auditkit.metrics.marketing), the channel verdicts (auditkit.plan.marketing)
and the money at stake of the spend on the channels to cut (plan.money.reallocated_spend), by hand."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.metrics import marketing as mk
from auditkit.plan import marketing as plan
from auditkit.plan.money import money_at_stake, reallocated_spend
from helpers import write


@pytest.fixture
def tables(tmp_path):
    data = tmp_path / "data"
    write(data / "deals.csv", """
        deal_id,created_at,status,amount,client_id,channel,closed_at
        D1,2024-01-05,won,1000,C1,web,2024-02-04
        D2,2024-01-10,won,3000,C2,expo,2024-03-10
        D3,2024-01-15,won,500,C3,web,2024-03-15
        D4,2024-02-01,lost,1000,C4,fair,2024-03-01
    """)
    write(data / "leads.csv", """
        lead_id,created_at,source,channel,mql_at,sql_at,deal_id,first_contact_at
        L1,2024-01-02 09:00,web,web,2024-01-03,2024-01-04,D1,2024-01-02 10:00
        L2,2024-01-03 09:00,web,web,2024-01-05,,,2024-01-03 19:00
        L3,2024-01-04 09:00,web,web,,,,
        L4,2024-01-05 09:00,web,web,2024-01-06,2024-01-07,D3,2024-01-05 09:30
        L5,2024-01-05 09:00,expo,expo,2024-01-06,2024-01-08,D2,2024-01-08 09:00
        L6,2024-01-06 09:00,fair,fair,,,,2024-01-09 09:00
    """)
    write(data / "marketing_costs.csv", "period,channel,cost\n2024-01,web,600\n2024-02,expo,900\n2024-03,fair,300\n")
    params = write(tmp_path / "p.yaml", """
        client: Marketing Test
        period: {start: 2024-01-01, end: 2024-06-30}
        data_dir: data
    """)
    return load_inputs(load_params(params)).tables


def test_channel_table_by_hand(tables):
    t = mk.marketing_by_channel(tables["marketing_costs"], tables["leads"], tables["deals"],
                                pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30 23:59:59"))
    rows = t.set_index("channel")
    assert list(rows.index) == ["expo", "web", "fair"]  # by cost
    web, expo, fair = rows.loc["web"], rows.loc["expo"], rows.loc["fair"]
    assert web["cost_share"] == pytest.approx(600 / 1800)
    # web: 4 leads, 3 MQL (L1, L2, L4), 2 SQL, 2 won (D1, D3); new clients C1, C3
    assert (web["leads"], web["mql"], web["sql"], web["won"], web["new_clients"]) == (4, 3, 2, 2, 2)
    assert web["cost_per_lead"] == pytest.approx(150) and web["cost_per_mql"] == pytest.approx(200)
    assert web["cac"] == pytest.approx(300) and web["won_share"] == pytest.approx(0.5)
    assert web["sql_share"] == pytest.approx(0.5)
    # web response: 1 h, 10 h, 0.5 h; L3 never contacted → 3 of 4 within 24 h, median 1 h
    assert web["response_within_24h"] == pytest.approx(0.75) and web["response_median_hours"] == pytest.approx(1.0)
    assert expo["response_within_24h"] == 0 and expo["cac"] == pytest.approx(900)
    assert fair["new_clients"] == 0 and math.isnan(fair["cac"])


def test_channel_verdicts_follow_the_rules():
    table = pd.DataFrame({
        "channel": ["slow", "none", "dear", "good", "mid"],
        "cost": [100.0, 100.0, 100.0, 100.0, 100.0],
        "new_clients": [1, 0, 1, 5, 2],
        "cac": [100.0, float("nan"), 100.0, 20.0, 50.0],
        "won_share": [0.1, 0.0, 0.1, 0.2, 0.05],
        "response_within_24h": [0.3, 0.9, 0.9, 0.9, 0.9],
    })
    got = plan.channel_verdicts(table, blended_cac=40.0, average_won_deal=80.0, overall_won_share=0.1)
    # slow: its leads are not answered; none: no client; dear: CAC 100 > deal 80; good: CAC 20 ≤ 40, 20% ≥ 10%;
    # mid: CAC 50 above the blended 40
    assert list(got) == ["fix_response", "cut", "cut", "grow", "keep"]
    base = plan.cut_base(table, got)
    assert base["share"] == pytest.approx(200 / 500) and base["clients_per_cost"] == pytest.approx(1 / 200)


def test_money_of_the_spend_moved_from_the_channels_to_cut():
    # 40% of 1000 a year moved from channels at 1 client per 200 to the blended CAC 40, deals worth 80:
    # 400 × (1/40 − 1/200) × 80 = 640; half the gap (20%) gives 320
    assert reallocated_spend(0.4, 0.0, 1000, 1 / 200, 40, 80) == pytest.approx(640)
    est = money_at_stake({"kind": "reallocated_spend", "inputs": {"spend_per_year": "s", "clients_per_cost_from": "c",
                                                                   "cac_to": "b", "average_won_deal": "a"}},
                         0.4, 0.0, {"s": 1000, "c": 1 / 200, "b": 40, "a": 80})
    assert (est.low, est.high) == (pytest.approx(320), pytest.approx(640))
