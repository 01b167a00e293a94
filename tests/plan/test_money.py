"""Stage 6: money-at-stake formulas (auditkit/plan/money.py), computed by hand."""
import math

import pytest

from auditkit.plan.money import KINDS, money_at_stake


def test_win_rate_to_norm():
    # win rate 20% against a norm of 25%: 0.05 × 400 closed deals a year × 50,000 = 1,000,000
    m = money_at_stake("rate_times_volume", 0.20, 0.25, {"volume_per_year": "d", "value_each": "a"},
                       {"d": 400, "a": 50_000})
    assert m.amount == pytest.approx(1_000_000) and m.assumption == "money.rate_times_volume"


def test_retention_to_norm():
    # (0.80 − 0.70) × 300 clients a quarter × 4 quarters × 120,000 a year × 0.5 = 7,200,000
    m = money_at_stake("retained_clients", 0.70, 0.80,
                       {"clients_per_period": "c", "periods_per_year": "p", "revenue_per_client_year": "r"},
                       {"c": 300, "p": 4, "r": 120_000})
    assert m.amount == pytest.approx(7_200_000)


def test_shorter_cycle_and_plan_gap_and_check():
    # velocity 10,000/day × 365 × (60 / 45 − 1) = 1,216,666.67
    assert KINDS["shorter_cycle"](60, 45, 10_000) == pytest.approx(3_650_000 / 3)
    assert KINDS["shorter_cycle"](40, 45, 10_000) == 0  # already faster than the norm
    assert KINDS["plan_gap"](0.9, 1.0, 12_000_000) == pytest.approx(1_200_000)
    assert KINDS["check_to_norm"](90_000, 100_000, 1_000) == pytest.approx(10_000_000)
    # 0.3 × 5,000 leads × (0.10 − 0.04) × 80,000 = 7,200,000
    assert KINDS["faster_response"](0.5, 0.8, 5_000, 0.10, 0.04, 80_000) == pytest.approx(7_200_000)


def test_money_cannot_be_computed_says_why():
    assert money_at_stake(None, 1, 2, {}, {}).amount is None
    missing = money_at_stake("plan_gap", 0.9, 1.0, {"plan_per_year": "x"}, {})
    assert missing.amount is None and missing.assumption == "money.missing_inputs"
    nan = money_at_stake("plan_gap", math.nan, 1.0, {"plan_per_year": "x"}, {"x": 1})
    assert nan.amount is None
