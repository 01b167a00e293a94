"""Marketing channels to cut, fix or grow (seed 000: marketing audited with sales), by the rules of
data/marketing.yaml over the per-channel table of `auditkit.metrics.marketing.marketing_by_channel`,
and the Stage 6 base of the money at stake: the spend on the channels to cut."""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from importlib import resources

import pandas as pd
import yaml

VERDICTS = ("cut", "fix_response", "grow", "keep")


@functools.cache
def rules() -> list[dict]:
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/marketing.yaml").read_text("utf-8"))
    return raw["rules"]


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA else float(x)


def _holds(rule: Mapping, row: Mapping, blended_cac: float | None, average_won_deal: float | None,
           overall_won_share: float | None) -> bool:
    cac, won, resp = _num(row.get("cac")), _num(row.get("won_share")), _num(row.get("response_within_24h"))
    tests = {
        "response_within_24h_below": lambda lim: resp is not None and resp < lim,
        "no_clients": lambda on: (row.get("new_clients", 0) == 0) == on,
        "cac_above_deal": lambda on: (cac is not None and average_won_deal is not None and cac > average_won_deal) == on,
        "cac_at_most_blended": lambda on: (cac is not None and blended_cac is not None and cac <= blended_cac) == on,
        "won_share_at_least_overall": lambda on: (won is not None and overall_won_share is not None
                                                  and won >= overall_won_share) == on,
    }
    return all(tests[k](v) for k, v in rule.items() if k != "verdict")


def channel_verdicts(table: pd.DataFrame, blended_cac: float | None, average_won_deal: float | None,
                     overall_won_share: float | None) -> pd.Series:
    """cut / fix_response / grow / keep per row of the channel table (None for a channel without cost)."""
    out = []
    for row in table.to_dict("records"):
        if _num(row.get("cost")) is None:
            out.append(None)
            continue
        out.append(next((r["verdict"] for r in rules()
                         if _holds(r, row, _num(blended_cac), _num(average_won_deal), _num(overall_won_share))), None))
    return pd.Series(out, index=table.index, dtype="object")


def cut_base(table: pd.DataFrame, verdicts: pd.Series) -> dict:
    """The spend on the channels to cut: share (of all cost, 0..1), cost (money in the window) and
    clients_per_cost (their new clients per unit of their cost; 0 when they brought none)."""
    cut = table[verdicts == "cut"]
    cost = float(cut["cost"].sum())
    total = float(table["cost"].sum())
    return {"share": cost / total if total else math.nan, "cost": cost,
            "clients_per_cost": float(cut["new_clients"].sum()) / cost if cost else 0.0}
