"""Tests of Stage 2 — sales process metrics (auditkit.metrics.process)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from auditkit.metrics import process as p

S, D, F = "string", "datetime64[ns]", "float64"
DEALS = {
    "deal_id": S, "created_at": D, "status": S, "amount": F, "client_id": S, "manager_id": S,
    "lead_source": S, "channel": S, "stage": S, "closed_at": D, "expected_close": D,
    "probability": F, "lost_reason": S,
}
LEADS = {
    "lead_id": S, "created_at": D, "source": S, "channel": S, "mql_at": D, "sql_at": D,
    "deal_id": S, "first_contact_at": D,
}
ACTIVITIES = {
    "activity_id": S, "manager_id": S, "type": S, "date": D, "deal_id": S, "client_id": S,
    "duration_min": F, "outcome": S, "next_step": "boolean",
}
ORDERS = {
    "order_id": S, "client_id": S, "date": D, "amount": F, "quantity": F, "unit_price": F,
    "cost": F, "product": S, "category": S, "manager_id": S, "channel": S,
}
HISTORY = {"deal_id": S, "stage": S, "entered_at": D}
COSTS = {"period": D, "channel": S, "cost": F}
PLANS = {"period": D, "metric": S, "target": F, "manager_id": S}
MANAGERS = {"manager_id": S, "name": S, "role": S, "team": S, "hired_at": D, "left_at": D}
CLIENTS = {
    "client_id": S, "name": S, "segment": S, "industry": S, "region": S, "created_at": D,
    "manager_id": S, "status": S, "acquisition_channel": S,
}

START, END = "2024-01-01", "2024-03-31"


def make(spec: dict[str, str], **columns) -> pd.DataFrame:
    """A table with every contract column; columns not given are all-NA."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame({c: pd.Series(columns.get(c, [None] * n), dtype=t) for c, t in spec.items()})


def approx(value):
    return pytest.approx(value, nan_ok=True)


def blank(table: pd.DataFrame) -> pd.Series:
    """An all-NA text column for ``table`` (an optional column the client did not provide)."""
    return pd.Series([None] * len(table), dtype=S, index=table.index)


def same(actual: pd.Series, expected: pd.Series) -> None:
    """Series equal by values and index labels (names and index dtypes may differ)."""
    pd.testing.assert_series_equal(actual, expected, check_names=False, check_index_type=False)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def deals() -> pd.DataFrame:
    # window 2024-01-01..2024-03-31:
    # d1, d2, d11 won in it; d3, d4, d5 lost in it; d6 won before it; d9 won after the end
    # (so open at the end); d7, d8 open; d10 created after the end.
    return make(
        DEALS,
        deal_id=["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10", "d11"],
        created_at=["2024-01-01", "2024-01-05", "2024-01-10", "2024-02-01", "2024-02-01", "2023-12-01",
                    "2024-03-01", "2024-03-15", "2024-02-10", "2024-04-05", "2024-03-20"],
        status=["won", "won", "lost", "lost", "lost", "won", "open", "open", "won", "open", "won"],
        amount=[100, 300, 200, 50, None, 1000, 400, 600, 500, 700, 200],
        closed_at=["2024-01-11", "2024-02-04", "2024-01-20", "2024-03-01", "2024-03-10", "2023-12-20",
                   None, None, "2024-04-10", None, "2024-03-31 15:00"],
        manager_id=["m1", "m2", "m1", "m2", "m1", "m1", "m1", "m2", "m2", "m1", "m1"],
        channel=["web", "web", "phone", "phone", "web", "web", "web", "phone", "web", "web", "phone"],
        stage=["won", "won", "lost", "lost", "lost", "won", "proposal", "qualification", "won",
               "proposal", "won"],
        probability=[None, None, None, None, None, None, 0.5, None, 0.9, 0.5, None],
        lost_reason=[None, None, "price", "price", "timing", None, None, None, None, None, None],
        client_id=["c1", "c2", "c3", "c1", "c4", "c5", "c6", "c7", "c8", None, "c9"],
    )


@pytest.fixture
def clients() -> pd.DataFrame:
    return make(CLIENTS, client_id=["c1", "c2", "c9"], name=["A1", "B2", "A9"], segment=["A", "B", "A"])


# --------------------------------------------------------------------------- win rate


def test_win_rate_counts_closed_in_window_only(deals):
    # won in window: d1 100, d2 300, d11 200 (closed 15:00 on the end day) -> 3, value 600
    # lost in window: d3 200, d4 50, d5 NaN -> 3, value 250; d6 (before), d9 (after) excluded
    out = p.win_rate(deals, START, END)
    assert out == {
        "won": 3, "lost": 3, "win_rate": 0.5, "won_value": 600.0, "lost_value": 250.0,
        "win_rate_value": approx(600 / 850),
    }
    assert isinstance(out["won"], int)


def test_win_rate_by_manager(deals):
    # m1: won d1 100, d11 200; lost d3 200, d5 NaN -> 2/4, 300/500
    # m2: won d2 300; lost d4 50 -> 1/2, 300/350
    out = p.win_rate(deals, START, END, by="manager_id")
    assert list(out["manager_id"]) == ["m1", "m2"]
    assert list(out["won"]) == [2, 1] and out["won"].dtype == "int64"
    assert list(out["win_rate"]) == [0.5, 0.5]
    assert out["win_rate_value"].tolist() == approx([0.6, 300 / 350])


def test_win_rate_edges(deals):
    assert p.win_rate(None, START, END) is None
    assert p.win_rate(deals, START, END, by="lead_source") is None  # all-NA optional column
    empty = p.win_rate(deals.iloc[:0], START, END)
    assert empty["won"] == 0 and empty["lost"] == 0 and math.isnan(empty["win_rate"])
    # only open deals -> no closed deal, win rate undefined
    assert math.isnan(p.win_rate(deals[deals["status"] == "open"], START, END)["win_rate"])
    # no amounts -> the value rate is undefined, the count rate is not
    out = p.win_rate(deals.assign(amount=np.nan), START, END)
    assert out["win_rate"] == 0.5 and math.isnan(out["win_rate_value"])


# ---------------------------------------------------------------- average deal, cycle


def test_average_won_deal(deals):
    # (100 + 300 + 200) / 3 = 200; by channel web d1, d2 -> 200; phone d11 -> 200
    expected = {"won_deals": 3, "won_value": 600.0, "average_won_deal": 200.0}
    assert p.average_won_deal(deals, START, END) == expected
    by = p.average_won_deal(deals, START, END, by="channel")
    assert by["channel"].tolist() == ["phone", "web"] and by["won_deals"].tolist() == [1, 2]
    # a won deal without amount counts as won but not in the mean: d2 NaN -> (100 + 200) / 2
    no_amount = deals.assign(amount=deals["amount"].where(deals["deal_id"] != "d2"))
    out = p.average_won_deal(no_amount, START, END)
    assert out["won_deals"] == 3 and out["average_won_deal"] == 150.0
    assert p.average_won_deal(None, START, END) is None


def test_sales_cycle(deals, clients):
    # d1 10 days, d2 30 days, d11 2024-03-20 -> 2024-03-31 15:00 = 11.625 days
    # median 11.625; p75 at position 1.5 of [10, 11.625, 30] = 11.625 + 0.5 * 18.375 = 20.8125
    assert p.sales_cycle(deals, START, END) == {"won_deals": 3, "median_days": 11.625, "p75_days": 20.8125}
    by = p.sales_cycle(deals, START, END, by="channel").set_index("channel")
    # web [10, 30] -> median 20, p75 10 + 0.75 * 20 = 25; phone [11.625]
    assert by.loc["web", "median_days"] == 20 and by.loc["web", "p75_days"] == 25
    assert by.loc["phone", "median_days"] == 11.625
    seg = p.sales_cycle(deals, START, END, by="segment", clients=clients).set_index("segment")
    # segment A: c1 (d1 10), c9 (d11 11.625) -> median 10.8125; B: c2 (d2 30)
    assert seg["median_days"].to_dict() == {"A": 10.8125, "B": 30.0}
    assert p.sales_cycle(deals, START, END, by="segment") is None  # no clients table


