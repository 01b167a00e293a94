"""Measures of the head of sales (seed 000: the head of sales is checked like the managers and
decided on): the team's plan fulfilment spread, the head's own control calls, the management
rhythm from the checklist and the head's staff assessment. The verdict is in auditkit.plan.head_of_sales."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from auditkit.metrics.communication import checklist_answers
from auditkit.metrics.people import call_quality

ASSESSMENT = ("product_knowledge", "sales_technique", "motivation", "loyalty")


def fulfilment_spread(fulfilment: pd.Series) -> dict | None:
    """Spread of plan fulfilment (revenue / plan, share) over the managers with a plan: spread =
    best − worst (share points), with best / worst (manager ids) and their values, managers (int).
    None with fewer than two managers with a plan."""
    f = fulfilment.dropna()
    if len(f) < 2:
        return None
    return {"spread": float(f.max() - f.min()), "best": f.idxmax(), "best_value": float(f.max()),
            "worst": f.idxmin(), "worst_value": float(f.min()), "managers": int(len(f))}


def own_call_score(reviews: pd.DataFrame | None, who: Sequence, scales: Mapping[str, float] | None = None) -> dict | None:
    """The calls of `who` (the head of sales) in a call-review or mystery-shopper table, scored as
    the stage scores the managers' (`metrics.people.call_quality`, item scales of the whole table):
    score = mean of the item means, share of the maximum 0..1; calls (int). None without such calls."""
    team = call_quality(reviews, scales)
    if team is None:
        return None
    q = call_quality(reviews[reviews["manager_id"].isin(list(who))], team.scales)
    if q is None:
        return None
    return {"score": float(q.item_means.mean() / 100), "calls": int(q.reviews.sum())}


def management_parts(checklist: pd.DataFrame | None, parts: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Checklist score of each part of the management rhythm (plans, meetings, control, coaching):
    part, questions (int), answered (int), score (mean of the answered questions' scores 0..100,
    NaN when none is answered), yes (int, answers "yes")."""
    rows = []
    for part, ids in parts.items():
        a = checklist_answers(checklist, list(ids))
        rows.append({"part": part, "questions": len(a), "answered": int(a["answered"].sum()),
                     "score": float(a["score"].mean()) if a["answered"].any() else float("nan"),
                     "yes": int((a["score"] == 100).sum())})
    return pd.DataFrame(rows)


def assessment_mean(staff_assessment: pd.DataFrame | None, who: Sequence) -> float | None:
    """Mean of the four staff-assessment criteria (1-5) of `who`; None when not assessed."""
    if staff_assessment is None:
        return None
    rows = staff_assessment.loc[staff_assessment["manager_id"].isin(list(who)), list(ASSESSMENT)]
    values = rows.to_numpy(dtype="float64").ravel()
    values = values[~pd.isna(values)]
    return float(values.mean()) if len(values) else None
