"""Average check by client segment (auditkit.metrics.segment_check), computed by hand."""
import math

import pandas as pd
import pytest

from auditkit.metrics import segment_check as sc
from helpers import make_clients, make_orders

START, END = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")


@pytest.fixture
def table():
    orders = make_orders([
        ("o1", "c1", "2024-03-01", 100.0), ("o2", "c1", "2025-03-01", 300.0), ("o3", "c2", "2025-06-01", 100.0),
        ("o4", "c3", "2024-02-01", 1000.0), ("o5", "c3", "2025-02-01", 800.0), ("o6", "c3", "2025-04-01", 800.0),
        ("o7", "c4", "2024-07-01", 50.0),
        ("o8", "c1", "2023-06-01", 999.0),  # before the window: not counted
    ])
    clients = make_clients({"c1": "A", "c2": "A", "c3": "B", "c4": None})
    return sc.average_check_by_segment(orders, clients, "segment", START, END)


def test_check_per_segment_and_its_deviation_from_the_whole_base(table):
    rows = table.set_index(table["segment"].fillna("na"))
    # A: 100 + 300 + 100 over 3 orders; B: 1000 + 800 + 800 over 3; no segment: 50 over 1; all: 3150 / 7 = 450
    assert list(rows.index) == ["B", "A", "na"]  # by revenue
    assert rows.loc["A", "avg_check"] == pytest.approx(500 / 3)
    assert rows.loc["B", "avg_check"] == pytest.approx(2600 / 3)
    assert rows.loc["A", "vs_average"] == pytest.approx((500 / 3) / 450 - 1)
    assert rows.loc["na", "orders"] == 1
    # 2025 against 2024: A 400 / 2 = 200 against 100 → +100%; B 1600 / 2 = 800 against 1000 → −20%
    assert rows.loc["A", "change_12m"] == pytest.approx(1.0)
    assert rows.loc["B", "change_12m"] == pytest.approx(-0.2)
    assert rows.loc["na", "orders_prior_12m"] == 1 and math.isnan(rows.loc["na", "avg_check_12m"])


def test_summary_names_the_spread_and_the_weakest_segment(table):
    s = sc.segment_check_summary(table, min_orders=1)
    assert (s["highest"], s["lowest"]) == ("B", "A")  # the segment left empty is not compared
    assert s["spread"] == pytest.approx((2600 / 3) / (500 / 3))
    assert s["weakest"] == "B" and s["weakest_change"] == pytest.approx(-0.2)
    assert sc.segment_check_summary(table, min_orders=3)["weakest"] is None  # no segment has 3 orders a year
    assert sc.segment_check_summary(table, min_orders=4) is None


def test_a_window_shorter_than_two_years_has_no_year_over_year():
    orders = make_orders([("o1", "c1", "2024-03-01", 100.0), ("o2", "c2", "2024-04-01", 50.0)])
    t = sc.average_check_by_segment(orders, make_clients({"c1": "A", "c2": "B"}), "segment", START,
                                    pd.Timestamp("2024-12-31"))
    assert t["change_12m"].isna().all() and list(t["avg_check"]) == [100.0, 50.0]
