"""Tests of the generic scorecard engine and of the express checklist catalogue."""

import math
import random
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from auditkit.inputs.checklist import answer_scores, load_checklist
from auditkit.plan import scorecard as sc
from helpers import REPO

CHECKLIST_PATH = REPO / "auditkit" / "data" / "checklist.yaml"


def metric(pid, norm, direction="higher_better", scoring=None, floor=None, weight=1.0,
           block="planning", stage="process"):
    return sc.Parameter(id=pid, block=block, stage=stage, source=f"metric:{pid}", norm=norm,
                        direction=direction, weight=weight, scoring=scoring, floor=floor)


def checklist_frame(answers: dict) -> pd.DataFrame:
    return pd.DataFrame({"parameter_id": pd.array(list(answers), dtype="string"),
                         "answer": pd.array(list(answers.values()), dtype="string"),
                         "note": pd.array([None] * len(answers), dtype="string")})


def scores_of(parameters, metrics, checklist=None, overrides=None) -> dict:
    frame = sc.evaluate(parameters, metrics, checklist, overrides)
    return dict(zip(frame["id"], frame["score"]))


def assert_scores(actual: dict, expected: dict):
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        if math.isnan(value):
            assert math.isnan(actual[key]), key
        else:
            assert actual[key] == pytest.approx(value), key


# ------------------------------------------------------------------ score functions
def test_linear_higher_better_with_clipping():
    params = [metric("half", 20.0), metric("above", 20.0), metric("negative", 20.0), metric("exact", 20.0)]
    got = scores_of(params, {"half": 5.0, "above": 30.0, "negative": -4.0, "exact": 20.0})
    # 100*5/20 = 25; 30 >= 20 -> 100 (150 clipped); 100*(-4)/20 = -20 -> clipped to 0; 20/20 -> 100
    assert_scores(got, {"half": 25.0, "above": 100.0, "negative": 0.0, "exact": 100.0})


def test_linear_lower_better():
    params = [metric("slow", 10.0, "lower_better"), metric("fast", 10.0, "lower_better"),
              metric("zero", 10.0, "lower_better")]
    got = scores_of(params, {"slow": 40.0, "fast": 5.0, "zero": 0.0})
    # 100*10/40 = 25; 5 <= 10 -> 100; 0 <= 10 -> 100 (no division by zero)
    assert_scores(got, {"slow": 25.0, "fast": 100.0, "zero": 100.0})


def test_linear_with_floor_both_directions():
    params = [metric("conv", 0.3, floor=0.1), metric("conv_low", 0.3, floor=0.1),
              metric("cycle", 30.0, "lower_better", floor=90.0), metric("cycle_bad", 30.0, "lower_better", floor=90.0)]
    got = scores_of(params, {"conv": 0.25, "conv_low": 0.05, "cycle": 45.0, "cycle_bad": 120.0})
    # 100*(0.25-0.1)/(0.3-0.1) = 75; 100*(0.05-0.1)/0.2 = -25 -> 0
    # 100*(45-90)/(30-90) = 75; 100*(120-90)/(30-90) = -50 -> 0
    assert_scores(got, {"conv": 75.0, "conv_low": 0.0, "cycle": 75.0, "cycle_bad": 0.0})


def test_linear_target():
    params = [metric("over", 50.0, "target"), metric("under", 50.0, "target"), metric("far", 50.0, "target"),
              metric("floored", 50.0, "target", floor=30.0), metric("hit", 50.0, "target")]
    got = scores_of(params, {"over": 60.0, "under": 40.0, "far": 150.0, "floored": 60.0, "hit": 50.0})
    # 100*(1-10/50) = 80 both sides; 100*(1-100/50) = -100 -> 0; with floor 100*(1-10/|50-30|) = 50
    assert_scores(got, {"over": 80.0, "under": 80.0, "far": 0.0, "floored": 50.0, "hit": 100.0})


