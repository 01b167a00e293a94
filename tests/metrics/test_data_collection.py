"""Tests of the Stage 1 metrics (auditkit.metrics.data_collection)."""

import numpy as np
import pandas as pd
import pytest

from auditkit.metrics import data_collection as dc
from helpers import make_clients, make_orders

def ts(text):
    return pd.Timestamp(text)


# Shared fixture for dynamics / plan-fact / segments. Lines: order, client, date, amount, cost,
# manager.
BASE_ROWS = [
    ("o0", "c1", "2023-12-15", 40.0, 20.0, "m1"),
    ("o1", "c1", "2024-01-05", 100.0, 60.0, "m1"),
    ("o1", "c1", "2024-01-06", -20.0, -12.0, "m1"),
    ("o2", "c2", "2024-01-20", 50.0, 30.0, "m2"),
    ("o3", "c2", "2024-02-03", 70.0, 35.0, None),
    ("o4", "c3", "2024-02-25", 30.0, 15.0, "m1"),
    ("o5", "c2", "2024-04-11", -10.0, -5.0, None),
    ("o6", "c4", "2024-04-30 23:00", 20.0, 8.0, None),
]
BASE_COLUMNS = ("order_id", "client_id", "date", "amount", "cost", "manager_id")


@pytest.fixture
def base():
    return make_orders(BASE_ROWS, BASE_COLUMNS)


# ----------------------------------------------------------------------------- order_totals

def test_order_totals_nets_lines_and_flags_return_documents():
    orders = make_orders([
        ("o1", "c1", "2024-01-06", 100.0, 60.0, None),
        ("o1", "c1", "2024-01-05", -20.0, -12.0, "m1"),
        ("o2", "c2", "2024-01-20", 50.0, np.nan, "m2"),
        ("o2", "c2", "2024-01-20", 10.0, 4.0, "m2"),
        ("o3", "c2", "2024-02-10", -30.0, -18.0, None),
    ], BASE_COLUMNS)
    t = dc.order_totals(orders).set_index("order_id")
    assert list(t.columns) == ["client_id", "date", "amount", "cost", "lines", "returned_amount",
                               "manager_id", "counted"]
    # o1: 100 − 20 = 80, cost 60 − 12 = 48, first line date 01-05, manager = first non-empty
    assert t.loc["o1", "amount"] == 80.0 and t.loc["o1", "cost"] == 48.0
    assert t.loc["o1", "date"] == ts("2024-01-05") and t.loc["o1", "lines"] == 2
    assert t.loc["o1", "returned_amount"] == -20.0 and t.loc["o1", "manager_id"] == "m1"
    # o2: 60, one line without cost → cost NaN
    assert t.loc["o2", "amount"] == 60.0 and np.isnan(t.loc["o2", "cost"])
    assert t.loc["o2", "returned_amount"] == 0.0
    # o3: return-only document
    assert t.loc["o3", "amount"] == -30.0 and t.loc["o3", "returned_amount"] == -30.0
    assert t["counted"].tolist() == [True, True, False]
    assert pd.isna(t.loc["o3", "manager_id"])
    assert t["lines"].dtype == np.int64 and t["counted"].dtype == bool


def test_order_totals_empty():
    t = dc.order_totals(make_orders([]))
    assert t.empty and "counted" in t.columns


# ----------------------------------------------------------------------------- dynamics

def test_dynamics_monthly_by_hand(base):
    d = dc.dynamics(base, start="2024-01-01", end="2024-04-30")
    assert d["period"].tolist() == [ts("2024-01-01"), ts("2024-02-01"), ts("2024-03-01"),
                                    ts("2024-04-01")]
    # Jan: o1 80 + o2 50 = 130, 2 orders, active {c1, c2}; new only c2 (c1 first bought in Dec
    #      2023, outside the window); cost 48 + 30 = 78 → margin (130 − 78) / 130 = 0.4
    # Feb: o3 70 + o4 30 = 100, active {c2, c3}, new c3; cost 35 + 15 = 50 → margin 0.5
    # Mar: empty → zeros
    # Apr: o5 −10 (return-only, not an order) + o6 20 (23:00 on the end day, included) = 10;
    #      1 order, active {c4}, new c4; avg 10 / 1; cost −5 + 8 = 3 → margin (10 − 3) / 10 = 0.7
    assert d["revenue"].tolist() == [130.0, 100.0, 0.0, 10.0]
    assert d["orders"].tolist() == [2, 2, 0, 1]
    assert d["active_clients"].tolist() == [2, 2, 0, 1]
    assert d["new_clients"].tolist() == [1, 1, 0, 1]
    np.testing.assert_allclose(d["avg_check"], [65.0, 50.0, np.nan, 10.0])
    np.testing.assert_allclose(d["cost"], [78.0, 50.0, 0.0, 3.0])
    np.testing.assert_allclose(d["gross_margin"], [0.4, 0.5, np.nan, 0.7])
    for col in ("orders", "active_clients", "new_clients"):
        assert d[col].dtype == np.int64
    # same result from the pandas defaults (str ids, microsecond dates) instead of the platform's
    other = base.astype({"order_id": "str", "client_id": "str", "date": "datetime64[us]"})
    pd.testing.assert_frame_equal(dc.dynamics(other, start="2024-01-01", end="2024-04-30"), d)


def test_dynamics_default_window_and_quarters(base):
    d = dc.dynamics(base)
    assert d["period"].iloc[0] == ts("2023-12-01") and len(d) == 5  # Dec 2023 … Apr 2024
    q = dc.dynamics(base, freq="QS")
    # Q4 2023: o0 40; Q1 2024: 130 + 100 = 230, 4 orders, active {c1, c2, c3}, new c2, c3;
    # Q2 2024: −10 + 20 = 10, 1 order, active {c4}, new c4
    assert q["period"].tolist() == [ts("2023-10-01"), ts("2024-01-01"), ts("2024-04-01")]
    assert q["revenue"].tolist() == [40.0, 230.0, 10.0]
    assert q["orders"].tolist() == [1, 4, 1]
    assert q["active_clients"].tolist() == [1, 3, 1]
    assert q["new_clients"].tolist() == [1, 2, 1]


def test_dynamics_leave_out_the_months_of_the_window_before_and_after_the_data(base):
    # the orders run from Dec 2023 (o0) to Apr 2024: a window from Jun 2023 to Sep 2024 shows those
    # five months, not six leading and five trailing months of zero sales
    d = dc.dynamics(base, start="2023-06-01", end="2024-09-30")
    assert d["period"].tolist() == pd.date_range("2023-12-01", "2024-04-01", freq="MS").tolist()
    assert d["revenue"].sum() == 280.0  # 40 + 130 + 100 + 10
    total = dc.dynamics_summary(base, "MS", "2023-06-01", "2024-09-30")
    assert total["starts_late"] and total["censored"] and total["first_period"] == ts("2023-12-01")
    inside = dc.dynamics_summary(base, "MS", "2024-01-01", "2024-04-30")  # history before the window
    assert not inside["starts_late"] and not inside["censored"]
    assert d["new_clients"].sum() == total["new_clients"] == 3  # c2, c3, c4; c1 (Dec 2023, the first month) is not new
    assert dc.data_range(pd.Series([], dtype="datetime64[ns]"), "2024-01-01", "2024-03-31") == (
        "2024-01-01", "2024-03-31")


