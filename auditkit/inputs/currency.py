"""Currencies of a table's amounts: never summed blind.

An export's currency column holds ISO codes (Salesforce CurrencyIsoCode, Bitrix24 CURRENCY_ID,
Pipedrive "Currency of Value") or the currency's name in the interface language (a Bitrix24 UI
export: "Российский рубль"); both are read as ISO codes. Rows in a currency other than the
report's are converted with the parameter `fx` (units of the report's currency per unit of the
other); without a rate for each, several currencies are an error (their sum means nothing) and a
single other currency a warning (the report would label it as the report's currency).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

SIGNS = {"€": "EUR", "$": "USD", "us$": "USD", "£": "GBP", "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB",
         "zł": "PLN", "zl": "PLN", "₴": "UAH", "грн": "UAH", "₸": "KZT", "тг": "KZT", "¥": "JPY"}


@cache
def _names() -> dict[str, str]:
    """Lower-case currency name (en, ru, pl) or sign -> ISO code."""
    import babel

    names = {}
    for language in ("pl", "ru", "en"):
        names.update({name.lower(): code for code, name in babel.Locale.parse(language).currencies.items()})
    return {**names, **SIGNS}


def iso_codes(text: pd.Series) -> pd.Series:
    """The cells as ISO codes: codes upper-cased, names and signs looked up; others kept as written."""
    stripped = text.str.strip()
    upper = stripped.str.upper()
    code = upper.where(upper.str.fullmatch(r"[A-Z]{3}", na=False))
    return code.fillna(stripped.str.lower().map(_names())).fillna(stripped)


@dataclass
class Currencies:
    """What a table's currency column says: row counts per currency, and what was done."""

    counts: list[tuple[str, int]]  # (ISO code, rows with it), most rows first
    rates: pd.Series | None  # per row: units of the report's currency per unit (None: not converted)
    missing: list[str]  # currencies other than the report's without a rate in fx


def currencies(text: pd.Series, report: str, fx: dict[str, float]) -> Currencies:
    """The rows' currencies (empty cells are in the report's, not counted) and, when every one has
    a rate, the rates."""
    codes = iso_codes(text)
    counts = [(str(c), int(n)) for c, n in codes.value_counts().items()]
    missing = [c for c, _ in counts if c != report and c not in fx]
    rates = None
    if not missing and any(c != report for c, _ in counts):
        rates = codes.fillna(report).map({**fx, report: 1.0}).astype("float64")
    return Currencies(counts, rates, missing)