def test_sales_cycle_skips_missing_and_negative_durations(deals):
    broken = deals.copy()
    broken.loc[broken["deal_id"] == "d1", "created_at"] = pd.NaT  # unknown start
    broken.loc[broken["deal_id"] == "d2", "created_at"] = pd.Timestamp("2024-03-01")  # after close
    assert p.sales_cycle(broken, START, END) == {"won_deals": 1, "median_days": 11.625, "p75_days": 11.625}


# ----------------------------------------------------------------- lost reasons, velocity


def test_lost_reasons_pareto(deals):
    # lost in window: price d3 200 + d4 50; timing d5 (no amount)
    out = p.lost_reasons(deals, START, END)
    assert out["lost_reason"].tolist() == ["price", "timing"]
    assert out["deals"].tolist() == [2, 1]
    assert out["share"].tolist() == approx([2 / 3, 1 / 3])
    assert out["cumulative_share"].tolist() == approx([2 / 3, 1.0])
    assert out["amount"].tolist() == [250.0, 0.0]


def test_lost_reasons_keeps_unrecorded_and_needs_the_column(deals):
    unrecorded = deals.assign(lost_reason=deals["lost_reason"].where(deals["deal_id"] != "d5"))
    out = p.lost_reasons(unrecorded, START, END)
    assert out["deals"].tolist() == [2, 1] and out["lost_reason"].isna().tolist() == [False, True]
    assert p.lost_reasons(deals.assign(lost_reason=blank(deals)), START, END) is None
    assert p.lost_reasons(None, START, END) is None


def test_sales_velocity(deals):
    # open at the end: d7, d8, d9 (closed after the end) = 3; win rate 0.5; average won deal 200;
    # median cycle 11.625 -> 3 * 0.5 * 200 / 11.625
    out = p.sales_velocity(deals, START, END)
    assert out["open_deals"] == 3 and out["velocity"] == approx(300 / 11.625)
    assert p.sales_velocity(None, START, END) is None
    assert math.isnan(p.sales_velocity(deals.iloc[:0], START, END)["velocity"])


# --------------------------------------------------------------------------- pipeline


def test_open_pipeline(deals):
    # d7 400 x 0.5 = 200; d8 600, no probability -> stage qualification 0.2 = 120;
    # d9 500 x 0.9 = 450 (closed after the end); d10 created after the end -> out
    out = p.open_pipeline(deals, END, stage_probability={"qualification": 0.2})
    assert out == {"open_deals": 3, "amount": 1500.0, "weighted_amount": 770.0, "without_probability": 0}
    bare = p.open_pipeline(deals, END)
    assert bare["weighted_amount"] == 650.0 and bare["without_probability"] == 1
    by = p.open_pipeline(deals, END, by="manager_id", stage_probability={"qualification": 0.2})
    # m1: d7 -> 1, 400, 200; m2: d8, d9 -> 2, 1100, 570
    assert by.to_dict("list") == {
        "manager_id": ["m1", "m2"], "open_deals": [1, 2], "amount": [400.0, 1100.0],
        "weighted_amount": [200.0, 570.0], "without_probability": [0, 0],
    }


def test_open_pipeline_by_stage_and_unknown_creation(deals):
    undated = deals.copy()
    undated.loc[undated["deal_id"] == "d10", "created_at"] = pd.NaT  # open, creation unknown -> counts
    by = p.open_pipeline(undated, END, by="stage").set_index("stage")["open_deals"]
    assert by.to_dict() == {"proposal": 2, "qualification": 1, "won": 1}
    assert p.open_pipeline(deals, END, by="lead_source") is None
    assert p.open_pipeline(None, END) is None


@pytest.fixture
def plans() -> pd.DataFrame:
    return make(
        PLANS,
        period=["2024-03-01", "2024-04-01", "2024-05-01", "2024-04-01", "2024-04-01"],
        metric=["revenue", "revenue", "revenue", "revenue", "deals_won"],
        target=[500, 1000, 1000, 600, 9],
        manager_id=[None, None, None, "m1", None],
    )


def test_remaining_plan(plans):
    # company revenue rows after 2024-03-31: April 1000 + May 1000 (the m1 row is not added)
    assert p.remaining_plan(plans, END) == 2000.0
    assert p.remaining_plan(plans, END, until="2024-04-30") == 1000.0
    # without company rows, the per-manager rows are summed
    assert p.remaining_plan(plans[plans["manager_id"].notna()], END) == 600.0
    assert p.remaining_plan(plans, END, metric="deals_won") == 9.0
    assert p.remaining_plan(None, END) is None


def test_pipeline_coverage(deals, plans):
    # open at 31 Mar: d7 400 × 0.5, d8 600 × the qualification stage's 0.2, d9 500 × 0.9 (won only
    # on 10 Apr) → open 1500, weighted 200 + 120 + 450 = 770; remaining plan Apr + May = 2000;
    # win rate 3 won / 6 closed = 0.5
    out = p.pipeline_coverage(deals, plans, START, END, stage_probability={"qualification": 0.2})
    assert out == {"open_pipeline": 1500.0, "weighted_pipeline": 770.0, "remaining_plan": 2000.0,
                   "plan_is_proxy": False, "win_rate": 0.5,
                   # coverage = open pipeline / plan = 0.75 against 1 / win rate = 2: 4000 needed
                   "coverage": 0.75, "coverage_norm": 2.0, "pipeline_needed": 4000.0,
                   # weighted coverage = 770 / 2000 against 1.0, never against 1 / win rate
                   "weighted_coverage": 0.385, "weighted_coverage_norm": 1.0}
    # a one-month horizon covers April's 1000 only
    april = p.pipeline_coverage(deals, plans, START, END, stage_probability={"qualification": 0.2},
                                horizon_months=1)
    assert (april["remaining_plan"], april["coverage"], april["weighted_coverage"]) == (1000.0, 1.5, 0.77)
    no_future = p.pipeline_coverage(deals, plans, START, "2024-12-31")
    assert math.isnan(no_future["coverage"]) and math.isnan(no_future["weighted_coverage"])
    # the plans stop at 31 May: with a 3-month horizon the plan of Mar–May (500 + 1000 + 1000) stands
    # in; open then: d7 400, d8 600, d10 700 (× 0.5) → 1700 / 2500; win rate 4 / 7 (d9 won in April)
    proxy = p.pipeline_coverage(deals, plans, START, "2024-05-31", stage_probability={"qualification": 0.2},
                                horizon_months=3)
    assert proxy["plan_is_proxy"] and proxy["remaining_plan"] == 2500.0
    assert proxy["coverage"] == pytest.approx(1700 / 2500) and proxy["coverage_norm"] == pytest.approx(7 / 4)
    assert proxy["weighted_coverage"] == pytest.approx(670 / 2500)
    # without a lost deal there is no win rate, hence no norm for the unweighted coverage
    won_only = p.pipeline_coverage(deals[deals["status"] != "lost"], plans, START, END)
    assert math.isnan(won_only["coverage_norm"]) and math.isnan(won_only["pipeline_needed"])
    assert won_only["weighted_coverage_norm"] == 1.0
    assert p.pipeline_coverage(deals, None, START, END) is None