def test_threshold_all_directions():
    params = [metric("h_ok", 3.0, scoring="threshold"), metric("h_miss", 3.0, scoring="threshold"),
              metric("l_ok", 14.0, "lower_better", "threshold"), metric("l_miss", 14.0, "lower_better", "threshold"),
              metric("t_ok", 50.0, "target", "threshold"), metric("t_miss", 50.0, "target", "threshold"),
              metric("zero_norm", 0.0, scoring="threshold")]
    got = scores_of(params, {"h_ok": 3.0, "h_miss": 2.9, "l_ok": 14.0, "l_miss": 15.0,
                             "t_ok": 50.0, "t_miss": 50.1, "zero_norm": 0.0})
    assert_scores(got, {"h_ok": 100.0, "h_miss": 0.0, "l_ok": 100.0, "l_miss": 0.0,
                        "t_ok": 100.0, "t_miss": 0.0, "zero_norm": 100.0})


def test_checklist_scores_words_and_0_2_scale():
    params = [sc.Parameter(id=f"q{i}", block="processes", stage="process", source=f"checklist:q{i}", norm=100.0)
              for i in range(7)]
    answers = checklist_frame({"q0": "yes", "q1": "partly", "q2": "no", "q3": "2", "q4": "1", "q5": " Yes "})
    got = scores_of(params, {}, answers)
    # q6 unanswered -> not assessed
    assert_scores(got, {"q0": 100.0, "q1": 50.0, "q2": 0.0, "q3": 100.0, "q4": 50.0, "q5": 100.0,
                        "q6": float("nan")})


def test_missing_nan_and_na_metrics_are_not_assessed():
    params = [metric("absent", 1.0), metric("nan", 1.0), metric("na", 1.0), metric("none", 1.0)]
    frame = sc.evaluate(params, {"nan": float("nan"), "na": pd.NA, "none": None})
    assert not frame["assessed"].any()
    assert frame[["value", "score", "deviation"]].isna().all().all()


def test_evaluate_columns_dtypes_and_deviation():
    params = [metric("a", 20.0, weight=2.0, block="resources", stage="people"),
              sc.Parameter(id="b", block="planning", stage="communication", source="checklist:b", norm=100.0)]
    frame = sc.evaluate(params, {"a": 5.0}, checklist_frame({"b": "partly"}))
    assert list(frame.columns) == list(sc.EVALUATED_COLUMNS)
    assert frame["id"].dtype == "string" and frame["assessed"].dtype == bool
    assert frame["score"].dtype == "float64" and frame["value"].dtype == "float64"
    row = frame.set_index("id")
    # a: 100*5/20 = 25 -> deviation 75; b: partly -> 50 -> deviation 50
    assert row.loc["a", "deviation"] == 75.0 and row.loc["b", "deviation"] == 50.0
    assert row.loc["a", "weight"] == 2.0 and row.loc["a", "source"] == "metric:a"
    assert row.loc["b", "value"] == 50.0 and row.loc["b", "norm"] == 100.0


def test_norm_overrides():
    params = [metric("win_rate", 0.3), metric("other", 0.3)]
    # without override 100*0.25/0.3 = 83.33; with norm 0.2 -> 0.25 >= 0.2 -> 100
    assert_scores(scores_of(params, {"win_rate": 0.25, "other": 0.15}, overrides={"win_rate": 0.2}),
                  {"win_rate": 100.0, "other": 50.0})
    frame = sc.evaluate(params, {"win_rate": 0.25}, norm_overrides={"win_rate": 0.2})
    assert frame.set_index("id").loc["win_rate", "norm"] == 0.2
    with pytest.raises(ValueError, match="unknown"):
        sc.evaluate(params, {}, norm_overrides={"nope": 1.0})
    with pytest.raises(ValueError, match="norm > 0"):
        sc.evaluate(params, {}, norm_overrides={"win_rate": 0.0})


