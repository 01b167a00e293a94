"""The ideal sales-management system component by component ("how it should be", seed 000) and
what the client has: each component of data/components.yaml rated met / partly / not met from the
scored scorecard (`auditkit.plan.assess`: one row per parameter with score and assessed)."""
from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pandas as pd
import yaml

STATUSES = ("met", "partly", "not_met", "not_assessed")


@functools.cache
def spec() -> dict:
    """data/components.yaml: partly_from and, per block, the components with their evidence ids."""
    return yaml.safe_load(resources.files("auditkit").joinpath("data/components.yaml").read_text("utf-8"))


def component_status(scorecard: pd.DataFrame, components: dict | None = None) -> pd.DataFrame:
    """One row per component, blocks and components in the catalogue's order: block, component,
    status (STATUSES), score (weighted mean score 0..100 of the assessed evidence, NaN when none),
    evidence (int, its parameters in the scorecard), assessed (int), met (int, assessed at or above
    the norm), short (list of the assessed parameter ids below their norm, lowest score first)."""
    s = components or spec()
    card = scorecard.set_index("id")
    rows = []
    for block, items in s["blocks"].items():
        for item in items:
            ev = card.reindex([i for i in item["evidence"] if i in card.index])
            done = ev[ev["assessed"].astype(bool)]
            weight = done["weight"].astype("float64")
            score = float(np.average(done["score"], weights=weight)) if len(done) and weight.sum() > 0 else np.nan
            met = int((done["score"] >= 100).sum())
            if not len(done):
                status = "not_assessed"
            elif met == len(done):
                status = "met"
            else:
                status = "partly" if score >= s["partly_from"] else "not_met"
            short = done[done["score"] < 100].sort_values("score", kind="stable").index.tolist()
            rows.append({"block": block, "component": item["id"], "status": status, "score": score,
                         "evidence": len(ev), "assessed": len(done), "met": met, "short": short})
    return pd.DataFrame(rows)
