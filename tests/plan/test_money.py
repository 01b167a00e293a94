"""Stage 6: money-at-stake formulas (auditkit/plan/money.py), computed by hand."""
import math

import pytest

from auditkit.plan.money import KINDS, MoneyAtStake, capped, in_sequence, money_at_stake, round_sig, total


def test_win_rate_to_norm_is_a_range_from_half_to_all_of_the_gap():
    # win rate 20% against a norm of 25%: 0.05 × 400 closed deals a year × 50,000 = 1,000,000; half: 500,000
    m = money_at_stake({"kind": "rate_times_volume", "inputs": {"volume_per_year": "d", "value_each": "a"}},
                       0.20, 0.25, {"d": 400, "a": 50_000})
    assert m.high == pytest.approx(1_000_000) and m.low == pytest.approx(500_000)
    assert m.assumption == "money.rate_times_volume" and m.timing == "yearly"


def test_retention_to_norm():
    # (0.80 − 0.70) × 300 clients a quarter × 4 quarters × 120,000 a year × 0.5 = 7,200,000
    m = money_at_stake({"kind": "retained_clients",
                        "inputs": {"clients_per_period": "c", "periods_per_year": "p", "revenue_per_client_year": "r"}},
                       0.70, 0.80, {"c": 300, "p": 4, "r": 120_000})
    assert m.amount == pytest.approx(7_200_000) and m.low == pytest.approx(3_600_000)


def test_a_shorter_cycle_is_a_one_off_gain_with_its_own_half_gap():
    # velocity 10,000/day: full 365 × 10,000 × (60/45 − 1) = 1,216,666.67; half the gap: norm 52.5 → × (60/52.5 − 1)
    m = money_at_stake({"kind": "shorter_cycle", "timing": "one_off", "inputs": {"velocity_per_day": "v"}},
                       60, 45, {"v": 10_000})
    assert m.high == pytest.approx(3_650_000 / 3) and m.low == pytest.approx(3_650_000 * (60 / 52.5 - 1))
    assert m.timing == "one_off"
    assert total([m]) == (0, 0) and total([m], "one_off") == pytest.approx((m.low, m.high))


def test_estimates_of_one_chain_count_each_won_deal_once():
    # the stage conversion brings 800,000 of won deals, the win rate 1,000,000 of the same deals:
    # the win rate keeps only the 200,000 the stage lift has not already counted (low ends alike)
    chain = {"stage": MoneyAtStake(400_000, 800_000, "a", chain="won", order=1),
             "win": MoneyAtStake(500_000, 1_000_000, "b", chain="won", order=2),
             "other": MoneyAtStake(10, 20, "c")}
    out = in_sequence(chain)
    assert (out["stage"].low, out["stage"].high) == (400_000, 800_000)
    assert (out["win"].low, out["win"].high) == (100_000, 200_000)
    assert out["other"] == chain["other"]
    assert total(out.values()) == (500_010, 1_000_020)


def test_an_item_above_15_percent_of_revenue_is_capped_and_rounding_keeps_two_figures():
    assert capped(20, 100) == (15, True) and capped(10, 100) == (10, False) and capped(10, None) == (10, False)
    assert round_sig(18_437_912) == 18_000_000 and round_sig(0.012345) == 0.012 and round_sig(-353) == -350


def test_shorter_cycle_and_plan_gap_and_check():
    # velocity 10,000/day × 365 × (60 / 45 − 1) = 1,216,666.67
    assert KINDS["shorter_cycle"](60, 45, 10_000) == pytest.approx(3_650_000 / 3)
    assert KINDS["shorter_cycle"](40, 45, 10_000) == 0  # already faster than the norm
    assert KINDS["plan_gap"](0.9, 1.0, 12_000_000) == pytest.approx(1_200_000)
    assert KINDS["check_to_norm"](90_000, 100_000, 1_000) == pytest.approx(10_000_000)
    # 0.3 × 5,000 leads × (0.10 − 0.04) × 80,000 = 7,200,000
    assert KINDS["faster_response"](0.5, 0.8, 5_000, 0.10, 0.04, 80_000) == pytest.approx(7_200_000)


def test_money_cannot_be_computed_says_why():
    assert money_at_stake(None, 1, 2, {}).amount is None
    spec = {"kind": "plan_gap", "inputs": {"plan_per_year": "x"}}
    missing = money_at_stake(spec, 0.9, 1.0, {})
    assert missing.amount is None and missing.assumption == "money.missing_inputs"
    assert money_at_stake(spec, math.nan, 1.0, {"x": 1}).amount is None
    unset = money_at_stake(spec, 0.9, 1.0, {"x": 1}, norm_is_set=False)
    assert unset.amount is None and unset.assumption == "money.no_client_norm"
