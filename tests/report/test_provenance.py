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
    assert rows["process.win_rate"] == ("Доля выигранных сделок", "0.3")
    assert rows["process.stages"][0] == "Этапы продаж по порядку"
    assert rows["scorecard_norms.pr_win_rate"] == ("Доля выигранных сделок по количеству", "0.35")  # as the scorecard names it
