"""Stage 6: score every parameter, group the deviations into findings (one per root cause), price
them without double counting, and rank them (METHODOLOGY.md §2 Stage 6).

Ranking: findings with yearly money at stake come first, by the high end of their range; then the
others by priority = weight × deviation × evidence (1 for a value measured from data, ½ for a
checklist answer) × 1.5 for the stages the client's goals focus on — the highest of the finding's
parameters.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from auditkit.inputs.params import AuditParams
from auditkit.plan import money as mo
from auditkit.plan.catalogue import Entry, entries, group_of, groups
from auditkit.plan.scorecard import block_scores, evaluate

FOCUS_WEIGHT = 1.5  # findings of the stages the audit goals focus on
EVIDENCE_WEIGHT = {"metric": 1.0, "checklist": 0.5}  # a measured deviation outranks an interview answer
DAYS_PER_YEAR = 365.25


@dataclass
class Assessment:
    """The assessed scorecard and the findings derived from it."""

    scorecard: pd.DataFrame  # one row per parameter: value, norm, score, weight, group, money range…
    blocks: pd.DataFrame
    stages: pd.DataFrame
    evidence: pd.DataFrame  # the parameters below their norm, with their group, in finding order
    findings: pd.DataFrame  # one row per root cause: rank, group, money range, priority, top detail
    overall_score: float | None
    coverage: float  # share of the scorecard's weight that could be assessed
    yearly_revenue: float | None
    money_yearly: tuple[float, float]  # (low, high) sum of the findings' yearly items
    money_one_off: tuple[float, float]


def resolved_parameters(params: AuditParams, metrics: Mapping) -> list:
    """Norms: the client's scorecard_norms, else the stage norm recorded beside the metric, else the catalogue's."""
    out = []
    for entry in entries():
        p = entry.parameter
        norm = params.scorecard_norms.get(p.id, metrics.get(f"{p.source_ref}.norm") if p.source_kind == "metric" else None)
        if norm is not None and norm != p.norm:
            try:
                p = dataclasses.replace(p, norm=float(norm))
            except ValueError:  # the catalogue floor does not fit the client's norm: score without it
                p = dataclasses.replace(p, norm=float(norm), floor=None)
        out.append(p)
    return out


def _norm_is_set(params: AuditParams, entry: Entry) -> bool:
    """Whether the norm a money formula needs is set in the client's parameters (`requires_norm`)."""
    path = (entry.money or {}).get("requires_norm")
    if not path:
        return True
    node = params.norms
    for part in path.split("."):
        node = getattr(node, part, None)
    return bool(node) or entry.id in params.scorecard_norms


def yearly_revenue(params: AuditParams, metrics: Mapping) -> float | None:
    """Revenue of the audit window per year (money per year): the base the 15% cap is taken of."""
    revenue = metrics.get("data_collection.revenue")
    days = (params.period.end - params.period.start).days + 1
    return float(revenue) * DAYS_PER_YEAR / days if revenue is not None and days > 0 else None


def assess(params: AuditParams, metrics: Mapping, checklist: pd.DataFrame | None) -> Assessment:
    """Score, group, price and rank. `metrics`: the stages' results/metrics.json values."""
    catalogue = {e.id: e for e in entries()}
    scored = evaluate(resolved_parameters(params, metrics), metrics, checklist)
    scored["fmt"] = [catalogue[i].fmt for i in scored["id"]]
    scored["section"] = [catalogue[i].section for i in scored["id"]]
    scored["group"] = scored["id"].map(group_of())
    scored["detail"] = [metrics.get(catalogue[i].detail) if catalogue[i].detail else None for i in scored["id"]]
    scored["detail_kind"] = [catalogue[i].detail_kind for i in scored["id"]]
    scored["coverage"] = scored["assessed"].astype(float)
    focus = scored["stage"].isin(params.focus_stages).to_numpy()
    evidence_weight = scored["source"].str.partition(":")[0].map(EVIDENCE_WEIGHT).to_numpy(float)
    scored["priority"] = scored["weight"] * scored["deviation"] * evidence_weight * np.where(focus, FOCUS_WEIGHT, 1.0)
    below = scored["assessed"] & (scored["score"] < 100)
    estimates = {r.id: mo.money_at_stake(catalogue[r.id].money, r.value, r.norm, metrics,
                                         _norm_is_set(params, catalogue[r.id]))
                 for r in scored.itertuples() if below[r.Index]}
    estimates = mo.in_sequence(estimates)
    none = mo.MoneyAtStake(None, None, "money.not_computable")
    est = [estimates.get(i, none) for i in scored["id"]]
    scored["money_low"] = [e.low if e.priced else np.nan for e in est]
    scored["money_high"] = [e.high if e.priced else np.nan for e in est]
    scored["money"] = scored["money_high"]
    scored["money_timing"] = [e.timing for e in est]
    scored["money_assumption"] = [e.assumption if e.priced or e.high is None else "money.no_effect" for e in est]
    revenue = yearly_revenue(params, metrics)
    scored["money_capped"] = [mo.capped(h, revenue)[1] if e.priced else False for h, e in zip(scored["money_high"], est)]

    evidence = scored[below].copy()
    yearly = evidence["money_timing"].eq("yearly")
    evidence["money_yearly_low"] = evidence["money_low"].where(yearly)
    evidence["money_yearly_high"] = evidence["money_high"].where(yearly)
    evidence["money_one_off_low"] = evidence["money_low"].where(~yearly)
    evidence["money_one_off_high"] = evidence["money_high"].where(~yearly)
    order = {pid: i for g in groups().values() for i, pid in enumerate(g.parameters)}
    evidence["order_in_group"] = evidence["id"].map(order)
    by_group = evidence.groupby("group", sort=False)
    found = pd.DataFrame({
        "priority": by_group["priority"].max(),
        "money_low": by_group["money_yearly_low"].sum(min_count=1),
        "money_high": by_group["money_yearly_high"].sum(min_count=1),
        "one_off_low": by_group["money_one_off_low"].sum(min_count=1),
        "one_off_high": by_group["money_one_off_high"].sum(min_count=1),
        "n_parameters": by_group.size(),
        "stage": by_group["stage"].first(),
    }).reset_index()
    found["money_capped"] = [mo.capped(h, revenue)[1] if pd.notna(h) else False for h in found["money_high"]]
    found = found.sort_values(["money_high", "priority", "group"], ascending=[False, False, True],
                              na_position="last", kind="mergesort").reset_index(drop=True)
    found.insert(0, "rank", np.arange(1, len(found) + 1))
    rank = dict(zip(found["group"], found["rank"]))
    evidence["finding_rank"] = evidence["group"].map(rank)
    evidence = evidence.sort_values(["finding_rank", "priority", "order_in_group"], ascending=[True, False, True],
                                    kind="mergesort").reset_index(drop=True)
    top = evidence.dropna(subset=["detail"]).drop_duplicates("group").set_index("group")
    found["detail"] = found["group"].map(top["detail"])
    found["detail_kind"] = found["group"].map(top["detail_kind"])
    found["parameters"] = found["group"].map(evidence.groupby("group")["id"].agg(list))

    blocks = block_scores(scored, "block")
    weights = blocks["assessed_weight"]
    overall = float((blocks["score"] * weights).sum() / weights.sum()) if weights.sum() else None
    coverage = float(scored["weight"][scored["assessed"]].sum() / scored["weight"].sum())
    return Assessment(scored, blocks, block_scores(scored, "stage"), evidence, found, overall, coverage, revenue,
                      mo.total(est, "yearly"), mo.total(est, "one_off"))

