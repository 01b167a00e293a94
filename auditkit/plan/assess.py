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


def best_quartile(metrics: Mapping, prefix: str, direction: str, minimum: int = 4) -> float | None:
    """The client's own best quartile of a measure over its breakdown (e.g. the managers' median
    cycles under `process.cycle_median_days.manager_id.*`): the 25th percentile where lower is
    better, else the 75th; None with fewer than `minimum` values."""
    values = [float(v) for k, v in metrics.items() if k.startswith(prefix + ".") and isinstance(v, (int, float))
              and not isinstance(v, bool) and np.isfinite(v)]
    if len(values) < minimum:
        return None
    return float(np.quantile(values, 0.25 if direction == "lower_better" else 0.75))


def pricing_norm(params: AuditParams, entry: Entry, norm: float, metrics: Mapping) -> tuple[float | None, str]:
    """(the norm money is priced against, its basis): the client's own or the parameters' norm
    ("parameters"), else the client's best quartile where the catalogue names its breakdown
    ("best_quartile"), else none ("catalogue": a default without a source is no price)."""
    p = entry.parameter
    if p.id in params.scorecard_norms or (p.source_kind == "metric" and f"{p.source_ref}.norm" in metrics):
        return norm, "parameters"
    prefix = (entry.money or {}).get("best_quartile")
    quartile = best_quartile(metrics, prefix, p.direction) if prefix else None
    return (quartile, "best_quartile") if quartile is not None else (None, "catalogue")


def yearly_revenue(params: AuditParams, metrics: Mapping) -> float | None:
    """Revenue of the audit window per year (money per year): the base the 15% cap is taken of."""
    revenue = metrics.get("data_collection.revenue")
    days = (params.period.end - params.period.start).days + 1
    return float(revenue) * DAYS_PER_YEAR / days if revenue is not None and days > 0 else None


def derived_metrics(metrics: Mapping) -> dict:
    """Measures that combine the stages' results (added to `metrics` when their inputs are there):
    - data_collection.tables_provided_share = tables given / tables of the contract;
    - data_collection.missing_tables = the tables a stage said it missed;
    - process.won_revenue_share = won deals × average won deal / order revenue of the window (how
      much of the revenue the CRM funnel explains; 1 when won deals stand in for orders)."""
    out = dict(metrics)
    provided, missing = metrics.get("data_collection.tables_provided"), metrics.get("data_collection.tables_missing")
    if provided is not None and missing is not None and provided + missing:
        out.setdefault("data_collection.tables_provided_share", provided / (provided + missing))
    absent = sorted({k.rsplit(".", 1)[1] for k, v in metrics.items() if ".missing." in k and v is True})
    if absent:
        out.setdefault("data_collection.missing_tables", absent)
    won, average, revenue = (metrics.get(k) for k in ("process.won_deals", "process.average_won_deal",
                                                      "data_collection.revenue"))
    if None not in (won, average, revenue) and revenue > 0:
        out.setdefault("process.won_revenue_share", min(1.0, won * average / revenue))
    return out


def assess(params: AuditParams, metrics: Mapping, checklist: pd.DataFrame | None) -> Assessment:
    """Score, group, price and rank. `metrics`: the stages' results/metrics.json values."""
    metrics = derived_metrics(metrics)
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
    priced_at = {r.id: pricing_norm(params, catalogue[r.id], r.norm, metrics) for r in scored.itertuples() if below[r.Index]}
    estimates = {pid: mo.money_at_stake(catalogue[pid].money, value, priced_at[pid][0], metrics,
                                        _norm_is_set(params, catalogue[pid]) and priced_at[pid][0] is not None)
                 for pid, value in zip(scored["id"], scored["value"]) if pid in priced_at}
    estimates = mo.in_sequence(estimates)
    none = mo.MoneyAtStake(None, None, "money.not_computable")
    est = [estimates.get(i, none) for i in scored["id"]]
    scored["money_low"] = [e.low if e.priced else np.nan for e in est]
    scored["money_high"] = [e.high if e.priced else np.nan for e in est]
    scored["money"] = scored["money_high"]
    scored["money_timing"] = [e.timing for e in est]
    scored["money_norm"] = [priced_at.get(i, (None, None))[0] for i in scored["id"]]
    scored["money_norm_basis"] = [priced_at.get(i, (None, None))[1] for i in scored["id"]]
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

