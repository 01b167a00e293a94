"""The express checklist catalogue (``auditkit/data/checklist.yaml``) and its answers, in one place.

A checklist answer is yes / partly / no, or the 0–2 scale (2 = yes, 1 = partly, 0 = no); it scores
100 / 50 / 0. The metrics of stages 4 and 5 read answers and the scorecard scores them, so the
definitions live here, before both.
"""
from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from importlib import resources

import yaml


@functools.cache
def load_checklist() -> dict:
    """The packaged express checklist: keys ``answers`` (answer -> score, aliases, label) and ``questions``."""
    text = resources.files("auditkit").joinpath("data/checklist.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def answers() -> tuple[str, ...]:
    """The canonical answers, best first: ("yes", "partly", "no")."""
    return tuple(load_checklist()["answers"])


@functools.cache
def canonical_answers() -> Mapping[str, str]:
    """Every accepted spelling of an answer (yes, 2, partly, 1, no, 0) -> yes | partly | no."""
    out = {}
    for answer, spec in load_checklist()["answers"].items():
        for key in (answer, *spec.get("aliases", ())):
            out[str(key)] = answer
    return types.MappingProxyType(out)


@functools.cache
def answer_scores() -> Mapping[str, float]:
    """Every accepted spelling of an answer -> its score 0..100 (yes/2 → 100, partly/1 → 50, no/0 → 0)."""
    scores = {a: float(spec["score"]) for a, spec in load_checklist()["answers"].items()}
    return types.MappingProxyType({spelling: scores[a] for spelling, a in canonical_answers().items()})


def answer_labels(language: str) -> dict[str, str]:
    """yes | partly | no -> its label in `language` (English where not translated)."""
    return {a: spec["label"].get(language) or spec["label"]["en"] for a, spec in load_checklist()["answers"].items()}


def question_texts(language: str) -> dict[str, str]:
    """question id -> its text in `language` (English where not translated)."""
    return {q["id"]: q["text"].get(language) or q["text"]["en"] for q in load_checklist()["questions"]}
