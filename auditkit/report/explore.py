"""The explore panel of a stage notebook (JupyterLab only): drop-downs for the period, segment,
manager and channel and sliders for the stage's norms (auditkit/data/explore.yaml); a change
draws the stage's sections (all, or the one picked) again in the panel, each in its own output
area, for the narrowed and re-normed copy of the audit (`Audit.where`, `Audit.with_norms`). The panel's cell is tagged
`widget`, so it never reaches a client report; in a run by `auditkit run` it shows nothing.
"""
from __future__ import annotations

import functools
import time
from importlib import resources

import annotated_types as at
import ipywidgets as w
import yaml
from IPython.display import display

from auditkit.inputs.subset import choices
from auditkit.report.context import Audit, explored
from auditkit.report.session import stage_sections


ALL = ""  # the drop-downs' value for "all" (no filter)


@functools.cache
def settings() -> dict:
    return yaml.safe_load(resources.files("auditkit").joinpath("data/explore.yaml").read_text("utf-8"))


def _bounds(field, value: float) -> tuple[float, float]:
    """Slider bounds of a norm: its allowed range where the parameter schema bounds it, else 0 to 3× its value."""
    low, high = 0.0, max(3.0 * abs(value), 1.0)
    for rule in field.metadata:
        if isinstance(rule, (at.Ge, at.Gt)):
            low = float(getattr(rule, "ge", getattr(rule, "gt", low)))
        if isinstance(rule, (at.Le, at.Lt)):
            high = float(getattr(rule, "le", getattr(rule, "lt", high)))
    return low, high


def norm_sliders(audit: Audit) -> dict[str, w.Widget]:
    """name -> a slider for each norm of the stage listed in data/explore.yaml that has a value."""
    group = getattr(audit.params.norms, audit.stage, None)
    sliders = {}
    style, layout = {"description_width": "15em"}, w.Layout(width="34em")
    for name in settings()["norms"].get(audit.stage, []):
        value = getattr(group, name, None)
        if value is None:
            continue
        field = type(group).model_fields[name]
        low, high = _bounds(field, value)
        label = audit.t(f"explore.norms.{audit.stage}.{name}")
        if isinstance(value, int):
            sliders[name] = w.IntSlider(value=value, min=max(int(low), 1), max=int(max(high, 3 * value)), step=1,
                                        description=label, style=style, layout=layout, continuous_update=False)
        else:
            share = high <= 1.0
            sliders[name] = w.FloatSlider(value=value, min=low, max=high, step=0.01 if share else (high - low) / 100,
                                          readout_format=".0%" if share else ".2f", description=label,
                                          style=style, layout=layout, continuous_update=False)
    return sliders


def filter_dropdowns(audit: Audit) -> dict[str, w.Dropdown]:
    """period, segment, manager, channel -> a drop-down of the values in the client's data ("All" first,
    value ALL: a drop-down cannot select None)."""
    every = audit.t("explore.all")
    start, end = audit.params.period.start.year, audit.params.period.end.year
    options = {"period": [(audit.t("explore.whole_period"), ALL)] + [(str(y), str(y)) for y in range(start, end + 1)]}
    found = choices(audit.data)
    options["segment"] = [(every, ALL)] + [(str(v), v) for v in found["segment"]]
    options["manager"] = [(every, ALL)] + [(audit.manager_name(v), v) for v in found["manager"]]
    options["channel"] = [(every, ALL)] + [(str(v), v) for v in found["channel"]]
    return {name: w.Dropdown(options=opts, value=ALL, description=audit.t(f"explore.filter.{name}"),
                             layout=w.Layout(width="28em"))
            for name, opts in options.items() if len(opts) > 1 and (name == "period" or len(opts) > 2)}


class Explorer:
    """The panel: controls, a status line and one output area per section of the stage."""

    def __init__(self, audit: Audit):
        self.audit = audit
        self.sections = stage_sections(audit.stage)
        self.filters = filter_dropdowns(audit)
        self.norms = norm_sliders(audit)
        titles = [(self._title(run), i) for i, run in enumerate(self.sections)]
        self.shown = w.Dropdown(options=[(audit.t("explore.all_sections"), ALL), *titles], value=ALL,
                                description=audit.t("explore.section"), layout=w.Layout(width="28em"))
        self.status = w.HTML(audit.t("explore.hint"))
        self.outputs = [w.Output() for _ in self.sections]
        self.holding = False  # True while the reset button moves the sliders: one drawing, not one per slider
        for control in [*self.filters.values(), self.shown, *self.norms.values()]:
            control.observe(lambda _change: None if self.holding else self.render(), names="value")
        reset = w.Button(description=audit.t("explore.reset"))
        reset.on_click(lambda _button: self.reset())
        self.panel = w.VBox([w.HBox([w.VBox([*self.filters.values(), self.shown]), w.VBox([*self.norms.values(), reset])]),
                             self.status, *self.outputs])
        self.panel.add_class("auditkit-explore")

    def _title(self, run) -> str:
        key = f"{self.audit.stage}.sections.{run.section}.title"
        return self.audit.t(key) if self.audit.loc.has(key) else run.section.replace("_", " ").capitalize()

    def explored(self) -> Audit:
        """The audit as the controls set it."""
        defaults = {n: getattr(getattr(self.audit.params.norms, self.audit.stage), n) for n in self.norms}
        changed = {n: s.value for n, s in self.norms.items() if s.value != defaults[n]}
        return explored(self.audit, changed or None, **{n: d.value or None for n, d in self.filters.items()})

    def render(self) -> float:
        """Draw the chosen section (or every section) again for the controls' values; returns the seconds it took."""
        t0 = time.perf_counter()
        self.status.value = self.audit.t("explore.rendering")
        audit = self.explored()
        for i, (run, out) in enumerate(zip(self.sections, self.outputs)):
            out.clear_output(wait=True)
            if self.shown.value in (ALL, i):
                with out:
                    run(audit)
        seconds = time.perf_counter() - t0
        self.status.value = self.audit.t("explore.took", seconds=self.audit.loc.number(seconds, 1))
        return seconds

    def reset(self) -> None:
        self.holding = True
        try:
            for name, slider in self.norms.items():
                slider.value = getattr(getattr(self.audit.params.norms, self.audit.stage), name)
        finally:
            self.holding = False
        self.render()


def explore(audit: Audit) -> Explorer | None:
    """Show the explore panel of `audit`'s stage (nothing in a run by `auditkit run`, which has a run folder)."""
    if audit.run_dir is not None:
        return None
    explorer = Explorer(audit)
    display(explorer.panel)
    return explorer
