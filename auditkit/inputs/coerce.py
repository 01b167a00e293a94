"""Text cells of an export to typed values: numbers, dates, months and yes/no words.

Each parser takes a Series of text cells and returns the parsed Series, with NaN/NaT where a
cell does not parse (the loader reports those cells with file, row and column). `parse_dates` and
`parse_numbers` also return masks of the cells that parsed to something that cannot be right
(a date outside DATE_RANGE, an amount beyond MAX_ABS, a decimal point in a decimal-comma file), so
that the loader reports them too instead of computing with them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "да", "tak", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "нет", "nie", "f"})
DATE_FORMATS = (
    "ISO8601", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M",
    "%m/%d/%Y", "%m/%d/%Y %H:%M", "%d-%m-%Y", "%d-%m-%Y %H:%M", "%Y%m%d",
)
# Dates a sales export can plausibly hold; outside it a date is a typo or a placeholder (2999-01-01,
# 9999-12-31), and pandas cannot even hold most of them at nanosecond precision (it ends 2262-04-11).
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31 23:59:59"))
# No amount, price, quantity or target of one row of a company's export is this large in any
# currency; a larger one (1e308, a pasted account number) is an error, not a number to add up.
MAX_ABS = 1e12
_OFFSET = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$"  # after a time of day
_SPACES = r"[\s\u00a0\u202f']"


@dataclass
class ParsedDates:
    value: pd.Series  # datetime64[ns], naive, in the client's time zone
    out_of_range: pd.Series  # parsed, but outside DATE_RANGE (value is NaT)
    empty_1c: pd.Series  # 1C's "empty date" 0001-01-01 (value is NaT)
    with_zone: pd.Series  # carried a UTC offset and was converted to `zone`
    zone_needed: pd.Series  # carried an offset, but no zone was given to convert it to (value is NaT)


@dataclass
class ParsedNumbers:
    value: pd.Series  # float64
    not_finite: pd.Series  # inf, -inf, Infinity (value is NaN)
    too_large: pd.Series  # |value| > MAX_ABS (value is NaN)
    wrong_decimal: pd.Series  # a "." that is not a thousands separator in a decimal-comma file (NaN)


def parse_numbers(text: pd.Series, decimal: str) -> ParsedNumbers:
    cleaned = text.str.replace(_SPACES, "", regex=True)
    wrong_decimal = pd.Series(False, index=text.index)
    if decimal == ",":
        # with a decimal comma a "." can only group thousands: 1.234.567,5; 4311.5 is a decimal point
        has_dot = cleaned.str.contains(".", regex=False, na=False)
        grouped = cleaned.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?", na=False)
        wrong_decimal = has_dot & ~grouped
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        cleaned = cleaned.mask(wrong_decimal)
    value = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    not_finite = pd.Series(np.isinf(value.to_numpy()), index=text.index)
    too_large = pd.Series(np.abs(value.to_numpy()) > MAX_ABS, index=text.index) & ~not_finite
    value = value.mask(not_finite | too_large)
    return ParsedNumbers(value, not_finite, too_large, wrong_decimal)


def parse_number(text: pd.Series, decimal: str) -> pd.Series:
    return parse_numbers(text, decimal).value


def _to_datetime(text: pd.Series, fmt: str, utc: bool = False) -> pd.Series:
    """pd.to_datetime that never raises for a cell: mixed offsets are parsed as UTC."""
    try:
        return pd.to_datetime(text, format=fmt, errors="coerce", utc=utc)
    except ValueError:  # "Mixed timezones detected" and the like
        return pd.to_datetime(text, format=fmt, errors="coerce", utc=True)


def choose_date_format(text: pd.Series, date_format: str | None) -> str:
    if date_format:
        return date_format
    sample = text.dropna().head(2000)
    best, best_ok = DATE_FORMATS[0], -1
    for fmt in DATE_FORMATS:
        ok = _to_datetime(sample, fmt, utc=True).notna().sum()
        if ok > best_ok:
            best, best_ok = fmt, ok
        if ok == len(sample):
            break
    return best


def parse_dates(text: pd.Series, date_format: str | None, zone: str | None = None) -> ParsedDates:
    """Parse date cells; cells with a UTC offset (some rows only, or mixed offsets) are converted
    to `zone` (the client's time zone) and the offset dropped; the others are taken as local."""
    fmt = choose_date_format(text, date_format)
    text = text.astype("object").where(text.notna(), None)
    has_offset = text.str.contains(_OFFSET, regex=True, na=False) & (fmt == "ISO8601" or "%z" in fmt or "%Z" in fmt)
    naive = _to_datetime(text.where(~has_offset), fmt)
    if getattr(naive.dt, "tz", None) is not None:  # a format with %z given offsets pandas kept
        naive = naive.dt.tz_convert(zone or "UTC").dt.tz_localize(None)
    naive = naive.astype("datetime64[us]")
    zone_needed = has_offset & (zone is None)
    if has_offset.any() and zone is not None:
        aware = _to_datetime(text.where(has_offset), fmt, utc=True).dt.tz_convert(zone).dt.tz_localize(None)
        naive = naive.where(~has_offset, aware.astype("datetime64[us]"))
    empty_1c = naive.dt.year.eq(1).fillna(False).astype(bool)
    out_of_range = (naive.notna() & ((naive < DATE_RANGE[0]) | (naive > DATE_RANGE[1]))).astype(bool) & ~empty_1c
    value = naive.mask(out_of_range | empty_1c).astype("datetime64[ns]")
    return ParsedDates(value, out_of_range, empty_1c, has_offset & ~zone_needed & value.notna(), zone_needed)


def parse_date(text: pd.Series, date_format: str | None, zone: str | None = None) -> pd.Series:
    return parse_dates(text, date_format, zone).value


def parse_period(text: pd.Series, date_format: str | None, zone: str | None = None) -> pd.Series:
    return parse_periods(text, date_format, zone).value


def parse_periods(text: pd.Series, date_format: str | None, zone: str | None = None) -> ParsedDates:
    month = text.str.extract(r"^(\d{4})[-./](\d{1,2})$")
    month_first = text.str.extract(r"^(\d{1,2})[-./](\d{4})$")
    as_month = pd.to_datetime(
        month[0].fillna(month_first[1]) + "-" + month[1].fillna(month_first[0]) + "-01",
        format="%Y-%m-%d", errors="coerce").astype("datetime64[us]")
    bad_month = (as_month.notna() & ((as_month < DATE_RANGE[0]) | (as_month > DATE_RANGE[1]))).astype(bool)
    dates = parse_dates(text.where(as_month.isna()), date_format, zone)
    value = as_month.mask(bad_month).astype("datetime64[ns]").fillna(dates.value)
    dates.value = value.dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]")
    dates.out_of_range = dates.out_of_range | bad_month
    return dates
