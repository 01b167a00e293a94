"""Reshape steps: turn a vendor's export layout into one the loader maps, before header mapping.

Steps run on the raw text frame right after reading, in this order: footer, superseded, select,
unpivot, constant, row_id, join, blank, coalesce, flags, dates, numbers, sign. A step names contract columns (resolved to the file's header
through the source's `columns`, like the loader does) except where it says "header". Steps other
than `unpivot` keep every data row where it is, so problems still name the file's rows; after
`unpivot`, rows are those of the long table. Presets (auditkit/data/presets/) and a client's
`tables.<table>.reshape` both use them.
"""
from __future__ import annotations

import re
from typing import Mapping, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from auditkit.inputs.coerce import FALSE_WORDS, TRUE_WORDS



class TableSource(Protocol):
    """What the steps read of a table's source settings (auditkit.inputs.params.TableSource)."""

    columns: Mapping[str, str | list[str]]
    date_format: str | None
    decimal: str
    reshape: dict
_SPACES = r"[\s\u00a0\u202f']"
# a number with an optional sign, currency symbol/code before or after and an optional % after
_CURRENCY = r"(?:[A-Z]{3}|[$€£¥₽₴₸]|руб\.?|р\.)"
_NUMBER = re.compile(rf"^(-?)\s*{_CURRENCY}?\s*(-?[\d.,'\s\u00a0\u202f]*\d)\s*(?:%|{_CURRENCY})?$")


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compiles(patterns: str | list[str] | None):
    """The patterns unchanged; ValueError when one is not a valid regular expression."""
    for pattern in [] if patterns is None else [patterns] if isinstance(patterns, str) else patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from None
    return patterns


class Unpivot(_Step):
    """Wide columns whose header fully matches one of `headers` (regexes) become rows: the `keep`
    contract columns, `names_to` = the regex group `name` (else the whole header) and
    `values_to` = the cell; empty cells give no row. Without a matching header nothing changes."""

    headers: list[str]
    keep: list[str] = []
    names_to: str
    values_to: str

    @field_validator("headers")
    @classmethod
    def _valid(cls, v):
        return _compiles(v)


class Flags(_Step):
    """A new header `into` = won / lost / open from yes/no columns (headers; the first present of
    each list): won if won; lost if closed and not won, or not active (Odoo archives lost
    opportunities: Active = False); open if not closed. Other rows take the text of the
    `fallback` contract column (e.g. the stage, then translated by `values`)."""

    into: str
    won: list[str] = []
    closed: list[str] = []
    active: list[str] = []
    fallback: str | None = None


class Dates(_Step):
    """Cells of `columns` parsed by the first of `formats` (strftime or ISO8601) that fits, written
    back as ISO text; other cells are left for the loader to report. Skipped when the source
    sets `date_format`."""

    columns: list[str]
    formats: list[str]


class Select(_Step):
    """Only the rows whose `header` cell (the first of several headers present) matches one of
    `values` (regular expressions searched, ignoring case; value -> pattern) are kept; the others
    are left out and counted per cell text (an amoCRM events list mixes calls and notes with field
    changes). With `into`, a new header of that name takes the value of the first pattern each kept
    row matches (the activity type). Without the header in the file nothing changes."""

    header: str | list[str]
    values: dict[str, str]
    into: str | None = None

    @field_validator("values")
    @classmethod
    def _valid(cls, v):
        return {value: _compiles(pattern) for value, pattern in v.items()}


class Sign(_Step):
    """`columns` made negative where positive, in rows whose `when` column matches `pattern` (a
    regex searched from the start), e.g. cancelled invoices "C536379" or 1C "Возврат ..." documents."""

    columns: list[str]
    when: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _valid(cls, v):
        return _compiles(v)