@pytest.mark.parametrize("kwargs, message", [
    ({"block": "sales"}, "block"),
    ({"stage": "x"}, "stage"),
    ({"direction": "up"}, "direction"),
    ({"scoring": "log"}, "scoring"),
    ({"source": "table:x"}, "source kind"),
    ({"source": "metric:"}, "after the colon"),
    ({"norm": 0.0}, "norm > 0"),
    ({"norm": float("nan")}, "finite"),
    ({"weight": 0.0}, "weight"),
    ({"floor": 0.5}, "floor < norm"),
    ({"direction": "lower_better", "floor": 0.1}, "floor > norm"),
    ({"direction": "target", "floor": 0.3}, "differ"),
    ({"scoring": "checklist"}, "checklist source"),
    ({"scoring": "threshold", "floor": 0.1}, "only used by linear"),
])
def test_parameter_validation(kwargs, message):
    spec = {"id": "p", "block": "planning", "stage": "process", "source": "metric:p", "norm": 0.3} | kwargs
    with pytest.raises(ValueError, match=message):
        sc.Parameter(**spec)


def test_duplicate_ids_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        sc.evaluate([metric("a", 1.0), metric("a", 2.0)], {})
    with pytest.raises(ValueError, match="duplicate"):
        sc.evaluate([metric("a", 1.0)], {}, checklist_frame({"x": "yes", "y": "no"}).assign(
            parameter_id=pd.array(["x", "x"], dtype="string")))


def test_load_parameters_from_yaml(tmp_path):
    path = tmp_path / "scorecard.yaml"
    path.write_text(yaml.safe_dump({"parameters": [
        {"id": "win_rate", "block": "processes", "stage": "process", "source": "metric:win_rate",
         "norm": 0.3, "weight": 3, "floor": 0.1},
        {"id": "plan_method", "block": "planning", "stage": "data_collection",
         "source": "checklist:plan_method_defined", "norm": 100},
        {"id": "cycle", "block": "processes", "stage": "process", "source": "metric:cycle_days",
         "norm": 30, "direction": "lower_better", "scoring": "threshold"},
    ]}), encoding="utf-8")
    params = sc.load_parameters(path)
    assert [p.id for p in params] == ["win_rate", "plan_method", "cycle"]
    assert params[0].weight == 3.0 and params[0].floor == 0.1 and params[0].scoring == "linear"
    assert params[1].scoring == "checklist" and params[1].source_ref == "plan_method_defined"
    got = scores_of(params, {"win_rate": 0.2, "cycle_days": 31.0}, checklist_frame({"plan_method_defined": "partly"}))
    # 100*(0.2-0.1)/(0.3-0.1) = 50; partly = 50; 31 > 30 -> 0
    assert_scores(got, {"win_rate": 50.0, "plan_method": 50.0, "cycle": 0.0})
    with pytest.raises(ValueError, match="unknown keys"):
        sc.Parameter.from_mapping({"id": "x", "block": "planning", "stage": "process", "source": "metric:x",
                                   "norm": 1, "wieght": 2})