# ------------------------------------------------------------------------ acquisition


@pytest.fixture
def leads() -> pd.DataFrame:
    # l7 created before the window; l6 became MQL after the end; l5 has no dates but a won deal;
    # l9's deal d9 was won after the end
    return make(
        LEADS,
        lead_id=["l1", "l2", "l3", "l4", "l5", "l6", "l7", "l9"],
        created_at=["2024-01-05", "2024-01-07", "2024-02-01", "2024-02-03", "2024-02-05", "2024-03-01",
                    "2023-12-01", "2024-03-20"],
        source=["ads", "ads", "ads", "seo", "seo", "seo", "ads", "ads"],
        mql_at=["2024-01-06", "2024-01-08", None, "2024-02-04", None, "2024-04-02", "2023-12-02",
                "2024-03-21"],
        sql_at=["2024-01-10", None, None, "2024-02-10", None, None, "2023-12-03", "2024-03-25"],
        deal_id=["d1", None, None, "d3", "d2", None, "d6", "d9"],
    )


def test_acquisition_by_source(leads, deals):
    # ads: l1, l2, l3, l9 = 4 leads; MQL l1, l2, l9 = 3; SQL l1, l9 = 2; won l1 = 1
    # seo: l4, l5, l6 = 3 leads; MQL l4, l5 (won => SQL => MQL) = 2; SQL l4, l5 = 2; won l5 = 1
    out = p.acquisition(leads, deals, START, END)
    assert out["source"].tolist() == ["ads", "seo"]
    assert out["leads"].tolist() == [4, 3]
    assert out[["mql", "sql", "won"]].to_numpy().tolist() == [[3, 2, 1], [2, 2, 1]]
    assert out["mql_rate"].tolist() == approx([3 / 4, 2 / 3])
    assert out["sql_rate"].tolist() == approx([2 / 3, 1.0])
    assert out["sql_to_won"].tolist() == approx([0.5, 0.5])
    assert out["overall"].tolist() == approx([1 / 4, 1 / 3])


def test_funnel_rates(leads, deals):
    # 7 leads, 5 MQL, 4 SQL, 2 won
    out = p.funnel_rates(leads, deals, START, END)
    assert out == {"leads": 7, "mql": 5.0, "sql": 4.0, "won": 2.0, "mql_rate": approx(5 / 7),
                   "sql_rate": 0.8, "sql_to_won": 0.5, "overall": approx(2 / 7)}


def test_funnel_untracked_stages_are_nan(leads, deals):
    # without deals: won unknown, SQL only from sql_at (l1, l4, l9 = 3), MQL l1, l2, l4, l9 = 4
    out = p.funnel_rates(leads, None, START, END)
    assert (out["mql"], out["sql"]) == (4.0, 3.0)
    assert math.isnan(out["won"]) and math.isnan(out["overall"]) and math.isnan(out["sql_to_won"])
    # no sql_at: SQL rate undefined, overall still 2/7
    out = p.funnel_rates(leads.assign(sql_at=pd.NaT), deals, START, END)
    assert math.isnan(out["sql"]) and math.isnan(out["sql_rate"]) and out["overall"] == approx(2 / 7)
    assert p.acquisition(leads, deals, START, END, by="channel") is None
    assert p.acquisition(None, deals, START, END) is None
    empty = p.funnel_rates(leads.iloc[:0], deals, START, END)
    assert empty["leads"] == 0 and math.isnan(empty["mql_rate"])


