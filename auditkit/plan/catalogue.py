"""The scorecard catalogue: parameters measured from data (data/scorecard.yaml) plus one parameter
per express-checklist question, with their texts, display formats, evidence sections and
money-at-stake formulas; and the root causes that group parameters into findings
(data/findings.yaml)."""
from __future__ import annotations

import dataclasses
from functools import cache
from importlib import resources

import yaml

from auditkit.i18n import Locale
from auditkit.inputs.checklist import load_checklist
from auditkit.plan.scorecard import Parameter

EXTRA_KEYS = ("text", "fmt", "section", "money", "detail", "detail_kind", "name", "revision")
DETAIL_KINDS = ("stage", "segment", "lead_source", "manager", "call_item", "table")


@dataclasses.dataclass(frozen=True)
class Entry:
    """A scorecard parameter with what the report needs to show it."""

    parameter: Parameter
    text: dict[str, str]
    fmt: str = "number"  # how the value is shown; "answer" for checklist questions
    section: str | None = None  # report anchor of the evidence, e.g. "data_collection-retention"
    money: dict | None = None  # {"kind": formula, "inputs": {argument: metric id}}
    detail: str | None = None  # a metric id whose text value (segment, source, manager…) the label names
    detail_kind: str | None = None  # how that value is named: one of DETAIL_KINDS
    name: dict[str, str] | None = None  # the measure's short name where no stage text names it
    revision: int = 1  # the definition's revision: raised when the metric's formula changes, so that a
    # re-audit never compares values computed by two different definitions (auditkit.plan.progress)

    def __post_init__(self):
        if self.detail_kind not in (*DETAIL_KINDS, None):
            raise ValueError(f"scorecard {self.id}: detail_kind {self.detail_kind!r} is not one of {DETAIL_KINDS}")
        if (self.detail is None) != (self.detail_kind is None):
            raise ValueError(f"scorecard {self.id}: detail and detail_kind go together")

    @property
    def id(self) -> str:
        return self.parameter.id

    def label(self, language: str) -> str:
        """The norm as a statement ("Clients are retained from one period to the next")."""
        return self.text.get(language) or self.text["en"]

    def short_name(self, loc: Locale) -> str:
        """The parameter as the report names it in a list: a checklist question's text, else the
        measure's `name`, else its stage's text of the metric ("Win rate by number of deals"), else
        the norm statement."""
        if self.fmt != "answer":
            if self.name:
                return self.name.get(loc.language) or self.name["en"]
            stage, _, metric = self.parameter.source_ref.partition(".")
            if loc.has(f"{stage}.metrics.{metric}"):
                return loc.t(f"{stage}.metrics.{metric}")
        return self.label(loc.language)


@dataclasses.dataclass(frozen=True)
class Group:
    """A root cause: the parameters whose deviations are one finding (data/findings.yaml)."""

    id: str
    title: dict[str, str]
    parameters: tuple[str, ...]
    title_general: dict[str, str] | None = None
    action: str | None = None
    after: tuple[str, ...] = ()

    @property
    def names_detail(self) -> bool:
        """Whether the title has a place for what the finding is about (`{detail}`)."""
        return "{detail}" in (self.title.get("en") or "")

    def text(self, language: str, detail: str | None = None) -> str:
        """The problem in plain words, naming `detail` where the title has a place for it."""
        if self.names_detail and not detail:
            chosen = self.title_general or self.title
            return (chosen.get(language) or chosen["en"]).replace("{detail}", "").strip(": ")
        return (self.title.get(language) or self.title["en"]).replace("{detail}", detail or "")


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


@cache
def groups() -> dict[str, Group]:
    """Every parameter's root cause: the groups of data/findings.yaml, then one group of its own
    (id = the parameter id) for each parameter the file does not name."""
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/findings.yaml").read_text("utf-8"))["groups"]
    known = {e.id for e in entries()}
    out, seen = {}, {}
    for gid, g in raw.items():
        unknown = sorted(set(g["parameters"]) - known)
        if unknown:
            raise ValueError(f"findings.yaml group {gid}: unknown parameters {unknown}")
        for pid in g["parameters"]:
            if pid in seen:
                raise ValueError(f"findings.yaml: {pid} is in both {seen[pid]} and {gid}")
            seen[pid] = gid
        out[gid] = Group(gid, g["title"], tuple(g["parameters"]), g.get("title_general"), g.get("action"),
                         tuple(g.get("after", ())))
    for gid, g in out.items():
        if set(g.after) - set(out):
            raise ValueError(f"findings.yaml group {gid}: `after` names unknown groups {sorted(set(g.after) - set(out))}")
    for e in entries():
        if e.id not in seen:
            out[e.id] = Group(e.id, e.text, (e.id,))
    return out


def group_of() -> dict[str, str]:
    """parameter id -> its root cause's group id."""
    return {pid: g.id for g in groups().values() for pid in g.parameters}
