"""A chapter's closing paragraph (sections/conclusion.py): composed from its own facts, never canned."""
import re

from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.report.context import Audit
from auditkit.report.sections.conclusion import conclusion


def _conclusion(params_path, metrics: dict, language: str = "en") -> str:
    params = load_params(params_path).model_copy(update={"language": language})
    audit = Audit("technology", params, load_inputs(params), run_dir=None)
    audit.metrics.update(metrics)
    shown: list[str] = []
    audit.show = shown.append
    conclusion(audit)
    return re.sub(r"<[^>]+>", "", "".join(shown))


def test_the_conclusion_counts_names_and_ranks_the_chapters_gaps(tiny_client):
    text = _conclusion(tiny_client, {"technology.share_stale": 0.35, "technology.share_lost_with_reason": 0.70,
                                     "technology.share_with_stage_history": 0.92})
    assert text.startswith("Conclusion. 2 of the 3 measures of this chapter are below the norm. The largest gaps: ")
    stale, reason, held = text.index("35.0% against a norm of 10.0%"), text.index("70.0% against a norm of 90.0%"), \
        text.index("Meets the norm: ")
    assert stale < reason < held  # weight × deviation: 100 before 50; then what meets the norm
    assert "92.0% against a norm of 90.0%" in text[held:]


def test_one_gap_reads_in_the_singular_and_every_measure_below_says_all(tiny_client):
    text = _conclusion(tiny_client, {"technology.share_stale": 0.35, "technology.share_with_stage_history": 0.92})
    assert "1 of the 2 measures of this chapter is below the norm. The largest gap: " in text
    text = _conclusion(tiny_client, {"technology.share_stale": 0.35, "technology.share_lost_with_reason": 0.70})
    assert text.startswith("Conclusion. All 2 measures of this chapter are below the norm.")
    assert "Meets the norm" not in text


def test_russian_and_polish_conclusions_inflect_their_counts(tiny_client):
    metrics = {"technology.share_stale": 0.35, "technology.share_with_stage_history": 0.92}
    assert "Ниже нормы 1 из 2 показателей главы. Наибольшее отклонение: " in _conclusion(tiny_client, metrics, "ru")
    assert "Poniżej normy jest 1 z 2 wskaźników tego rozdziału. Największe odchylenie: " in \
        _conclusion(tiny_client, metrics, "pl")


def test_no_measure_scored_no_paragraph(tiny_client):
    assert _conclusion(tiny_client, {}) == ""


def test_the_gaps_continue_the_sentence_in_lower_case(tiny_client):
    """'The largest gaps: stale open deals: …; share of lost deals…', not '…; Share of…' mid-sentence."""
    text = _conclusion(tiny_client, {"technology.share_stale": 0.35, "technology.share_lost_with_reason": 0.70,
                                     "technology.share_with_stage_history": 0.92})
    gaps = text.split("The largest gaps: ", 1)[1]
    assert gaps[:1].islower() and all(part[:1].islower() for part in gaps.split("; ")[1:])
    assert text.split("Meets the norm: ", 1)[1][:1].islower()