def test_clients_of_the_datas_first_month_are_not_new_when_the_data_start_inside_the_window():
    from auditkit.metrics._common import acquisition_start, new_clients

    first = pd.Series(pd.to_datetime(["2024-03-05", "2024-03-30", "2024-04-02"]), index=["a", "b", "c"])
    # the data start inside the window: the first month's clients (a, b) bought before the data start
    assert acquisition_start(first, "2024-01-01") == ts("2024-04-01")
    assert acquisition_start(first, "2024-03-05") == ts("2024-04-01")
    assert acquisition_start(first, "2024-03-06") == "2024-03-06"  # history before the window: its start
    orders = make_orders([("o1", "a", "2024-03-05", 10.0), ("o2", "b", "2024-03-30", 10.0),
                          ("o3", "c", "2024-04-02", 10.0)])
    assert new_clients(orders, "2024-01-01", "2024-12-31").index.tolist() == ["c"]
    assert dc.dynamics_summary(orders, "MS", "2024-01-01", "2024-12-31")["new_clients"] == 1


def test_dynamics_partial_and_missing_cost(base):
    partial = base.assign(cost=base["cost"].where(base["order_id"] != "o2"))
    d = dc.dynamics(partial, start="2024-01-01", end="2024-01-31")
    # Jan: margin over the orders with a cost only: o1 (80 − 48) / 80 = 0.4; revenue stays 130
    assert d["revenue"].tolist() == [130.0]
    np.testing.assert_allclose(d["cost"], [48.0])
    np.testing.assert_allclose(d["gross_margin"], [0.4])
    no_cost = dc.dynamics(base.assign(cost=np.nan))
    assert no_cost["cost"].isna().all() and no_cost["gross_margin"].isna().all()
    assert no_cost["revenue"].sum() == 280.0  # 40 + 130 + 100 + 10


def test_dynamics_empty_and_bad_freq(base):
    empty = dc.dynamics(make_orders([]))
    assert empty.empty and "avg_check" in empty.columns
    zeros = dc.dynamics(make_orders([]), start="2024-01-01", end="2024-03-15")
    assert len(zeros) == 3 and zeros["revenue"].eq(0).all() and zeros["orders"].eq(0).all()
    with pytest.raises(ValueError):
        dc.dynamics(base, freq="D")


def test_dynamics_by_segment(base):
    clients = make_clients({"c1": "x", "c2": "y", "c3": "x", "c4": None})
    d = dc.dynamics_by(base, clients, start="2024-01-01", end="2024-04-30")
    assert list(d.columns[:2]) == ["segment", "period"] and len(d) == 12  # 3 groups × 4 months
    x = d[d["segment"] == "x"]
    # x = c1, c3: Jan o1 80 (c1 not new); Feb o4 30 (c3 new)
    assert x["revenue"].tolist() == [80.0, 30.0, 0.0, 0.0]
    assert x["new_clients"].tolist() == [0, 1, 0, 0]
    y = d[d["segment"] == "y"]
    # y = c2: Jan o2 50 (new), Feb o3 70, Apr return −10 (no order, not active)
    assert y["revenue"].tolist() == [50.0, 70.0, 0.0, -10.0]
    assert y["orders"].tolist() == [1, 1, 0, 0]
    assert y["active_clients"].tolist() == [1, 1, 0, 0]
    missing = d[d["segment"].isna()]
    assert missing["revenue"].tolist() == [0.0, 0.0, 0.0, 20.0]  # c4
    total = dc.dynamics(base, start="2024-01-01", end="2024-04-30")
    summed = d.groupby("period")[["revenue", "orders", "new_clients"]].sum()
    np.testing.assert_allclose(summed.to_numpy(),
                               total[["revenue", "orders", "new_clients"]].to_numpy())


def test_dynamics_by_unavailable(base):
    assert dc.dynamics_by(base, None) is None
    assert dc.dynamics_by(base, make_clients({"c1": None, "c2": None})) is None


def test_year_over_year():
    frame = pd.DataFrame({
        "period": pd.to_datetime(["2023-01-01", "2023-02-01", "2024-01-01", "2024-02-01",
                                  "2024-03-01"]),
        "revenue": [100.0, 50.0, 120.0, 0.0, 10.0],
        "orders": [0, 5, 2, 4, 1],
    })
    y = dc.year_over_year(frame).set_index(["metric", "period"])
    rev = y.loc["revenue"]
    # 2024-01: 120 vs 100 → +20, +20 %; 2024-02: 0 vs 50 → −50, −100 %; 2024-03: no 2023-03 row
    assert rev.loc[ts("2024-01-01"), "value_prev_year"] == 100.0
    assert rev.loc[ts("2024-01-01"), "change_abs"] == 20.0
    assert rev.loc[ts("2024-01-01"), "change_rel"] == pytest.approx(0.2)
    assert rev.loc[ts("2024-02-01"), "change_rel"] == pytest.approx(-1.0)
    assert rev.loc[[ts("2023-01-01"), ts("2024-03-01")], "value_prev_year"].isna().all()
    # orders 2024-01: 2 vs 0 → change_abs 2, change_rel undefined
    assert y.loc[("orders", ts("2024-01-01")), "change_abs"] == 2.0
    assert np.isnan(y.loc[("orders", ts("2024-01-01")), "change_rel"])


def test_year_over_year_quarters_by_segment():
    frame = pd.DataFrame({
        "segment": ["x", "x", "y", "y"],
        "period": pd.to_datetime(["2023-04-01", "2024-04-01", "2023-04-01", "2024-01-01"]),
        "revenue": [10.0, 15.0, 7.0, 9.0],
    })
    y = dc.year_over_year(frame, by="segment").set_index(["segment", "period"])
    # x Q2 2024 vs Q2 2023 (4 quarters earlier): 15 / 10 − 1 = 0.5; y Q1 2024 has no Q1 2023
    assert y.loc[("x", ts("2024-04-01")), "change_rel"] == pytest.approx(0.5)
    assert np.isnan(y.loc[("y", ts("2024-01-01")), "value_prev_year"])


# ----------------------------------------------------------------------------- plan / fact

