"""Metrics that join on the shared id keys made at load give what the ids alone give: on the
demo client, whole and narrowed to a segment, with the keys dropped the metrics key the ids
themselves (auditkit.metrics._common.keyed)."""
from __future__ import annotations

import pandas as pd
import pytest

from auditkit.inputs.keys import KEYS
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.inputs.subset import subset
from auditkit.metrics import communication as c
from auditkit.metrics import process as p
from auditkit.metrics._common import order_totals
from helpers import REPO

END = "2025-12-31"
TO_BE = ["new", "qualification", "proposal", "negotiation"]


@pytest.fixture(scope="module")
def demo():
    return load_inputs(load_params(REPO / "params" / "demo.yaml"))


def without_keys(tables: dict) -> dict:
    return {name: None if df is None else df.drop(columns=[k for k in KEYS.values() if k in df.columns])
            for name, df in tables.items()}


def measures(t: dict) -> dict:
    analysis = p.stage_analysis(t["stage_history"], END, TO_BE, deals=t["deals"])
    totals = order_totals(t["orders"]).drop(columns=["client_key"], errors="ignore")
    return {
        "stages": analysis.stages,
        "as_is": (analysis.as_is, analysis.as_is_share, analysis.in_to_be_order_share, analysis.deals_with_skips),
        "skipping": analysis.skipping.sort_index(),
        "durations": p.stage_durations(t["stage_history"], END, t["deals"])
        .sort_values(["deal_id", "entered_at", "stage"]).reset_index(drop=True),
        "activities_per_won": p.activities_per_won_deal(t["activities"], t["deals"], "2024-01-01", END, by="channel"),
        "post_sale": c.post_sale_contact(t["deals"], t["orders"], t["activities"], 14),
        "first_order": c.won_deal_first_order(t["deals"], t["orders"]),
        "totals": totals,
    }


@pytest.mark.parametrize("segment", [None, "Retail chains"])
def test_metrics_on_keys_made_at_load_equal_the_metrics_on_the_ids(demo, segment):
    data = subset(demo, segment=segment)
    assert segment is None or 0 < len(data.tables["deals"]) < len(demo.tables["deals"])
    assert all(KEYS["deal_id"] in data.tables[t] for t in ("deals", "stage_history", "activities"))
    keyed, plain = measures(data.tables), measures(without_keys(data.tables))
    assert keyed["as_is"] == plain["as_is"]
    for name in ("stages", "skipping", "durations", "activities_per_won", "post_sale", "first_order", "totals"):
        if isinstance(keyed[name], pd.Series):
            pd.testing.assert_series_equal(keyed[name], plain[name])
        else:
            pd.testing.assert_frame_equal(keyed[name], plain[name], obj=name)
