"""What one chapter of the report concludes: the facts of its closing "so what" paragraph.

A chapter (an audit stage) concludes from its own measured results: the scorecard parameters of
the stage whose value is a metric of this run (checklist answers are the improvement plan's), scored
against the same norms as the integral scorecard (`assess.resolved_parameters`), so that the
paragraph never disagrees with the findings. The gaps are ranked by priority = weight × deviation
(deviation = 100 − score, METHODOLOGY.md §2 Stage 6); what holds up is ranked by weight.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from auditkit.inputs.params import AuditParams
from auditkit.plan.assess import derived_metrics, resolved_parameters
from auditkit.plan.catalogue import by_id
from auditkit.plan.scorecard import evaluate

COLUMNS = ["id", "value", "norm", "score", "weight", "deviation", "priority", "fmt", "detail", "detail_kind"]


@dataclass(frozen=True)
class ChapterFacts:
    """The measured parameters of one stage against their norms.

    `gaps`: the parameters below their norm, largest priority first; `held`: those meeting it,
    largest weight first (columns COLUMNS: id, value, norm, score 0..100, weight, deviation,
    priority = weight × deviation, fmt, detail (the segment, source… the value is about), detail_kind)."""

    stage: str
    gaps: pd.DataFrame
    held: pd.DataFrame

    @property
    def assessed(self) -> int:
        return len(self.gaps) + len(self.held)


def chapter_facts(stage: str, params: AuditParams, metrics: Mapping) -> ChapterFacts:
    """The facts of stage `stage` from `metrics` (metric id → value, as results/metrics.json holds
    them; the stage's own ones are enough: parameters of other stages' metrics are left out)."""
    metrics = derived_metrics(metrics)
    scored = evaluate(resolved_parameters(params, metrics), metrics, None)
    catalogue = by_id()
    own = scored[(scored["stage"] == stage) & scored["source"].str.startswith("metric:") & scored["assessed"]].copy()
    own["priority"] = own["weight"] * own["deviation"]
    own["fmt"] = [catalogue[i].fmt for i in own["id"]]
    own["detail"] = [metrics.get(catalogue[i].detail) if catalogue[i].detail else None for i in own["id"]]
    own["detail_kind"] = [catalogue[i].detail_kind for i in own["id"]]
    below = own["score"] < 100
    gaps = own[below].sort_values(["priority", "id"], ascending=[False, True], kind="mergesort")
    held = own[~below].sort_values(["weight", "id"], ascending=[False, True], kind="mergesort")
    return ChapterFacts(stage, gaps[COLUMNS].reset_index(drop=True), held[COLUMNS].reset_index(drop=True))
