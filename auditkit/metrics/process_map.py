"""The as-is process map (METHODOLOGY.md §2 Stage 2, seed 000 "as-is process in BPM notation"):
the moves of deals between stages as the stage history records them, against the to-be order.

A deal's path is its stage_history entries up to the end day in time order, a stage entered again
right after itself (an amount or close-date edit in Salesforce) counted once. Each step of a path
is an edge; the path starts at ``START`` and ends at the deal's outcome at the end date: ``WON``,
``LOST`` (closed by the end day, from deals) or ``OPEN`` (still open, or unknown without deals).
A stage that only closes deals ("won", "Closed Lost": `closing_stages`) is that outcome, not a box;
a deal whose only entry is such a stage has no path.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from auditkit.metrics.process import stage_durations

START, WON, LOST, OPEN = ":start", ":won", ":lost", ":open"
OUTCOMES = (WON, LOST, OPEN)
# edge kinds: entry (START → first stage), forward (to the next to-be stage), skip (forward past a
# to-be stage), back (to an earlier to-be stage), outside (from or to a stage outside the to-be
# order), won / lost / open (the last stage → the outcome)
KINDS = ("entry", "forward", "skip", "back", "outside", "won", "lost", "open")


def _kind(source: pd.Series, target: pd.Series, to_be: Sequence[str]) -> pd.Series:
    """Edge kind of stage moves (neither end a START or outcome node)."""
    pos = {s: i for i, s in enumerate(to_be)}
    a, b = source.map(pos), target.map(pos)
    step = b - a
    kind = np.select([a.isna() | b.isna(), step == 1, step > 1], ["outside", "forward", "skip"], "back")
    return pd.Series(kind, index=source.index)


def stage_edges(stage_history: pd.DataFrame | None, end, to_be: Sequence[str] = (),
                deals: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Edges of the as-is process map from the stage history up to the end day.

    Columns: source, target (stage names, or START / WON / LOST / OPEN), kind (see KINDS), deals
    (int, distinct deals that made the move at least once), moves (int, times it was made; a deal
    looping twice counts 2), share (= deals / deals that left the source node, START included).
    Sorted by kind (KINDS order), then deals descending. None without a stage history; an empty
    frame when no entry has a stage."""
    durations = stage_durations(stage_history, end, deals)
    if durations is None:
        return None
    h = durations[durations["stage"].notna()].reset_index(drop=True)
    repeat = ((h["deal_id"] == h["deal_id"].shift()) & (h["stage"] == h["stage"].shift())).fillna(False)
    h = h[~repeat.astype(bool)].reset_index(drop=True)
    ends = h.drop_duplicates("deal_id", keep="last").set_index("deal_id")
    closed = pd.Series(pd.NA, index=ends.index, dtype="string")  # won / lost at the end date, NA while open
    if deals is not None:
        closed = ends.index.to_series().map(deals.drop_duplicates("deal_id").set_index("deal_id")["status"])
        closed = closed.astype("string").where(~ends["open"] & closed.isin(["won", "lost"]))
    h = h[~h["stage"].isin(closing_stages(h, h["deal_id"].map(closed), to_be))].reset_index(drop=True)
    same_deal = (h["deal_id"] == h["deal_id"].shift(-1)).fillna(False).astype(bool)
    moves = pd.DataFrame({"deal_id": h["deal_id"], "source": h["stage"], "target": h["stage"].shift(-1)})[same_deal]
    moves = moves.assign(kind=_kind(moves["source"], moves["target"], list(to_be)))
    first = h.drop_duplicates("deal_id")
    entries = pd.DataFrame({"deal_id": first["deal_id"], "source": START, "target": first["stage"], "kind": "entry"})
    last = h.drop_duplicates("deal_id", keep="last")
    outcome = last["deal_id"].map(closed).map({"won": WON, "lost": LOST}).fillna(OPEN)
    exits = pd.DataFrame({"deal_id": last["deal_id"], "source": last["stage"], "target": outcome,
                          "kind": outcome.str[1:]})
    steps = pd.concat([entries, moves, exits], ignore_index=True)
    steps["source"] = steps["source"].astype("string")
    steps["target"] = steps["target"].astype("string")
    edges = steps.groupby(["source", "target", "kind"], sort=False).agg(
        deals=("deal_id", "nunique"), moves=("deal_id", "size")).reset_index()
    left = steps.groupby("source")["deal_id"].nunique()
    edges["share"] = edges["deals"] / edges["source"].map(left)
    edges[["deals", "moves"]] = edges[["deals", "moves"]].astype("int64")
    edges["order"] = edges["kind"].map({k: i for i, k in enumerate(KINDS)})
    return edges.sort_values(["order", "deals", "source", "target"], ascending=[True, False, True, True],
                             kind="stable").drop(columns="order").reset_index(drop=True)


def closing_stages(paths: pd.DataFrame, status: pd.Series, to_be: Sequence[str]) -> list[str]:
    """Stages outside the to-be order that only close a deal ("won", "Closed Lost"): every entry
    into them is its deal's last and all those deals have one status, won or lost (`status`:
    the deal's status at the end date per row, NA while open). The map draws them as the outcome.
    `paths`: deal_id, stage per entry in time order per deal."""
    last = ~(paths["deal_id"] == paths["deal_id"].shift(-1)).fillna(False).astype(bool)
    rows = pd.DataFrame({"stage": paths["stage"], "last": last, "status": status})
    rows = rows[~rows["stage"].isin(list(to_be))]
    by = rows.groupby("stage")
    ok = by["last"].all() & (by["status"].nunique() == 1) & (by["status"].count() == by.size())
    return sorted(ok[ok].index)


def unvisited(edges: pd.DataFrame, to_be: Sequence[str]) -> list[str]:
    """To-be stages no deal entered (the to-be order names them; the history never does)."""
    entered = set(edges.loc[~edges["target"].isin(OUTCOMES), "target"])
    return [s for s in to_be if s not in entered]
