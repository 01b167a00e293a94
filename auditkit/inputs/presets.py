"""Presets: known export formats (auditkit/data/presets/<name>.yaml) as defaults of a table source.

A preset gives the column mapping, value translations, encoding, separator, date format and
reshape steps of one vendor's export; whatever the client's parameter file sets for the table
wins over it (the client's own headers are tried before the preset's; see
`auditkit.inputs.params.TableSource.resolved`).
"""
from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from auditkit.errors import did_you_mean

PRESET_KEYS = {"columns", "values", "encoding", "sep", "date_format", "decimal", "sheet", "reshape", "currency_column"}
DESCRIPTIVE_KEYS = {"name", "vendor", "system", "table", "description", "sample_header", "notes", "wide_columns",
                    "signature", "ids", "fallback", "companions"}


def _preset_dir():
    return resources.files("auditkit").joinpath("data/presets")


def preset_names() -> list[str]:
    """Names of the shipped presets."""
    return sorted(p.name.removesuffix(".yaml") for p in _preset_dir().iterdir() if p.name.endswith(".yaml"))


@cache
def load_preset(name: str) -> dict:
    """The preset's source settings (keys of TableSource) and its descriptive fields; its keys are
    checked here, its values when a table source is resolved over it."""
    path = _preset_dir().joinpath(f"{name}.yaml")
    if not path.is_file():
        raise ValueError(f"unknown preset {name!r}{did_you_mean(name, preset_names())}; "
                         f"known: {', '.join(preset_names())}")
    preset = yaml.safe_load(path.read_text("utf-8"))
    unknown = sorted(set(preset) - PRESET_KEYS - DESCRIPTIVE_KEYS)
    if unknown:
        raise ValueError(f"preset {name}: unknown key(s) {unknown}")
    return preset

