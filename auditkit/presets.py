"""Presets: known export formats (auditkit/data/presets/<name>.yaml) as defaults of a table source.

A preset gives the column mapping, value translations, encoding, separator and date format of
one vendor's export; whatever the client's parameter file sets for the table wins over it.
"""
from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd
import yaml

from .params import TableSource

PRESET_KEYS = {"columns", "values", "encoding", "sep", "date_format", "decimal", "sheet"}


@cache
def load_preset(name: str) -> dict:
    """The preset's source settings (keys of TableSource) and its descriptive fields."""
    path = resources.files("auditkit").joinpath(f"data/presets/{name}.yaml")
    if not path.is_file():
        known = sorted(p.name.removesuffix(".yaml") for p in resources.files("auditkit").joinpath("data/presets").iterdir()
                       if p.name.endswith(".yaml"))
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(known)}")
    return yaml.safe_load(path.read_text("utf-8"))


def resolve(source: TableSource) -> TableSource:
    """The effective source: preset settings overlaid by the client's own; defaults filled."""
    merged = {}
    if source.preset:
        preset = load_preset(source.preset)
        merged = {k: v for k, v in preset.items() if k in PRESET_KEYS and v is not None}
    own = source.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in own.items():
        if key in ("columns", "values") and key in merged:
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    merged.setdefault("encoding", "utf-8-sig")
    merged.setdefault("decimal", ".")
    return TableSource(**merged)


def reshape(raw: pd.DataFrame, source: TableSource) -> pd.DataFrame:
    """Reshape an export whose layout differs from one row per contract row (none needed yet)."""
    return raw