class Reshape(_Step):
    """Layout changes of an export (each optional; see the module docstring for the order).

    footer: a regex; the first row whose first cell matches it (from its start), every row after
      it and the title/empty rows just before it are dropped (report footers such as Salesforce's).
    superseded: header -> headers dropped when that header is in the file (HubSpot's deal currency
      once the amount in the company's currency is exported: those amounts are all in one currency).
    select: keep only the rows of some kinds, writing their kind into a column (see Select).
    constant: contract column -> the value of every row when the file has no header for that column
      (a HubSpot calls export has no type column: each of its rows is a call).
    row_id: a contract column that, when the file has no header for it, is made from the file's name
      and each row's number in the file ("events.csv:12"): an export without row ids (amoCRM's events
      list) gets a unique, findable key, also across several files of one table.
    join: new header -> headers whose non-empty cells are joined with a space, per row, into it
      (header names; made only when one of them is in the file): a person's full name from
      Bitrix24's first and last name columns.
    blank: contract column -> the values that mean "none" there (e.g. "0" for no company in a
      Bitrix24 COMPANY_ID), emptied in every header mapped to the column.
    coalesce: contract columns whose mapped headers are combined per row: the first header present
      takes the first non-empty value of all of them, in mapping order.
    numbers: contract columns of numbers written as text in any locale: one decimal mark is
      detected for them all ("." or ","; the mark most unambiguous cells use: both marks in a
      cell, a single mark not followed by exactly three digits, or a repeated other mark; the
      source's `decimal` on a tie), thousands separators, currency symbols/codes and "%" are
      removed; the result is written in the source's `decimal`. Cells that are not a number are
      left for the loader to report.
    """

    footer: str | None = None
    superseded: dict[str, list[str]] = {}
    select: Select | None = None
    unpivot: Unpivot | None = None
    constant: dict[str, str] = {}
    row_id: str | None = None
    join: dict[str, list[str]] = {}
    blank: dict[str, list[str]] = {}
    coalesce: list[str] = []
    flags: Flags | None = None
    dates: Dates | None = None
    numbers: list[str] = []
    sign: Sign | None = None

    @field_validator("footer")
    @classmethod
    def _valid(cls, v):
        return _compiles(v)


