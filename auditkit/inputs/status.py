"""Value translation of an enum column, and a deal's status read from its stage.

Order (the user's mapping always wins): the preset's `values` translate the cells; for a deal
status read from a stage (a header mapped to both stage and status, or the `flags` step's
result), a stage the preset does not know is inferred from its name (auditkit/data/stage_words.yaml:
"Closed won", "Сделка успешна", "C6:WON" -> won; "Закрыто и не реализовано", "Przegrana" -> lost;
any other name -> open, unless the export's closed flag says the deal is closed); last, the
client's own `values` (tables.<table>.values in the parameter file) replace whatever came before
for the stage names they list. A stage whose name says closed while the export's flags say open
is reported, since only the client can say which is right.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from auditkit.inputs.coerce import TRUE_WORDS

STATUSES = ("open", "won", "lost")
_PIPELINE_PREFIX = re.compile(r"^[cC]\d+:")  # Bitrix24 stages of pipeline n: C6:WON


@cache
def _words() -> dict[str, list[re.Pattern]]:
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/stage_words.yaml").read_text("utf-8"))
    return {kind: [re.compile(p) for p in patterns] for kind, patterns in raw.items()}


@cache
def stage_says(name: str) -> str | None:
    """"lost", "won" or "closed" (closed, outcome not said) when the stage name says so, else None."""
    text = _PIPELINE_PREFIX.sub("", str(name).strip()).lower()
    for kind in ("lost", "won", "closed"):
        if any(p.search(text) for p in _words()[kind]):
            return kind
    return None


def translate(text: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Export values -> contract values; '*' maps every other non-empty value."""
    exact = {k: v for k, v in mapping.items() if k != "*"}
    out = text.replace(exact) if exact else text
    if "*" in mapping:
        out = out.where(text.isna() | text.isin(exact.keys()), mapping["*"])
    return out


@dataclass
class Translated:
    """An enum column's text after translation, with what was decided without a mapping."""

    text: pd.Series
    basis_header: str  # the file's header the values were read from (the stage's for a flags status)
    inferred: list[tuple[str, int, str]] = field(default_factory=list)  # (stage, rows, status)
    inferred_mask: pd.Series | None = None
    contradicted: list[tuple[str, int, str]] = field(default_factory=list)  # (stage, rows, what it says)
    contradicted_mask: pd.Series | None = None


def _counts(values: pd.Series, outcome=None) -> list[tuple[str, int, str]]:
    counts = values.value_counts(sort=False)
    return [(str(v), int(n), outcome(v) if outcome else "") for v, n in sorted(counts.items(), key=lambda x: str(x[0]))]


def translate_column(raw: pd.DataFrame, header: str, name: str, allowed: tuple[str, ...], source,
                     preset_values: dict[str, str], own_values: dict[str, str], stage: str | None) -> Translated:
    """The cells of `header` for enum column `name`, translated as the module docstring says.

    `stage`: the header read as the stage column (None without one); `source`: the resolved table
    source (its reshape `flags` step tells whether `header` is that step's result)."""
    flags = (source.reshape or {}).get("flags") or {}
    from_flags = bool(flags) and header == flags.get("into")
    from_stage = name == "status" and set(allowed) == set(STATUSES) and (from_flags or header == stage)
    basis_header = stage if from_flags and stage else header
    basis = raw[basis_header]
    text = translate(raw[header], preset_values)
    prefixed = text.eq(raw[header]) & raw[header].str.match(_PIPELINE_PREFIX, na=False)
    if prefixed.any():  # a Bitrix24 stage of pipeline n: C6:WON is the preset's WON
        stripped = translate(raw[header].str.replace(_PIPELINE_PREFIX, "", regex=True), preset_values)
        text = text.mask(prefixed & stripped.str.lower().isin(allowed), stripped)
    own = {k: v for k, v in own_values.items() if k != "*"}
    listed = basis.isin(own.keys())
    unresolved = text.notna() & ~text.str.lower().isin(allowed) & ~listed
    result = Translated(text, basis_header)
    if from_stage:
        closed = _flag_true(raw, flags.get("closed", [])) if from_flags else pd.Series(False, index=raw.index)
        says = basis.map(lambda v: stage_says(v) if isinstance(v, str) else None)
        inferred = pd.Series(np.select([says.eq("won"), says.eq("lost"), says.isna() & ~closed],
                                       ["won", "lost", "open"], ""), index=raw.index)
        infer = unresolved & inferred.ne("")
        if infer.any() and "*" not in own_values:
            text = text.mask(infer, inferred)
            result.inferred = _counts(basis[infer], lambda v: inferred[basis == v].iloc[0])
            result.inferred_mask = infer
        if from_flags:
            clash = raw[header].eq("open") & says.notna() & ~listed
            if clash.any():
                result.contradicted = _counts(basis[clash], lambda v: says[basis == v].iloc[0])
                result.contradicted_mask = clash
    if "*" in own_values:
        text = text.mask(unresolved, own_values["*"])
    result.text = text.mask(listed, basis.map(own))
    return result


def _flag_true(raw: pd.DataFrame, headers: list[str]) -> pd.Series:
    """Rows whose first present flag header says yes."""
    header = next((h for h in headers if h in raw.columns), None)
    if header is None:
        return pd.Series(False, index=raw.index)
    return raw[header].str.lower().isin(TRUE_WORDS).fillna(False).astype(bool)
