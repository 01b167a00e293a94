"""Catalogues: Russian is complete, every translation keeps the placeholders; locale formats."""
import re
import string

import pandas as pd
import pytest

from auditkit.i18n import LANGUAGES, Locale, catalogue


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_placeholders(language):
    en, other = catalogue("en"), catalogue(language)
    assert set(other) <= set(en), f"keys unknown in English: {sorted(set(other) - set(en))[:10]}"
    bad = [k for k in other if _fields(other[k]) != _fields(en[k])]
    assert not bad, bad


@pytest.mark.parametrize("language", ["ru", "pl"])
def test_russian_and_polish_are_complete(language):
    missing = sorted(set(catalogue("en")) - set(catalogue(language)))
    assert not missing, missing


def test_no_text_left_in_english_in_russian_catalogue():
    ru = catalogue("ru")
    latin_only = [k for k, v in ru.items() if re.search(r"[A-Za-z]{4,}", v) and not re.search(r"[А-Яа-яЁё]", v)]
    allowed = {"units.quarter"}
    assert [k for k in latin_only if k not in allowed and not re.fullmatch(r"[A-Z:/, ]+(\{\w+\})?|\{.*\}.*", ru[k])] == []


def test_money_number_percent_and_dates_follow_the_locale():
    ru, en = Locale("ru", "RUB"), Locale("en", "RUB")
    assert ru.money(1234567.89, 2) == "1\u00a0234\u00a0567,89\u00a0₽"
    assert en.money(1234567.89, 2) == "RUB\u00a01,234,567.89"
    assert Locale("en", "USD").money(1234.5) == "$1,234"
    assert ru.pct(0.1234) == "12,3\u00a0%" or ru.pct(0.1234) == "12,3%"
    assert en.number(1234567) == "1,234,567"
    assert ru.date(pd.Timestamp("2025-03-01")).replace("\u202f", " ") == "1 марта 2025 г."
    assert en.period(pd.Timestamp("2025-04-01"), "Q") == "Q2 2025"
    assert en.points(-5) == "−5" and en.points(12) == "+12"
    assert en.money(float("nan")) == "—"