@pytest.fixture
def clients_with_managers():
    return pd.DataFrame({"client_id": ["c1", "c2", "c3", "c4"],
                         "manager_id": ["m1", "m2", "m1", None]}).astype("string")


def make_plans(rows):
    plans = pd.DataFrame(rows, columns=["period", "metric", "target", "manager_id"])
    return plans.assign(period=pd.to_datetime(plans["period"]),
                        manager_id=plans["manager_id"].astype("string"))


def test_plan_fact_revenue(base, clients_with_managers):
    plans = make_plans([
        ("2024-01-01", "revenue", 150.0, None),
        ("2024-01-01", "revenue", 60.0, "m1"),
        ("2024-02-01", "revenue", 50.0, "m1"),
        ("2024-03-01", "revenue", 10.0, "m2"),
        ("2024-04-01", "revenue", 20.0, None),
        ("2025-01-01", "revenue", 10.0, None),
        ("2024-02-01", "new_clients", 2.0, "m1"),
    ])
    actual = dc.plan_actuals("revenue", base, clients_with_managers)
    pf = dc.plan_fact(plans, actual, "revenue")
    assert list(pf.columns) == ["period", "manager_id", "plan", "fact", "deviation", "fulfilment"]
    # Managers (o3 and o5 have none: their client c2 → m2; c4 has none → unattributed):
    # Jan company: 80 + 50 = 130 vs 150 → −20, 130 / 150; Jan m1: o1 80 vs 60 → +20, 80 / 60
    # Feb m1: o4 30 vs 50 → −20, 0.6; Mar m2: no sales inside the data range → 0 vs 10, 0.0
    # Apr company: −10 + 20 = 10 vs 20 → 0.5; Jan 2025 is after the data → fact NaN
    assert pf["period"].tolist() == [ts("2024-01-01"), ts("2024-01-01"), ts("2024-02-01"),
                                     ts("2024-03-01"), ts("2024-04-01"), ts("2025-01-01")]
    assert pf["manager_id"].isna().tolist() == [True, False, False, False, True, True]
    np.testing.assert_allclose(pf["fact"], [130.0, 80.0, 30.0, 0.0, 10.0, np.nan])
    np.testing.assert_allclose(pf["deviation"], [-20.0, 20.0, -20.0, -10.0, -10.0, np.nan])
    np.testing.assert_allclose(pf["fulfilment"], [130 / 150, 80 / 60, 0.6, 0.0, 0.5, np.nan])
    # new clients by the manager of the first order: c1 Dec (m1), c2 Jan (m2), c3 Feb (m1)
    new = dc.plan_fact(plans, dc.plan_actuals("new_clients", base, clients_with_managers),
                       "new_clients")
    assert new[["fact", "fulfilment"]].values.tolist() == [[1.0, 0.5]]


def test_plan_fact_other_metrics(base, clients_with_managers):
    plans = make_plans([
        ("2024-01-01", "orders", 4.0, None),
        ("2024-02-01", "margin", 0.0, None),
        ("2024-01-01", "deals_won", 2.0, "m1"),
        ("2024-01-01", "deals_won", 1.0, "m2"),
        ("2024-03-01", "deals_won", 1.0, "m1"),
    ])
    orders = dc.plan_fact(plans, dc.plan_actuals("orders", base), "orders")
    assert orders[["fact", "fulfilment"]].values.tolist() == [[2.0, 0.5]]  # o1, o2
    margin = dc.plan_fact(plans, dc.plan_actuals("margin", base), "margin")
    # Feb margin: (70 − 35) + (30 − 15) = 50; plan 0 → fulfilment NaN
    assert margin["fact"].tolist() == [50.0] and np.isnan(margin["fulfilment"].iloc[0])
    deals = pd.DataFrame({
        "deal_id": ["d1", "d2", "d3", "d4", "d5"],
        "created_at": pd.to_datetime(["2023-12-01", "2024-01-02", "2024-01-03", "2024-03-01",
                                      "2024-01-04"]),
        "status": ["won", "won", "lost", "open", "won"],
        "client_id": [None, "c2", None, None, None],
        "manager_id": ["m1", None, "m1", "m1", "m1"],
        "closed_at": pd.to_datetime(["2024-01-15", "2024-01-20", "2024-01-10", None, None]),
    }).astype({"deal_id": "string", "status": "string", "client_id": "string",
               "manager_id": "string"})
    won = dc.plan_fact(plans, dc.plan_actuals("deals_won", deals=deals,
                                              clients=clients_with_managers), "deals_won")
    # Jan m1: d1 (d3 is lost, d5 has no close date) → 1 of 2; Jan m2: d2 via client c2 → 1 of 1;
    # Mar m1: none, March is inside the data range (d4 created) → 0
    assert won["manager_id"].tolist() == ["m1", "m2", "m1"]
    np.testing.assert_allclose(won["fact"], [1.0, 1.0, 0.0])
    np.testing.assert_allclose(won["fulfilment"], [0.5, 1.0, 0.0])


def test_plan_fact_unavailable(base):
    plans = make_plans([("2024-01-01", "revenue", 100.0, "m1"),
                        ("2024-01-01", "revenue", 200.0, None)])
    no_managers = base.assign(manager_id=pd.Series(np.nan, index=base.index, dtype="string"))
    pf = dc.plan_fact(plans, dc.plan_actuals("revenue", no_managers), "revenue")
    # no attribution possible: the manager row has no fact, the company row does (130)
    assert np.isnan(pf.loc[pf["manager_id"] == "m1", "fact"]).all()
    assert pf.loc[pf["manager_id"].isna(), "fact"].tolist() == [130.0]
    actual = dc.plan_actuals("revenue", base)
    assert dc.plan_fact(None, actual, "revenue") is None
    assert dc.plan_fact(plans, None, "revenue") is None
    assert dc.plan_fact(plans, actual, "orders") is None
    assert dc.plan_actuals("margin", base.assign(cost=np.nan)) is None
    assert dc.plan_actuals("deals_won", deals=None) is None
    assert dc.plan_actuals("revenue", None) is None
    with pytest.raises(ValueError):
        dc.plan_actuals("profit", base)


# ----------------------------------------------------------------------------- retention

@pytest.fixture
def three_quarters():
    # Q1: a b c d; Q2: a b e (+ a return-only document of c); Q3: a d e f g
    rows = [("1", "a", "2024-01-10", 10), ("2", "b", "2024-02-10", 10),
            ("3", "c", "2024-03-10", 10), ("4", "d", "2024-03-31", 10),
            ("5", "a", "2024-04-10", 10), ("6", "b", "2024-05-10", 10),
            ("7", "e", "2024-06-10", 10), ("8", "c", "2024-06-11", -5),
            ("9", "a", "2024-07-10", 10), ("10", "d", "2024-08-10", 10),
            ("11", "e", "2024-09-10", 10), ("12", "f", "2024-09-11", 10),
            ("13", "g", "2024-09-30", 10)]
    return make_orders(rows)


