"""Which preset an export is, from its headers (a table given as `file:` without `preset:`, and
`auditkit new-client --from`).

A preset fits a file when the headers it maps (and the wide columns it turns into rows) give every
required column of its table, and one of them is read by no preset of another table (or, when the
preset names its `signature` headers, one of those is in the file); its score is the number of its headers found, not counting headers
that are contract column names anyway (a file in the contract's own layout fits no preset). The
best fitting preset with at least MIN_HEADERS found wins; a preset marked `fallback` (people as
clients: Pipedrive persons, amoCRM contacts) only when no other preset of its table fits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from auditkit.inputs.contracts import contracts
from auditkit.inputs.presets import load_preset, preset_names

MIN_HEADERS = 3


@dataclass(frozen=True)
class Match:
    """A preset that fits a file: its name, table and the file's headers it reads."""

    preset: str
    table: str
    headers: tuple[str, ...]
    fallback: bool = False

    @property
    def score(self) -> int:
        return len(self.headers)

    @property
    def rank(self) -> tuple[bool, int]:
        """Order of preference among the matches of one table: not a fallback first, then the score."""
        return not self.fallback, self.score


def _targets(names) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


def _preset_headers(preset: dict) -> set[str]:
    flags = preset.get("reshape", {}).get("flags") or {}
    return {*preset.get("columns", {}), *preset.get("currency_column", []),
            *(h for key in ("won", "closed", "active") for h in flags.get(key, []))}


@cache
def _headers_of_other_tables(table: str) -> frozenset[str]:
    """Headers the presets of the other tables read: a file fits a preset only with one header
    besides these (an opportunities export has the Id, Type and OwnerId of an accounts export)."""
    return frozenset(h for name in preset_names() if (p := load_preset(name))["table"] != table
                     for h in _preset_headers(p))


def match(preset_name: str, headers: list[str]) -> Match | None:
    """The preset's match on a file with these headers, or None when it does not fit."""
    preset = load_preset(preset_name)
    contract = contracts()[preset["table"]]
    present = set(headers)
    own = {c.lower() for c in contract.columns}
    found = [h for h in [*preset.get("columns", {}), *preset.get("currency_column", [])] if h in present]
    covered = {t for h in found if h in preset.get("columns", {}) for t in _targets(preset["columns"][h])}
    covered |= {h.lower() for h in headers if h.lower() in own}
    reshape = preset.get("reshape", {})
    covered |= set(reshape.get("constant", {}))  # a column every row of the export has by definition
    covered |= {reshape["row_id"]} if reshape.get("row_id") else set()  # made from the row numbers
    covered |= {(reshape.get("select") or {}).get("into")} - {None}  # the kind of each row kept
    by_name = [e for e in preset.get("ids", []) if e["header"] in present]  # read from the export beside
    covered |= {e["column"] for e in by_name}
    found += [e["header"] for e in by_name]
    flags = reshape.get("flags")
    flag_headers = [h for key in ("won", "closed", "active") for h in (flags or {}).get(key, [])]
    if flags and any(h in present for h in flag_headers):
        found += [h for h in flag_headers if h in present]
        covered |= {t for t in _targets(preset["columns"].get(flags["into"], []))}
    unpivot = reshape.get("unpivot")
    if unpivot:
        wide = [h for h in headers if any(re.fullmatch(p, h) for p in unpivot["headers"])]
        if wide:
            found += wide
            covered |= {unpivot["names_to"], unpivot["values_to"]}
        else:
            return None
    if preset.get("signature"):  # headers only this export has (a lead export's "Название лида")
        distinctive = any(h in present for h in preset["signature"])
    else:
        distinctive = any(h not in _headers_of_other_tables(preset["table"]) for h in found)
    fits = distinctive and all(c in covered for c in contract.required) and (
        not contract.one_of_required or any(all(c in covered for c in alt) for alt in contract.one_of_required))
    scored = tuple(h for h in dict.fromkeys(found) if h.lower() not in own)
    if not fits or len(scored) < MIN_HEADERS:
        return None
    return Match(preset_name, preset["table"], scored, bool(preset.get("fallback")))


def best_preset(headers: list[str], table: str | None = None) -> Match | None:
    """The best fitting preset (of `table`, when given) for a file with these headers."""
    found = [m for name in preset_names() if (m := match(name, headers)) and (table is None or m.table == table)]
    return max(found, key=lambda m: m.rank, default=None)


def matches_by_table(headers: list[str]) -> dict[str, Match]:
    """The best fitting preset of every table this file can give (a HubSpot deals export gives
    deals and, with its "Date entered" columns, stage_history)."""
    best: dict[str, Match] = {}
    for name in preset_names():
        m = match(name, headers)
        if m and (m.table not in best or m.rank > best[m.table].rank):
            best[m.table] = m
    return best

