"""Plural forms and agreement in the Russian and Polish reports: no hard-coded "(ы)"/"(s)" hacks in
the catalogues, and no number followed by a wrongly inflected noun in the text the demo client's
report shows: every chapter, the executive summary, the action plan and the express report
("53 пунктов" must read "53 пункта")."""
from __future__ import annotations

import html
import importlib
import re

import pytest

from auditkit.i18n import CHOICE, LANGUAGES, Locale, catalogue, plural_categories
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.report.context import Audit
from helpers import REPO, run_sections

HACK = re.compile(r"\w\((?:s|es|ы|и|а|я|ов|ев|ей|ий|y|i|e|ę|a|ów)\)", re.IGNORECASE)
DEMO = {"ru": REPO / "params" / "demo_ru.yaml", "pl": REPO / "params" / "examples" / "demo_pl.yaml"}
STAGES = ("data_collection", "process", "people", "technology", "communication")
NUMBER = re.compile(r"(?<![\w,.])([−+]?\d{1,3}(?:[\u00a0\u202f ]\d{3})*(?:,\d+)?)[\u00a0 ]([^\W\d_]+)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_text_hard_codes_a_plural(language):
    hacks = {k: HACK.findall(v) for k, v in catalogue(language).items() if HACK.search(v)}
    assert not hacks, hacks


def test_the_hack_pattern_finds_the_old_hacks():
    for text in ("На 4 причин(ы)", "row(s) 5", "3 deviation(s)", "сделок(ов)", "odchyle(ń)", "klient(ów)"):
        assert HACK.search(text) or "(ń)" in text, text


def _forms_by_category(language: str) -> dict[str, set[str]]:
    """For every first word of a plural form in the catalogue, the categories it serves."""
    served: dict[str, set[str]] = {}
    for text in catalogue(language).values():
        for _, kind, forms in CHOICE.findall(text):
            if kind != "plural":
                continue
            for category, form in zip(plural_categories(language), forms.split("|")):
                word = form.split()[0].strip(",.;:").lower() if form.split() else ""
                if word:
                    served.setdefault(word, set()).add(category)
    return served


# a number after these words takes the genitive ("в течение 1 рабочего часа", "w ciągu 1 godziny"),
# not the numeral agreement the plural forms give: not checked
GOVERNS_GENITIVE = {"ru": {"течение", "из", "до", "от", "около", "более", "менее", "свыше", "после", "для", "без"},
                    "pl": {"ciągu", "z", "do", "od", "około", "ponad", "powyżej", "poniżej", "dla", "bez"}}


def wrong_inflections(text: str, language: str) -> list[str]:
    """Numbers followed by a noun of the catalogue's plural forms that no form gives for that number."""
    loc, served = Locale(language), _forms_by_category(language)
    bad = []
    for match in NUMBER.finditer(text):
        number, word = match.groups()
        before = re.findall(r"\w+", text[max(0, match.start() - 30):match.start()])
        if before and before[-1].lower() in GOVERNS_GENITIVE.get(language, ()):
            continue
        categories = served.get(word.lower())
        if categories and loc.plural(number) not in categories:
            bad.append(f"{number} {word}")
    return bad


def _stage_sections(stage: str) -> list[str]:
    notebook = next((REPO / "notebooks").glob(f"0?_{stage}.ipynb")).read_text("utf-8")
    return re.findall(r"stage\.(\w+)\(audit\)", notebook)


def _text(shown: str) -> str:
    shown = re.sub(r"<svg.*?</svg>", " ", shown, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", shown))


def _plan_text(params_path, run_dir) -> str:
    """What stage 6 shows (executive summary, scorecard, findings, action plan, roadmap) from the
    metrics the stages before it wrote into run_dir, as its notebook calls the sections."""
    from auditkit.report.sections import improvement_plan as stage

    notebook = (REPO / "notebooks" / "06_improvement_plan.ipynb").read_text("utf-8")
    params = load_params(params_path)
    audit = Audit("improvement_plan", params, load_inputs(params), run_dir)
    shown: list[str] = []
    audit.show = shown.append
    plan = stage.assess(audit)
    for name in re.findall(r"stage\.(\w+)\(audit, plan\)", notebook):
        getattr(stage, name)(audit, plan)
    return _text("\n".join(shown))


@pytest.fixture(scope="module", params=sorted(DEMO))
def demo_text(request, tmp_path_factory) -> tuple[str, str]:
    """The text of the demo report in the language: the sections of the five data stages, the
    improvement plan with the executive summary, and the express report (run in-process, no kernel)."""
    language = request.param
    run_dir = tmp_path_factory.mktemp(f"demo-{language}")
    parts = []
    for stage in STAGES:
        module = importlib.import_module(f"auditkit.report.sections.{stage}")
        audit = run_sections(DEMO[language], run_dir, module, _stage_sections(stage))
        audit.finish()  # its metrics, for the improvement plan
        parts.append(_text(audit.shown))
    parts.append(_plan_text(DEMO[language], run_dir))
    express = importlib.import_module("auditkit.report.sections.express")
    notebook = (REPO / "notebooks" / "express_report.ipynb").read_text("utf-8")
    parts.append(_text(run_sections(DEMO[language], None, express,
                                    re.findall(r"stage\.(\w+)\(audit\)", notebook)).shown))
    return language, "\n".join(parts)


def test_the_scanner_finds_wrong_forms_and_accepts_right_ones():
    assert wrong_inflections("−53 пунктов; 384 лидов; 1 223 сделок проиграны", "ru") == [
        "−53 пунктов", "384 лидов", "1 223 сделок"]
    assert wrong_inflections("−53 пункта, +43 пункта, 25 пунктов, 1,5 пункта, 21 пункт; 384 лида", "ru") == []
    assert wrong_inflections("в течение 1 рабочего часа; 1 рабочего", "ru") == ["1 рабочего"]
    assert wrong_inflections("384 leadów, 5 ustalenia", "pl") == ["384 leadów", "5 ustalenia"]
    assert wrong_inflections("384 leady, 5 ustaleń, 22 ustalenia, 1 ustalenie", "pl") == []


def test_demo_sections_inflect_every_counted_noun(demo_text):
    language, text = demo_text
    assert len(text) > 20_000  # the sections ran
    words = catalogue(language)
    for key in ("improvement_plan.sections.findings.title", "improvement_plan.sections.roadmap.title",
                "express.sections.strengths.title"):  # the plan, the summary and the express are scanned too
        assert words[key] in text, key
    assert not wrong_inflections(text, language)
    assert not HACK.search(text), HACK.findall(text)


def test_demo_sections_read_as_a_native_reader_expects(demo_text):
    language, text = demo_text
    if language == "ru":
        assert "−53 пункта" in text and "+43 пункта" in text and "53 пунктов" not in text
        assert "(384 лида)" in text and "1\u00a0223 сделки проиграны или застряли" in text
        assert "источник «Партнёры» превращает" in text  # the verb agrees with "источник", not the name
        assert "в канале «Маркетплейс»" in text and "этот канал окупается" in text
        assert "производственному календарю России" in text and "страны RU" not in text
        assert "«" in text and "„" not in text and "“" not in text
    else:
        assert "(384 leady)" in text and "1\u00a0223 szanse zostały przegrane lub utknęły" in text
        assert "źródło „Partnerzy” zamienia" in text
        assert "w kanale „Marketplace”" in text and "ten kanał zwraca się" in text
        assert "polskiego kalendarza" in text
        assert "«" not in text and "»" not in text
    assert not re.search(r"-\d", re.sub(r"\d{4}-\d{2}-\d{2}|[\w.]+-\w+", "", text))  # minus signs, not hyphens


SUMMARY = {  # improvement_plan.summary.score for 1, 2, 5, 21 and 22 problems found
    "en": ("found 1 problem; it is", "found 2 problems; each is", "found 5 problems", "found 21 problems",
           "found 22 problems"),
    "ru": ("Выявлена 1 проблема; это одна", "Выявлены 2 проблемы; каждая", "Выявлено 5 проблем",
           "Выявлена 21 проблема; каждая", "Выявлены 22 проблемы"),
    "pl": ("wykazał 1 ustalenie; to jedna", "wykazał 2 ustalenia; każde", "wykazał 5 ustaleń", "wykazał 21 ustaleń",
           "wykazał 22 ustalenia"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_executive_summary_counts_problems_in_words_that_agree(language):
    loc = Locale(language)
    for n, expected in zip((1, 2, 5, 21, 22), SUMMARY[language]):
        text = loc.t("improvement_plan.summary.score", score="54", coverage="80%", findings=n, priced=1, money="1")
        assert expected in text, text