def test_retention_three_quarters(three_quarters):
    r = dc.retention(three_quarters)
    assert list(r.columns) == ["period", "active_prev", "retained", "retention", "churn"]
    # Q2: |A(Q1)| = 4, A(Q1) ∩ A(Q2) = {a, b} → 2 / 4 (c only returned goods: not active)
    # Q3: |A(Q2)| = 3, A(Q2) ∩ A(Q3) = {a, e} → 2 / 3 (d skipped Q2: not retained)
    assert r["period"].tolist() == [ts("2024-04-01"), ts("2024-07-01")]
    assert r["active_prev"].tolist() == [4, 3] and r["retained"].tolist() == [2, 2]
    np.testing.assert_allclose(r["retention"], [0.5, 2 / 3])
    np.testing.assert_allclose(r["churn"], [0.5, 1 / 3])


def test_retention_by_segment(three_quarters):
    segment = pd.Series({"a": "s1", "b": "s1", "c": "s1", "d": "s2", "e": "s2", "f": "s2"},
                        name="segment")
    r = dc.retention(three_quarters, by=segment).set_index(["segment", "period"])
    # s1 = a b c: Q2 {a b c} → {a b} 2/3; Q3 {a b} → {a} 1/2
    # s2 = d e f: Q2 {d} → {} 0/1; Q3 {e} → {e} 1/1; g has no segment: its own group, empty prev
    q2, q3 = ts("2024-04-01"), ts("2024-07-01")
    assert r.loc[("s1", q2), ["active_prev", "retained"]].tolist() == [3, 2]
    assert r.loc[("s1", q3), "retention"] == pytest.approx(0.5)
    assert r.loc[("s2", q2), "retention"] == 0.0 and r.loc[("s2", q3), "retention"] == 1.0
    missing = r[r.index.get_level_values("segment").isna()]
    assert missing["active_prev"].tolist() == [0, 0] and missing["retention"].isna().all()


def test_retention_monthly_window_and_empty(three_quarters):
    r = dc.retention(three_quarters, freq="MS", start="2024-03-01", end="2024-04-30")
    # Mar {c, d} → Apr {a}: nobody retained
    assert r[["active_prev", "retained"]].values.tolist() == [[2, 0]]
    empty = dc.retention(make_orders([]))
    assert empty.empty and list(empty.columns) == ["period", "active_prev", "retained",
                                                   "retention", "churn"]


# ----------------------------------------------------------------------------- lifetimes, LTV

@pytest.fixture
def lifetime_orders():
    return make_orders([
        ("o1", "c1", "2024-01-01", 100.0, 60.0),
        ("o2", "c1", "2024-03-01", 50.0, 20.0),
        ("o3", "c1", "2024-03-15", -30.0, -18.0),  # return-only
        ("o4", "c2", "2024-02-01", 80.0, np.nan),
        ("o5", "c3", "2024-02-10", -10.0, -5.0),  # client with returns only
        ("o6", "c4", "2024-04-05", 100.0, 50.0),
    ], ("order_id", "client_id", "date", "amount", "cost"))


def test_client_lifetimes(lifetime_orders):
    life = dc.client_lifetimes(lifetime_orders).set_index("client_id")
    assert list(life.index) == ["c1", "c2", "c4"]  # c3 never placed a counted order
    # c1: 2024-01-01 → 2024-03-01 = 31 + 29 = 60 days → 60 / 30.4375 months; the return on
    # 03-15 is not an order; revenue 100 + 50 − 30 = 120; margin 40 + 30 − 12 = 58
    assert life.loc["c1", "lifetime_months"] == pytest.approx(60 / 30.4375)
    assert life.loc["c1", "last_order"] == ts("2024-03-01") and life.loc["c1", "orders"] == 2
    assert life.loc["c1", "revenue"] == 120.0 and life.loc["c1", "margin"] == 58.0
    assert life.loc["c2", "lifetime_months"] == 0.0 and np.isnan(life.loc["c2", "margin"])


def test_historical_ltv(lifetime_orders):
    ltv = dc.historical_ltv(lifetime_orders)
    assert list(ltv.columns) == ["cohort", "existing", "clients", "avg_revenue", "avg_margin", "basis", "ltv",
                                 "avg_lifetime_months"]
    # The data start on 1 Jan 2024: c1 and c2, buying in Q1 2024, were there when the data start —
    # they are "existing" (one row, listed first), not a cohort. Existing: revenue (120 + 80) / 2 =
    # 100; margin known for c1 only: 58; lifetime (60 / 30.4375 + 0) / 2. Q2 cohort c4: 100,
    # margin 50, lifetime 0.
    assert ltv["existing"].tolist() == [True, False]
    assert pd.isna(ltv["cohort"].iloc[0]) and ltv["cohort"].iloc[1] == ts("2024-04-01")
    assert ltv["clients"].tolist() == [2, 1]
    assert ltv["avg_revenue"].tolist() == [100.0, 100.0]
    assert ltv["ltv"].tolist() == [58.0, 50.0] and ltv["basis"].eq("margin").all()
    assert ltv["avg_lifetime_months"].iloc[0] == pytest.approx(30 / 30.4375)
    # with history known to start earlier (say 2023), Q1 2024 is a cohort like any other
    since_2023 = dc.historical_ltv(lifetime_orders, existing_before="2023-01-01")
    assert since_2023["cohort"].tolist() == [ts("2024-01-01"), ts("2024-04-01")]
    assert not since_2023["existing"].any() and since_2023["clients"].tolist() == [2, 1]
    # the end date cuts later orders: up to 31 Mar, c4 (5 Apr) is not a client yet
    assert dc.historical_ltv(lifetime_orders, end="2024-03-31")["clients"].tolist() == [2]
    no_cost = dc.historical_ltv(lifetime_orders.assign(cost=np.nan), cohort_freq="YS")
    # the data's first year holds everyone: one "existing" row of c1, c2, c4: (120 + 80 + 100) / 3 = 100
    assert no_cost["basis"].tolist() == ["revenue"] and no_cost["ltv"].tolist() == [100.0]
    assert no_cost["existing"].tolist() == [True]
    assert dc.historical_ltv(make_orders([])).empty


def test_lifetime_value(lifetime_orders):
    life = dc.lifetime_value(lifetime_orders)
    # clients c1, c2, c4 (c3 only returned goods); margin known for c1 (58) and c4 (50) → 54;
    # lifetimes 60 / 30.4375, 0, 0 months → 20 / 30.4375
    assert life == {"clients": 3, "lifetime_months": pytest.approx(20 / 30.4375), "basis": "margin",
                    "historical_ltv": 54.0}
    revenue = dc.lifetime_value(lifetime_orders.assign(cost=np.nan), end="2024-03-31")
    # up to 31 Mar: c1 120 and c2 80 → 100 of revenue per client
    assert revenue["basis"] == "revenue" and revenue["historical_ltv"] == 100.0


