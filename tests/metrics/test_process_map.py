"""Tests of the as-is process map (auditkit.metrics.process_map): edge counts against a hand count
on a tiny stage history and on the Salesforce-shaped fixture (tests/data/presets)."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.metrics import process_map as pm
from helpers import TEST_DATA

TS = pd.Timestamp


def _history(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"])
    return df.astype({"deal_id": "string", "stage": "string", "entered_at": "datetime64[ns]"})


def _deals(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["deal_id", "status", "created_at", "closed_at"])
    return df.astype({"deal_id": "string", "status": "string", "created_at": "datetime64[ns]",
                      "closed_at": "datetime64[ns]"})


def _counts(edges: pd.DataFrame) -> dict:
    return {(s, t): (k, d, m) for s, t, k, d, m in edges[["source", "target", "kind", "deals", "moves"]].itertuples(index=False)}


def test_edges_against_a_hand_count():
    history = _history([
        ("D1", "a", "2024-01-01"), ("D1", "b", "2024-01-05"), ("D1", "c", "2024-01-10"), ("D1", "d", "2024-01-15"),
        ("D2", "a", "2024-01-02"), ("D2", "c", "2024-01-06"),                              # skips b, lost
        ("D3", "a", "2024-01-03"), ("D3", "b", "2024-01-04"), ("D3", "a", "2024-01-07"),  # loops back once
        ("D3", "b", "2024-01-09"), ("D3", "b", "2024-01-10"), ("D3", "c", "2024-01-12"),  # b repeated: one visit
        ("D4", "b", "2024-01-02"), ("D4", "x", "2024-01-03"), ("D4", "d", "2024-01-06"),  # x outside the model
        ("D5", "a", "2024-01-02"),                                                           # no deal row: open
        ("D6", "a", "2024-01-05"), ("D6", "b", "2024-01-06"),                              # won after the end: open
        ("D7", "a", "2024-02-03"),                                                           # after the end: ignored
        ("D8", "a", "2024-01-02"), ("D8", "b", "2024-01-03"), ("D8", "Closed", "2024-01-04"),  # closing stage
    ])
    deals = _deals([("D1", "won", "2024-01-01", "2024-01-20"), ("D2", "lost", "2024-01-02", "2024-01-08"),
                    ("D3", "open", "2024-01-03", None), ("D4", "won", "2024-01-02", "2024-01-07"),
                    ("D6", "won", "2024-01-05", "2024-02-15"), ("D7", "open", "2024-02-03", None),
                    ("D8", "lost", "2024-01-02", "2024-01-04")])
    edges = pm.stage_edges(history, "2024-01-31", ["a", "b", "c", "d"], deals)
    assert _counts(edges) == {
        (pm.START, "a"): ("entry", 6, 6), (pm.START, "b"): ("entry", 1, 1),
        ("a", "b"): ("forward", 4, 5), ("b", "c"): ("forward", 2, 2), ("c", "d"): ("forward", 1, 1),
        ("a", "c"): ("skip", 1, 1),
        ("b", "a"): ("back", 1, 1),
        ("b", "x"): ("outside", 1, 1), ("x", "d"): ("outside", 1, 1),
        ("d", pm.WON): ("won", 2, 2),
        ("c", pm.LOST): ("lost", 1, 1), ("b", pm.LOST): ("lost", 1, 1),
        ("c", pm.OPEN): ("open", 1, 1), ("a", pm.OPEN): ("open", 1, 1), ("b", pm.OPEN): ("open", 1, 1),
    }
    share = edges.set_index(["source", "target"])["share"]
    assert share[("a", "b")] == pytest.approx(4 / 6)  # D1, D3, D6, D8 of the six deals that left a
    assert share[(pm.START, "a")] == pytest.approx(6 / 7)
    assert list(edges["kind"]) == sorted(edges["kind"], key=pm.KINDS.index)
    assert pm.unvisited(edges, ["a", "b", "c", "d", "e"]) == ["e"]
    assert "Closed" not in set(edges["source"]) | set(edges["target"])


def test_without_deals_every_path_ends_open_and_no_history_is_none():
    edges = pm.stage_edges(_history([("D1", "a", "2024-01-01"), ("D1", "b", "2024-01-02")]), "2024-01-31", ["a", "b"])
    assert _counts(edges) == {(pm.START, "a"): ("entry", 1, 1), ("a", "b"): ("forward", 1, 1),
                              ("b", pm.OPEN): ("open", 1, 1)}
    assert pm.stage_edges(None, "2024-01-31") is None


def test_salesforce_opportunity_history_edges(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name in ("salesforce_opportunities_api.csv", "salesforce_opportunity_history.csv"):
        (data_dir / name).write_bytes((TEST_DATA / "presets" / name).read_bytes())
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({
        "client": "Map test", "period": {"start": "2024-01-01", "end": "2024-12-31"}, "data_dir": "data",
        "tables": {"deals": {"preset": "salesforce_opportunities", "file": "salesforce_opportunities_api.csv"},
                   "stage_history": {"preset": "salesforce_opportunity_history",
                                     "file": "salesforce_opportunity_history.csv"}}}), "utf-8")
    data = load_inputs(load_params(tmp_path / "params.yaml"))
    to_be = ["Prospecting", "Qualification", "Proposal/Price Quote"]
    edges = pm.stage_edges(data.tables["stage_history"], "2024-12-31", to_be, data.tables["deals"])
    # read off the fixture: AbC01 Prospecting → Qualification → Proposal (twice: one visit) → Closed Won;
    # AbC02, AbC07 Prospecting → Closed Lost; AbC03 Prospecting → Qualification → Proposal (open);
    # AbC05 Prospecting → Closed Won. "Closed Won" / "Closed Lost" only close deals: they are the outcomes.
    assert _counts(edges) == {
        (pm.START, "Prospecting"): ("entry", 5, 5),
        ("Prospecting", "Qualification"): ("forward", 2, 2),
        ("Qualification", "Proposal/Price Quote"): ("forward", 2, 2),
        ("Prospecting", pm.WON): ("won", 1, 1),
        ("Proposal/Price Quote", pm.WON): ("won", 1, 1),
        ("Prospecting", pm.LOST): ("lost", 2, 2),
        ("Proposal/Price Quote", pm.OPEN): ("open", 1, 1),
    }
