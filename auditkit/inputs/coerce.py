"""Text cells of an export to typed values: numbers, dates, months and yes/no words.

Each parser takes a Series of text cells and returns the parsed Series, with NaN/NaT where a
cell does not parse (the loader reports those cells with file, row and column).
"""
from __future__ import annotations

import pandas as pd

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "да", "tak", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "нет", "nie", "f"})
DATE_FORMATS = (
    "ISO8601", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M",
    "%m/%d/%Y", "%m/%d/%Y %H:%M", "%d-%m-%Y", "%d-%m-%Y %H:%M", "%Y%m%d",
)


def parse_number(text: pd.Series, decimal: str) -> pd.Series:
    cleaned = text.str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    if decimal == ",":
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")


def choose_date_format(text: pd.Series, date_format: str | None) -> str:
    if date_format:
        return date_format
    sample = text.dropna().head(2000)
    best, best_ok = DATE_FORMATS[0], -1
    for fmt in DATE_FORMATS:
        ok = pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()
        if ok > best_ok:
            best, best_ok = fmt, ok
        if ok == len(sample):
            break
    return best


def parse_date(text: pd.Series, date_format: str | None) -> pd.Series:
    fmt = choose_date_format(text, date_format)
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def parse_period(text: pd.Series, date_format: str | None) -> pd.Series:
    month = text.str.extract(r"^(\d{4})[-./](\d{1,2})$")
    month_first = text.str.extract(r"^(\d{1,2})[-./](\d{4})$")
    as_month = pd.to_datetime(
        month[0].fillna(month_first[1]) + "-" + month[1].fillna(month_first[0]) + "-01",
        format="%Y-%m-%d", errors="coerce")
    as_date = parse_date(text.where(as_month.isna()), date_format)
    return as_month.fillna(as_date).dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]")