def test_ltv_cac():
    assert dc.LTV_CAC_NORM == 3
    assert dc.ltv_cac(300.0, 100.0) == 3.0
    assert np.isnan(dc.ltv_cac(300.0, 0.0)) and np.isnan(dc.ltv_cac(300.0, np.nan))
    ratio = dc.ltv_cac(pd.Series([300.0, 100.0, 50.0]), pd.Series([100.0, 0.0, 25.0]))
    np.testing.assert_allclose(ratio, [3.0, np.nan, 2.0])


# ----------------------------------------------------------------------------- concentration

def test_concentration():
    rows = [(f"o{i}", f"c{i}", "2024-01-01", float(i)) for i in range(1, 11)]
    rows += [("z", "c0", "2024-01-02", 0.0), ("r", "cr", "2024-01-03", -4.0)]
    c = dc.concentration(make_orders(rows))
    # 10 clients with revenue > 0 (1…10, total 55): top 10 % = 1 client (10), top 20 % = 2 (19)
    assert c["clients"].tolist() == [10, 10] and c["top_clients"].tolist() == [1, 2]
    assert c["top_revenue"].tolist() == [10.0, 19.0]
    np.testing.assert_allclose(c["revenue_share"], [10 / 55, 19 / 55])


def test_concentration_rounding_and_empty():
    rows = [(f"o{i}", f"c{i}", "2024-01-01", 1.0) for i in range(100)]
    c = dc.concentration(make_orders(rows), shares=(0.07, 0.20))
    # 0.07 × 100 is 7.000000000000001 in floats: the top must still be 7 clients, not 8
    assert c["top_clients"].tolist() == [7, 20]
    np.testing.assert_allclose(c["revenue_share"], [0.07, 0.20])
    empty = dc.concentration(make_orders([]))
    assert empty["top_clients"].tolist() == [0, 0] and empty["revenue_share"].isna().all()


def test_clients_by_segment(base):
    clients = make_clients({"c1": "x", "c2": "y", "c3": "x", "c4": None, "c5": "y"})
    s = dc.clients_by_segment(clients, base).set_index("segment")
    # x: c1 (40 + 80) + c3 30 = 150, both buying; y: c2 50 + 70 − 10 = 110, c5 never bought;
    # missing: c4 20. Total 280.
    assert s.loc["x", ["clients", "buying_clients"]].tolist() == [2, 2]
    assert s.loc["y", ["clients", "buying_clients"]].tolist() == [2, 1]
    assert s.loc["x", "revenue"] == 150.0 and s.loc["y", "revenue"] == 110.0
    missing = s[s.index.isna()]
    assert missing["clients"].tolist() == [1] and missing["revenue"].tolist() == [20.0]
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    assert s.loc["x", "revenue_share"] == pytest.approx(150 / 280)
    assert dc.clients_by_segment(None, base) is None


# ----------------------------------------------------------------------------- ABC / XYZ

def test_abc_boundary_at_80_percent_is_b():
    # revenues 50 (in two orders), 30, 10, 6, 4 of 100: cumulative share before each client
    # 0, .5, .8, .9, .96 → A, A, B (exactly .80 is not below .80), B, C
    orders = make_orders([("1", "a", "2024-01-01", 30), ("2", "a", "2024-02-01", 20),
                          ("3", "b", "2024-01-01", 30), ("4", "c", "2024-01-01", 10),
                          ("5", "d", "2024-01-01", 6), ("6", "e", "2024-01-01", 4)])
    r = dc.abc(orders)
    assert list(r.columns) == ["client_id", "revenue", "share", "cum_share_before", "abc"]
    assert r["client_id"].tolist() == ["a", "b", "c", "d", "e"]
    np.testing.assert_allclose(r["cum_share_before"], [0, 0.5, 0.8, 0.9, 0.96])
    assert r["abc"].tolist() == ["A", "A", "B", "B", "C"]


def test_abc_boundary_at_95_percent_nonpositive_and_ties():
    # 50, 30, 15, 3, 2 → cum before 0, .5, .8, .95, .98 → A A B C C; zero and negative → C;
    # equal revenues are ranked by client_id
    orders = make_orders([("1", "a", "2024-01-01", 50), ("2", "b", "2024-01-01", 30),
                          ("3", "c", "2024-01-01", 15), ("4", "e", "2024-01-01", 3),
                          ("5", "d", "2024-01-01", 2), ("6", "f", "2024-01-01", 0),
                          ("7", "g", "2024-01-01", -4)])
    r = dc.abc(orders)
    assert r["client_id"].tolist() == ["a", "b", "c", "e", "d", "f", "g"]
    assert r["abc"].tolist() == ["A", "A", "B", "C", "C", "C", "C"]
    assert r["share"].iloc[-1] == pytest.approx(-0.04)
    single = dc.abc(make_orders([("1", "a", "2024-01-01", 90), ("2", "b", "2024-01-01", 10)]))
    assert single["abc"].tolist() == ["A", "B"]  # the first client is A even with 90 %
    assert dc.abc(make_orders([])).empty
    tie = dc.abc(make_orders([("1", "b", "2024-01-01", 5), ("2", "a", "2024-01-01", 5)]))
    assert tie["client_id"].tolist() == ["a", "b"] and tie["abc"].tolist() == ["A", "A"]


def test_abc_window_and_thresholds():
    orders = make_orders([("1", "a", "2024-01-01", 60), ("2", "b", "2024-02-01", 40),
                          ("3", "a", "2023-06-01", 1000)])
    r = dc.abc(orders, a=0.5, b=0.9, start="2024-01-01", end="2024-12-31")
    # in 2024: a 60, b 40; b has 0.6 before it: not below 0.5 → B
    assert r["revenue"].tolist() == [60.0, 40.0] and r["abc"].tolist() == ["A", "B"]


@pytest.fixture
def xyz_orders():
    rows = []
    for i, month in enumerate(["01", "02", "03", "04"]):
        rows.append((f"x{i}", "cx", f"2024-{month}-10", 100.0))
        rows.append((f"b{i}", "cb", f"2024-{month}-10", [150.0, 50.0][i % 2]))
    rows += [("y1", "cy", "2024-01-05", 100.0), ("y2", "cy", "2024-02-05", 100.0),
             ("z1", "cz", "2024-01-05", 60.0), ("z2", "cz", "2024-01-25", 40.0),
             ("n1", "cn", "2024-03-05", -10.0), ("late", "cz", "2024-07-01", 500.0)]
    return make_orders(rows)


