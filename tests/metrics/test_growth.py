"""Tests of the revenue bridge (auditkit.metrics.growth): a hand-made history where every part is
computed by hand, and the demo client, where the parts must add up to the change to the cent."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import auditkit
from auditkit.metrics import growth as g
from helpers import REPO, make_clients, make_orders

# 2023 starts on 10 Jan (full), 2025 ends with an order of 2026-01-15 (full), 2026 is partial.
#   A Retail    existing, orders more often: 2024 2 × 100, 2025 3 × 100 → volume +100, check 0
#   B Retail    new in 2024; 2025 check grows: 1 × 200 → 1 × (350 − 50 returned in 2026) → check +100
#   C Industry  lost in 2025 (bought 2023, 2024)
#   D Industry  new in 2025
#   E (no segment) existing: 2024 50 + 70 (avg 60), 2025 one order of 90 → volume −60, check +30
#   F Retail    bought 2023, not 2024, back in 2025 → reactivated
#   G Industry  bought 2023; a return-only document in 2024 → lost in 2024, "other" in 2025
#   orders without a client: 30 in 2024, 10 in 2025 → other, no-segment row
ROWS = [
    ("o1", "A", "2023-01-10", 100.0),
    ("o2", "C", "2023-03-01", 100.0),
    ("o3", "F", "2023-05-05", 80.0),
    ("o4", "G", "2023-06-01", 60.0),
    ("o5", "A", "2024-02-01", 100.0),
    ("o6", "A", "2024-06-01", 100.0),
    ("o7", "B", "2024-03-01", 200.0),
    ("o8", "C", "2024-04-01", 150.0),
    ("o9", "E", "2024-05-01", 50.0),
    ("o10", "E", "2024-07-01", 70.0),
    ("o11", "G", "2024-02-01", -40.0),
    ("o12", None, "2024-08-01", 30.0),
    ("o13", "A", "2025-02-01", 100.0),
    ("o14", "A", "2025-05-01", 100.0),
    ("o15", "A", "2025-09-01", 100.0),
    ("o16", "B", "2025-11-20", 350.0),
    ("o16", "B", "2026-01-10", -50.0),  # a return line of o16: netted on o16's date, in 2025
    ("o17", "D", "2025-04-01", 250.0),
    ("o18", "E", "2025-06-01", 90.0),
    ("o19", "F", "2025-07-01", 120.0),
    ("o20", None, "2025-10-01", 10.0),
    ("o21", "A", "2026-01-15", 100.0),
]
SEGMENTS = {"A": "Retail", "B": "Retail", "C": "Industry", "D": "Industry", "E": None, "F": "Retail",
            "G": "Industry", "H": "Retail"}


@pytest.fixture
def orders():
    return make_orders(ROWS)


@pytest.fixture
def clients():
    return make_clients(SEGMENTS)


def parts(bridge, year, scope="total", segment=None):
    rows = bridge[(bridge["year"] == year) & (bridge["scope"] == scope)]
    rows = rows[rows["segment"].isna()] if segment is None else rows[rows["segment"] == segment]
    return rows.set_index("component")


def test_calendar_years_flag_the_partial_last_year(orders):
    years = g.calendar_years(orders)
    assert years["year"].tolist() == [2023, 2024, 2025, 2026]
    assert years["full"].tolist() == [True, True, True, False]
    # o16 nets to 300 on its own date (2025); the return line of 2026 is not 2026 revenue
    assert years["revenue"].tolist() == [340.0, 660.0, 1070.0, 100.0]
    # counted orders: o11 is a return-only document; o12 and o20 count (revenue without a client)
    assert years["orders"].tolist() == [4, 7, 8, 1]
    assert years["clients"].tolist() == [4, 4, 5, 1]  # 2024: A B C E; 2025: A B D E F
    assert years.loc[0, "first_date"] == pd.Timestamp("2023-01-10")


def test_a_year_starting_after_the_slack_is_partial(orders):
    later = orders[orders["date"] >= "2023-03-01"]  # the history starts on 1 March 2023
    assert g.calendar_years(later)["full"].tolist() == [False, True, True, False]
    assert g.calendar_years(later, slack_days=60)["full"].tolist() == [True, True, True, False]
    bridge = g.revenue_bridge(later)
    assert sorted(set(zip(bridge["year_prev"], bridge["year"]))) == [(2024, 2025)]


def test_bridge_2025_by_hand(orders, clients):
    bridge = g.revenue_bridge(orders, clients)
    assert sorted(set(zip(bridge["year_prev"], bridge["year"]))) == [(2023, 2024), (2024, 2025)]
    total = parts(bridge, 2025)
    assert total["amount"].to_dict() == pytest.approx({
        "new": 250.0,           # D
        "reactivated": 120.0,   # F: bought in 2023, not in 2024
        "lost": -150.0,         # C
        "volume": 40.0,         # A (3 − 2) × 100 + B 0 + E (1 − 2) × 60
        "avg_check": 130.0,     # A 0 + B (300 − 200) × 1 + E (90 − 60) × 1
        "other": 20.0,          # G 0 − (−40), orders without a client 10 − 30
    })
    assert list(total.index) == list(g.COMPONENTS)
    assert total["revenue_prev"].iloc[0] == 660.0 and total["revenue"].iloc[0] == 1070.0
    assert total["change"].iloc[0] == pytest.approx(total["amount"].sum()) == pytest.approx(410.0)
    assert total["growth_rate"].iloc[0] == pytest.approx(1070 / 660 - 1)
    assert total["clients"].to_dict() == {"new": 1, "reactivated": 1, "lost": 1, "volume": 3,
                                          "avg_check": 3, "other": 1}
    assert total.loc["volume", "orders_prev"] == 5 and total.loc["volume", "orders"] == 5
    assert total.loc["lost", "orders_prev"] == 1 and total.loc["new", "orders"] == 1
    assert bool(total["reactivation_known"].all())


def test_bridge_2024_by_hand_where_reactivation_cannot_be_seen(orders, clients):
    total = parts(g.revenue_bridge(orders, clients), 2024)
    assert total["amount"].to_dict() == pytest.approx({
        "new": 320.0,           # B 200 + E 120
        "reactivated": 0.0,     # nothing before 2023 in the data
        "lost": -180.0,         # F −80, G −40 − 60
        "volume": 100.0,        # A (2 − 1) × 100, C 0
        "avg_check": 50.0,      # C (150 − 100) × 1
        "other": 30.0,          # orders without a client
    })
    assert total["change"].iloc[0] == 320.0
    assert not total["reactivation_known"].any()


def test_segments_and_the_no_segment_row(orders, clients):
    bridge = g.revenue_bridge(orders, clients)
    segs = bridge[(bridge["year"] == 2025) & (bridge["scope"] == "segment")]
    # sorted by name, the no-segment row last and on its own
    assert segs["segment"].drop_duplicates().tolist()[:2] == ["Industry", "Retail"]
    assert segs["segment"].drop_duplicates().isna().tolist() == [False, False, True]
    industry, retail, none = parts(bridge, 2025, "segment", "Industry"), parts(bridge, 2025, "segment", "Retail"), \
        parts(bridge, 2025, "segment")
    assert industry["amount"].to_dict() == pytest.approx(
        {"new": 250, "reactivated": 0, "lost": -150, "volume": 0, "avg_check": 0, "other": 40})
    assert retail["amount"].to_dict() == pytest.approx(
        {"new": 0, "reactivated": 120, "lost": 0, "volume": 100, "avg_check": 100, "other": 0})
    assert none["amount"].to_dict() == pytest.approx(
        {"new": 0, "reactivated": 0, "lost": 0, "volume": -60, "avg_check": 30, "other": -20})
    assert (industry["revenue_prev"].iloc[0], industry["revenue"].iloc[0]) == (110.0, 250.0)
    assert (retail["revenue_prev"].iloc[0], retail["revenue"].iloc[0]) == (400.0, 720.0)
    assert (none["revenue_prev"].iloc[0], none["revenue"].iloc[0]) == (150.0, 100.0)
    by_component = segs.groupby("component", sort=False)["amount"].sum()
    assert by_component.to_dict() == pytest.approx(parts(bridge, 2025)["amount"].to_dict())


def test_without_segments_only_the_total(orders):
    bridge = g.revenue_bridge(orders)
    assert set(bridge["scope"]) == {"total"} and len(bridge) == 2 * len(g.COMPONENTS)
    no_column = g.revenue_bridge(orders, make_clients(SEGMENTS, column="region"))
    assert set(no_column["scope"]) == {"total"}


def test_no_full_year_pair_gives_an_empty_typed_frame(orders):
    one_year = orders[orders["date"] < "2024-01-01"]
    bridge = g.revenue_bridge(one_year)
    assert bridge.empty and bridge["amount"].dtype == float and "reactivation_known" in bridge
    assert g.bridge_wide(bridge).empty


def test_bridge_wide_has_one_row_per_scope(orders, clients):
    wide = g.bridge_wide(g.revenue_bridge(orders, clients))
    assert len(wide) == 2 * 4  # per pair: total + Industry + Retail + no segment
    row = wide[(wide["year"] == 2025) & (wide["scope"] == "total")].iloc[0]
    assert row["revenue_prev"] + row[list(g.COMPONENTS)].sum() == pytest.approx(row["revenue"])


def test_demo_parts_add_up_to_the_change_to_the_cent():
    params = auditkit.load_params(REPO / "params" / "demo.yaml")
    data = auditkit.load_inputs(params)
    orders, clients = data.tables["orders"], data.tables["clients"]
    years = g.calendar_years(orders)
    bridge = g.revenue_bridge(orders, clients)
    pairs = sorted(set(zip(bridge["year_prev"], bridge["year"])))
    assert pairs == [(2023, 2024), (2024, 2025)]  # orders from Jan 2023 to Dec 2025
    revenue = years.set_index("year")["revenue"]
    for _, year in pairs:
        total = parts(bridge, year)
        assert total["revenue"].iloc[0] == pytest.approx(revenue[year], abs=0.005)
        assert total["revenue_prev"].iloc[0] == pytest.approx(revenue[year - 1], abs=0.005)
        assert total["amount"].sum() == pytest.approx(revenue[year] - revenue[year - 1], abs=0.005)
        segs = bridge[(bridge["year"] == year) & (bridge["scope"] == "segment")]
        summed = segs.groupby("component", sort=False)[["amount", "clients", "orders"]].sum()
        assert np.allclose(summed["amount"], total["amount"], rtol=0, atol=0.005)
        assert (summed["clients"] == total["clients"]).all()
        assert segs.drop_duplicates("segment")["revenue"].sum() == pytest.approx(revenue[year], abs=0.005)
        for _, seg in segs.groupby("segment", dropna=False):
            assert seg["amount"].sum() == pytest.approx(seg["change"].iloc[0], abs=0.005)
    # revenue is computed as in the stage 1 dynamics (orders netted on their date)
    from auditkit.metrics.data_collection import dynamics
    dyn = dynamics(orders, "YS")
    assert np.allclose(dyn["revenue"], revenue.to_numpy(), rtol=0, atol=0.005)


def test_a_client_missing_from_the_clients_table_has_no_segment(orders):
    without_e = make_clients({k: v for k, v in SEGMENTS.items() if k != "E"})
    bridge = g.revenue_bridge(orders, without_e)
    assert parts(bridge, 2025, "segment")["amount"].to_dict() == pytest.approx(
        {"new": 0, "reactivated": 0, "lost": 0, "volume": -60, "avg_check": 30, "other": -20})
