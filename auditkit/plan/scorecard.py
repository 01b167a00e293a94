"""Generic scorecard engine (METHODOLOGY.md §2 Stage 6, §3).

A scorecard is a list of :class:`Parameter` definitions (loaded from YAML). Each parameter takes its
measured value either from a computed metric (``source: metric:<metric_id>``) or from an answer of
the express checklist (``source: checklist:<question_id>``), compares it with its norm and scores
it 0..100 (100 = meets the norm). The engine knows nothing about which metrics exist.

Scores (value v, norm n, optional floor f = the value that scores 0), all clipped to 0..100:

- ``linear``: 100 when v meets the norm; otherwise
  higher_better ``100·v/n``, lower_better ``100·n/v``, target ``100·(1 − |v−n|/|n|)``;
  with a floor: ``100·(v−f)/(n−f)`` (both directions), target ``100·(1 − |v−n|/|n−f|)``.
- ``threshold``: 100 when v meets the norm, else 0.
- ``checklist``: the answer's score itself (yes 100, partly 50, no 0; see ``data/checklist.yaml``).

"Meets the norm": v ≥ n (higher_better), v ≤ n (lower_better), v ≈ n (target, ``numpy.isclose``).
A parameter without a value (metric missing/NaN, question unanswered) is not assessed: score NaN.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from auditkit.inputs.checklist import answer_scores, load_checklist
from auditkit.stages import STAGES

BLOCKS = ("planning", "segmentation", "processes", "resources")
DIRECTIONS = ("higher_better", "lower_better", "target")
SCORINGS = ("linear", "threshold", "checklist")
SOURCE_KINDS = ("metric", "checklist")
_GROUPINGS = {"block": BLOCKS, "stage": STAGES}

EVALUATED_COLUMNS = ("id", "block", "stage", "source", "value", "norm", "direction", "score",
                     "weight", "assessed", "deviation")


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One scorecard parameter.

    ``source`` is ``metric:<metric_id>`` or ``checklist:<question_id>``; ``norm`` is in the metric's
    own unit (a checklist answer is on 0..100, so its norm is 100); ``weight`` > 0; ``scoring`` is
    linear | threshold | checklist (default: checklist for checklist sources, else linear);
    ``floor`` (optional, linear only) is the value that scores 0.
    """

    id: str
    block: str
    stage: str
    source: str
    norm: float
    direction: str = "higher_better"
    weight: float = 1.0
    scoring: str | None = None
    floor: float | None = None

    def __post_init__(self) -> None:
        if self.scoring is None:
            default = "checklist" if self.source_kind == "checklist" else "linear"
            object.__setattr__(self, "scoring", default)
        problems = [
            f"{name} {value!r} not in {allowed}"
            for name, value, allowed in (("block", self.block, BLOCKS), ("stage", self.stage, STAGES),
                                         ("direction", self.direction, DIRECTIONS),
                                         ("scoring", self.scoring, SCORINGS),
                                         ("source kind", self.source_kind, SOURCE_KINDS))
            if value not in allowed
        ]
        if not self.source_ref:
            problems.append("source needs an id after the colon")
        if not math.isfinite(self.norm):
            problems.append("norm must be a finite number")
        if not (math.isfinite(self.weight) and self.weight > 0):
            problems.append("weight must be > 0")
        if self.scoring == "checklist" and self.source_kind != "checklist":
            problems.append("scoring 'checklist' needs a checklist source")
        if self.floor is not None and self.scoring != "linear":
            problems.append("floor is only used by linear scoring")
        if self.scoring == "linear":
            problems.extend(self._linear_problems())
        if problems:
            raise ValueError(f"scorecard parameter {self.id!r}: " + "; ".join(problems))

    def _linear_problems(self) -> list[str]:
        """Conditions under which the linear formulas are defined (see the module docstring)."""
        if self.floor is None:
            return [] if self.norm > 0 else ["linear scoring without a floor needs norm > 0"]
        if self.direction == "higher_better" and not self.floor < self.norm:
            return ["higher_better needs floor < norm"]
        if self.direction == "lower_better" and not self.floor > self.norm:
            return ["lower_better needs floor > norm"]
        return ["floor must differ from norm"] if self.floor == self.norm else []

    @property
    def source_kind(self) -> str:
        """``metric`` or ``checklist``: the part of ``source`` before the colon."""
        return self.source.partition(":")[0]

    @property
    def source_ref(self) -> str:
        """The metric id or question id: the part of ``source`` after the colon."""
        return self.source.partition(":")[2]

    @classmethod
    def from_mapping(cls, record: Mapping) -> Parameter:
        """Build from a YAML mapping; unknown keys are an error (they are usually typos)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(record) - fields)
        if unknown:
            raise ValueError(f"scorecard parameter {record.get('id')!r}: unknown keys {unknown}")
        values = dict(record)
        for key in ("norm", "weight", "floor"):
            if values.get(key) is not None:
                values[key] = float(values[key])
        return cls(**values)


def load_parameters(path: str | Path) -> list[Parameter]:
    """Parameters from a YAML file whose top key ``parameters:`` is a list of mappings."""
    with open(path, encoding="utf-8") as handle:
        records = yaml.safe_load(handle)["parameters"]
    parameters = [Parameter.from_mapping(record) for record in records]
    _check_unique(parameters)
    return parameters




def checklist_parameters(questions: Iterable[Mapping] | None = None) -> list[Parameter]:
    """One checklist-scored parameter per question (the express assessment), norm 100.

    ``questions`` defaults to the packaged checklist; block, stage and weight come from the question.
    """
    questions = load_checklist()["questions"] if questions is None else questions
    return [Parameter(id=q["id"], block=q["block"], stage=q["stage"], source=f"checklist:{q['id']}",
                      norm=100.0, weight=float(q["weight"])) for q in questions]


def _check_unique(parameters: list[Parameter]) -> None:
    ids = pd.Series([p.id for p in parameters], dtype="string")
    duplicated = sorted(ids[ids.duplicated()].unique())
    if duplicated:
        raise ValueError(f"duplicate scorecard parameter ids: {duplicated}")


def _apply_overrides(parameters: list[Parameter], norm_overrides: Mapping[str, float]) -> list[Parameter]:
    """Replace norms by id (re-validated); an override for an unknown id is an error."""
    unknown = sorted(set(norm_overrides) - {p.id for p in parameters})
    if unknown:
        raise ValueError(f"norm overrides for unknown parameters: {unknown}")
    return [dataclasses.replace(p, norm=float(norm_overrides[p.id])) if p.id in norm_overrides else p
            for p in parameters]


def _checklist_values(checklist: pd.DataFrame | None) -> pd.Series:
    """Answer score (0..100) by question id; unknown answers → NaN (not assessed)."""
    if checklist is None or checklist.empty:
        return pd.Series(dtype="float64")
    if checklist["parameter_id"].duplicated().any():
        raise ValueError("checklist answers contain duplicate parameter_id values")
    answers = checklist["answer"].astype("string").str.strip().str.lower()
    scores = answers.map(dict(answer_scores())).astype("float64")
    return pd.Series(scores.to_numpy(), index=checklist["parameter_id"].astype("string").to_numpy())


def _score(frame: pd.DataFrame) -> np.ndarray:
    """Vectorised score 0..100 (NaN when value is NaN) per the formulas in the module docstring."""
    v, n = frame["value"].to_numpy(float), frame["norm"].to_numpy(float)
    f = frame["floor"].to_numpy(float)
    higher = (frame["direction"] == "higher_better").to_numpy()
    lower = (frame["direction"] == "lower_better").to_numpy()
    target = ~(higher | lower)
    meets = np.where(higher, v >= n, np.where(lower, v <= n, np.isclose(v, n)))
    with np.errstate(divide="ignore", invalid="ignore"):
        floored = np.where(target, 100 * (1 - np.abs(v - n) / np.abs(n - f)), 100 * (v - f) / (n - f))
        plain = np.select([higher, lower], [100 * v / n, 100 * n / v], 100 * (1 - np.abs(v - n) / np.abs(n)))
    linear = np.where(meets, 100.0, np.where(np.isnan(f), plain, floored))
    scoring = frame["scoring"].to_numpy()
    score = np.select([scoring == "linear", scoring == "threshold"], [linear, np.where(meets, 100.0, 0.0)],
                      default=v)
    return np.where(np.isnan(v), np.nan, np.clip(score, 0.0, 100.0))


def evaluate(parameters: list[Parameter], metrics: Mapping[str, float] | None = None,
             checklist: pd.DataFrame | None = None,
             norm_overrides: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Score every parameter: one row per parameter, in the given order.

    ``metrics``: metric_id → value (missing/None/NaN = not assessed); ``checklist``: the client's
    checklist table (parameter_id, answer); ``norm_overrides``: parameter id → norm.
    Columns: id, block, stage, source, direction (string); value, norm, score (0..100, NaN when not
    assessed), weight, deviation = 100 − score (float64); assessed (bool).
    """
    _check_unique(parameters)
    parameters = _apply_overrides(parameters, norm_overrides or {})
    frame = pd.DataFrame({
        "id": pd.array([p.id for p in parameters], dtype="string"),
        "block": pd.array([p.block for p in parameters], dtype="string"),
        "stage": pd.array([p.stage for p in parameters], dtype="string"),
        "source": pd.array([p.source for p in parameters], dtype="string"),
        "kind": pd.array([p.source_kind for p in parameters], dtype="string"),
        "ref": pd.array([p.source_ref for p in parameters], dtype="string"),
        "norm": np.array([p.norm for p in parameters], dtype=float),
        "direction": pd.array([p.direction for p in parameters], dtype="string"),
        "weight": np.array([p.weight for p in parameters], dtype=float),
        "scoring": np.array([p.scoring for p in parameters], dtype=object),
        "floor": pd.array([p.floor for p in parameters], dtype="Float64").to_numpy(float, na_value=np.nan),
    })
    metric_values = pd.array(frame["ref"].map(dict(metrics or {})), dtype="Float64")
    checklist_values = frame["ref"].map(_checklist_values(checklist)).astype("float64")
    frame["value"] = np.where(frame["kind"] == "metric",
                              metric_values.to_numpy(float, na_value=np.nan), checklist_values.to_numpy())
    frame["score"] = _score(frame)
    frame["assessed"] = frame["score"].notna().astype(bool)
    frame["deviation"] = 100.0 - frame["score"]
    return frame[list(EVALUATED_COLUMNS)]