def test_xyz_with_zero_periods(xyz_orders):
    r = dc.xyz(xyz_orders, start="2024-01-01", end="2024-04-30").set_index("client_id")
    assert list(r.columns) == ["revenue", "periods", "mean", "std", "cv", "xyz"]
    # cx 100 ×4: cv 0 → X. cb 150 50 150 50: mean 100, std 50 → cv 0.5 → X (boundary)
    # cy 100 100 0 0: mean 50, std 50 → cv 1.0 → Y (boundary, empty months count as 0)
    # cz 100 0 0 0 (July outside the window): mean 25, std √((75² + 3·25²)/4) = √1875 → Z
    # cn −10 in March: mean ≤ 0 → cv NaN → Z
    assert r["periods"].eq(4).all()
    np.testing.assert_allclose(r.loc[["cx", "cb", "cy", "cz"], "cv"],
                               [0.0, 0.5, 1.0, np.sqrt(1875) / 25])
    assert np.isnan(r.loc["cn", "cv"])
    assert r.loc[["cx", "cb", "cy", "cz", "cn"], "xyz"].tolist() == ["X", "X", "Y", "Z", "Z"]
    assert r.loc["cz", "revenue"] == 100.0


def test_xyz_window_longer_than_data_and_thresholds(xyz_orders):
    r = dc.xyz(xyz_orders, start="2024-01-01", end="2024-05-31").set_index("client_id")
    # cx 100 100 100 100 0: mean 80, std √((4·20² + 80²)/5) = √1600 = 40 → cv 0.5 → X
    assert r.loc["cx", "periods"] == 5 and r.loc["cx", "cv"] == pytest.approx(0.5)
    assert r.loc["cx", "xyz"] == "X"
    strict = dc.xyz(xyz_orders, start="2024-01-01", end="2024-04-30", x=0.1, y=0.25)
    # inventory thresholds: cb (cv 0.5) becomes Z, cx (0) stays X
    assert strict.set_index("client_id").loc[["cx", "cb"], "xyz"].tolist() == ["X", "Z"]
    assert dc.xyz(make_orders([])).empty


def test_abc_xyz_matrix():
    abc_df = pd.DataFrame({"client_id": ["a", "b", "c", "d", "e"],
                           "revenue": [50.0, 30.0, 10.0, 6.0, 4.0],
                           "abc": ["A", "A", "B", "B", "C"]})
    xyz_df = pd.DataFrame({"client_id": ["a", "b", "c", "d", "zz"],
                           "xyz": ["X", "X", "Z", "Y", "X"]})
    m = dc.abc_xyz_matrix(abc_df, xyz_df).set_index(["abc", "xyz"])
    assert len(m) == 9 and m["clients"].sum() == 4  # e and zz are not in both tables
    assert m.loc[("A", "X"), ["clients", "revenue"]].tolist() == [2, 80.0]
    assert m.loc[("B", "Y"), "revenue"] == 6.0 and m.loc[("B", "Z"), "revenue"] == 10.0
    assert m.loc[("C", "X"), "clients"] == 0 and m["clients"].dtype == np.int64


def test_abc_migration():
    orders = make_orders([
        # previous half (Jan–Feb): p1 80, p2 15, p3 5 → cum before 0, .8, .95 → A, B, C
        ("1", "p1", "2024-01-10", 80), ("2", "p2", "2024-02-10", 15),
        ("3", "p3", "2024-02-20", 5), ("4", "p5", "2024-01-15", -5),
        # current half (Mar–Apr): p2 60, p1 30, p4 10 → cum before 0, .6, .9 → A, A, B
        ("5", "p1", "2024-03-10", 30), ("6", "p2", "2024-04-10", 60),
        ("7", "p4", "2024-04-30", 10),
    ])
    m = dc.abc_migration(orders, start="2024-01-01", end="2024-04-30")
    assert len(m) == 16 and list(m.columns) == ["previous", "current", "clients",
                                                "revenue_previous", "revenue_current"]
    m = m.set_index(["previous", "current"])
    # p1 A→A, p2 B→A, p3 C→lost, p4 new→B; p5 (only a return) never had revenue > 0: left out
    moved = m[m["clients"] > 0]
    assert moved["clients"].to_dict() == {("A", "A"): 1, ("B", "A"): 1, ("C", "lost"): 1,
                                          ("new", "B"): 1}
    assert m.loc[("B", "A"), ["revenue_previous", "revenue_current"]].tolist() == [15.0, 60.0]
    assert m.loc[("new", "B"), ["revenue_previous", "revenue_current"]].tolist() == [0.0, 10.0]


def test_abc_migration_odd_window_and_empty():
    orders = make_orders([("1", "a", "2024-01-10", 10), ("2", "a", "2024-02-10", 10),
                          ("3", "b", "2024-03-10", 10)])
    m = dc.abc_migration(orders, start="2024-01-01", end="2024-03-31").set_index(
        ["previous", "current"])
    # 3 months: previous = January only; a is A there, A again in Feb–Mar (first of the a/b
    # tie); b is new and A (0.5 before it is below 0.8)
    assert m.loc[("A", "A"), "clients"] == 1 and m.loc[("new", "A"), "clients"] == 1
    assert m["clients"].sum() == 2
    empty = dc.abc_migration(make_orders([]))
    assert len(empty) == 16 and empty["clients"].eq(0).all()


# ----------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def retail(shared_data):
    """Online Retail sample as orders: InvoiceNo → order_id, CustomerID → client_id,
    InvoiceDate → date, Quantity × UnitPrice → amount; lines without CustomerID dropped."""
    raw = pd.read_excel(shared_data("online_retail") / "online_retail_sample40k.xlsx")
    raw = raw.dropna(subset=["CustomerID"])
    return make_orders(pd.DataFrame({
        "order_id": raw["InvoiceNo"].astype(str),
        "client_id": raw["CustomerID"].astype(int).astype(str),
        "date": raw["InvoiceDate"],
        "amount": raw["Quantity"] * raw["UnitPrice"],
    }))


@pytest.fixture(scope="module")
def retail_invoices(retail):
    """Independent per-invoice netting: net amount, first date, month."""
    inv = retail.groupby("order_id").agg(client_id=("client_id", "first"),
                                         date=("date", "min"), amount=("amount", "sum"))
    return inv.assign(month=inv["date"].dt.to_period("M").dt.to_timestamp())


def test_real_dynamics(retail, retail_invoices):
    d = dc.dynamics(retail).set_index("period")
    months = retail["date"].dt.to_period("M").dt.to_timestamp()
    revenue = retail.groupby(months)["amount"].sum()
    assert len(d) == 13  # Dec 2010 … Dec 2011
    np.testing.assert_allclose(d["revenue"], revenue.reindex(d.index), rtol=1e-12)
    counted = retail_invoices[retail_invoices["amount"] > 0]
    active = counted.groupby("month")["client_id"].nunique()
    assert d["active_clients"].tolist() == active.reindex(d.index).tolist()
    assert d["orders"].tolist() == counted.groupby("month").size().reindex(d.index).tolist()
    first = counted.sort_values("date").groupby("client_id")["month"].first()
    assert d["new_clients"].tolist() == first.value_counts().reindex(d.index,
                                                                     fill_value=0).tolist()
    assert (retail_invoices["amount"] <= 0).sum() > 0  # the sample has cancellations


