"""The head of sales' measures (auditkit.metrics.head_of_sales), computed by hand."""
import math

import pandas as pd
import pytest

from auditkit.metrics import head_of_sales as hs


def test_fulfilment_spread_is_best_minus_worst_of_the_managers_with_a_plan():
    got = hs.fulfilment_spread(pd.Series({"M1": 0.84, "M2": 0.97, "M3": float("nan"), "M4": 0.90}))
    assert got["spread"] == pytest.approx(0.13) and (got["worst"], got["best"], got["managers"]) == ("M1", "M2", 3)
    assert hs.fulfilment_spread(pd.Series({"M1": 0.9, "M2": float("nan")})) is None


def test_own_calls_are_scored_on_the_whole_table_s_scales():
    reviews = pd.DataFrame({"manager_id": ["H", "H", "M1", "M1"], "date": pd.to_datetime(["2025-11-03"] * 4),
                            "greeting": [10.0, 6.0, 8.0, 10.0], "follow_up": [4.0, 5.0, 10.0, 2.0]})
    # scales 10 and 10 (observed maxima of the table); H: greeting 80%, follow_up 45% → 62.5%
    got = hs.own_call_score(reviews, ["H"])
    assert got == {"score": pytest.approx(0.625), "calls": 2}
    assert hs.own_call_score(reviews, ["nobody"]) is None and hs.own_call_score(None, ["H"]) is None


def test_management_parts_and_assessment():
    checklist = pd.DataFrame({"parameter_id": ["q1", "q2", "q3"], "answer": ["yes", "partly", "no"]}).astype("string")
    parts = hs.management_parts(checklist, {"plans": ["q1", "q2"], "coaching": ["q3", "q4"], "none": ["q5"]})
    rows = parts.set_index("part")
    assert rows.loc["plans", "score"] == 75 and rows.loc["plans", "yes"] == 1
    assert rows.loc["coaching", "score"] == 0 and rows.loc["coaching", "answered"] == 1
    assert math.isnan(rows.loc["none", "score"])
    staff = pd.DataFrame({"manager_id": ["H", "M1"], "product_knowledge": [5, 1], "sales_technique": [4, 1],
                          "motivation": [4, 1], "loyalty": [5, 1]})
    assert hs.assessment_mean(staff, ["H"]) == pytest.approx(4.5) and hs.assessment_mean(staff, ["X"]) is None