def test_cac_by_channel(deals):
    # costs in the window: web 300 + 300, phone 100 (2023-12 and 2024-04 rows are outside)
    costs = make(
        COSTS,
        period=["2023-12-01", "2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
        channel=["web", "web", "web", "phone", "phone"],
        cost=[999, 300, 300, 100, 50],
    )
    # extra won deals: d12 a repeat win of c1 (not new); d13 without client (its own new client)
    extra = make(
        DEALS, deal_id=["d12", "d13"], created_at=["2024-02-01", "2024-01-01"], status=["won", "won"],
        closed_at=["2024-03-05", "2024-02-01"], channel=["web", "email"], client_id=["c1", None],
    )
    # new clients in the window by first won deal: web c1 (d1), c2 (d2); phone c9 (d11); email d13
    # c5's first win d6 is before the window, c8's d9 after it
    out = p.cac_by_channel(costs, pd.concat([deals, extra], ignore_index=True), START, END)
    assert out["channel"].tolist() == ["email", "phone", "web"]
    assert out["new_clients"].tolist() == [1, 1, 2]
    assert out["cost"].tolist() == approx([np.nan, 100.0, 600.0])
    assert out["cac"].tolist() == approx([np.nan, 100.0, 300.0])
    assert p.cac_by_channel(None, deals, START, END) is None
    assert p.cac_by_channel(costs, deals.assign(channel=blank(deals)), START, END) is None


def test_cac_by_channel_sums_back_to_cac_blended():
    # c0 bought in 2023 (existing); c1 first orders on 20 Jan; c2's first order of 5 Feb is fully
    # returned the next day (net 0, not counted), so c2 is new on 10 Mar; c3 new on 20 Mar; c4 in April
    orders = make(
        ORDERS,
        order_id=["o0", "o1", "o2", "o3", "o3", "o4", "o5", "o6"],
        client_id=["c0", "c0", "c1", "c2", "c2", "c2", "c3", "c4"],
        date=["2023-11-10", "2024-01-15", "2024-01-20", "2024-02-05", "2024-02-06", "2024-03-10",
              "2024-03-20", "2024-04-02"],
        amount=[500, 200, 300, 100, -100, 150, 400, 100],
    )
    # channel: the client's acquisition channel (c1 web although its first won deal came by phone,
    # c3 a fair), else the channel of its first won deal (c2: d1 by phone)
    clients = make(CLIENTS, client_id=["c0", "c1", "c2", "c3", "c4"],
                   acquisition_channel=["web", "web", None, "fair", "web"])
    deals = make(DEALS, deal_id=["d1", "d2"], client_id=["c2", "c1"], status=["won", "won"],
                 created_at=["2024-02-01", "2024-01-02"], closed_at=["2024-03-01", "2024-01-18"],
                 channel=["phone", "phone"], amount=[150, 300])
    # costs of Jan–Mar: web 300 + 300, phone 100, radio 50 (acquires nobody); April is outside
    costs = make(COSTS, period=["2024-01-01", "2024-02-01", "2024-03-01", "2024-02-01", "2024-04-01"],
                 channel=["web", "web", "phone", "radio", "web"], cost=[300, 300, 100, 50, 999])
    acquired = p.acquired_clients(START, END, orders=orders, deals=deals, clients=clients)
    assert acquired["client_id"].tolist() == ["c1", "c2", "c3"]
    assert acquired["channel"].tolist() == ["web", "phone", "fair"]
    assert acquired["acquired_at"].tolist() == [pd.Timestamp(d) for d in ("2024-01-20", "2024-03-10", "2024-03-20")]
    table = p.cac_by_channel(costs, deals, START, END, orders=orders, clients=clients)
    assert table["channel"].tolist() == ["fair", "phone", "radio", "web"]
    assert table["new_clients"].tolist() == [1, 1, 0, 1]
    assert table["cost"].tolist() == approx([np.nan, 100.0, 50.0, 600.0])
    assert table["cac"].tolist() == approx([np.nan, 100.0, np.nan, 600.0])
    blended = p.blended_cac(costs, deals, START, END, orders=orders, clients=clients)
    # CAC (blended) = all cost 600 + 100 + 50 = 750 / all 3 new clients (the fair's too) = 250
    assert blended["cost"] == 750.0 and blended["new_clients"] == 3
    assert blended["new_clients_paid_channels"] == 2 and blended["cost_without_new_clients"] == 50.0
    assert blended["cac"] == 250.0
    assert blended["average_won_deal"] == 225.0 and blended["cac_to_won_deal"] == pytest.approx(250 / 225)
    # the channels sum back: Σ CAC by channel × its new clients = 600 + 100 = 700
    #   = CAC (blended) × new clients − the cost of channels that acquired nobody = 750 − 50
    by_channel = (table["cac"] * table["new_clients"]).sum()
    assert by_channel == blended["cac"] * blended["new_clients"] - blended["cost_without_new_clients"]
    # and exactly CAC (blended) × new clients when every channel with a cost acquired a client
    paid = costs[costs["channel"] != "radio"]
    table = p.cac_by_channel(paid, deals, START, END, orders=orders, clients=clients)
    blended = p.blended_cac(paid, deals, START, END, orders=orders, clients=clients)
    assert (table["cac"] * table["new_clients"]).sum() == pytest.approx(blended["cac"] * blended["new_clients"])
    # a client whose channel is recorded nowhere is a row of its own (NA), never inside another channel
    bare = clients.assign(acquisition_channel=pd.Series([None, "web", None, None, "web"], dtype="string"))
    table = p.cac_by_channel(paid, deals, START, END, orders=orders, clients=bare)
    assert table["channel"].iloc[:2].tolist() == ["phone", "web"] and pd.isna(table["channel"].iloc[2])
    assert table["new_clients"].tolist() == [1, 1, 1]
    assert p.blended_cac(None, deals, START, END, orders=orders) is None


@pytest.fixture
def deal_activities() -> pd.DataFrame:
    return make(
        ACTIVITIES,
        activity_id=["a1", "a2", "a3", "a4", "a5", "a6", "a7"],
        manager_id=["m1"] * 7,
        type=["call"] * 7,
        date=["2024-01-02", "2024-01-11 17:00", "2024-01-12", "2024-01-20", "2024-01-15",
              "2024-03-31 10:00", "2024-02-01"],
        deal_id=["d1", "d1", "d1", "d2", "d3", "d11", None],
    )


def test_activities_per_won_deal(deal_activities, deals):
    # won in window d1, d2, d11; activities on or before the close day: d1 a1, a2 (a3 after
    # close), d2 a4, d11 a6 -> 4 / 3; a5 belongs to a lost deal, a7 to no deal
    out = p.activities_per_won_deal(deal_activities, deals, START, END)
    assert out == {"won_deals": 3, "activities": 4, "activities_per_won_deal": approx(4 / 3)}
    by = p.activities_per_won_deal(deal_activities, deals, START, END, by="channel")
    # phone d11: 1 / 1; web d1, d2: 3 / 2
    assert by.to_dict("list") == {"channel": ["phone", "web"], "won_deals": [1, 2], "activities": [1, 3],
                                  "activities_per_won_deal": [1.0, 1.5]}
    assert p.activities_per_won_deal(deal_activities.assign(deal_id=pd.NA), deals, START, END) is None
    assert p.activities_per_won_deal(None, deals, START, END) is None


def test_activities_per_won_deal_without_a_won_deal_in_the_window_is_zero_deals_not_an_error(deal_activities, deals):
    """An analyst's filter or a quiet quarter can leave no deal won in the window."""
    lost = deals.assign(status=pd.array(["lost"] * len(deals), dtype="string"))
    assert p.activities_per_won_deal(deal_activities, lost, START, END) == {
        "won_deals": 0, "activities": 0, "activities_per_won_deal": approx(np.nan)}


# --------------------------------------------------------------------- stage analysis

TO_BE = ["new", "qualified", "proposal", "won"]


@pytest.fixture
def history() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        ("D1", "new", "2024-01-01"), ("D1", "qualified", "2024-01-03"), ("D1", "proposal", "2024-01-08"),
        ("D1", "won", "2024-01-18"),
        ("D2", "new", "2024-01-02"), ("D2", "proposal", "2024-01-12"), ("D2", "won", "2024-01-22"),
        ("D3", "new", "2024-01-05"), ("D3", "qualified", "2024-01-06"), ("D3", "lost", "2024-01-20"),
        ("D4", "new", "2024-03-01"), ("D4", "qualified", "2024-03-11"), ("D4", "proposal", "2024-04-05"),
        ("D5", "won", "2024-01-05"), ("D5", "new", "2024-01-01"), ("D5", "qualified", "2024-01-02"),
        ("D5", "proposal", "2024-01-04"),
        ("D6", "qualified", "2024-03-21"),
        ("D7", "proposal", "2024-02-01"), ("D7", "qualified", "2024-02-05"),
    ]
    deal_id, stage, entered_at = zip(*rows)
    h = make(HISTORY, deal_id=deal_id, stage=stage, entered_at=entered_at)
    d = make(
        DEALS,
        deal_id=["D1", "D2", "D3", "D4", "D5", "D6", "D7"],
        created_at=["2024-01-01", "2024-01-02", "2024-01-05", "2024-03-01", "2024-01-01", "2024-03-21",
                    "2024-02-01"],
        status=["won", "won", "lost", "open", "won", "open", "lost"],
        closed_at=["2024-01-18", "2024-01-22", "2024-01-20", None, "2024-01-05", None, "2024-02-10"],
    )
    return h, d


def test_stage_durations(history):
    h, d = history
    out = p.stage_durations(h, END, d).set_index(["deal_id", "stage"])
    # next entry: D1 new 2, qualified 5, proposal 10; last entries of closed deals run to closed_at:
    # D1 won 0, D7 qualified 02-05 -> 02-10 = 5; open D4 qualified 03-11 -> end 03-31 = 20 (its
    # proposal entry is after the end), open D6 qualified 10
    assert out.loc[("D1", "new"), "days"] == 2 and out.loc[("D1", "proposal"), "days"] == 10
    assert out.loc[("D1", "won"), "days"] == 0 and out.loc[("D7", "qualified"), "days"] == 5
    assert out.loc[("D4", "qualified"), "days"] == 20 and out.loc[("D6", "qualified"), "days"] == 10
    assert out["open"].sum() == 2 and out.loc[("D4", "qualified"), "open"]
    assert ("D4", "proposal") not in out.index
    # a closed deal without closed_at: its last stay is unknown (NaN), not 0, and not open
    no_close = d.assign(closed_at=d["closed_at"].where(d["deal_id"] != "D7"))
    d7 = p.stage_durations(h, END, no_close).set_index(["deal_id", "stage"]).loc[("D7", "qualified")]
    assert math.isnan(d7["days"]) and not d7["open"]
    # ... so the qualified median is over [5, 14, 20, 2, 10] = 10
    t = p.stage_analysis(h, END, TO_BE, deals=no_close).stages.set_index("stage")
    assert t.loc["qualified", "median_days"] == 10 and t.loc["qualified", "open_in_stage"] == 2
    # without deals every last entry is treated as open until the end date
    bare = p.stage_durations(h, END).set_index(["deal_id", "stage"])
    assert bare.loc[("D1", "won"), "days"] == 73 and bare["open"].sum() == 7
    assert p.stage_durations(None, END) is None


