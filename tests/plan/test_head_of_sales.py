"""Tests of the head of sales' verdict rules (auditkit.plan.head_of_sales, data/head_of_sales.yaml)."""
from __future__ import annotations

import pytest

from auditkit.plan import head_of_sales as h

GOOD = {"team_fulfilment": 1.02, "fulfilment_spread": 0.20, "plans": 100.0, "meetings": 75.0,
        "control": 100.0, "coaching": 83.3, "own_calls": 0.80, "assessment": 4.5}


@pytest.mark.parametrize("item, value, rating", [
    ("team_fulfilment", 0.95, "good"), ("team_fulfilment", 0.9499, "weak"), ("team_fulfilment", 0.80, "weak"),
    ("team_fulfilment", 0.7999, "bad"),
    ("fulfilment_spread", 0.30, "good"), ("fulfilment_spread", 0.45, "weak"), ("fulfilment_spread", 0.61, "bad"),
    ("coaching", 50.0, "weak"), ("coaching", 33.3, "bad"), ("assessment", 3.0, "weak"),
    ("own_calls", None, None), ("own_calls", float("nan"), None),
])
def test_each_item_is_rated_against_its_thresholds(item, value, rating):
    assert h.rate(item, value) == rating


def test_all_good_is_keep():
    verdict, table = h.verdict(GOOD)
    assert verdict == "keep" and set(table["rating"]) == {"good"}
    assert list(table["item"]) == list(h.rules()["evidence"])


def test_one_bad_item_is_develop():
    assert h.verdict(GOOD | {"coaching": 0.0})[0] == "develop"


def test_three_weak_items_are_develop_two_are_keep():
    two = GOOD | {"meetings": 50.0, "plans": 50.0}
    assert h.verdict(two)[0] == "keep"
    assert h.verdict(two | {"assessment": 3.5})[0] == "develop"


def test_team_below_plan_without_control_is_replace():
    assert h.verdict(GOOD | {"team_fulfilment": 0.70, "control": 25.0})[0] == "replace"
    # the same team result with control in place: develop the head, do not replace
    assert h.verdict(GOOD | {"team_fulfilment": 0.70})[0] == "develop"


def test_four_bad_items_are_replace():
    four = GOOD | {"plans": 0.0, "meetings": 0.0, "coaching": 0.0, "own_calls": 0.3}
    assert h.verdict(four)[0] == "replace"


def test_too_little_evidence_gives_no_verdict():
    verdict, table = h.verdict({"team_fulfilment": 0.5, "control": 0.0})
    assert verdict is None and table["rating"].notna().sum() == 2


@pytest.mark.parametrize("role, head", [("head", True), (" Head of Sales ", True), ("РОП", True),
                                        ("Kierownik sprzedaży", True), ("manager", False), (None, False)])
def test_head_is_found_by_role(role, head):
    assert h.is_head(role) is head
