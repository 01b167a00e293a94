"""Translations and locale formatting of everything a reader sees.

Texts live in catalogues (auditkit/i18n/<language>/*.yaml: one file for the shared texts and one
per stage, nested keys read as dotted ids; a key defined in two files is an error);
numbers, money, percentages and dates are formatted by Babel in the report's locale
(`1 234 567,89 ₽` in Russian; a negative number takes the minus sign U+2212: `−5`, `−RUB 1,200`;
the percent sign as the locale writes it: `12.3%`, Russian `12,3 %`).

A text is a Python format string (`Locale.t(key, **values)`) and may choose words by a count:

    {n:plural:form|form|…}    the form the CLDR plural rule of the language picks for the number n
                              (numeral agreement), forms in the order of the language's categories:
                              English one|other, Russian and Polish one|few|many|other;
    {n:list:single|several}   the first form when n is 1, else the second (agreement with a list
                              of n names: "this channel pays" / "these channels pay").

The construct names its count like a placeholder but prints only the chosen form, so the number
is shown by its own placeholder, and the forms contain no braces and no `|`:

    '{n} {n:plural:deal is|deals are} open'                  "1 deal is open", "3 deals are open"
    '{nps} {nps:plural:пункт|пункта|пунктов|пункта}'         "−53 пункта", "1,5 пункта", "25 пунктов"
    'в {n_channels:list:канале|каналах} {channels}'          "в канале «Партнёры»"

Every category is written out, in that order ("1 punkt", "2 punkty", "5 punktów", "1,5 punktu");
a fractional number takes `other`. The count is a number (int, float, Decimal) or a number as
this Locale formats it (`number`, `points`, `value(…, "decimal")`: "1 234", "−53", "9,7"), read
back as the reader sees it: "1,5" is fractional, "21" is 21 (Russian "21 пункт"). Catalogues
are checked when read: a construct with the wrong number of forms is an error.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import cache
from importlib import resources

import babel
import pandas as pd
import yaml
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import (format_currency, format_decimal, format_percent, get_currency_symbol,
                           get_decimal_symbol, get_group_symbol)

LANGUAGES = ("en", "ru", "pl")
VALUE_FORMATS = ("number", "decimal", "money", "pct", "days", "months", "points", "ratio", "text")
FALLBACK = "en"
CHOICE = re.compile(r"\{(\w+):(plural|list):([^{}]*)\}")
CLDR_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
MINUS = "\u2212"


@cache
def plural_categories(language: str) -> tuple[str, ...]:
    """The CLDR plural categories of a language in the order its plural forms are written
    (en: one, other; ru and pl: one, few, many, other)."""
    tags = babel.Locale.parse(language).plural_form.tags
    return tuple(c for c in CLDR_CATEGORIES if c in tags or c == "other")


def _choice_forms(language: str, kind: str) -> tuple[str, ...]:
    return plural_categories(language) if kind == "plural" else ("single", "several")


def _check_choices(language: str, file: str, flat: dict[str, str]) -> None:
    """Every {n:plural:…} gives one form per plural category of the language, every {n:list:…} two."""
    for key, text in flat.items():
        found = CHOICE.findall(text)
        if text.count(":plural:") + text.count(":list:") != len(found):
            raise ValueError(f"i18n/{language}/{file}: {key}: a {{n:plural:…}} or {{n:list:…}} is not "
                             f"closed, or has braces inside its forms")
        for name, kind, forms in found:
            need = _choice_forms(language, kind)
            if len(forms.split("|")) != len(need):
                raise ValueError(f"i18n/{language}/{file}: {key}: {{{name}:{kind}:…}} gives "
                                 f"{len(forms.split('|'))} forms; {language} needs {len(need)} ({'|'.join(need)})")


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
        _check_choices(language, path.name, flat)
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
        """The text of `key` in this language (English when not yet translated), filled with values;
        its plural forms `{n:plural:…}` chosen for the counts among the values (module docstring)."""
        language = self.language
        text = catalogue(language).get(key)
        if text is None:
            text, language = catalogue(FALLBACK)[key], FALLBACK
        if ":plural:" in text or ":list:" in text:
            def form(match: re.Match) -> str:
                name, kind, forms = match.group(1), match.group(2), match.group(3).split("|")
                if name not in values:
                    raise KeyError(f"{key}: {{{name}:{kind}:…}} needs the value {name!r}")
                if kind == "list":
                    return forms[0 if self._count(values[name]) == 1 else 1]
                return forms[plural_categories(language).index(self.plural(values[name], language))]
            text = CHOICE.sub(form, text)
        return text.format(**values) if values else text

    def plural(self, count, language: str | None = None) -> str:
        """The CLDR plural category (one, few, many, other) of `count` in this language: a number,
        or a number as this Locale formats it ("1 234", "−53", "1,5"); infinity and NaN are `other`."""
        return _plural_rule(language or self.language)(self._count(count))

    def _count(self, count):
        if isinstance(count, bool) or count is None:
            raise TypeError(f"a plural needs a number, not {count!r}")
        if isinstance(count, (int, Decimal)):
            return count
        if isinstance(count, float):
            return count if math.isfinite(count) else 0.5  # 0.5: a fraction, CLDR `other`
        text = str(count).strip()
        if text in ("∞", "+∞", "−∞", "—"):
            return 0.5
        plain = text.replace(MINUS, "-").lstrip("+")
        for space in ("\u00a0", "\u202f", " "):
            plain = plain.replace(space, "")
        group, point = get_group_symbol(self.language), get_decimal_symbol(self.language)
        if group.strip():
            plain = plain.replace(group, "")
        plain = plain.replace(point, ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", plain):
            raise ValueError(f"a plural needs a number, not {count!r}")
        return Decimal(plain)

    def join(self, items) -> str:
        """Items as one phrase in this language: "A, B and C", "A, B и C", "A, B i C"."""
        return format_list([str(i) for i in items], locale=self.language)

    def quote(self, text) -> str:
        """A name in the language's quotation marks: “Partners”, «Партнёры», „Partnerzy”."""
        return self.t("typography.quote", text=text)

    def calendar(self, country: str) -> str:
        """The country's calendar of working days as the text names it (people.text.calendar):
        'the Russian working calendar'; a country without its own text by its Babel name."""
        key = f"calendar.{country}"
        if self.has(key):
            return self.t(key)
        name = babel.Locale.parse(self.language).territories.get(country, country)
        return self.t("calendar.other", country=name)

    def label(self, group: str, value) -> str:
        """Translated name of a data value (a stage, a channel...) or the value itself."""
        key = f"{group}.{value}"
        return self.t(key) if self.has(key) else str(value)

    # numbers ------------------------------------------------------------------------------
    def number(self, x, digits: int = 0) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return _minus(format_decimal(_no_negative_zero(x, digits), format=pattern, locale=self.language))

    def money(self, x, digits: int = 0) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "—"
        number = "#,##0" + ("." + "0" * digits if digits else "")
        if self.language != "en":
            fmt = number + "\u00a0¤"
        else:  # "$1,234" but "RUB 1,234"
            fmt = ("¤\u00a0" if self.currency_symbol.isalpha() else "¤") + number
        return _minus(format_currency(_no_negative_zero(x, digits), self.currency, format=fmt, locale=self.language,
                                      currency_digits=False))

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
        if x < 0 and self.short(x) != self.short(0):
            return MINUS + self.money_short(-x)  # "−$1.2 mn", "−RUB 1.2 mn", "−1,2 млн ₽"
        return self._stuck(self.t("units.money_scaled", value=self.short(x), currency=self.currency_symbol))

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
        return self._stuck(self.t("units.money_scaled", value=value, currency=self.currency_symbol))

    def _stuck(self, text: str) -> str:
        """A currency sign written before the amount sticks to it as in `money` ("$1.9–4.3 mn"); a code
        keeps its space ("RUB 18–36 mn")."""
        symbol = self.currency_symbol
        return text if symbol.isalpha() else text.replace(symbol + " ", symbol)

    @property
    def currency_symbol(self) -> str:
        return get_currency_symbol(self.currency, locale=self.language)

    def pct(self, share, digits: int = 1) -> str:
        """A share (0.123) as a percentage in the locale's style: '12.3%', '12,3 %' (Russian)."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return "—"
        pattern = _percent_pattern(self.language).replace("#,##0", "#,##0" + ("." + "0" * digits if digits else ""), 1)
        if share <= 0 and round(share * 100, digits) == 0:  # also -0.0
            share = 0
        return _minus(format_percent(share, format=pattern, locale=self.language))

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


def _minus(text: str) -> str:
    """Babel writes a hyphen before negative numbers; the report prints the minus sign (U+2212)."""
    return text.replace("-", MINUS)


def _no_negative_zero(x, digits: int):
    """0 for a negative number that rounds to zero at `digits` (no '−0', '−$0')."""
    try:
        return 0 if x <= 0 and round(x, digits) == 0 else x  # also -0.0
    except TypeError:
        return x


@cache
def _plural_rule(language: str):
    return babel.Locale.parse(language).plural_form


@cache
def _percent_pattern(language: str) -> str:
    """The locale's percent pattern as Babel has it ('#,##0%', Russian '#,##0\u00a0%')."""
    return babel.Locale.parse(language).percent_formats[None].pattern
