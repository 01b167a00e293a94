"""The appendix "How this report was made" (auditkit/report/provenance.py): the norms in force are
named in the client's language, each with its parameter-file key as a small code."""
import pytest

from auditkit.i18n import LANGUAGES, Locale
from auditkit.inputs.params import AuditParams, Norms
from auditkit.report.provenance import norm_list


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_norm_has_a_label_in_every_language(language):
    loc = Locale(language)
    keys = [f"{group}.{name}" for group, field in Norms.model_fields.items()
            for name in field.default_factory.model_fields]
    labels = [loc.t(f"norms.{key}") for key in keys]  # a missing text raises KeyError
    assert len(set(labels)) == len(labels)  # unique: the key is only a code beside it
    assert not any("_" in label for label in labels)  # words, not snake_case ids


def test_norms_are_listed_by_label_with_their_key_and_value():
    params = AuditParams.model_validate({"client": "X", "period": {"start": "2024-01-01", "end": "2024-12-31"},
                                         "data_dir": ".", "language": "ru",
                                         "norms": {"process": {"win_rate": 0.3}},
                                         "scorecard_norms": {"pr_win_rate": 0.35}})
    rows = {key: (label, value) for key, label, value in norm_list(params, Locale("ru"))}
    assert rows["process.win_rate"] == ("Доля выигранных сделок", "30,0\u00a0%")
    assert rows["process.stages"][0] == "Этапы продаж по порядку"
    assert rows["scorecard_norms.pr_win_rate"] == ("Доля выигранных сделок по количеству", "35,0\u00a0%")  # as the scorecard names it


@pytest.mark.parametrize("language, expected", [
    ("en", {"process.win_rate": "30.0%", "process.sleeping_days": "60 d", "data_collection.ltv_cac": "2.5×",
            "communication.nps": "+40", "people.activities_per_day": "12.5", "communication.min_answers": "8",
            "data_collection.dynamics_freq": "quarter", "process.stages": "New → Proposal → Contract",
            "process.stage_conversion": "New\u00a050.0%; Proposal\u00a035.0%", "process.cycle_days": "—",
            "scorecard_norms.pr_avg_check": "RUB\u00a0150,000", "scorecard_norms.pe_underlogging": "1"}),
    ("ru", {"process.win_rate": "30,0\u00a0%", "process.sleeping_days": "60 дн.", "data_collection.ltv_cac": "2,5×",
            "communication.nps": "+40", "people.activities_per_day": "12,5", "communication.min_answers": "8",
            "data_collection.dynamics_freq": "квартал", "process.stages": "Новая → Предложение → Договор",
            "process.stage_conversion": "Новая\u00a050,0\u00a0%; Предложение\u00a035,0\u00a0%", "process.cycle_days": "—",
            "scorecard_norms.pr_avg_check": "150\u00a0000\u00a0₽", "scorecard_norms.pe_underlogging": "1"}),
    ("pl", {"process.win_rate": "30,0%", "process.sleeping_days": "60 dni", "data_collection.ltv_cac": "2,5×",
            "communication.nps": "+40", "people.activities_per_day": "12,5", "communication.min_answers": "8",
            "data_collection.dynamics_freq": "kwartał", "process.stages": "Nowa → Oferta → Umowa",
            "process.stage_conversion": "Nowa\u00a050,0%; Oferta\u00a035,0%", "process.cycle_days": "—",
            "scorecard_norms.pr_avg_check": "150\u00a0000\u00a0RUB", "scorecard_norms.pe_underlogging": "1"}),
])
def test_each_norm_is_shown_in_its_unit_in_the_report_language(language, expected):
    """A share as a percentage, days and money with their unit, a multiple with ×, NPS signed, a count
    as a whole number, a step and stages in words: not 0.3 or [new, proposal] as the parameter file has them."""
    params = AuditParams.model_validate({
        "client": "X", "period": {"start": "2024-01-01", "end": "2024-12-31"}, "data_dir": ".", "currency": "RUB",
        "norms": {"process": {"win_rate": 0.3, "sleeping_days": 60, "stages": ["new", "proposal", "contract"],
                              "stage_conversion": {"new": 0.5, "proposal": 0.35}},
                  "data_collection": {"ltv_cac": 2.5, "dynamics_freq": "Q"},
                  "communication": {"nps": 40, "min_answers": 8}, "people": {"activities_per_day": 12.5}},
        "scorecard_norms": {"pr_avg_check": 150000, "pe_underlogging": 1}})
    rows = {key: value for key, _, value in norm_list(params, Locale(language, "RUB"))}
    assert {key: rows[key] for key in expected} == expected


def test_every_norm_has_a_format_of_the_report():
    """data/norm_formats.yaml names the format of each norm of the parameter file, and only of those."""
    from auditkit.i18n import VALUE_FORMATS, catalogue
    from auditkit.report.provenance import norm_formats

    formats = norm_formats()
    assert {stage: set(specs) for stage, specs in formats.items()} == {
        group: set(field.default_factory.model_fields) for group, field in Norms.model_fields.items()}
    specs = [spec for stage in formats.values() for spec in stage.values()]
    assert all(spec["fmt"] in VALUE_FORMATS and set(spec) <= {"fmt", "names"} for spec in specs)
    for prefix in {spec["names"] for spec in specs if "names" in spec}:  # each names something in every language
        assert all(any(key.startswith(prefix) for key in catalogue(language)) for language in LANGUAGES)


def test_a_changed_norm_of_a_re_audit_is_named_and_shown_as_appendix_d_lists_it():
    """plan.progress.definition_changes gives dotted keys and raw values; the report shows words and units."""
    from auditkit.report.provenance import named_norm

    loc = Locale("en", "RUB")
    label, shown = named_norm("norms.process.win_rate", loc)
    assert (label, shown(0.25), shown(0.3)) == ("Win rate", "25.0%", "30.0%")
    label, shown = named_norm("norms.process.stage_conversion.proposal", loc)  # one entry of a mapping
    assert (label, shown(None), shown(0.4)) == ("Conversion to the next stage (Proposal)", "—", "40.0%")
    label, shown = named_norm("scorecard_norms.pr_cycle", loc)
    assert (label, shown(40)) == ("Sales cycle, median", "40 d")
    label, shown = named_norm("norms.process.retired_norm", loc)  # a baseline's norm this version no longer has
    assert (label, shown(3)) == ("process.retired_norm", "3")