def check_reshape(spec: dict) -> dict:
    """The validated reshape spec as a plain dict of the keys given (`sign: null` or `numbers: []`
    switch a preset's step off); ValueError names the bad keys."""
    try:
        return Reshape.model_validate(spec).model_dump(exclude_unset=True)
    except ValidationError as exc:
        raise ValueError("; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )) from None


def _headers(raw: pd.DataFrame, source: TableSource, name: str) -> list[str]:
    """Headers of the file mapped to contract column `name` in mapping order (the loader uses the
    first); without one, the header equal to `name` ignoring case."""
    mapped = [h for h, names in source.columns.items()
              if h in raw.columns and name in ([names] if isinstance(names, str) else names)]
    return mapped or [h for h in raw.columns if h.lower() == name.lower()][:1]


def _joined(cells: pd.DataFrame) -> pd.Series:
    """Non-empty cells of each row joined with a space; NaN where all are empty."""
    text = cells.apply(lambda row: " ".join(str(v) for v in row if pd.notna(v)), axis=1)
    return text.mask(text == "")


def _first(raw: pd.DataFrame, headers: list[str]) -> str | None:
    return next((h for h in headers if h in raw.columns), None)


def _footer(raw: pd.DataFrame, pattern: str) -> pd.DataFrame:
    """Rows before the footer, without the rows of fewer than two cells just before it."""
    hit = np.flatnonzero(raw.iloc[:, 0].str.match(pattern, na=False).to_numpy())
    if not len(hit):
        return raw
    data_rows = np.flatnonzero((raw.iloc[: hit[0]].notna().sum(axis=1) > 1).to_numpy())
    return raw.iloc[: data_rows[-1] + 1 if len(data_rows) else 0]


def _unpivot(raw: pd.DataFrame, source: TableSource, spec: Unpivot) -> pd.DataFrame:
    regexes = [re.compile(p) for p in spec.headers]
    wide = {}
    for header in raw.columns:
        match = next((m for r in regexes if (m := r.fullmatch(header))), None)
        if match:
            wide[header] = match.groupdict().get("name") or header
    if not wide:
        return raw
    keep = [h for name in spec.keep for h in _headers(raw, source, name)[:1]]
    cells = raw[list(wide)].to_numpy(dtype=object)
    rows, cols = np.nonzero(pd.notna(cells))  # row-major: a deal's entries stay together
    out = raw[keep].iloc[rows]  # the index keeps each entry's row number in the file
    out[spec.names_to] = pd.array(np.array(list(wide.values()), dtype=object)[cols], dtype="str")
    out[spec.values_to] = pd.array(cells[rows, cols], dtype="str")
    return out


def _coalesce(raw: pd.DataFrame, source: TableSource, name: str) -> None:
    headers = _headers(raw, source, name)
    if len(headers) > 1:
        combined = raw[headers[0]]
        for header in headers[1:]:
            combined = combined.fillna(raw[header])
        raw[headers[0]] = combined


def _flags(raw: pd.DataFrame, source: TableSource, spec: Flags) -> None:
    def truth(header, words):
        if header is None:
            return pd.Series(False, index=raw.index)
        return raw[header].str.lower().isin(words)

    won, closed, active = _first(raw, spec.won), _first(raw, spec.closed), _first(raw, spec.active)
    if won is None and closed is None and active is None:
        return
    is_won, not_won = truth(won, TRUE_WORDS), truth(won, FALSE_WORDS)
    is_closed, not_closed = truth(closed, TRUE_WORDS), truth(closed, FALSE_WORDS)
    archived = truth(active, FALSE_WORDS)
    status = pd.Series(np.select([is_won, (is_closed & not_won) | archived, not_closed], ["won", "lost", "open"], ""),
                       index=raw.index, dtype="str")
    fallback = _headers(raw, source, spec.fallback)[:1] if spec.fallback else []
    other = raw[fallback[0]] if fallback else pd.Series(np.nan, index=raw.index, dtype="str")
    raw[spec.into] = status.where(status != "", other)


def _to_naive(parsed: pd.Series) -> pd.Series:
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _dates(raw: pd.DataFrame, source: TableSource, spec: Dates) -> None:
    if source.date_format:
        return
    for name in spec.columns:
        for header in _headers(raw, source, name)[:1]:
            text = raw[header]
            parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
            for fmt in spec.formats:
                parsed = parsed.fillna(_to_naive(pd.to_datetime(text, format=fmt, errors="coerce")))
            raw[header] = parsed.dt.strftime("%Y-%m-%d %H:%M:%S").where(parsed.notna(), text)


def _decimal_mark(cleaned: pd.Series, default: str) -> str:
    """"." or ",": the mark the unambiguous cells use as decimal (`default` on a tie)."""
    last = cleaned.str.extract(r"([.,])\d*$")[0]
    after = cleaned.str.extract(r"[.,](\d*)$")[0].str.len()
    count = {m: cleaned.str.count(re.escape(m)) for m in ".,"}
    evidence = {}
    for mark, other in ((".", ","), (",", ".")):
        both = (last == mark) & (count[other] > 0)
        single = (count[mark] == 1) & (count[other] == 0) & (after != 3)
        grouped_other = (count[other] > 1) & (count[mark] == 0)
        evidence[mark] = int((both | single | grouped_other).sum())
    if evidence["."] == evidence[","]:
        return default
    return "." if evidence["."] > evidence[","] else ","


def _numbers(raw: pd.DataFrame, source: TableSource, names: list[str]) -> None:
    """Rewrite the number columns `names` in the source's decimal notation (one mark for them all)."""
    headers = [h for name in names for h in _headers(raw, source, name)[:1]]
    if not headers:
        return
    cleaned = {}
    for header in headers:
        parts = raw[header].str.extract(_NUMBER)
        cleaned[header] = parts[0] + parts[1].str.replace(_SPACES, "", regex=True)
    mark = _decimal_mark(pd.concat(cleaned.values(), ignore_index=True), source.decimal)
    other = "," if mark == "." else "."
    for header, text in cleaned.items():
        normal = text.str.replace(other, "", regex=False)
        raw[header] = normal.str.replace(mark, source.decimal, regex=False).fillna(raw[header])


def _sign(raw: pd.DataFrame, source: TableSource, spec: Sign) -> None:
    when = _headers(raw, source, spec.when)[:1]
    if not when:
        return
    hit = raw[when[0]].str.match(spec.pattern, na=False)
    for name in spec.columns:
        for header in _headers(raw, source, name)[:1]:
            text = raw[header]
            flip = hit & text.notna() & ~text.str.startswith("-", na=False)
            raw[header] = text.mask(flip, "-" + text)


def matches(text: pd.Series, pattern: str, ignore_case: bool = False) -> pd.Series:
    """True where a text cell matches the regular expression `pattern` (searched); False for an empty cell."""
    regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    return text.map(lambda cell: isinstance(cell, str) and regex.search(cell) is not None).astype(bool)


def _select(raw: pd.DataFrame, spec: Select, dropped: dict | None) -> pd.DataFrame:
    """The rows of the kinds `spec` keeps (see Select); `dropped`, when given, receives
    {header: [(cell text, rows)]} of the others."""
    header = _first(raw, [spec.header] if isinstance(spec.header, str) else spec.header)
    if header is None:
        return raw
    text = raw[header].fillna("")
    kind = pd.Series(np.nan, index=raw.index, dtype="object")
    for value, pattern in spec.values.items():
        kind = kind.mask(kind.isna() & matches(text, pattern, ignore_case=True), value)
    gone = kind.isna()
    if dropped is not None and gone.any():
        counts = raw.loc[gone, header].fillna("").value_counts()
        dropped[header] = [(str(v), int(n)) for v, n in sorted(counts.items(), key=lambda x: (-x[1], str(x[0])))]
    raw = raw[~gone].copy()
    if spec.into:
        raw[spec.into] = kind[~gone].astype("str")
    return raw


def reshape(raw: pd.DataFrame, source: TableSource, file: str = "", dropped: dict | None = None) -> pd.DataFrame:
    """The raw text frame with the source's reshape steps applied (unchanged without steps). `file`:
    the file's name (for `row_id`); `dropped` receives the rows `select` left out."""
    if not source.reshape:
        return raw
    spec = Reshape.model_validate(source.reshape)
    raw = _footer(raw, spec.footer) if spec.footer else raw
    raw = raw.copy()
    for header, superseded in spec.superseded.items():
        if header in raw.columns:
            raw = raw.drop(columns=[h for h in superseded if h in raw.columns])
    if spec.select:
        raw = _select(raw, spec.select, dropped)
    if spec.unpivot:
        raw = _unpivot(raw, source, spec.unpivot)
    for name, value in spec.constant.items():
        if not _headers(raw, source, name):
            raw[name] = value
    if spec.row_id and not _headers(raw, source, spec.row_id):
        raw[spec.row_id] = [f"{file}:{row}" for row in raw.index]
    for new, parts in spec.join.items():
        if any(h in raw.columns for h in parts) and new not in raw.columns:
            raw[new] = _joined(raw[[h for h in parts if h in raw.columns]])
    for name, values in spec.blank.items():
        for header in _headers(raw, source, name):
            raw[header] = raw[header].mask(raw[header].isin(values))
    for name in spec.coalesce:
        _coalesce(raw, source, name)
    if spec.flags:
        _flags(raw, source, spec.flags)
    if spec.dates:
        _dates(raw, source, spec.dates)
    if spec.numbers:
        _numbers(raw, source, spec.numbers)
    if spec.sign:
        _sign(raw, source, spec.sign)
    return raw
