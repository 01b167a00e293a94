"""Component status of "how it should be" (auditkit.plan.components) on a hand-made scorecard."""
from __future__ import annotations

import math

import pandas as pd

from auditkit.plan import components as c
from auditkit.plan.catalogue import by_id

SPEC = {"partly_from": 50, "blocks": {
    "planning": [{"id": "all_met", "evidence": ["a", "b"]}, {"id": "half", "evidence": ["a", "c", "d"]}],
    "resources": [{"id": "low", "evidence": ["e", "f"]}, {"id": "nothing", "evidence": ["g", "unknown"]}]}}


def _card(rows):
    return pd.DataFrame(rows, columns=["id", "score", "weight", "assessed"])


def test_status_from_the_evidence_scores():
    card = _card([("a", 100.0, 1, True), ("b", 100.0, 3, True), ("c", 40.0, 1, True), ("d", 0.0, 2, False),
                  ("e", 50.0, 1, True), ("f", 20.0, 3, True), ("g", float("nan"), 1, False)])
    got = c.component_status(card, SPEC).set_index("component")
    assert list(got["status"]) == ["met", "partly", "not_met", "not_assessed"]
    assert got.loc["half", "score"] == 70.0  # (100·1 + 40·1) / 2; d is not assessed
    assert got.loc["low", "score"] == (50 * 1 + 20 * 3) / 4  # 27.5 < 50: not met
    assert got.loc["half", "short"] == ["c"] and got.loc["low", "short"] == ["f", "e"]
    assert (got.loc["half", "evidence"], got.loc["half", "assessed"], got.loc["half", "met"]) == (3, 2, 1)
    assert got.loc["nothing", "evidence"] == 1 and math.isnan(got.loc["nothing", "score"])


def test_every_evidence_id_is_a_scorecard_parameter_and_used_once():
    ids = [i for items in c.spec()["blocks"].values() for item in items for i in item["evidence"]]
    assert set(ids) <= set(by_id())
    assert len(ids) == len(set(ids))
    assert list(c.spec()["blocks"]) == ["planning", "segmentation", "processes", "resources"]