def test_stage_analysis(history):
    h, d = history
    res = p.stage_analysis(h, END, TO_BE, deals=d)
    t = res.stages.set_index("stage")
    assert t.index.tolist() == ["new", "qualified", "proposal", "won", "lost"]
    assert t["in_to_be"].tolist() == [True, True, True, True, False]
    # entered: new D1-D5 = 5; qualified D1 D3 D4 D5 D6 D7 = 6; proposal D1 D2 D5 D7 = 4; won 3; lost 1
    assert t["entered"].tolist() == [5, 6, 4, 3, 1]
    # reached next: new->qualified D1 D3 D4 D5 = 4; qualified->proposal D1 D5 D7 = 3;
    # proposal->won D1 D2 D5 = 3
    assert t["reached_next"].iloc[:3].tolist() == [4, 3, 3] and t["reached_next"].iloc[3:].isna().all()
    assert t["conversion"].iloc[:3].tolist() == [0.8, 0.5, 0.75]
    assert t["drop_off"].iloc[:3].tolist() == approx([0.2, 0.5, 0.25])
    assert t["dropped"].iloc[:3].tolist() == [1, 3, 1]
    # skipped: new by D6, D7 (2 of the 7 deals with a later stage); qualified by D2 (1 of D1 D2
    # D5 D7); proposal by none (0 of D1 D2 D5); won: nothing later -> 0, share NaN
    assert t["skipped"].iloc[:4].tolist() == [2, 1, 0, 0] and pd.isna(t.loc["lost", "skipped"])
    assert t["skip_share"].tolist() == approx([2 / 7, 1 / 4, 0.0, np.nan, np.nan])
    assert res.deals_with_skips == 3 and res.deals == 7
    # days: new [2, 10, 1, 10, 1] -> median 2, p90 at 3.6 -> 10
    # qualified [5, 14, 20, 2, 10, 5] -> median 7.5, p90 at 4.5 of [2,5,5,10,14,20] -> 17
    # proposal [10, 10, 1, 4] -> median 7, p90 at 2.7 of [1,4,10,10] -> 10; won [0, 0, 0]
    assert t["median_days"].tolist() == [2.0, 7.5, 7.0, 0.0, 0.0]
    assert t["p90_days"].tolist() == approx([10.0, 17.0, 10.0, 0.0, 0.0])
    assert t["open_in_stage"].tolist() == [0, 2, 0, 0, 0]
    # norm = median(0.8, 0.5, 0.75) = 0.75; gaps -0.05, 0.25, 0 -> bottleneck qualified
    assert t["norm"].iloc[:3].tolist() == [0.75] * 3 and t["norm"].iloc[3:].isna().all()
    assert t["gap"].iloc[:3].tolist() == approx([-0.05, 0.25, 0.0])
    assert res.bottleneck == "qualified"
    # as-is over won deals D1, D5 (new, qualified, proposal, won) and D2 (skips qualified): 2/3
    assert res.as_is == TO_BE and res.as_is_share == approx(2 / 3) and res.to_be == TO_BE
    # D7 entered proposal before qualified: 6 of 7 deals follow the to-be order
    assert res.in_to_be_order_share == approx(6 / 7)


def test_skips_are_counted_per_manager_of_the_deals_with_a_stage_history(history):
    h, d = history
    res = p.stage_analysis(h, END, TO_BE, deals=d)
    # D2 skips qualified, D6 and D7 skip new (see test_stage_analysis)
    assert res.skipping[res.skipping].index.tolist() == ["D2", "D6", "D7"] and len(res.skipping) == 7
    owned = d.assign(manager_id=["M1", "M1", "M2", "M2", "M2", "M3", None])
    by = p.skips_by(res, owned).set_index("manager_id")
    # M3: D6 skipped, 1 of 1; M1: D2 of D1 D2 = 1/2; M2: none of D3 D4 D5; D7 has no manager
    assert by.index.tolist() == ["M3", "M1", "M2"]
    assert by["deals"].tolist() == [1, 2, 3] and by["skipped"].tolist() == [1, 1, 0]
    assert by["share"].tolist() == [1.0, 0.5, 0.0]
    assert p.skips_by(res, d.drop(columns="manager_id")) is None


def test_stage_analysis_parameters(history):
    h, d = history
    # custom norms: gaps new 0.9-0.8 = 0.1, qualified 0.3-0.5 < 0, proposal 0.7-0.75 < 0 -> new
    norms = {"new": 0.9, "qualified": 0.3, "proposal": 0.7}
    assert p.stage_analysis(h, END, TO_BE, deals=d, norms=norms).bottleneck == "new"
    # all norms met -> no bottleneck
    assert p.stage_analysis(h, END, TO_BE, deals=d, norms={"new": 0.1}).bottleneck is None
    # default to-be order = the as-is order
    default = p.stage_analysis(h, END, deals=d)
    assert default.to_be == TO_BE
    pd.testing.assert_frame_equal(default.stages, p.stage_analysis(h, END, TO_BE, deals=d).stages)
    # a to-be stage nobody entered: entered 0, conversion NaN; qualified -> demo 0 of 6;
    # demo skipped by every deal that entered proposal or won (D1 D2 D5 D7)
    with_demo = ["new", "qualified", "demo", "proposal", "won"]
    t = p.stage_analysis(h, END, with_demo, deals=d).stages.set_index("stage")
    assert t.loc["demo", "entered"] == 0 and math.isnan(t.loc["demo", "conversion"])
    assert t.loc["qualified", "conversion"] == 0 and t.loc["demo", "skipped"] == 4


def test_stage_analysis_without_deals_and_empty(history):
    h, _ = history
    res = p.stage_analysis(h, END, TO_BE)
    # as-is over all 7 deals: new-qualified-proposal-won for D1 and D5 only
    assert res.as_is == TO_BE and res.as_is_share == approx(2 / 7)
    # every last entry is open: qualified D4 D6 D7, won D1 D2 D5, lost D3
    assert res.stages.set_index("stage")["open_in_stage"].to_dict() == {
        "new": 0, "qualified": 3, "proposal": 0, "won": 3, "lost": 1}
    empty = p.stage_analysis(h.iloc[:0], END, TO_BE)
    assert empty.deals == 0 and empty.stages["entered"].tolist() == [0, 0, 0, 0]
    assert empty.bottleneck is None and empty.as_is == []
    assert p.stage_analysis(None, END, TO_BE) is None


# -------------------------------------------------------------------------- after-sales

O_START, O_END = "2024-01-01", "2024-06-30"


@pytest.fixture
def orders() -> pd.DataFrame:
    rows = [  # order, client, date, amount, category
        ("o1", "c1", "2024-01-10", 100, "X"), ("o1", "c1", "2024-01-10", 50, "Y"),
        ("o2", "c1", "2024-02-01", 80, "X"), ("o2", "c1", "2024-02-01", -80, "X"),  # net 0
        ("o3", "c1", "2024-03-05", 200, "Z"),
        ("o4", "c2", "2023-11-01", 100, "X"),
        ("o5", "c2", "2024-04-01", 300, "X"), ("o5", "c2", "2024-04-01", 100, "Y"),
        ("o6", "c3", "2024-06-20", 50, "X"),
        ("o7", "c4", "2024-02-15", 120, "X"), ("o8", "c4", "2024-05-15", 60, "X"),
        ("o9", "c5", "2024-07-05", 100, "X"),  # after the end
        ("o10", "c6", "2023-06-01", 100, "X"),
        ("o11", "c7", "2024-01-20", 100, "X"),
        ("o12", "c7", "2024-05-01", 50, "X"), ("o12", "c7", "2024-05-01", 50, "Y"),
        ("o12", "c7", "2024-05-01", -10, "Y"),
        ("o13", "c8", "2024-02-01", 100, "X"), ("o14", "c8", "2024-06-01", 300, "X"),
    ]
    cols = list(zip(*rows))
    return make(ORDERS, order_id=cols[0], client_id=cols[1], date=cols[2], amount=cols[3], category=cols[4])