# ------------------------------------------------------------------ block scores
def test_block_scores_partial_coverage():
    params = [
        metric("p1", 10.0, weight=2.0, block="planning", stage="data_collection"),
        metric("p2", 10.0, weight=1.0, block="planning", stage="communication"),
        metric("s1", 10.0, weight=1.0, block="segmentation", stage="data_collection"),
        metric("s2", 10.0, weight=3.0, block="segmentation", stage="communication"),
        metric("r1", 10.0, weight=2.0, block="resources", stage="people"),
    ]
    # p1 = 100*6/10 = 60, p2 not assessed; s1 = 100, s2 = 100*2/10 = 20; r1 not assessed
    evaluated = sc.evaluate(params, {"p1": 6.0, "s1": 12.0, "s2": 2.0})
    blocks = sc.block_scores(evaluated).set_index("block")
    assert list(blocks.index) == list(sc.BLOCKS)
    # planning: only p1 assessed -> score 60, coverage 2/(2+1) = 2/3, deviation 40
    assert blocks.loc["planning", "score"] == pytest.approx(60.0)
    assert blocks.loc["planning", "coverage"] == pytest.approx(2 / 3)
    assert blocks.loc["planning", "deviation"] == pytest.approx(40.0)
    # segmentation: (1*100 + 3*20) / 4 = 40, coverage 1
    assert blocks.loc["segmentation", "score"] == pytest.approx(40.0)
    assert blocks.loc["segmentation", "coverage"] == 1.0
    # resources: nothing assessed -> NaN score, coverage 0; processes: no parameters at all
    for block in ("resources", "processes"):
        assert np.isnan(blocks.loc[block, "score"]) and np.isnan(blocks.loc[block, "deviation"])
        assert blocks.loc[block, "coverage"] == 0.0
    assert blocks["n_parameters"].tolist() == [2, 2, 0, 1]
    assert blocks["n_assessed"].tolist() == [1, 2, 0, 0]
    assert blocks["n_parameters"].dtype == "int64"

    stages = sc.block_scores(evaluated, by="stage").set_index("stage")
    assert list(stages.index) == list(sc.STAGES)
    # data_collection: p1 (w2, 60) and s1 (w1, 100) -> (120+100)/3 = 73.33
    assert stages.loc["data_collection", "score"] == pytest.approx(220 / 3)
    # communication: only s2 assessed (w3, 20); p2 (w1) not -> coverage 3/4
    assert stages.loc["communication", "score"] == pytest.approx(20.0)
    assert stages.loc["communication", "coverage"] == pytest.approx(0.75)
    assert np.isnan(stages.loc["people", "score"]) and stages.loc["people", "coverage"] == 0.0
    with pytest.raises(ValueError):
        sc.block_scores(evaluated, by="topic")


def test_block_scores_empty():
    blocks = sc.block_scores(sc.evaluate([], {}))
    assert list(blocks["block"]) == list(sc.BLOCKS)
    assert blocks["score"].isna().all() and (blocks["coverage"] == 0.0).all()


# ------------------------------------------------------------------ findings
def _ranking_params():
    return [metric("a", 10.0, weight=1.0), metric("b", 10.0, weight=3.0), metric("c", 10.0, weight=2.0),
            metric("d", 10.0, weight=3.0), metric("e", 10.0, weight=3.0)]


RANKING_METRICS = {"a": 4.0, "b": 8.0, "c": 5.0, "d": 11.0}  # e not assessed


def test_findings_ranking_and_tie_break():
    got = sc.findings(sc.evaluate(_ranking_params(), RANKING_METRICS))
    # a: 1*(100-40) = 60; b: 3*(100-80) = 60; c: 2*(100-50) = 100; d meets the norm; e not assessed
    assert got["id"].tolist() == ["c", "a", "b"]
    assert got["priority"].tolist() == [100.0, 60.0, 60.0]
    assert got["rank"].tolist() == [1, 2, 3]
    assert list(got.columns) == [*sc.EVALUATED_COLUMNS, "priority", "rank"]


def test_reproducible_and_order_independent():
    params = _ranking_params()
    first = sc.evaluate(params, RANKING_METRICS)
    pd.testing.assert_frame_equal(first, sc.evaluate(params, RANKING_METRICS))
    pd.testing.assert_frame_equal(sc.block_scores(first), sc.block_scores(sc.evaluate(params, RANKING_METRICS)))
    shuffled = params[:]
    random.Random(7).shuffle(shuffled)
    pd.testing.assert_frame_equal(sc.findings(first), sc.findings(sc.evaluate(shuffled, RANKING_METRICS)))


# ------------------------------------------------------------------ express checklist
def load_yaml():
    return yaml.safe_load(CHECKLIST_PATH.read_text(encoding="utf-8"))


