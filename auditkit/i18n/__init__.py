"""Translations and locale formatting of everything a reader sees.

Texts live in catalogues (auditkit/i18n/<language>/*.yaml: one file for the shared texts and one
per stage, nested keys read as dotted ids; a key defined in two files is an error);
numbers, money, percentages and dates are formatted by Babel in the report's locale
(`1 234 567,89 ₽` in Russian).
"""
from __future__ import annotations

import math
from functools import cache
from importlib import resources

import pandas as pd
import yaml
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol

LANGUAGES = ("en", "ru", "pl")
VALUE_FORMATS = ("number", "decimal", "money", "pct", "days", "months", "points", "ratio", "text")
FALLBACK = "en"


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """All texts of one language, keyed by dotted id."""
    merged: dict[str, str] = {}
    folder = resources.files("auditkit").joinpath(f"i18n/{language}")
    for path in sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name):
        flat = _flatten(yaml.safe_load(path.read_text("utf-8")) or {})
        clash = sorted(set(flat) & set(merged))
        if clash:
            raise ValueError(f"i18n/{language}/{path.name} repeats keys defined elsewhere: {clash[:5]}")
        merged.update(flat)
    return merged


class Locale:
    """Texts and number formats of one report language and currency."""

    def __init__(self, language: str = "en", currency: str = "EUR"):
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
        self.language, self.currency = language, currency

    def has(self, key: str) -> bool:
        return key in catalogue(self.language) or key in catalogue(FALLBACK)

    def t(self, key: str, **values) -> str:
        """The text of `key` in this language (English when not yet translated), filled with values."""
        text = catalogue(self.language).get(key)
        if text is None:
            text = catalogue(FALLBACK)[key]
        return text.format(**values) if values else text

    def label(self, group: str, value) -> str:
        """Translated name of a data value (a stage, a channel...) or the value itself."""
        key = f"{group}.{value}"
        return self.t(key) if self.has(key) else str(value)

    # numbers ------------------------------------------------------------------------------
    def number(self, x, digits: int = 0) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(x, format=pattern, locale=self.language)

    def money(self, x, digits: int = 0) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "—"
        number = "#,##0" + ("." + "0" * digits if digits else "")
        if self.language != "en":
            fmt = number + "\u00a0¤"
        else:  # "$1,234" but "RUB 1,234"
            fmt = ("¤\u00a0" if self.currency_symbol.isalpha() else "¤") + number
        return format_currency(x, self.currency, format=fmt, locale=self.language, currency_digits=False)

    def short(self, x) -> str:
        """A large number in thousands / millions / billions: '1.2 mn', '1,2 млн' (axis ticks)."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "—"
        for size, key in ((1e9, "units.bn"), (1e6, "units.mn"), (1e3, "units.k")):
            if abs(x) >= size:
                value = self.number(x / size, 1 if abs(x) < 10 * size else 0)
                return self.t("units.scaled", value=value, unit=self.t(key))
        return self.number(x)

    def money_short(self, x) -> str:
        """Money in thousands / millions for tight spaces: 'RUB 1.2 mn', '1,2 млн ₽'."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "—"
        return self.t("units.money_scaled", value=self.short(x), currency=self.currency_symbol)

    def money_range(self, low, high, digits: int = 2) -> str:
        """A money range in one unit, each end to `digits` significant figures: 'RUB 18–36 mn',
        '18–36 млн ₽'; one amount when both ends round alike."""
        if low is None or high is None or (isinstance(high, float) and math.isnan(high)):
            return "—"
        size, unit = next(((s, k) for s, k in ((1e9, "units.bn"), (1e6, "units.mn"), (1e3, "units.k"))
                           if abs(high) >= s), (1, None))

        def part(x):
            scaled = x / size
            if scaled == 0:
                return self.number(0)
            decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(scaled)))))
            return self.number(round(scaled, decimals), decimals)

        lo, hi = part(low), part(high)
        value = hi if lo == hi else f"{lo}–{hi}"
        if unit:
            value = self.t("units.scaled", value=value, unit=self.t(unit))
        return self.t("units.money_scaled", value=value, currency=self.currency_symbol)

    @property
    def currency_symbol(self) -> str:
        return get_currency_symbol(self.currency, locale=self.language)

    def pct(self, share, digits: int = 1) -> str:
        """A share (0.123) as a percentage ('12.3%')."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(share, format=pattern, locale=self.language)

    def points(self, x, digits: int = 0) -> str:
        """Signed points (NPS, score deviations): '+12', '−5'."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "—"
        text = self.number(abs(x), digits)
        return ("+" if x > 0 else "−" if x < 0 else "") + text

    def value(self, value, fmt: str) -> str:
        """A value in one of the report's formats: number | decimal | money | pct | days | months |
        points | ratio (×) | text (returned as given); '—' when missing."""
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return "—"
        if fmt not in VALUE_FORMATS:
            raise ValueError(f"unknown format {fmt!r}; known: {', '.join(VALUE_FORMATS)}")
        return {
            "number": lambda v: self.number(v),
            "decimal": lambda v: self.number(v, 1),
            "money": lambda v: self.money(v),
            "pct": lambda v: self.pct(v),
            "days": lambda v: self.t("units.days", n=self.number(v, 1 if v < 10 else 0)),
            "months": lambda v: self.t("units.months", n=self.number(v, 1)),
            "points": lambda v: self.points(v),
            "ratio": lambda v: self.t("units.times", n=self.number(v, 1)),
            "text": lambda v: str(v),
        }[fmt](value)

    def deviation(self, difference: float, fmt: str) -> str:
        """A deviation with its sign: '+4.5 pp' (a difference of shares), '−RUB 1,200', '−0.5×'."""
        if fmt == "pct":
            return self.t("units.pp", n=self.points(difference * 100, 1))
        if fmt == "points":
            return self.points(difference)
        sign = "+" if difference > 0 else "−" if difference < 0 else ""
        return sign + self.value(abs(difference), fmt)

    # dates --------------------------------------------------------------------------------
    def date(self, d) -> str:
        if d is None or pd.isna(d):
            return "—"
        return format_date(pd.Timestamp(d).date(), "d MMM yyyy" if self.language == "en" else "long",
                           locale=self.language)

    def month(self, d) -> str:
        """'Mar 2025' / 'мар 2025' for axis ticks and table rows."""
        return format_date(pd.Timestamp(d).date(), "LLL yyyy", locale=self.language).replace(".", "")

    def period(self, d, freq: str) -> str:
        """A period label for 'M' (month) or 'Q' (quarter) periods starting at `d`."""
        ts = pd.Timestamp(d)
        if freq.startswith("Q"):
            return self.t("units.quarter", q=ts.quarter, year=ts.year)
        if freq.startswith(("Y", "A")):
            return str(ts.year)
        return self.month(ts)
