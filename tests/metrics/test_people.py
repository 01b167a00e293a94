"""Stage 3 — People: hand-computed cases and the Maven CRM data set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.inputs.anonymise import manager_codes
from auditkit.metrics import people as P
from helpers import contract_frame

START, END = "2024-01-01", "2024-01-31"


# --------------------------------------------------------------------------- calendar


def test_working_days_russia():
    # January 2024: 23 weekdays; New Year holidays on weekdays Jan 1-5 and 8 → 23 - 6 = 17.
    assert P.working_days("2024-01-01", "2024-01-31") == 17
    # Whole 2024: the official Russian production calendar has 248 working days (includes the
    # transfer Saturdays Apr 27, Nov 2, Dec 28).
    assert P.working_days("2024-01-01", "2024-12-31") == 248
    assert P.working_days("2024-04-27", "2024-04-27") == 1  # transfer Saturday
    assert P.working_days("2024-04-28", "2024-04-28") == 0  # Sunday
    assert P.working_days("2024-02-01", "2024-01-01") == 0  # empty window


def test_working_days_other_country_and_times():
    # Poland, 1-3 May 2024: May 1 (Wed) and May 3 (Fri) are holidays → only May 2.
    assert P.working_days("2024-05-01", "2024-05-03", country="PL") == 1
    # Times of day do not matter: the end day counts whole.
    assert P.working_days(pd.Timestamp("2024-01-09 18:00"), pd.Timestamp("2024-01-10 09:00")) == 2


def test_manager_working_days_clips_employment():
    managers = contract_frame(
        "managers",
        [
            {"manager_id": "A", "name": "a", "hired_at": "2024-01-15"},
            {"manager_id": "B", "name": "b", "left_at": "2024-01-10"},
            {"manager_id": "C", "name": "c"},
            {"manager_id": "E", "name": "e", "hired_at": "2024-03-01"},
        ],
    )
    days = P.manager_working_days(managers, START, END, ids=["A", "B", "C", "D", "E"])
    # A: Jan 15-31 = 13 weekdays, no holidays; B: Jan 1-10 = 8 weekdays - 6 holidays = 2;
    # C (no dates) and D (unknown) the whole month = 17; E hired after the window = 0.
    assert days.to_dict() == {"A": 13, "B": 2, "C": 17, "D": 17, "E": 0}
    assert days.dtype == "int64"
    assert P.manager_working_days(None, START, END, ids=["X"]).to_dict() == {"X": 17}
    assert P.manager_working_days(None, START, END).empty


# --------------------------------------------------------------------------- scorecard fixtures


@pytest.fixture
def managers():
    return contract_frame(
        "managers",
        [
            {"manager_id": "m1", "name": "Anna", "team": "T1", "hired_at": "2023-01-01"},
            {"manager_id": "m2", "name": "Boris", "team": "T1", "hired_at": "2024-01-15"},
            {"manager_id": "m3", "name": "Cyril", "team": "T2", "left_at": "2023-12-01"},
        ],
    )


@pytest.fixture
def clients():
    return contract_frame(
        "clients",
        [
            {"client_id": "c1", "manager_id": "m1"},
            {"client_id": "c2", "manager_id": "m2"},
            {"client_id": "c3"},
            {"client_id": "c4", "manager_id": "m2"},
        ],
    )


@pytest.fixture
def orders():
    return contract_frame(
        "orders",
        [
            {"order_id": "o1", "client_id": "c1", "date": "2023-12-10", "amount": 100, "manager_id": "m1"},
            {"order_id": "o2", "client_id": "c1", "date": "2024-01-05", "amount": 200},
            {"order_id": "o3", "client_id": "c2", "date": "2024-01-20", "amount": 300, "manager_id": "m2"},
            {"order_id": "o3", "client_id": "c2", "date": "2024-01-20", "amount": -50, "manager_id": "m2"},
            {"order_id": "o4", "client_id": "c3", "date": "2024-01-10", "amount": -30, "manager_id": "m1"},
            {"order_id": "o5", "client_id": "c3", "date": "2024-01-25", "amount": 80, "manager_id": "m2"},
            {"order_id": "o6", "client_id": "c4", "date": "2024-02-02", "amount": 500, "manager_id": "m2"},
            {"order_id": "o7", "client_id": "c1", "date": "2024-01-31 15:00", "amount": 10, "manager_id": "m1"},
        ],
    )


@pytest.fixture
def plans():
    return contract_frame(
        "plans",
        [
            {"period": "2024-01-01", "metric": "revenue", "target": 200, "manager_id": "m1"},
            {"period": "2024-01-01", "metric": "revenue", "target": 300, "manager_id": "m2"},
            {"period": "2024-02-01", "metric": "revenue", "target": 1000, "manager_id": "m1"},
            {"period": "2024-01-01", "metric": "revenue", "target": 1000},
            {"period": "2024-01-01", "metric": "new_clients", "target": 5, "manager_id": "m1"},
        ],
    )


@pytest.fixture
def deals():
    return contract_frame(
        "deals",
        [
            {"deal_id": "d1", "manager_id": "m1", "client_id": "c1", "status": "won", "amount": 1000,
             "created_at": "2023-11-01", "closed_at": "2024-01-11"},
            {"deal_id": "d2", "manager_id": "m1", "client_id": "c1", "status": "won", "amount": 500,
             "created_at": "2024-01-02", "closed_at": "2024-01-12"},
            {"deal_id": "d3", "manager_id": "m1", "status": "lost", "amount": 200,
             "created_at": "2024-01-03", "closed_at": "2024-01-20"},
            {"deal_id": "d4", "manager_id": "m1", "status": "open", "amount": 300, "created_at": "2024-01-04"},
            {"deal_id": "d5", "manager_id": "m1", "status": "won", "amount": 700,
             "created_at": "2023-12-01", "closed_at": "2024-02-10"},
            {"deal_id": "d6", "manager_id": "m2", "status": "lost", "created_at": "2024-01-16",
             "closed_at": "2024-01-30"},
            {"deal_id": "d7", "manager_id": "m2", "client_id": "c2", "status": "won", "amount": 400,
             "created_at": "2024-01-16"},
            {"deal_id": "d8", "manager_id": "m2", "status": "open", "amount": 900, "created_at": "2024-02-05"},
            {"deal_id": "d9", "status": "won", "amount": 50, "created_at": "2024-01-03",
             "closed_at": "2024-01-04"},
            {"deal_id": "d10", "manager_id": "m1", "status": "lost", "created_at": "2023-12-01",
             "closed_at": "2023-12-20"},
        ],
    )


@pytest.fixture
def activities():
    return contract_frame(
        "activities",
        [
            {"activity_id": "a1", "manager_id": "m1", "type": "call", "date": "2024-01-10", "next_step": True},
            {"activity_id": "a2", "manager_id": "m1", "type": "call", "date": "2024-01-11", "next_step": False},
            {"activity_id": "a3", "manager_id": "m1", "type": "Call", "date": "2024-01-12"},
            {"activity_id": "a4", "manager_id": "m1", "type": "meeting", "date": "2024-01-15"},
            {"activity_id": "a5", "manager_id": "m1", "type": "Email ", "date": "2024-01-16"},
            {"activity_id": "a6", "manager_id": "m1", "type": "call", "date": "2023-12-30", "next_step": True},
            {"activity_id": "a7", "manager_id": "m2", "type": "call", "date": "2024-01-20", "next_step": True},
            {"activity_id": "a8", "manager_id": "m2", "type": "meeting", "date": "2024-01-22"},
            {"activity_id": "a9", "manager_id": "m4", "type": "call", "date": "2024-01-09", "next_step": True},
        ],
    )


# --------------------------------------------------------------------------- scorecard


def test_scorecard_full(managers, clients, orders, plans, deals, activities):
    card = P.manager_scorecard(START, END, orders=orders, deals=deals, activities=activities,
                               plans=plans, managers=managers, clients=clients)
    # m3 left before the window and has no data; m4 is unknown to managers but has an activity;
    # the last row (NA) holds what no manager is credited with: d9, won Jan 3 → Jan 4 for 50.
    assert list(card.index[:3]) == ["m1", "m2", "m4"] and pd.isna(card.index[3])
    # revenue: m1 = o2 200 (client's manager) - o4 30 + o7 10 (end day) = 180; m2 = o3 300-50 + o5 80 = 330
    assert card["revenue"].tolist() == [180.0, 330.0, 0.0, 0.0]
    # plans Jan only, per manager: 180/200 = 0.9, 330/300 = 1.1; m4 no plan
    assert card["revenue_plan"].tolist()[:2] == [200.0, 300.0]
    np.testing.assert_allclose(card["plan_fulfilment"], [0.9, 1.1, np.nan, np.nan])
    # new: c2 (o3, m2) and c3 (first counting order o5 after the net-negative o4, m2); c1 bought in 2023
    assert card["new_clients"].tolist() == [0, 2, 0, 0]
    # m1: won d1, d2, lost d3 (d5 closes after the end, d10 before the start) → 2/3
    # m2: lost d6; won d7 has no closed_at, so it is not counted as closed → 0/1; no manager: d9 won → 1/1
    assert card["won_deals"].tolist() == [2, 0, 0, 1]
    assert card["lost_deals"].tolist() == [1, 1, 0, 0]
    np.testing.assert_allclose(card["win_rate"], [2 / 3, 0.0, np.nan, 1.0])
    np.testing.assert_allclose(card["avg_won_deal"], [750.0, np.nan, np.nan, 50.0])  # (1000+500)/2
    # cycles m1: d1 Nov 1 → Jan 11 = 71 days, d2 10 days → median 40.5; d9 1 day
    np.testing.assert_allclose(card["median_cycle_days"], [40.5, np.nan, np.nan, 1.0])
    # open at Jan 31: d4 (open) and d5 (won only on Feb 10) → 2 / 1000; d8 created after the end
    assert card["open_pipeline_count"].tolist() == [2, 0, 0, 0]
    assert card["open_pipeline_sum"].tolist() == [1000.0, 0.0, 0.0, 0.0]
    # working days: m1 17, m2 hired Jan 15 → 13, m4 unknown → 17; no manager: nobody works
    assert card["working_days"].tolist() == [17, 13, 17, 0]
    assert card["activities"].tolist() == [5, 2, 1, 0]  # a6 is outside the window
    np.testing.assert_allclose(card["activities_per_day"], [5 / 17, 2 / 13, 1 / 17, np.nan])
    np.testing.assert_allclose(card["activities_per_day_call"], [3 / 17, 1 / 13, 1 / 17, np.nan])
    np.testing.assert_allclose(card["activities_per_day_meeting"], [1 / 17, 1 / 13, 0.0, np.nan])
    np.testing.assert_allclose(card["activities_per_day_email"], [1 / 17, 0.0, 0.0, np.nan])
    np.testing.assert_allclose(card["activities_per_won_deal"], [5 / 2, np.nan, np.nan, 0.0])
    # calls with next step: m1 a1 of a1, a2, a3 (NA = none) → 1/3; m2 1/1; m4 1/1
    np.testing.assert_allclose(card["call_next_step_share"], [1 / 3, 1.0, 1.0, np.nan])
    # the rows add up to the company: revenue 510 = every order of January netted on its date
    assert card["revenue"].sum() == 510.0
    for col in ("new_clients", "won_deals", "open_pipeline_count", "activities", "working_days"):
        assert card[col].dtype == "int64"


def test_scorecard_nets_returns_on_the_order_date():
    from auditkit.metrics import data_collection as dc

    orders = contract_frame(
        "orders",
        [
            # o1 of 28 Dec, returned in part on 5 Jan: the return belongs to December's order
            {"order_id": "o1", "client_id": "c1", "date": "2023-12-28", "amount": 1000, "manager_id": "m1"},
            {"order_id": "o1", "client_id": "c1", "date": "2024-01-05", "amount": -200, "manager_id": "m1"},
            # o2 of 30 Jan, returned in part on 3 Feb: netted into January
            {"order_id": "o2", "client_id": "c1", "date": "2024-01-30", "amount": 500, "manager_id": "m1"},
            {"order_id": "o2", "client_id": "c1", "date": "2024-02-03", "amount": -100, "manager_id": "m1"},
            # o3: lines of two managers; the order is credited to the first (m2)
            {"order_id": "o3", "client_id": "c2", "date": "2024-01-10", "amount": 300, "manager_id": "m2"},
            {"order_id": "o3", "client_id": "c2", "date": "2024-01-10", "amount": 100, "manager_id": "m1"},
        ],
    )
    card = P.manager_scorecard(START, END, orders=orders)
    # January: m1 = o2 500 − 100 = 400 (o1 and its return are December's); m2 = o3 300 + 100 = 400
    assert card["revenue"].to_dict() == {"m1": 400.0, "m2": 400.0}
    # the same numbers as Stage 1's plan / fact per manager: one revenue everywhere
    fact = dc.plan_actuals("revenue", orders)
    january = fact[fact["period"] == pd.Timestamp("2024-01-01")].set_index("manager_id")["fact"]
    assert january.to_dict() == {"m1": 400.0, "m2": 400.0}
    assert P.team_structure(START, END, orders=orders).revenue_gini == pytest.approx(0.0)


def test_scorecard_next_step_from_outcome(activities):
    acts = activities.assign(next_step=pd.Series(pd.NA, index=activities.index, dtype="boolean"))
    acts["outcome"] = pd.Series(
        ["next_step", "no_answer", " Next_Step", None, None, None, "refused", None, None], dtype="str"
    )
    card = P.manager_scorecard(START, END, activities=acts)
    # m1 calls a1, a2, a3 → next_step on a1 and a3 → 2/3; m2 a7 refused → 0; m4 outcome NA → 0
    np.testing.assert_allclose(card["call_next_step_share"], [2 / 3, 0.0, 0.0])
    no_flags = acts.assign(outcome=pd.Series(pd.NA, index=acts.index, dtype="str"))
    assert "call_next_step_share" not in P.manager_scorecard(START, END, activities=no_flags).columns


def test_scorecard_deals_only_stand_in_for_orders(deals):
    card = P.manager_scorecard(START, END, deals=deals)
    # won deals closed in the window: m1 d1 1000 + d2 500; m2 none (d7 has no closed_at);
    # d9 (50) has no manager: its own row (NA), so the rows add up to the 1550 won
    assert list(card.index[:2]) == ["m1", "m2"] and pd.isna(card.index[2])
    assert card["revenue"].tolist() == [1500.0, 0.0, 50.0]
    # first won deal of c1 is d1 (Jan 11), but the data start inside the window, in January: a client
    # of the data's first month was a client before (acquisition_start), so c1 is not new; c2's only won
    # deal d7 has no date; d9 has no client
    assert card["new_clients"].tolist() == [0, 0, 0]
    assert "plan_fulfilment" not in card.columns and "activities" not in card.columns


def test_scorecard_by_team(managers, clients, orders, activities):
    card = P.manager_scorecard(START, END, orders=orders, activities=activities,
                               managers=managers, clients=clients, by="team")
    # T1 = m1 + m2; m4 has no team; T2 (m3) left before the window and has no data
    assert list(card.index) == ["T1"]
    assert card.loc["T1", "revenue"] == 510.0  # 180 + 330
    assert card.loc["T1", "working_days"] == 30  # 17 + 13
    assert card.loc["T1", "activities_per_day"] == pytest.approx(7 / 30)
    with pytest.raises(ValueError):
        P.manager_scorecard(START, END, orders=orders, by="team")


def test_scorecard_empty_and_missing(managers, orders, deals, activities):
    assert P.manager_scorecard(START, END) is None
    only_roster = P.manager_scorecard(START, END, managers=managers)
    assert list(only_roster.index) == ["m1", "m2"] and only_roster.columns.empty
    card = P.manager_scorecard(START, END, orders=orders.iloc[0:0], deals=deals.iloc[0:0],
                               activities=activities.iloc[0:0], managers=managers)
    assert card["revenue"].tolist() == [0.0, 0.0]
    assert card["won_deals"].tolist() == [0, 0]
    assert card["win_rate"].isna().all() and card["activities_per_day"].tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------- highlight


def test_highlight():
    card = pd.DataFrame(
        {
            "revenue": [100.0, 300.0, 200.0],
            "median_cycle_days": [10.0, 30.0, 20.0],
            "win_rate": [np.nan, 0.5, 0.2],
            "revenue_plan": [1.0, 2.0, 3.0],
            "avg_won_deal": [np.nan, np.nan, np.nan],
            "won_deals": [2, 2, 1],
        },
        index=pd.Index(["m1", "m2", "m3"], name="manager_id"),
    )
    out = P.highlight(card)
    assert list(out.index) == ["revenue", "median_cycle_days", "win_rate", "won_deals"]
    assert out.loc["revenue", ["best", "best_value", "weakest", "weakest_value"]].tolist() == ["m2", 300.0, "m1", 100.0]
    # shorter cycle is better
    assert out.loc["median_cycle_days", ["best", "weakest"]].tolist() == ["m1", "m2"]
    assert not out.loc["median_cycle_days", "higher_is_better"]
    assert out.loc["win_rate", ["best", "weakest"]].tolist() == ["m2", "m3"]  # NaN skipped
    assert out.loc["won_deals", ["best", "weakest"]].tolist() == ["m1", "m3"]  # tie → first row
    assert P.highlight(card.iloc[0:0]).empty


# --------------------------------------------------------------------------- call quality


def test_call_quality():
    reviews = contract_frame(
        "call_reviews",
        [
            {"manager_id": "m1", "date": "2024-01-05", "review_id": "r1", "greet": 1, "needs": 2, "close": 8, "x": 3, "y": 7},
            {"manager_id": "m1", "date": "2024-01-06", "review_id": "r2", "greet": 0, "needs": 1, "close": 10, "x": 3, "y": 7},
            {"manager_id": "m2", "date": "2024-01-07", "review_id": "r3", "greet": 1, "needs": 0, "close": None, "x": 3, "y": 7},
        ],
    ).assign(empty=np.nan)
    q = P.call_quality(reviews)
    # observed max 1 → scale 1, 2 → 2, 3 → 5, 7/10 → 10
    assert q.scales == {"greet": 1.0, "needs": 2.0, "close": 10.0, "x": 5.0, "y": 10.0}
    # m1: greet (100+0)/2 = 50, needs (100+50)/2 = 75, close (80+100)/2 = 90; m2: 100, 0, NaN
    np.testing.assert_allclose(q.matrix.loc["m1", ["greet", "needs", "close"]], [50, 75, 90])
    np.testing.assert_allclose(q.matrix.loc["m2", ["greet", "needs", "close"]], [100, 0, np.nan])
    # team, every review equal: needs (100+50+0)/3 = 50, x 60, greet 200/3, y 70, close 90
    assert list(q.item_means.index) == ["needs", "x", "greet", "y", "close"]
    np.testing.assert_allclose(q.item_means, [50, 60, 200 / 3, 70, 90])
    assert list(q.training_needs.index) == ["needs", "x", "greet"]  # below 70 (70 itself is not)
    assert q.reviews.to_dict() == {"m1": 2, "m2": 1}
    overridden = P.call_quality(reviews, scales={"close": 20}, threshold=50.0)
    assert overridden.item_means["close"] == pytest.approx(45.0)  # (40 + 50) / 2
    assert list(overridden.training_needs.index) == ["close"]  # needs = 50 is not below 50


def test_call_quality_edge_cases():
    assert P.call_quality(None) is None
    no_items = contract_frame("mystery_shopper", [{"manager_id": "m1", "date": "2024-01-05"}])
    assert P.call_quality(no_items) is None
    assert P.call_quality(no_items.iloc[0:0]) is None


# --------------------------------------------------------------------------- staff assessment


@pytest.fixture
def assessment():
    return contract_frame(
        "staff_assessment",
        [
            {"manager_id": "a", "product_knowledge": 5, "sales_technique": 4, "motivation": 4, "loyalty": 4},
            {"manager_id": "b", "product_knowledge": 2, "sales_technique": 3, "motivation": 4, "loyalty": 5},
            {"manager_id": "c", "product_knowledge": 3, "sales_technique": 3, "motivation": 2, "loyalty": 3},
            {"manager_id": "d", "product_knowledge": 4, "sales_technique": 3, "motivation": 3, "loyalty": 3},
            {"manager_id": "e", "product_knowledge": 4, "sales_technique": 4, "motivation": 4, "loyalty": 4},
        ],
    )


def test_staff_assessment_with_plan(assessment):
    card = pd.DataFrame({"plan_fulfilment": [0.8, 1.5, 0.2, 1.2], "revenue": [1.0, 2.0, 3.0, 4.0]},
                        index=pd.Index(list("abcd"), name="manager_id"))
    res = P.staff_assessment(assessment, card)
    out = res.per_manager
    assert res.performance_basis == "plan_fulfilment"
    # competence a 4.5, b 2.5, c 3, d 3.5 (= threshold → high), e 4; motivation 4, 4.5, 2.5, 3, 4
    np.testing.assert_allclose(out["competence"], [4.5, 2.5, 3.0, 3.5, 4.0])
    np.testing.assert_allclose(out["motivation"], [4.0, 4.5, 2.5, 3.0, 4.0])
    assert out["competence_level"].tolist() == ["high", "low", "low", "high", "high"]
    assert out["motivation_level"].tolist() == ["high", "high", "low", "low", "high"]
    # a: high competence, 0.8 < 1 → coach; b: low/high → train; c: low/low → rotate;
    # d: high competence, 1.2 ≥ 1 → develop; e: no performance → NA
    assert out["recommendation"].tolist()[:4] == ["coach", "train", "rotate", "develop"]
    assert pd.isna(out.loc["e", "recommendation"]) and pd.isna(out.loc["e", "performance_level"])


def test_staff_assessment_revenue_percentile_and_none(assessment):
    card = pd.DataFrame({"revenue": [100.0, 400.0, 300.0, 200.0]}, index=pd.Index(list("abcd"), name="manager_id"))
    res = P.staff_assessment(assessment, card)
    assert res.performance_basis == "revenue_percentile"
    # percentiles a .25, b 1, c .75, d .5 → high only above .5: b, c
    np.testing.assert_allclose(res.per_manager["performance"].iloc[:4], [0.25, 1.0, 0.75, 0.5])
    assert res.per_manager["recommendation"].tolist()[:4] == ["coach", "train", "rotate", "coach"]
    alone = P.staff_assessment(assessment)
    assert alone.performance_basis is None
    assert alone.per_manager["recommendation"].tolist()[1:3] == ["train", "rotate"]
    assert alone.per_manager["recommendation"].iloc[[0, 3, 4]].isna().all()
    assert P.staff_assessment(None) is None


# --------------------------------------------------------------------------- structure


def test_gini():
    assert P.gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert P.gini([0, 0, 0, 1]) == pytest.approx(0.75)
    # [1, 2, 3]: Σ|xi-xj| = 2*(1+2+1) = 8; 2 n² mean = 2*9*2 = 36 → 2/9
    assert P.gini([3, 1, 2]) == pytest.approx(2 / 9)
    assert P.gini([1.0, 1.0, np.nan]) == pytest.approx(0.0)
    assert np.isnan(P.gini([])) and np.isnan(P.gini([0, 0]))
    with pytest.raises(ValueError):
        P.gini([1, -1])


def test_team_structure():
    managers = contract_frame(
        "managers",
        [
            {"manager_id": "m1", "name": "a", "hired_at": "2023-06-30"},
            {"manager_id": "m2", "name": "b", "hired_at": "2024-01-01", "left_at": "2024-03-31"},
            {"manager_id": "m3", "name": "c", "hired_at": "2024-07-15"},
            {"manager_id": "m4", "name": "d"},
        ],
    )
    clients = contract_frame(
        "clients",
        [{"client_id": "c1", "manager_id": "m1"}, {"client_id": "c2", "manager_id": "m1"},
         {"client_id": "c3", "manager_id": "m2"}, {"client_id": "c4"}],
    )
    orders = contract_frame(
        "orders",
        [
            {"order_id": "o1", "client_id": "c1", "date": "2024-02-01", "amount": 300},
            {"order_id": "o2", "client_id": "c3", "date": "2024-03-01", "amount": 100},
            {"order_id": "o3", "client_id": "c4", "date": "2024-03-01", "amount": -10, "manager_id": "m4"},
            {"order_id": "o4", "client_id": "c4", "date": "2024-08-01", "amount": 999, "manager_id": "m4"},
        ],
    )
    s = P.team_structure("2024-01-01", "2024-06-30", managers=managers, orders=orders, clients=clients)
    # active at Jun 30: m1 and m4 (m2 left Mar 31, m3 hired Jul 15)
    assert s.headcount == 2
    assert s.per_manager["active"].tolist() == [True, False, False, True]
    # m1: Jun 30 2023 → Jun 30 2024 = 366 days; m2: Jan 1 → Mar 31 = 90 days; /30.4375
    np.testing.assert_allclose(s.per_manager["tenure_months"], [366 / 30.4375, 90 / 30.4375, np.nan, np.nan])
    assert s.median_tenure_months == pytest.approx(366 / 30.4375)
    assert s.per_manager["clients"].tolist() == [2, 1, 0, 0]
    assert s.clients_per_manager == pytest.approx(1.5)  # (2 + 1) / 2 managers with clients
    # revenue m1 300, m2 100, m4 -10 → 0: sorted [0, 100, 300], Σ|xi-xj| = 2*600, 2*9*400/3 = 2400 → 0.5
    assert s.revenue_gini == pytest.approx(0.5)
    # without clients.manager_id: distinct clients sold to in the window (orders' own manager only)
    s2 = P.team_structure("2024-01-01", "2024-06-30", orders=orders)
    assert s2.headcount is None and s2.per_manager["clients"].to_dict() == {"m4": 1}
    assert P.team_structure("2024-01-01", "2024-06-30") is None


def test_manager_codes():
    managers = contract_frame(
        "managers",
        [{"manager_id": "b2", "name": "Bob"}, {"manager_id": "a1", "name": "Ann"}, {"manager_id": "c3", "name": None}],
    )
    codes = manager_codes(managers)
    assert codes == {"a1": "M01", "Ann": "M01", "b2": "M02", "Bob": "M02", "c3": "M03"}
    assert manager_codes(managers.iloc[::-1]) == codes  # stable under row order
    many = contract_frame("managers", [{"manager_id": f"id{i:03d}", "name": f"n{i}"} for i in range(120)])
    assert manager_codes(many)["id000"] == "M001" and manager_codes(many)["n119"] == "M120"


# --------------------------------------------------------------------------- Maven CRM


@pytest.fixture(scope="module")
def maven(shared_data):
    pipeline = pd.read_csv(shared_data("maven_crm") / "sales_pipeline.csv")
    teams = pd.read_csv(shared_data("maven_crm") / "sales_teams.csv")
    status = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
    deals = contract_frame(
        "deals",
        pipeline.rename(columns={"opportunity_id": "deal_id", "sales_agent": "manager_id", "account": "client_id",
                                 "engage_date": "created_at", "close_date": "closed_at", "close_value": "amount"})
        .assign(status=pipeline["deal_stage"].map(status))
        .drop(columns=["deal_stage", "product"])
        .to_dict("records"),
    )
    managers = contract_frame(
        "managers",
        teams.rename(columns={"sales_agent": "manager_id", "manager": "team"}).assign(name=teams["sales_agent"])
        .drop(columns=["regional_office"]).to_dict("records"),
    )
    return pipeline, teams, deals, managers


def _expected_maven(pipeline: pd.DataFrame, key: pd.Series, index: pd.Index, start, end) -> pd.DataFrame:
    """Independent plain computation: closed by close_date in [start, end]; open at end = created on
    or before end (Prospecting has no date → counted) and Engaging/Prospecting or closed after end."""
    engage, close = pd.to_datetime(pipeline["engage_date"]), pd.to_datetime(pipeline["close_date"])
    end = pd.Timestamp(end)
    in_win = (close >= pd.Timestamp(start)) & (close <= end)
    won = pipeline[in_win & (pipeline["deal_stage"] == "Won")]
    lost = pipeline[in_win & (pipeline["deal_stage"] == "Lost")]
    is_open = (engage.isna() | (engage <= end)) & (pipeline["deal_stage"].isin(["Engaging", "Prospecting"]) | (close > end))
    opened = pipeline[is_open]
    n_won = won.groupby(key[won.index]).size().reindex(index, fill_value=0)
    n_lost = lost.groupby(key[lost.index]).size().reindex(index, fill_value=0)
    return pd.DataFrame(
        {
            "won_deals": n_won,
            "win_rate": n_won / (n_won + n_lost).replace(0, np.nan),
            "avg_won_deal": won.groupby(key[won.index])["close_value"].mean().reindex(index),
            "open_pipeline_count": opened.groupby(key[opened.index]).size().reindex(index, fill_value=0),
            "open_pipeline_sum": opened.groupby(key[opened.index])["close_value"].sum().reindex(index, fill_value=0.0),
        }
    )


@pytest.mark.parametrize("start,end", [("2016-10-01", "2017-12-31"), ("2017-01-01", "2017-06-30")])
def test_maven_scorecard_per_agent(maven, start, end):
    pipeline, teams, deals, managers = maven
    card = P.manager_scorecard(start, end, deals=deals, managers=managers)
    assert len(card) == 35  # 30 agents with deals + 5 without any
    expected = _expected_maven(pipeline, pipeline["sales_agent"], card.index, start, end)
    for col in expected.columns:
        np.testing.assert_allclose(card[col].to_numpy(float), expected[col].to_numpy(float), err_msg=col)
    assert card.loc[list(set(teams["sales_agent"]) - set(pipeline["sales_agent"])), "won_deals"].eq(0).all()


def test_maven_scorecard_by_manager(maven):
    pipeline, teams, deals, managers = maven
    start, end = "2017-01-01", "2017-06-30"
    card = P.manager_scorecard(start, end, deals=deals, managers=managers, by="team")
    assert sorted(card.index) == sorted(teams["manager"].unique()) and len(card) == 6
    team_of = pipeline["sales_agent"].map(teams.set_index("sales_agent")["manager"])
    expected = _expected_maven(pipeline, team_of, card.index, start, end)
    for col in expected.columns:
        np.testing.assert_allclose(card[col].to_numpy(float), expected[col].to_numpy(float), err_msg=col)
    # revenue (won deals standing in for orders) = Σ won close_value per manager
    won = pipeline[(pipeline["deal_stage"] == "Won") & pipeline["close_date"].between("2017-01-01", "2017-06-30")]
    np.testing.assert_allclose(card["revenue"], won.groupby(team_of[won.index])["close_value"].sum().reindex(card.index))


# --------------------------------------------------------------------------- section totals


def test_team_totals_add_up_to_the_company(managers, clients, orders, plans, deals, activities):
    card = P.manager_scorecard(START, END, orders=orders, deals=deals, activities=activities,
                               plans=plans, managers=managers, clients=clients)
    # m1 (sales), m2 (sales), m4 (an activity) are compared; the no-manager row (d9) has a won deal
    assert P.compared(card).tolist() == [True, True, True, False]
    assert P.with_sales(card).tolist() == [True, True, True, True]
    team = P.team_totals(card[P.with_sales(card)], deals, START, END)
    assert team["revenue"] == 510.0 and team["working_days"] == 47  # 17 + 13 + 17 + 0
    # plan (rows with a plan: m1 200, m2 300) → 510 / 500; won 2 + 1 (d9) of 5 closed
    assert team["plan_fulfilment"] == pytest.approx(1.02) and team["win_rate"] == pytest.approx(3 / 5)
    # average won deal weighted by won deals: (750 × 2 + 50) / 3; cycle of d1 71, d2 10, d9 1 → 10
    assert team["avg_won_deal"] == pytest.approx(1550 / 3) and team["median_cycle_days"] == 10.0
    # activities a day weighted by working days: (5 + 2 + 1) / 47; per won deal 8 / 3
    assert team["activities_per_day"] == pytest.approx(8 / 47)
    assert team["activities_per_won_deal"] == pytest.approx(8 / 3)
    # next steps weighted by calls: m1 1 of 3, m2 1 of 1, m4 1 of 1 → 3 / 5
    assert team["call_next_step_share"] == pytest.approx(3 / 5)
    summary = P.scorecard_summary(card[P.compared(card)], team, plan_norm=1.0)
    # m1 0.9 below the plan (m2 1.1, m4 none); win rates m1 2/3, m2 0 → spread 2/3
    assert summary == {"managers": 3, "managers_below_plan": 1, "win_rate_team": pytest.approx(0.6),
                       "win_rate_spread": pytest.approx(2 / 3)}
    # m2 was hired on 15 Jan: only m1 and m4 (unknown: the whole window) worked all of January
    assert P.full_period(managers, START, END, "RU", card.index[:3]).tolist() == [True, False, True]


def test_rank_managers_and_weakest_in_many():
    staff = pd.DataFrame({"revenue": [100.0, 300.0, 200.0], "win_rate": [0.5, 0.2, 0.5], "new_clients": [1, 1, 1]},
                         index=pd.Index(["a", "b", "c"], name="manager_id"))
    full = pd.Series([True, False, True], index=staff.index)
    ranked = P.rank_managers(staff, ("revenue", "win_rate", "new_clients"), ("revenue", "new_clients"), full)
    # revenue (a volume) among a and c only: c best, a weakest; win rate among all: a best, b weakest;
    # every full-period manager has 1 new client: not ranked
    assert list(ranked.index) == ["revenue", "win_rate"]
    assert ranked[["best", "weakest"]].values.tolist() == [["c", "a"], ["a", "b"]]
    table = pd.DataFrame({"weakest": ["x", "x", "y", "x", "y"]}, index=list("pqrst"))
    assert P.weakest_in_many(table, 3) == {"x": ["p", "q", "s"]}
    assert P.weakest_in_many(table, 2) == {"x": ["p", "q", "s"], "y": ["r", "t"]}


def test_underlogging_and_top_activity_types():
    per_day = pd.Series({"m1": 4.0, "m2": 5.0, "m3": 1.0, "m4": np.nan})
    out = P.underlogging(per_day, 0.5, norm=4.5)
    # median of 4, 5, 1 = 4 → threshold 2: m3 (1 = 25% of the median); below 4.5 a day: m1, m3
    assert (out.median, out.threshold, out.below_norm) == (4.0, 2.0, 2)
    assert out.managers.to_dict() == {"m3": 1.0} and out.of_median.to_dict() == {"m3": 0.25}
    types = pd.DataFrame({f"activities_per_day_{t}": [v, v] for t, v in
                          (("call", 5.0), ("email", 1.0), ("task", 2.0), ("meeting", 3.0), ("chat", 0.5), ("sms", 0.25))})
    top = P.top_activity_types(types, keep=4)
    assert list(top.columns) == ["activities_per_day_call", "activities_per_day_meeting", "activities_per_day_task",
                                 "activities_per_day_email", "other"]
    assert top["other"].tolist() == [0.75, 0.75]
    assert P.top_activity_types(types.iloc[:, :5], keep=4).shape[1] == 5


def test_checklist_summary():
    reviews = contract_frame(
        "call_reviews",
        [
            {"manager_id": "m1", "date": "2024-01-05", "review_id": "r1", "greet": 1, "needs": 2, "close": 8, "x": 3, "y": 7},
            {"manager_id": "m1", "date": "2024-01-06", "review_id": "r2", "greet": 0, "needs": 1, "close": 10, "x": 3, "y": 7},
            {"manager_id": "m2", "date": "2024-01-07", "review_id": "r3", "greet": 1, "needs": 0, "close": None, "x": 3, "y": 7},
        ],
    )
    out = P.checklist_summary(P.call_quality(reviews), threshold=0.7, gap=0.2)
    # team means (shares): needs 0.5, x 0.6, greet 2/3, y 0.7, close 0.9 → score their mean
    assert out.score == pytest.approx((0.5 + 0.6 + 2 / 3 + 0.7 + 0.9) / 5)
    assert out.item_min == 0.5 and out.reviews == 3 and out.min_reviews == 1
    # m2's needs 0 is 0.5 below the team and below 0.7: the only individual gap
    assert list(out.gaps.index) == [("m2", "needs")] and out.gaps.iloc[0] == pytest.approx(-0.5)
    # managers by their mean share: m1 (0.69) before m2 (0.575)
    assert list(out.matrix.index) == ["m1", "m2"] and list(out.matrix.columns) == list(out.item_means.index)
    needs = out.items.set_index("item").loc["needs"]
    assert (needs["weakest"], needs["weakest_value"], needs["best"], needs["best_value"]) == ("m2", 0.0, "m1", 0.75)


def test_assessment_summary(assessment):
    card = pd.DataFrame({"plan_fulfilment": [0.8, 1.5, 0.2, 1.2]}, index=pd.Index(list("abcd"), name="manager_id"))
    out = P.assessment_summary(P.staff_assessment(assessment, card))
    # competence (4.5 + 2.5 + 3 + 3.5 + 4) / 5, motivation (4 + 4.5 + 2.5 + 3 + 4) / 5
    assert out["assessed"] == 5 and out["competence_avg"] == pytest.approx(3.5)
    assert out["motivation_avg"] == pytest.approx(3.6) and list(out["low_motivation"]) == ["c", "d"]
    assert out["recommendations"] == {"coach": 1, "train": 1, "rotate": 1, "develop": 1}


def test_team_sizes_revenue_shares_and_top_quarter(managers):
    assert P.team_sizes(managers, pd.Index(["m1", "m2"])).to_dict() == {"T1": 2}
    revenue = pd.Series([300.0, 100.0, -50.0, 100.0, 500.0, 50.0], index=["m1", "m2", "m3", "m4", "m5", None])
    # shares of the company's revenue: the no-manager 50 counts, m3's −50 counts as 0 → of 1050
    assert P.revenue_shares(revenue).tolist() == pytest.approx([300 / 1050, 100 / 1050, -50 / 1050, 100 / 1050,
                                                                500 / 1050, 50 / 1050])
    # top quarter of 5 managers = 2: m5 + m1 = 800 of 1000
    assert P.top_quarter_share(revenue.iloc[:5]) == (2, pytest.approx(0.8))