def test_checklist_only_evaluation():
    questions = load_yaml()["questions"]
    by_block = {}
    for q in questions:
        by_block.setdefault(q["block"], []).append(q)
    answers = {q["id"]: "yes" for q in by_block["planning"]}
    answers |= {q["id"]: "no" for q in by_block["segmentation"]}
    answers |= {"res_owner_delegates": "partly", "res_email_integrated": "2"}
    weights = {q["id"]: q["weight"] for q in questions}
    evaluated = sc.evaluate(sc.checklist_parameters(), {}, checklist_frame(answers))
    assert len(evaluated) == len(questions) and evaluated["assessed"].sum() == len(answers)
    blocks = sc.block_scores(evaluated).set_index("block")
    assert blocks.loc["planning", "score"] == 100.0 and blocks.loc["planning", "coverage"] == 1.0
    assert blocks.loc["segmentation", "score"] == 0.0 and blocks.loc["segmentation", "deviation"] == 100.0
    w_owner, w_email = weights["res_owner_delegates"], weights["res_email_integrated"]
    resources_total = sum(q["weight"] for q in by_block["resources"])
    assert blocks.loc["resources", "score"] == pytest.approx((w_owner * 50 + w_email * 100) / (w_owner + w_email))
    assert blocks.loc["resources", "coverage"] == pytest.approx((w_owner + w_email) / resources_total)
    assert np.isnan(blocks.loc["processes", "score"]) and blocks.loc["processes", "coverage"] == 0.0
    top = sc.findings(evaluated)
    # every segmentation "no" and the partly answer are findings; max priority = 3 * 100
    assert set(top["id"]) == {q["id"] for q in by_block["segmentation"]} | {"res_owner_delegates"}
    assert top["priority"].iloc[0] == 300.0


def test_checklist_yaml_is_valid():
    data = load_yaml()
    questions = data["questions"]
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids))
    assert 45 <= len(questions) <= 60
    assert {q["block"] for q in questions} == set(sc.BLOCKS)
    assert {q["stage"] for q in questions} <= set(sc.STAGES)
    prefixes = {"planning": "plan_", "segmentation": "seg_", "processes": "proc_", "resources": "res_"}
    for q in questions:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", q["id"]) and q["id"].startswith(prefixes[q["block"]]), q["id"]
        assert q["weight"] in (1, 2, 3) and q["topic"], q["id"]
        assert set(q["text"]) == {"en", "ru", "pl"}, q["id"]
        assert all(isinstance(t, str) and t.strip() for t in q["text"].values()), q["id"]
        assert re.search("[а-яА-Я]", q["text"]["ru"]) and not re.search("[а-яА-Я]", q["text"]["pl"]), q["id"]
    aspects = [q["aspect"] for q in questions if "aspect" in q]
    assert sorted(aspects) == sorted(["crm", "funnel_stages", "telephony", "email", "erp_integration",
                                      "automated_reports", "task_assignment"])
    problems = [q for q in questions if q["topic"] == "typical_problem"]
    assert sorted(q["problem"] for q in problems) == [1, 2, 3, 4, 5, 6, 7]
    assert all("problem" not in q for q in questions if q["topic"] != "typical_problem")
    assert sum(q["topic"] == "management_rhythm" for q in questions) >= 3
    planning_items = {"plan_method_defined", "plan_breakdown_product", "plan_breakdown_client",
                      "plan_breakdown_period", "plan_breakdown_employee", "plan_factors_market",
                      "plan_factors_marketing_competitors", "plan_factors_seasonality", "plan_factors_macro",
                      "plan_factors_capacity", "plan_communicated_to_managers", "plan_signed_by_managers",
                      "plan_fact_meetings"}
    assert planning_items <= set(ids)
    answers = data["answers"]
    assert {k: v["score"] for k, v in answers.items()} == {"yes": 100, "partly": 50, "no": 0}
    assert all(set(v["label"]) == {"en", "ru", "pl"} and all(v["label"].values()) for v in answers.values())
    # every question builds a valid parameter
    assert [p.id for p in sc.checklist_parameters()] == ids


def test_answer_scores_mapping():
    assert dict(answer_scores()) == {"yes": 100.0, "2": 100.0, "partly": 50.0, "1": 50.0, "no": 0.0, "0": 0.0}
