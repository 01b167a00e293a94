"""The improvement plan's what-if panel (JupyterLab only): pick a scorecard parameter (win rate,
the bottleneck stage's conversion, leads answered within an hour, retention; auditkit/data/explore.yaml),
move its value, and see the yearly money at stake, the overall score and the parameter's block score
before and after: the plan is assessed again (auditkit.plan.assess) with that one metric changed.
Its cell is tagged `widget`: never in a client report; in a run by `auditkit run` it shows nothing.
"""
from __future__ import annotations

import ipywidgets as w
import pandas as pd
from IPython.display import display

from auditkit.plan.assess import Assessment, assess as assess_plan
from auditkit.plan.catalogue import by_id
from auditkit.report.context import Audit
from auditkit.report.explore import settings


def movable(plan) -> list[str]:
    """The what-if parameters this client's plan has measured (a value from the data)."""
    assessed = plan.scorecard.set_index("id")
    return [pid for pid in settings()["what_if"]
            if pid in assessed.index and by_id()[pid].parameter.source_kind == "metric"
            and bool(assessed.loc[pid, "assessed"]) and pd.notna(assessed.loc[pid, "value"])]


def assess_with(audit: Audit, plan, parameter: str, value: float) -> Assessment:
    """The plan's assessment with the metric behind `parameter` set to `value`."""
    metric = by_id()[parameter].parameter.source_ref
    return assess_plan(audit.params, {**plan.metrics, metric: value}, audit.data.tables.get("checklist"))


class WhatIf:
    """The panel: a parameter, a slider for its value, and the changes it makes."""

    def __init__(self, audit: Audit, plan):
        self.audit, self.plan = audit, plan
        t = audit.t
        self.parameter = w.Dropdown(options=[(t(f"explore.what_if.parameters.{p}"), p) for p in movable(plan)],
                                    description=t("explore.what_if.parameter"), style={"description_width": "8em"},
                                    layout=w.Layout(width="36em"))
        self.value = w.FloatSlider(min=0.0, max=1.0, step=0.01, readout_format=".0%", continuous_update=False,
                                   description=t("explore.what_if.value"), style={"description_width": "8em"},
                                   layout=w.Layout(width="36em"))
        self.result = w.HTML()
        self.parameter.observe(lambda _change: self.pick(), names="value")
        self.value.observe(lambda _change: self.update(), names="value")
        self.panel = w.VBox([w.HTML(f"<b>{t('explore.what_if.title')}</b>"), self.parameter, self.value, self.result])
        self.pick()

    def _row(self, parameter: str) -> pd.Series:
        return self.plan.scorecard.set_index("id").loc[parameter]

    def pick(self) -> None:
        """Put the slider at the chosen parameter's measured value."""
        if self.parameter.value is None:
            return
        value = float(self._row(self.parameter.value)["value"])
        if self.value.value == value:
            self.update()
        self.value.value = value

    def update(self) -> None:
        """Show the money at stake and the scores before and after the change."""
        if self.parameter.value is None:
            return
        loc, t, pid = self.audit.loc, self.audit.t, self.parameter.value
        row, after = self._row(pid), assess_with(self.audit, self.plan, pid, self.value.value)

        def money(pair) -> str:
            return loc.money_range(*pair)  # two significant figures, as the report shows money at stake

        def score(value) -> str:
            return "—" if value is None or pd.isna(value) else loc.number(value, 0)

        block = by_id()[pid].parameter.block
        before_block, after_block = (a.blocks.set_index("block").loc[block, "score"] for a in (self.plan.assessment, after))
        lines = [t("explore.what_if.as_is", value=loc.pct(row["value"]), norm=loc.pct(row["norm"])),
                 t("explore.what_if.money", before=money(self.plan.money_yearly), after=money(after.money_yearly)),
                 t("explore.what_if.score", before=score(self.plan.overall_score), after=score(after.overall_score)),
                 t("explore.what_if.block", block=t(f"improvement_plan.block.{block}"),
                   before=score(before_block), after=score(after_block))]
        self.result.value = "<br>".join(lines)


def what_if(audit: Audit, plan) -> WhatIf | None:
    """Show the what-if panel (nothing in a run by `auditkit run`, which has a run folder)."""
    if audit.run_dir is not None or not movable(plan):
        return None
    panel = WhatIf(audit, plan)
    display(panel.panel)
    return panel
