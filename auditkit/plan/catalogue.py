"""The scorecard catalogue: parameters measured from data (data/scorecard.yaml) plus one parameter
per express-checklist question, with their texts, display formats, evidence sections and
money-at-stake formulas."""
from __future__ import annotations

import dataclasses
from functools import cache
from importlib import resources

import yaml

from auditkit.inputs.checklist import load_checklist
from auditkit.plan.scorecard import Parameter

EXTRA_KEYS = ("text", "fmt", "section", "money", "detail")


@dataclasses.dataclass(frozen=True)
class Entry:
    """A scorecard parameter with what the report needs to show it."""

    parameter: Parameter
    text: dict[str, str]
    fmt: str = "number"  # how the value is shown; "answer" for checklist questions
    section: str | None = None  # report anchor of the evidence, e.g. "data_collection-retention"
    money: dict | None = None  # {"kind": formula, "inputs": {argument: metric id}}
    detail: str | None = None  # a metric id whose text value (segment, source, manager…) the label names

    @property
    def id(self) -> str:
        return self.parameter.id

    def label(self, language: str) -> str:
        return self.text.get(language) or self.text["en"]


@cache
def entries() -> tuple[Entry, ...]:
    """Every scorecard parameter: the metric ones, then the checklist questions."""
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/scorecard.yaml").read_text("utf-8"))
    out = []
    for record in raw["parameters"]:
        extra = {k: record[k] for k in EXTRA_KEYS if k in record}
        param = Parameter.from_mapping({k: v for k, v in record.items() if k not in EXTRA_KEYS})
        out.append(Entry(param, **extra))
    for q in load_checklist()["questions"]:
        param = Parameter(id=q["id"], block=q["block"], stage=q["stage"], source=f"checklist:{q['id']}",
                          norm=100.0, weight=float(q["weight"]))
        out.append(Entry(param, q["text"], "answer", "improvement_plan-checklist"))
    ids = [e.id for e in out]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"scorecard parameter ids repeated: {duplicates}")
    return tuple(out)


def by_id() -> dict[str, Entry]:
    return {e.id: e for e in entries()}