def block_scores(evaluated: pd.DataFrame, by: str = "block") -> pd.DataFrame:
    """Weighted mean score per block (or stage) over ASSESSED parameters.

    One row per block/stage in canonical order (all of them, even without parameters).
    Columns: ``by`` (string); score = Σ w·score / Σ w over assessed (NaN when nothing assessed),
    deviation = 100 − score, coverage = assessed weight / total weight (0..1; 0 when nothing),
    weight, assessed_weight (float64); n_parameters, n_assessed (int64).
    """
    if by not in _GROUPINGS:
        raise ValueError(f"by must be one of {sorted(_GROUPINGS)}, got {by!r}")
    assessed = evaluated["assessed"].to_numpy(bool)
    parts = pd.DataFrame({
        by: evaluated[by].astype("string"),
        "weight": evaluated["weight"].astype(float),
        "assessed_weight": evaluated["weight"].where(assessed, 0.0).astype(float),
        "weighted_score": (evaluated["weight"] * evaluated["score"]).where(assessed, 0.0).astype(float),
        "n_parameters": 1,
        "n_assessed": assessed.astype("int64"),
    })
    sums = parts.groupby(by).sum().reindex(pd.Index(_GROUPINGS[by], dtype="string", name=by), fill_value=0)
    assessed_weight = sums["assessed_weight"].where(sums["assessed_weight"] > 0)
    result = pd.DataFrame({
        "score": sums["weighted_score"] / assessed_weight,
        "weight": sums["weight"].astype(float),
        "assessed_weight": sums["assessed_weight"].astype(float),
        "n_parameters": sums["n_parameters"].astype("int64"),
        "n_assessed": sums["n_assessed"].astype("int64"),
    })
    result.insert(1, "deviation", 100.0 - result["score"])
    result.insert(2, "coverage", (result["assessed_weight"] / result["weight"].where(result["weight"] > 0)).fillna(0.0))
    return result.reset_index()


def findings(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Assessed parameters below the norm (score < 100), most important first.

    The evaluated columns plus priority = weight × deviation (float64) and rank (int64, 1 = top);
    sorted by priority descending, ties by id ascending.
    """
    below = evaluated[evaluated["assessed"] & (evaluated["score"] < 100)]
    ranked = (below.assign(priority=below["weight"] * below["deviation"])
              .sort_values(["priority", "id"], ascending=[False, True], kind="mergesort")
              .reset_index(drop=True))
    ranked["rank"] = np.arange(1, len(ranked) + 1, dtype="int64")
    return ranked


def block_stage_scores(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Weighted mean score (0–100) of the assessed parameters per block (rows) × stage (columns);
    NaN where no parameter of the pair was assessed."""
    w = evaluated["weight"].where(evaluated["assessed"])
    sums = evaluated.assign(ws=w * evaluated["score"], w=w).groupby(["block", "stage"])[["ws", "w"]].sum()
    return (sums["ws"] / sums["w"].replace(0, np.nan)).unstack("stage")
