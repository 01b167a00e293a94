"""The head of sales' own assessment and a verdict keep / develop / replace (seed 000 express
session), by the rules of data/head_of_sales.yaml: each evidence item is rated good / weak / bad
against its thresholds, then the first rule that holds gives the verdict."""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from importlib import resources

import pandas as pd
import yaml

RATINGS = ("good", "weak", "bad")
VERDICTS = ("keep", "develop", "replace")


@functools.cache
def rules() -> dict:
    """data/head_of_sales.yaml: roles, management (checklist parts), evidence thresholds, rules."""
    return yaml.safe_load(resources.files("auditkit").joinpath("data/head_of_sales.yaml").read_text("utf-8"))


def is_head(role) -> bool:
    """True when a managers.role value names the head of sales (data/head_of_sales.yaml roles)."""
    if not isinstance(role, str):
        return False
    return role.strip().casefold() in {r.casefold() for r in rules()["roles"]}


def rate(item: str, value: float | None, spec: Mapping | None = None) -> str | None:
    """good / weak / bad of one evidence value against its thresholds; None without a value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    s = spec or rules()["evidence"][item]
    sign = 1 if s["direction"] == "higher" else -1
    if sign * value >= sign * s["good"]:
        return "good"
    return "bad" if sign * value < sign * s["bad"] else "weak"


def _holds(rule: Mapping, rating: Mapping[str, str]) -> bool:
    bad = [k for k, r in rating.items() if r == "bad"]
    weak = [k for k, r in rating.items() if r in ("weak", "bad")]
    return (len(bad) >= rule.get("bad_at_least", 0) and len(weak) >= rule.get("weak_at_least", 0)
            and all(rating.get(k) == "bad" for k in rule.get("bad_all_of", [])))


def verdict(evidence: Mapping[str, float | None], spec: Mapping | None = None) -> tuple[str | None, pd.DataFrame]:
    """(verdict or None when fewer than `min_evidence` items have a value, the evidence table).

    `evidence`: item → value (units in data/head_of_sales.yaml; None = not measured). The table has
    one row per item of the spec in its order: item, value, rating (None when not measured)."""
    s = spec or rules()
    table = pd.DataFrame({"item": list(s["evidence"])})
    table["value"] = [evidence.get(i) for i in table["item"]]
    table["rating"] = pd.array([rate(i, v, s["evidence"][i]) for i, v in zip(table["item"], table["value"])],
                               dtype="string")
    rating = {i: r for i, r in zip(table["item"], table["rating"]) if not pd.isna(r)}
    if len(rating) < s["min_evidence"]:
        return None, table
    for rule in s["rules"]:
        if _holds(rule, rating):
            return rule["verdict"], table
    return None, table
