"""Catalogues: Russian is complete, every translation keeps the placeholders; locale formats."""
import re
import string

import pandas as pd
import pytest

from auditkit.i18n import LANGUAGES, Locale, catalogue, plural_categories


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
    allowed = {"units.quarter", "typography.quote"}
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


# ------------------------------------------------------------------ plural forms (CLDR) and list agreement

COUNTS = (0, 1, 2, 4, 5, 11, 21, 22, 25, 1.5)
CATEGORIES = {
    "en": ("other", "one", "other", "other", "other", "other", "other", "other", "other", "other"),
    "ru": ("many", "one", "few", "few", "many", "many", "one", "few", "many", "other"),
    "pl": ("many", "one", "few", "few", "many", "many", "many", "few", "many", "other"),
}
WORDS = {  # the forms of one noun in the languages' category order, and the text expected per count
    "en": ("{n:plural:point|points}", ("points", "point", "points", "points", "points", "points", "points",
                                       "points", "points", "points")),
    "ru": ("{n:plural:пункт|пункта|пунктов|пункта}", ("пунктов", "пункт", "пункта", "пункта", "пунктов", "пунктов",
                                                     "пункт", "пункта", "пунктов", "пункта")),
    "pl": ("{n:plural:punkt|punkty|punktów|punktu}", ("punktów", "punkt", "punkty", "punkty", "punktów", "punktów",
                                                     "punktów", "punkty", "punktów", "punktu")),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plural_category_follows_cldr(language):
    loc = Locale(language)
    assert tuple(loc.plural(n) for n in COUNTS) == CATEGORIES[language]
    assert plural_categories(language) == (("one", "other") if language == "en" else ("one", "few", "many", "other"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plural_picks_the_form_for_the_number_raw_or_formatted(language, monkeypatch):
    loc = Locale(language)
    text, expected = WORDS[language]
    monkeypatch.setitem(catalogue(language), "test.points", "{n} " + text)
    for n, word in zip(COUNTS, expected):
        shown = loc.number(n, 1 if isinstance(n, float) else 0)
        assert loc.t("test.points", n=n) == f"{n} {word}"  # a raw number
        assert loc.t("test.points", n=shown) == f"{shown} {word}"  # as the Locale formats it
    # a negative count takes the form of its absolute value; "1,234" / "1 234" is 1234 (few in ru and pl)
    assert loc.t("test.points", n=loc.points(-53)).endswith(expected[7] if language != "en" else "points")
    assert loc.plural(loc.number(1234)) == ("other" if language == "en" else "few")
    assert loc.plural(loc.number(21.0, 1)) == "other"  # "21,0" shows a fraction digit


def test_the_russian_and_polish_texts_of_the_review_read_right(monkeypatch):
    ru, pl, en = Locale("ru"), Locale("pl"), Locale("en")
    monkeypatch.setitem(catalogue("ru"), "test.nps", "{nps} {nps:plural:пункт|пункта|пунктов|пункта}")
    monkeypatch.setitem(catalogue("ru"), "test.reasons", "На {n} {n:plural:причину|причины|причин|причины}")
    monkeypatch.setitem(catalogue("pl"), "test.found", "{n} {n:plural:odchylenie|odchylenia|odchyleń|odchylenia}")
    monkeypatch.setitem(catalogue("en"), "test.found", "{n} {n:plural:deviation|deviations}")
    assert ru.t("test.nps", nps=ru.points(-53)) == "−53 пункта"
    assert ru.t("test.nps", nps=ru.points(43)) == "+43 пункта"
    assert ru.t("test.reasons", n=4) == "На 4 причины"
    assert pl.t("test.found", n=5) == "5 odchyleń"
    assert en.t("test.found", n=1) == "1 deviation"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_list_agrees_with_one_name_or_several(language, monkeypatch):
    loc = Locale(language)
    monkeypatch.setitem(catalogue(language), "test.list", "{n:list:this channel pays|these channels pay}")
    assert [loc.t("test.list", n=k) for k in (1, 2, 21)] == ["this channel pays"] + ["these channels pay"] * 2


def test_a_plural_with_a_wrong_number_of_forms_or_no_count_is_an_error(monkeypatch, tmp_path):
    from auditkit.i18n import _check_choices

    with pytest.raises(ValueError, match="needs 4"):
        _check_choices("ru", "x.yaml", {"k": "{n} {n:plural:пункт|пункта|пунктов}"})
    with pytest.raises(ValueError, match="needs 2"):
        _check_choices("pl", "x.yaml", {"k": "{n:list:a|b|c}"})
    with pytest.raises(ValueError, match="not closed"):
        _check_choices("en", "x.yaml", {"k": "{n:plural:a|{b}}"})
    monkeypatch.setitem(catalogue("en"), "test.points", "{n} {n:plural:point|points}")
    with pytest.raises(KeyError, match="needs the value 'n'"):
        Locale("en").t("test.points", m=1)
    with pytest.raises(ValueError, match="needs a number"):
        Locale("en").t("test.points", n="12.3%")


# ------------------------------------------------------------------ typography

@pytest.mark.parametrize("language", LANGUAGES)
def test_negative_numbers_money_and_shares_take_the_minus_sign(language):
    loc = Locale(language, "RUB")
    texts = [loc.number(-1234), loc.number(-0.5, 1), loc.money(-7217293), loc.money(-1.5, 2), loc.pct(-0.123),
             loc.short(-5_000_000), loc.money_short(-5_000_000), loc.points(-45), loc.deviation(-0.05, "pct"),
             loc.deviation(-1200, "money"), loc.value(-3, "days"), loc.value(-2.5, "ratio")]
    assert all("\u2212" in t for t in texts), texts
    assert not [t for t in texts if re.search(r"-\s*\S?\s*\d", t)], texts  # no hyphen before a digit
    assert "\u2212" not in loc.money(-0.2) + loc.number(-0.04, 1) + loc.pct(-0.00001)  # no "−0", "−RUB 0"


def test_the_percent_sign_follows_the_locale_as_babel_writes_it():
    assert Locale("en").pct(0.123) == "12.3%"
    assert Locale("pl").pct(0.123) == "12,3%"
    assert Locale("ru").pct(0.123) == "12,3\u00a0%" and Locale("ru").pct(0.8, 0) == "80\u00a0%"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_percentages_are_written_as_the_locale_formats_them(language):
    """One style per language, Babel's: '80%' in English and Polish, '80 %' (no-break space) in Russian."""
    sample = Locale(language).pct(0.8, 0)
    style = re.compile(r"\d\u00a0%") if "\u00a0" in sample else re.compile(r"\d%")
    other = [k for k, v in catalogue(language).items()
             if re.search(r"\d[ \u00a0]?%", v) and len(re.findall(r"\d[ \u00a0]?%", v)) != len(style.findall(v))]
    assert not other, other


def test_no_negative_zero_and_a_symbol_sticks_to_short_money_as_to_money():
    usd = Locale("en", "USD")
    assert (usd.money(-0.0), usd.number(-0.0), usd.pct(-0.0)) == ("$0", "0", "0.0%")  # the Maven "total -$0"
    assert (usd.money(1_153_214), usd.money_short(1_200_000), usd.money_short(-1_200_000)) == (
        "$1,153,214", "$1.2 mn", "−$1.2 mn")
    assert Locale("en", "RUB").money_short(1_200_000) == "RUB 1.2 mn"
    assert usd.money_range(1_943_987, 4_307_876) == "$1.9–4.3 mn"  # the Maven "$ 1.9–4.3 mn"
    assert Locale("en", "RUB").money_range(18e6, 36e6) == "RUB 18–36 mn"
    assert Locale("ru", "RUB").money_short(-1_200_000) == "−1,2 млн ₽"
