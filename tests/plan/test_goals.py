"""What the client's goals are about (data/goals.yaml), and which of them the express assessment answers."""
from auditkit.inputs.params import load_params
from auditkit.i18n import Locale
from auditkit.plan.goals import express_goals, topics_of
from auditkit.report.export import cover_html
from helpers import REPO


def test_goals_are_matched_to_their_topics_in_any_language():
    assert topics_of("Find why revenue growth slowed in 2025 and where deals are lost") == ["growth", "process"]
    assert topics_of("Оценить нагрузку, навыки отдела продаж и дисциплину работы в CRM") == ["people", "technology"]
    assert "plan" in topics_of("Get a prioritised action plan with the money at stake")
    # a plan of actions is not the sales plan: "план" alone would answer it with the planning findings
    assert topics_of("Получить план действий с приоритетами и оценкой денег на кону") == ["plan"]
    assert topics_of("Понять, почему не выполняется план продаж") == ["data_collection"]


def test_the_express_cover_promises_only_what_an_interview_delivers():
    params = load_params(REPO / "params" / "demo.yaml")
    assert express_goals(params.goals) == ["Assess the sales team's workload, skills and CRM discipline"]
    loc = Locale("en", params.currency)
    full, express = cover_html(params, loc, "full"), cover_html(params, loc, "express")
    assert "Audit period" in full and "money at stake" in full
    assert "Audit period" not in express and "money at stake" not in express and "growth" not in express
    assert "workload, skills and CRM discipline" in express and "Express assessment" in express