def test_real_abc_xyz_retention(retail, retail_invoices):
    revenue = retail.groupby("client_id")["amount"].sum().sort_values(ascending=False)
    positive = revenue[revenue > 0]
    before = positive.cumsum().shift(fill_value=0) / positive.sum()
    expected = {"A": int((before < 0.8).sum()),
                "B": int(((before >= 0.8) & (before < 0.95)).sum()),
                "C": int((before >= 0.95).sum() + (revenue <= 0).sum())}
    assert dc.abc(retail)["abc"].value_counts().to_dict() == expected

    start, end = "2011-01-01", "2011-11-30"
    inside = retail[(retail["date"] >= start) & (retail["date"] < "2011-12-01")]
    per_month = inside.pivot_table(index="client_id", columns=inside["date"].dt.month,
                                   values="amount", aggfunc="sum", fill_value=0.0)
    per_month = per_month.reindex(columns=range(1, 12), fill_value=0.0)
    cv = per_month.std(axis=1, ddof=0) / per_month.mean(axis=1)
    cv = cv.where(per_month.mean(axis=1) > 0)
    expected_xyz = pd.Series(np.select([cv <= 0.5, cv <= 1.0], ["X", "Y"], "Z"), index=cv.index)
    got = dc.xyz(retail, start, end).set_index("client_id")["xyz"]
    assert got.to_dict() == expected_xyz.to_dict()

    counted = retail_invoices[retail_invoices["amount"] > 0]
    quarter = counted["date"].dt.to_period("Q")
    sets = counted.groupby(quarter)["client_id"].agg(set)
    r = dc.retention(retail)
    assert r["active_prev"].tolist() == [len(s) for s in sets.iloc[:-1]]
    assert r["retained"].tolist() == [len(p & c) for p, c in zip(sets.iloc[:-1], sets.iloc[1:])]


def test_lines_without_a_client_count_in_revenue_but_not_as_a_client():
    """Order lines kept with allow_empty (no client_id): revenue yes, client measures no."""
    orders = pd.DataFrame({
        "order_id": pd.array(["O1", "O2", "O3"], dtype="string"),
        "client_id": pd.array(["C1", pd.NA, "C1"], dtype="string"),
        "date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-02-07"]),
        "amount": [100.0, 50.0, 30.0], "cost": np.nan,
        "manager_id": pd.array([pd.NA] * 3, dtype="string"),
    })
    dyn = dc.dynamics(orders, "MS", "2024-01-01", "2024-02-29")
    assert dyn["revenue"].tolist() == [150.0, 30.0]  # 100 + 50 (no client) | 30
    # C1 is active twice; not new: the data start in the window's first month (acquisition_start)
    assert dyn["active_clients"].tolist() == [1, 1] and dyn["new_clients"].tolist() == [0, 0]
    ret = dc.retention(orders, "MS", start="2024-01-01", end="2024-02-29")
    assert ret["active_prev"].tolist() == [1] and ret["retained"].tolist() == [1]
    assert dc.xyz(orders, "2024-01-01", "2024-02-29")["client_id"].tolist() == ["C1"]
    assert dc.abc(orders, start="2024-01-01", end="2024-02-29")["client_id"].tolist() == ["C1"]


# ----------------------------------------------------------------------------- section totals

def test_dynamics_summary_and_yoy():
    # 2023: Jan 100, Feb..Dec 10 each (a order each month); 2024: Jan 200, Feb..Dec 20 each.
    rows = []
    for year, first, rest in ((2023, 100.0, 10.0), (2024, 200.0, 20.0)):
        for month in range(1, 13):
            rows.append((f"o{year}{month}", "a" if month % 2 else "b", f"{year}-{month:02d}-05",
                         first if month == 1 else rest))
    rows.append(("r1", "a", "2024-06-20", -20.0))  # a return-only document
    rows.append(("n1", "c", "2024-03-03", 30.0))   # c's first order ever
    orders = make_orders(rows)
    total = dc.dynamics_summary(orders, "MS", "2024-01-01", "2024-12-31")
    # 2024: 200 + 11 × 20 − 20 + 30 = 430 over 13 counted orders; active a, b alternate (+ c in March)
    assert total["revenue"] == 430.0 and total["orders"] == 13
    assert total["avg_check"] == pytest.approx(430 / 13)
    assert total["active_clients_avg"] == pytest.approx(13 / 12)
    assert total["new_clients"] == 1 and not total["censored"]  # c; a and b bought in 2023
    assert np.isnan(total["revenue_growth_yoy"])  # the window holds no 12 months before its last 12
    # over both years: last 12 months 430 vs the 12 before 100 + 11 × 10 = 210
    both = dc.dynamics_summary(orders, "MS", "2023-01-01", "2024-12-31")
    assert both["revenue_growth_yoy"] == pytest.approx(430 / 210 - 1)
    # inside the window only: the orders start in its first period → censored, January left out
    alone = dc.dynamics_summary(orders, "MS", "2023-01-01", "2023-12-31")
    # (b, first seen in February, still counts as new)
    assert alone["censored"] and alone["new_clients"] == 1 and alone["first_period"] == ts("2023-01-01")
    assert np.isnan(alone["revenue_growth_yoy"])  # no 12 months before
    table = dc.revenue_by_month_and_year(dc.dynamics(orders, "MS"))
    assert list(table.columns) == [2023, 2024] and table.loc[1].tolist() == [100.0, 200.0]
    assert table.loc[3].tolist() == [10.0, 50.0]


def test_gross_margin_and_has_sales():
    rows = [("o1", "a", "2024-01-05", 100.0, 60.0), ("o2", "b", "2024-01-06", 50.0, np.nan),
            ("o3", "a", "2024-02-01", 100.0, 70.0), ("o3", "a", "2024-03-01", -20.0, -14.0),
            ("o4", "c", "2024-04-01", 10.0, 1.0)]
    orders = make_orders(rows, ("order_id", "client_id", "date", "amount", "cost"))
    # Jan–Mar, costed orders only: o1 100 / 60 and o3 netted 80 / 56 → (180 − 116) / 180; o2 has no cost
    assert dc.gross_margin(orders, "2024-01-01", "2024-03-31") == pytest.approx(64 / 180)
    assert np.isnan(dc.gross_margin(orders.assign(cost=np.nan)))
    assert dc.has_sales(orders, "2024-04-01", "2024-04-30")
    assert not dc.has_sales(orders, "2024-05-01", "2024-05-31") and not dc.has_sales(None)