def test_repeat_purchase(orders):
    # clients with a counted order in the window: c1 (o1, o3), c2 (o5), c3, c4 (2), c7 (2), c8 (2)
    # -> 6, repeat 4; new (first order ever in the window): c1, c3, c4, c7, c8 = 5
    # days to 2nd order: c1 01-10 -> 03-05 = 55 (o2 nets to 0), c4 02-15 -> 05-15 = 90,
    # c7 01-20 -> 05-01 = 102, c8 02-01 -> 06-01 = 121 -> median (90 + 102) / 2 = 96
    assert p.repeat_purchase(orders, O_START, O_END) == {
        "clients": 6, "repeat_clients": 4, "repeat_rate": approx(4 / 6), "new_clients": 5,
        "new_with_second_order": 4, "median_days_to_second_order": 96.0,
    }
    assert p.repeat_purchase(None, O_START, O_END) is None
    empty = p.repeat_purchase(orders.iloc[:0], O_START, O_END)
    assert empty["clients"] == 0 and math.isnan(empty["repeat_rate"])


def test_after_sales_contact(orders):
    acts = make(
        ACTIVITIES,
        activity_id=["a1", "a2", "a3", "a4", "a5", "a6", "a7"],
        manager_id=["m"] * 7, type=["call"] * 7,
        date=["2024-01-10", "2024-01-24 18:00", "2024-03-01", "2024-02-14", "2024-01-21", "2024-06-21",
              "2024-02-02"],
        client_id=["c1", "c1", "c4", "c4", "c7", "c3", None],
    )
    # new clients with the 14-day window inside the audit: first order by 06-16 -> c1, c4, c7, c8
    # (c3's first order 06-20 is too late); contacted on days 1..14: c1 on day 14 (the same-day
    # a1 does not count), c7 on day 1; c4 on day 15 and before its order -> 2 of 4
    assert p.after_sales_contact(orders, acts, O_START, O_END) == {
        "new_clients": 4, "contacted": 2, "contacted_share": 0.5}
    # a 30-day window: c1, c4, c7, c8 eligible; c4's day-15 call now counts -> 3 of 4
    assert p.after_sales_contact(orders, acts, O_START, O_END, days=30)["contacted"] == 3
    assert p.after_sales_contact(orders, acts.assign(client_id=pd.NA), O_START, O_END) is None
    assert p.after_sales_contact(orders, None, O_START, O_END) is None


# --------------------------------------------------------------- relationship management


def test_client_status(orders):
    out = p.client_status(orders, O_END).set_index("client_id")
    # days since last order at 06-30: c1 03-05 -> 117 (sleeping), c2 04-01 -> 90 (active, on the
    # threshold), c3 first 06-20 -> 10 (new), c4 05-15 -> 46, c7 05-01 -> 60, c8 06-01 -> 29
    # (active), c6 2023-06-01 -> 395 (lost); c5 ordered only after the end
    assert out["days_since_last_order"].to_dict() == {
        "c1": 117, "c2": 90, "c3": 10, "c4": 46, "c6": 395, "c7": 60, "c8": 29}
    assert out["status"].to_dict() == {
        "c1": "sleeping", "c2": "active", "c3": "new", "c4": "active", "c6": "lost", "c7": "active",
        "c8": "active"}
    tight = p.client_status(orders, O_END, active_days=30, lost_days=100, new_days=5)["status"]
    # c3 (10 days) is no longer new but active; c1 117 > 100 -> lost; c2 90 -> sleeping
    assert tight.tolist() == ["lost", "sleeping", "active", "sleeping", "lost", "sleeping", "active"]
    assert set(out["status"]) <= set(p.CLIENT_STATUSES)
    assert p.client_status(None, O_END) is None


def test_contact_cadence():
    abc = pd.Series(["A", "A", "B", "C"], index=pd.Index(["c1", "c2", "c3", "c4"], dtype=S))
    acts = make(
        ACTIVITIES,
        activity_id=[f"a{i}" for i in range(8)], manager_id=["m"] * 8, type=["call"] * 8,
        date=["2024-01-05", "2024-02-05", "2024-03-05", "2024-01-10", "2024-01-11", "2024-03-31 12:00",
              "2024-04-02", "2024-02-01"],
        client_id=["c1", "c1", "c1", "c3", "c4", "c4", "c4", "c9"],
    )
    out = p.contact_cadence(acts, abc, START, END).set_index("abc_class")
    # window 91 days = 91 / 30.4375 months; A: 3 activities / 2 clients; B 1 / 1; C 2 / 1 (the
    # 04-02 call is outside); c9 has no class
    months = 91 / 30.4375
    assert out["clients"].tolist() == [2, 1, 1] and out["activities"].tolist() == [3, 1, 2]
    assert out["activities_per_client_month"].tolist() == approx([1.5 / months, 1 / months, 2 / months])
    assert out["uncontacted_share"].tolist() == [0.5, 0.0, 0.0]
    assert p.contact_cadence(acts, None, START, END) is None
    assert p.contact_cadence(acts.assign(client_id=pd.NA), abc, START, END) is None


def test_cross_up_sell(orders):
    # halves of 2024-01-01..06-30: before / from 04-01. Clients in both halves: c4, c7, c8.
    # c7 categories {X} -> {X, Y} (the -10 line ignored) grew; c8 check 100 -> 300 grew;
    # c4 120 -> 60, {X} -> {X} did not
    assert p.cross_up_sell(orders, O_START, O_END) == {
        "clients": 3, "category_growth": 1, "check_growth": 1, "grew": 2,
        "category_growth_share": approx(1 / 3), "check_growth_share": approx(1 / 3), "share": approx(2 / 3),
    }
    no_category = p.cross_up_sell(orders.assign(category=pd.NA), O_START, O_END)
    assert math.isnan(no_category["category_growth_share"]) and no_category["share"] == approx(1 / 3)
    empty = p.cross_up_sell(orders.iloc[:0], O_START, O_END)
    assert empty["clients"] == 0 and math.isnan(empty["share"])
    assert p.cross_up_sell(None, O_START, O_END) is None


