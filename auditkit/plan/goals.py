"""What each of the client's audit goals is about (data/goals.yaml), so the summary answers it.

A goal is about every topic whose words it contains (a word matches at the beginning of a word
of the goal, ignoring case); a parameter file may name the topics itself (`about`). Topics are
`growth`, the data stages (`auditkit.stages.DATA_STAGES`) and `plan`.
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from auditkit.stages import DATA_STAGES


@cache
def topic_words() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/goals.yaml").read_text("utf-8"))["topics"]
    unknown = set(raw) - {"growth", "plan", *DATA_STAGES}
    if unknown:
        raise ValueError(f"goals.yaml: unknown topics {sorted(unknown)}")
    return {topic: tuple(w.lower() for w in spec["words"]) for topic, spec in raw.items()}


def topics_of(goal: str) -> list[str]:
    """The topics a goal's text is about, in the order of data/goals.yaml."""
    text = goal.lower()
    return [topic for topic, words in topic_words().items()
            if any(re.search(r"(?<!\w)" + re.escape(w), text) for w in words)]


def express_goals(goals: list[str]) -> list[str]:
    """The goals the express assessment answers: those about none of the topics it does not deliver
    (data/goals.yaml `express_not_delivered`: revenue growth, the money at stake and the action plan)."""
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/goals.yaml").read_text("utf-8"))
    excluded = set(raw.get("express_not_delivered", []))
    return [goal for goal in goals if not excluded & set(topics_of(goal))]