def test_plan_fact_summary():
    pf = pd.DataFrame({
        "period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01", "2024-02-01",
                                  "2024-01-01", "2024-02-01"]),
        "manager_id": pd.array([None, None, None, "m1", "m1", "m2", "m2"], dtype="string"),
        "plan": [100.0, 100.0, 100.0, 60.0, 60.0, 40.0, 40.0],
        "fact": [120.0, 85.0, 50.0, 70.0, 50.0, 50.0, 35.0],
    })
    total = dc.plan_fact_summary(pf, "2024-01-01", "2024-02-29", norm=0.9)
    # company rows Jan, Feb: plan 200, fact 205; months with fact ≥ 0.9 × plan: Jan (120), not Feb (85)
    assert (total.plan, total.fact) == (200.0, 205.0) and total.fulfilment == pytest.approx(1.025)
    assert total.months_plan_met == 0.5 and total.plan_per_year == pytest.approx(200 * 12 / 2)
    # m1 120 / 120 = 1.0, m2 85 / 80; sorted by fulfilment
    assert total.by_manager["manager_id"].tolist() == ["m1", "m2"]
    assert total.by_manager["deviation"].tolist() == [0.0, 5.0]
    assert total.by_manager["fulfilment"].tolist() == pytest.approx([1.0, 85 / 80])
    # without company rows the managers' rows are summed per month
    managers_only = dc.plan_fact_summary(pf[pf["manager_id"].notna()], "2024-01-01", "2024-02-29")
    assert managers_only.company["plan"].tolist() == [100.0, 100.0]
    assert managers_only.company["fact"].tolist() == [120.0, 85.0]


def test_retention_summary_and_by_group(three_quarters):
    total = dc.retention_summary(dc.retention(three_quarters), "QS")
    # (2 + 2) / (4 + 3); clients at risk 3.5 a quarter; 4 quarters a year
    assert total["retention"] == pytest.approx(4 / 7) and total["churn"] == pytest.approx(3 / 7)
    assert total["clients_per_period"] == 3.5 and total["periods_per_year"] == 4
    segment = pd.Series({"a": "s1", "b": "s1", "c": "s1", "d": "s2", "e": "s2", "f": "s2"}, name="segment")
    groups = dc.retention_by_group(dc.retention(three_quarters, by=segment))
    # s1: (2 + 1) / (3 + 2); s2: (0 + 1) / (1 + 1); g (no segment) is its own last row, nobody at risk
    assert groups["segment"].iloc[:2].tolist() == ["s1", "s2"] and pd.isna(groups["segment"].iloc[2])
    assert groups["retention"].iloc[:2].tolist() == pytest.approx([3 / 5, 1 / 2])
    assert groups["clients_per_period"].tolist() == [2.5, 1.0, 0.0] and np.isnan(groups["retention"].iloc[2])


def test_revenue_per_client_year():
    rows = [("o1", "a", "2023-12-31", 500.0), ("o2", "a", "2024-01-01", 100.0), ("o2", "a", "2025-01-03", -40.0),
            ("o3", "b", "2024-06-30", 300.0), ("o4", "c", "2024-12-31 18:00", 60.0), ("o5", "d", "2024-07-01", -10.0),
            ("o6", "b", "2025-01-02", 999.0)]
    orders = make_orders(rows)
    # 12 months to 31 Dec 2024: o2 netted on its date 60, o3 300, o4 60 (the end day), return-only o5 −10
    # → 410 over the buying clients a, b, c
    assert dc.revenue_per_client_year(orders, "2024-12-31") == pytest.approx(410 / 3)
    assert dc.revenue_per_client_year(orders, "2024-12-31", client_ids=["b", "d"]) == pytest.approx(290.0)
    assert np.isnan(dc.revenue_per_client_year(orders, "2022-12-31"))


def test_concentration_curve_abc_summary_and_migration_summary():
    rows = [("o1", "a", "2024-01-01", 60.0), ("o2", "b", "2024-01-02", 30.0), ("o3", "c", "2024-01-03", 10.0),
            ("o4", "d", "2024-01-04", -5.0)]
    x, y = dc.concentration_curve(make_orders(rows))
    # a, b, c, d by revenue; d's −5 counts 0 → cumulative 60, 90, 100, 100 of 100
    assert x.tolist() == [0.25, 0.5, 0.75, 1.0] and y.tolist() == pytest.approx([0.6, 0.9, 1.0, 1.0])
    summary = dc.abc_summary(dc.abc(make_orders(rows)))
    # A: a (nothing before it), b (60% before it); B: c (90%); C: d (revenue ≤ 0); total 95
    assert summary["clients"].to_dict() == {"A": 2, "B": 1, "C": 1}
    assert summary["revenue_share"].tolist() == pytest.approx([90 / 95, 10 / 95, -5 / 95])
    matrix = dc.abc_xyz_matrix(dc.abc(make_orders(rows)), dc.xyz(make_orders(rows)))
    assert matrix["revenue_share"].sum() == pytest.approx(1.0)
    mig = pd.DataFrame({"previous": ["A", "A", "A", "B", "new"], "current": ["A", "C", "lost", "lost", "B"],
                        "clients": [3, 1, 2, 4, 5]})
    assert dc.migration_summary(mig) == {"a_clients_downgraded": 3, "clients_lost": 6}


# ----------------------------------------------------------------------------- netting kept

def test_order_totals_of_unchanged_lines_are_netted_once_and_of_changed_lines_again():
    from auditkit.metrics import _common

    lines = pd.DataFrame({"order_id": pd.array(["O1", "O1", "O2"], dtype="string"),
                          "client_id": pd.array(["C1", "C1", "C2"], dtype="string"),
                          "date": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-02-01"]),
                          "amount": [100.0, -30.0, 50.0]})
    first = _common.order_totals(lines)
    assert first["amount"].tolist() == [70.0, 50.0]
    first.loc[0, "amount"] = 999.0  # a caller's own copy: the kept totals do not change
    assert _common.order_totals(lines)["amount"].tolist() == [70.0, 50.0]
    assert _common._NETTED[id(lines)][2] is not first
    lines.loc[2, "amount"] = 80.0  # written in place after netting
    assert _common.order_totals(lines)["amount"].tolist() == [70.0, 80.0]
    lines["date"] = pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-05"])  # a column replaced
    assert _common.order_totals(lines)["date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-05")]
    lines["cost"] = [1.0, 2.0, 3.0]  # a column added
    assert _common.order_totals(lines)["cost"].tolist() == [3.0, 3.0]
    key = id(lines)
    del lines, first
    assert key not in _common._NETTED  # forgotten with the lines