def test_revenue_new_vs_existing(orders):
    out = p.revenue_new_vs_existing(orders, O_START, O_END)
    # Jan o1 150 + o11 100 new; Feb o7 120 + o13 100 new (o2 nets to 0); Mar o3 200 existing;
    # Apr o5 400 existing (c2 since 2023); May o8 60 + o12 90 existing; Jun o6 50 new, o14 300
    assert out["period"].dt.month.tolist() == [1, 2, 3, 4, 5, 6]
    assert out["new_revenue"].tolist() == [250, 220, 0, 0, 0, 50]
    assert out["existing_revenue"].tolist() == [0, 0, 200, 400, 150, 300]
    assert out["new_share"].tolist() == approx([1, 1, 0, 0, 0, 50 / 350])
    # quarters: c1's March order is new-client revenue in Q1 (its first order is in Q1):
    # Q1 new 250 + 220 + 200 = 670; Q2 new 50 (c3), existing 400 + 150 + 300 = 850
    quarters = p.revenue_new_vs_existing(orders, O_START, O_END, freq="Q")
    assert quarters["new_revenue"].tolist() == [670, 50]
    assert quarters["existing_revenue"].tolist() == [0, 850]
    assert p.revenue_new_vs_existing(None, O_START, O_END) is None


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def maven(shared_data) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(shared_data("maven_crm") / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    status = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
    mapped = raw.rename(columns={
        "opportunity_id": "deal_id", "sales_agent": "manager_id", "account": "client_id",
        "engage_date": "created_at", "close_date": "closed_at", "close_value": "amount",
    }).assign(status=raw["deal_stage"].map(status), stage=raw["deal_stage"])
    deals = make(DEALS, **{c: mapped[c] if c in mapped else [None] * len(mapped) for c in DEALS})
    return raw, deals


MAVEN_START, MAVEN_END = "2016-10-01", "2017-12-31"


def test_maven_win_rate_cycle_average(maven):
    raw, deals = maven
    won, lost = raw[raw["deal_stage"] == "Won"], raw[raw["deal_stage"] == "Lost"]
    rate = p.win_rate(deals, MAVEN_START, MAVEN_END)
    assert rate["won"] == len(won) and rate["lost"] == len(lost)
    assert rate["win_rate"] == approx(len(won) / (len(won) + len(lost)))
    won_value, lost_value = won["close_value"].sum(), lost["close_value"].sum()
    assert rate["win_rate_value"] == approx(won_value / (won_value + lost_value))
    cycle = p.sales_cycle(deals, MAVEN_START, MAVEN_END)
    assert cycle["median_days"] == (won["close_date"] - won["engage_date"]).dt.days.median()
    average = p.average_won_deal(deals, MAVEN_START, MAVEN_END)["average_won_deal"]
    assert average == approx(won["close_value"].mean())
    by_agent = p.win_rate(deals, MAVEN_START, MAVEN_END, by="manager_id").set_index("manager_id")
    closed = raw[raw["deal_stage"].isin(["Won", "Lost"])]
    same(by_agent["win_rate"], won.groupby("sales_agent").size() / closed.groupby("sales_agent").size())


def test_maven_open_pipeline_by_manager(maven):
    raw, deals = maven
    out = p.open_pipeline(deals, MAVEN_END, by="manager_id").set_index("manager_id")["open_deals"]
    expected = raw[raw["deal_stage"].isin(["Engaging", "Prospecting"])].groupby("sales_agent").size()
    same(out, expected)


@pytest.fixture(scope="module")
def olist(shared_data) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    folder = shared_data("olist_funnel")
    mql = pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv")
    mql["first_contact_date"] = pd.to_datetime(mql["first_contact_date"], format="%d-%m-%Y")
    closed = pd.read_csv(folder / "olist_closed_deals_dataset.csv")
    closed["won_date"] = pd.to_datetime(closed["won_date"], format="%d-%m-%Y %H:%M")
    closed = closed.merge(mql[["mql_id", "first_contact_date", "origin"]], on="mql_id")
    leads = make(
        LEADS,
        lead_id=mql["mql_id"],
        created_at=mql["first_contact_date"],
        mql_at=mql["first_contact_date"],
        source=mql["origin"],
        deal_id=mql["mql_id"].where(mql["mql_id"].isin(closed["mql_id"])),
    )
    deals = make(
        DEALS,
        deal_id=closed["mql_id"],
        created_at=closed["first_contact_date"],
        status=["won"] * len(closed),
        closed_at=closed["won_date"],
        manager_id=closed["sr_id"],
    )
    return mql, closed, leads, deals


def test_olist_conversion_by_origin_and_time_to_close(olist):
    mql, closed, leads, deals = olist
    start, end = mql["first_contact_date"].min(), closed["won_date"].max()
    out = p.acquisition(leads, deals, start, end).set_index("source")
    n_leads = mql.groupby(mql["origin"].astype(S), dropna=False).size()
    n_won = closed.groupby(closed["origin"].astype(S), dropna=False).size()
    n_won = n_won.reindex(n_leads.index, fill_value=0)
    same(out["leads"], n_leads)
    same(out["won"], n_won.astype(float))
    same(out["overall"], n_won / n_leads)
    assert (out["mql_rate"] == 1).all() and out["sql"].isna().all()
    days = (closed["won_date"] - closed["first_contact_date"]) / pd.Timedelta(days=1)
    cycle = p.sales_cycle(deals, start, end)
    assert cycle["median_days"] == approx(days[days >= 0].median())
    assert cycle["won_deals"] == (days >= 0).sum()


# ------------------------------------------------------------------- section totals


def test_source_spread_and_big_groups():
    by = pd.DataFrame({"source": ["a", "b", "c", "d"], "leads": [100, 50, 9, 40],
                       "overall": [0.10, 0.02, 0.5, np.nan]})
    # comparable: ≥ max(10, 2% of 199) = 10 leads → a, b, d; d has no conversion
    assert p.big_groups(by, "leads", 199)["source"].tolist() == ["a", "b", "d"]
    assert p.source_spread(by, 199) == {"best": "a", "worst": "b", "best_rate": 0.10, "worst_rate": 0.02,
                                        "times": approx(5.0)}
    assert p.source_spread(by.assign(overall=[0.1, 0.0, 0.5, np.nan]), 199)["times"] == np.inf
    assert p.source_spread(by.iloc[:1], 100) is None


def test_closed_deals_per_year_and_win_rate_breakdown(deals):
    # 6 deals closed in Jan–Mar 2024 (91 days) → 6 / (91 / 365.25) a year
    assert p.closed_deals_per_year(deals, START, END) == approx(6 * 365.25 / 91)
    t = p.win_rate_breakdown(deals, START, END, by="manager_id").set_index("manager_id")
    # m1 won d1 100, d11 200, lost d3, d5 → 2/4, average 150; m2 won d2 300, lost d4 → 1/2, 300
    assert t["closed"].to_dict() == {"m1": 4, "m2": 2}
    assert t["win_rate"].to_dict() == {"m1": 0.5, "m2": 0.5}
    assert t["average_won_deal"].to_dict() == {"m1": 150.0, "m2": 300.0}


def test_velocity_per_month_and_cycle_breakdown(deals, deal_activities):
    assert p.sales_velocity(deals, START, END)["velocity_per_month"] == approx(300 / 11.625 * 30.4375)
    t = p.cycle_breakdown(deals, deal_activities, START, END, by="channel").set_index("channel")
    # web d1 10 and d2 30 days → median 20, activities 3 / 2; phone d11 11.625 days, 1 / 1
    assert t["median_days"].to_dict() == {"phone": 11.625, "web": 20.0}
    assert t["activities_per_won_deal"].to_dict() == {"phone": 1.0, "web": 1.5}
    bare = p.cycle_breakdown(deals, None, START, END, by="channel")
    assert bare["activities_per_won_deal"].isna().all() and len(bare) == 2


def test_lost_reasons_summary(deals):
    pareto = p.lost_reasons(deals.assign(lost_reason=deals["lost_reason"].where(deals["deal_id"] != "d5")),
                            START, END)
    out = p.lost_reasons_summary(pareto)
    # lost: d3 price 200, d4 price 50, d5 not recorded → the recorded core is «price» (2 of 3 lost)
    assert out["core"]["lost_reason"].tolist() == ["price"]
    assert out["core_share"] == approx(2 / 3) and out["core_amount"] == 250.0
    assert (out["lost"], out["missing"]) == (3, 1) and out["missing_share"] == approx(1 / 3)


def test_with_team_and_pipeline_split(deals):
    managers = make(MANAGERS, manager_id=["m1", "m2"], name=["A", "B"], team=["North", "South"])
    assert p.with_team(deals, managers)["team"].tolist()[:3] == ["North", "South", "North"]
    one_team = managers.assign(team=["North", "North"])
    assert "team" not in p.with_team(deals, one_team).columns and p.with_team(deals, None) is deals
    split = p.pipeline_split(pd.DataFrame({"amount": [100.0, 50.0], "weighted_amount": [30.0, 50.0]}))
    assert split.to_dict("list") == {"weighted_amount": [30.0, 50.0], "rest": [70.0, 0.0]}


def test_bottleneck_base_and_skip_share(history):
    h, d = history
    assert p.stage_analysis(h, END, TO_BE, deals=d).deals_with_skips_share == approx(3 / 7)
    d = d.assign(amount=[100.0, 300.0, 50.0, None, 200.0, None, 70.0])
    base = p.bottleneck_base(h, d, TO_BE, "qualified", START, END)
    # entering «qualified» in Jan–Mar: D1 D3 D4 D5 D6 D7 = 6 → 6 / (91 / 365.25) a year
    assert base["entered_per_year"] == approx(6 * 365.25 / 91)
    # went on to proposal / won: D1 D2 D5 (won) and D7 (lost) → 3/4; average won deal (100+300+200)/3
    assert base["won_share_after"] == 0.75 and base["average_won_deal"] == 200.0
    assert base["value_per_passed_deal"] == 150.0


def test_new_client_start_status_shares_and_new_revenue_share(orders):
    # the history starts on 1 Jun 2023: + 180 days = 28 Nov 2023, before the window → the window start
    assert p.new_client_start(orders, O_START, 180) == pd.Timestamp(O_START)
    assert p.new_client_start(orders, O_START, 365) == pd.Timestamp("2024-05-31")
    assert p.new_client_start(None, "2024-01-01 10:00", 180) == pd.Timestamp("2024-01-01")
    shares = p.status_shares(p.client_status(orders, O_END))
    # c3 new; c2 c4 c7 c8 active; c1 sleeping; c6 lost → of 7
    assert shares.to_dict() == approx({"new": 1 / 7, "active": 4 / 7, "sleeping": 1 / 7, "lost": 1 / 7})
    split = pd.DataFrame({"new_revenue": [100.0, 0.0], "existing_revenue": [300.0, 100.0]})
    assert p.new_revenue_share(split) == 0.2 and math.isnan(p.new_revenue_share(None))


def test_status_by_segment_and_churning_segment(orders):
    status = p.client_status(orders, O_END)
    clients = make(CLIENTS, client_id=["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"],
                   segment=["A", "A", "B", "B", "B", "B", None, "B"])
    by = p.status_by_segment(status, clients)
    # B: c3 new, c4 active, c6 lost, c8 active; A: c1 sleeping, c2 active; no segment: c7 active
    assert by.counts.index[:2].tolist() == ["B", "A"] and pd.isna(by.counts.index[2])
    assert by.clients.tolist() == [4, 2, 1]
    assert by.counts.loc["B"].tolist() == [1, 2, 0, 1]
    assert by.gone.tolist() == approx([1 / 4, 1 / 2, 0.0]) and by.overall_gone == approx(2 / 7)
    # A: 1/2 ≥ 1.5 × 2/7 and 0.21 above it, but only 2 clients: it stands out with min_clients=2
    assert p.churning_segment(by) is None
    assert p.churning_segment(by, min_clients=2) == "A"


def test_average_check_12m():
    orders = make(ORDERS, order_id=["o1", "o2", "o3", "o3", "o4"], client_id=["a"] * 5,
                  date=["2023-01-05", "2023-06-01", "2024-03-01", "2024-07-10", "2024-12-31 16:00"],
                  amount=[100, 500, 200, -50, 250])
    # last 12 months (2024): o3 netted 150 and o4 250 → 200 per order; 2023: (100 + 500) / 2 = 300
    assert p.average_check_12m(orders, "2024-12-31") == {"avg_check_12m": 200.0, "avg_check_prior_12m": 300.0,
                                                          "orders_per_year": 2}
    # the history must reach a full year before the last one
    assert p.average_check_12m(orders[orders["order_id"] != "o1"], "2024-12-31") is None
    assert p.average_check_12m(None, "2024-12-31") is None


def test_after_sales_contact_window_includes_its_last_day():
    # the first order of 16 Jun leaves exactly 14 days to 30 Jun: c1 is measured, and the call at
    # 23:30 on 30 Jun (day 14, the end day) counts
    orders = make(ORDERS, order_id=["o1"], client_id=["c1"], date=["2024-06-16 10:00"], amount=[100])
    acts = make(ACTIVITIES, activity_id=["a1"], manager_id=["m"], type=["call"], date=["2024-06-30 23:30"],
                client_id=["c1"])
    assert p.after_sales_contact(orders, acts, O_START, O_END, days=14) == {
        "new_clients": 1, "contacted": 1, "contacted_share": 1.0}
    # one day later the follow-up window would end after the audit: not measured
    late = orders.assign(date=pd.to_datetime(["2024-06-17 10:00"]))
    assert p.after_sales_contact(late, acts, O_START, O_END, days=14)["new_clients"] == 0


def test_stage_history_order_is_by_deal_then_time_with_ties_in_row_order():
    """The packed-key sort (whole seconds) and the fallback (fractions of a second) both give
    np.lexsort's order, ties in row order."""
    codes = np.array([2, 0, 1, 0, 2, 0])
    whole = np.array(["2024-01-03", "2024-01-02", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-02"],
                     dtype="datetime64[ns]")
    assert p._by_deal_then_time(codes, whole).tolist() == [3, 1, 5, 2, 4, 0]
    fraction = whole + np.array([0, 5, 0, 0, 0, 1], dtype="timedelta64[ms]")
    assert p._by_deal_then_time(codes, fraction).tolist() == [3, 5, 1, 2, 4, 0]


def test_first_entries_at_one_time_follow_the_stage_order_and_equally_common_paths_take_the_first():
    """D1 enters qualified and new at the same moment (qualified on the earlier row): its first
    entries count in stage-code order, so it follows the to-be order. Each deal's path is seen
    once: the as-is path is the first of them in stage-code order (new, qualified)."""
    h = make(HISTORY, deal_id=["D1", "D1", "D1", "D2", "D2", "D3", "D3"],
             stage=["qualified", "new", "proposal", "new", "proposal", "new", "qualified"],
             entered_at=["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03", "2024-01-02",
                         "2024-01-03"])
    res = p.stage_analysis(h, END, ["new", "qualified", "proposal"])
    assert res.in_to_be_order_share == 1.0
    assert res.as_is == ["new", "qualified"] and res.as_is_share == approx(1 / 3)


def test_a_stage_entered_only_after_the_end_date_is_not_in_the_stage_table():
    h = make(HISTORY, deal_id=["D1", "D1", "D2"], stage=["new", "contract", "new"],
             entered_at=["2024-01-01", "2024-05-01", "2024-01-02"])
    res = p.stage_analysis(h, END)
    assert res.stages["stage"].tolist() == ["new"] and res.stages["entered"].tolist() == [2]
    assert p.stage_durations(h, END)["stage"].tolist() == ["new", "new"]


def test_a_stage_column_with_more_values_than_a_small_code_holds_keeps_every_stage():
    """A wrongly mapped stage column (one value per row, 2**15 + 10 of them): every stage is kept
    and entered once, none aliases another."""
    n = 2**15 + 10
    h = make(HISTORY, deal_id=[f"d{i % 2}" for i in range(n)], stage=[f"s{i:05d}" for i in range(n)],
             entered_at=pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), "s"))
    res = p.stage_analysis(h, END, ["s00000", "s00001"])
    assert len(res.stages) == n and res.stages["entered"].tolist() == [1] * n and res.deals == 2
