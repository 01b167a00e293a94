"""Re-audit (issue 13): the noise rule on hand-computed counts, baseline resolution, the status
workbook's validation, and the progress chapter on a small hand-made case."""
import json

import numpy as np
import pandas as pd
import pytest

from auditkit.errors import ParamsError
from auditkit.inputs import baseline as bl
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.inputs.validation import describe, validate
from auditkit.plan import progress as pg
from auditkit.report.context import Audit
from auditkit.report.export import merge_notebooks
from auditkit.report.sections import improvement_plan as stage
from auditkit.report.sections import progress as stage_progress
from helpers import write


# ------------------------------------------------------------------------------------ noise rule
def test_two_proportions_40_vs_60_of_200_is_beyond_noise_40_vs_44_is_not():
    # p = 0.25 pooled, se = sqrt(0.25 × 0.75 × (1/200 + 1/200)) = 0.0433; z = 0.10 / 0.0433 = 2.309
    z, p = pg.two_proportion_z(40, 200, 60, 200)
    assert z == pytest.approx(2.3094, abs=1e-4) and p == pytest.approx(0.0209, abs=1e-4) and p < 0.05
    z, p = pg.two_proportion_z(40, 200, 44, 200)
    assert z == pytest.approx(0.4910, abs=1e-4) and p > 0.05


def _scorecard(**values):
    rows = [{"id": pid, "block": "processes", "stage": "process", "source": f"metric:x.{pid}", "value": v,
             "norm": n, "score": 50.0, "weight": 1.0} for pid, (v, n) in values.items()]
    return pd.DataFrame(rows)


YEAR = pg.Window({"process.won_deals": 40, "process.lost_deals": 160}, 365.25)


def test_verdicts_come_only_from_changes_beyond_noise():
    then = _scorecard(pr_win_rate=(0.20, 0.25), pe_competence=(3.0, 3.5))
    up = pg.compare_parameters(then, _scorecard(pr_win_rate=(0.30, 0.25), pe_competence=(3.4, 3.5)), YEAR,
                               pg.Window({"process.won_deals": 60, "process.lost_deals": 140}, 365.25))
    r = up.set_index("id")
    assert r.loc["pr_win_rate", "verdict"] == "improved" and r.loc["pr_win_rate", "method"] == "z_test"
    assert r.loc["pr_win_rate", "n_then"] == 200 and r.loc["pr_win_rate", "p_value"] < 0.05
    assert r.loc["pe_competence", "verdict"] == "not_tested"  # a mean score without counts: no verdict
    small = pg.compare_parameters(then, _scorecard(pr_win_rate=(0.22, 0.25), pe_competence=(3.0, 3.5)), YEAR,
                                  pg.Window({"process.won_deals": 44, "process.lost_deals": 156}, 365.25))
    assert small.set_index("id").loc["pr_win_rate", "verdict"] == "no_change"
    down = pg.compare_parameters(_scorecard(pr_win_rate=(0.30, 0.25)), _scorecard(pr_win_rate=(0.20, 0.25)),
                                 pg.Window({"process.won_deals": 60, "process.lost_deals": 140}, 365.25), YEAR)
    assert down.iloc[0]["verdict"] == "worse"


def test_a_rate_without_recorded_counts_uses_the_base_per_year_and_says_so():
    then = _scorecard(pr_bottleneck_conversion=(0.40, 0.75))
    now = _scorecard(pr_bottleneck_conversion=(0.60, 0.75))
    half_year = pg.Window({"process.bottleneck_entered_per_year": 400}, 365.25 / 2)  # 200 deals in the window
    r = pg.compare_parameters(then, now, half_year, half_year).iloc[0]
    assert r["method"] == "z_test_base" and r["n_then"] == pytest.approx(200) and r["verdict"] == "improved"


def test_lower_is_better_and_a_changed_norm_is_flagged_but_compared_on_the_value():
    then = _scorecard(te_share_stale=(0.40, 0.10))
    now = _scorecard(te_share_stale=(0.20, 0.15))
    w = pg.Window({"technology.open_deals": 200}, 365)
    r = pg.compare_parameters(then, now, w, w).iloc[0]
    assert r["verdict"] == "improved" and bool(r["norm_changed"])


def test_median_with_raw_values_is_tested_by_a_bootstrap_interval():
    rng = np.random.default_rng(1)
    slow, fast = rng.normal(60, 10, 300), rng.normal(45, 10, 300)
    then, now = _scorecard(pr_cycle=(60.0, 40.0)), _scorecard(pr_cycle=(45.0, 40.0))
    w = pg.Window({}, 365)
    r = pg.compare_parameters(then, now, w, w, {"pr_cycle": (slow, fast)}).iloc[0]
    assert r["method"] == "bootstrap" and r["ci_high"] < 0 and r["verdict"] == "improved"
    assert pg.compare_parameters(then, now, w, w).iloc[0]["verdict"] == "not_tested"


def test_money_realised_uses_the_money_formula_from_the_old_value_to_the_new():
    params = pd.DataFrame([{"id": "pr_win_rate", "value_then": 0.20, "value_now": 0.30, "norm_then": 0.25,
                            "verdict": "improved"}])
    findings = pd.DataFrame([{"rank": 1, "group": "funnel", "money_low": 5.0, "money_high": 10.0,
                              "parameters": "['pr_win_rate']", "title": "Funnel"}])
    metrics = {"process.closed_deals_per_year": 1000, "process.average_won_deal": 100}
    m = pg.money_realised(findings, params, metrics).iloc[0]
    # capped at the norm: (0.25 − 0.20) × 1000 × 100 = 5,000
    assert m["realised_high"] == pytest.approx(5000) and m["money_high_then"] == 10.0


def test_compare_brings_blocks_parameters_actions_money_and_findings_together(tmp_path):
    from auditkit.plan.assess import Assessment

    # the baseline: half a year (2023-07-01 … 2023-12-31 = 184 days), 40 won of 200 closed deals
    base = bl.Baseline(tmp_path, {"process.won_deals": 40, "process.lost_deals": 160,
                                  "improvement_plan.overall_score": 50.0, "improvement_plan.coverage": 0.5,
                                  "improvement_plan.block.processes.score": 40.0},
                       _scorecard(pr_win_rate=(0.20, 0.25)).assign(money=1000.0),
                       pd.DataFrame([{"rank": 1, "group": "funnel", "money_low": 500.0, "money_high": 1000.0,
                                      "parameters": "['pr_win_rate']"}]),
                       pd.DataFrame([{"rank": 1, "group": "funnel", "primary": True, "parameter": "pr_win_rate",
                                      "action": "Coach the team."}]),
                       {"period": {"start": "2023-07-01", "end": "2023-12-31"}, "samples": {}})
    now = Assessment(_scorecard(pr_win_rate=(0.30, 0.25)), pd.DataFrame([{"block": "processes", "score": 70.0,
                                                                          "coverage": 0.6}]),
                     pd.DataFrame(), pd.DataFrame(), pd.DataFrame({"group": ["crm_data"], "rank": [1]}),
                     65.0, 0.6, None, (0.0, 0.0), (0.0, 0.0))
    now_metrics = {"process.won_deals": 60, "process.lost_deals": 140, "process.average_won_deal": 1000.0,
                   "process.closed_deals_per_year": 200}
    p = pg.compare(base, now, now_metrics, {"samples": {}}, pg.window_days("2024-01-01", "2024-12-31"))
    assert pg.window_days("2023-07-01", "2023-12-31") == 184 and pg.window_days("2024-01-01", "2024-12-31") == 366
    blocks = p.blocks.set_index("block")
    assert blocks.loc["processes", "change"] == 30.0 and blocks.loc["overall", "change"] == 15.0
    win = p.parameters.set_index("id").loc["pr_win_rate"]
    assert win["verdict"] == "improved" and win["n_then"] == 200 and win["n_now"] == 200  # z = 2.309 (above)
    assert p.actions.iloc[0]["effect"] == "moved" and not p.status_given and p.unmatched_rows == []
    assert set(zip(p.findings["group"], p.findings["change"])) == {("funnel", "resolved"), ("crm_data", "new")}
    assert p.money.iloc[0]["parameters_improved"] == ["pr_win_rate"]
    assert (p.count("improved"), p.count("worse"), p.actions_done, len(p.primary_actions)) == (1, 0, 0, 1)
    total = p.money_totals
    assert (total["stake_low"], total["stake_high"]) == (500.0, 1000.0)
    # realised: from 0.20 to the norm 0.25 (not past it) × 200 closed deals a year × 1000 a won deal
    assert total["realised_high"] == total["realised_low"] == pytest.approx(0.05 * 200 * 1000)


def test_definition_changes_list_version_and_norms():
    then = {"auditkit_version": "0.1", "norms": {"process": {"win_rate": 0.25}}, "scorecard_norms": {}}
    now = {"auditkit_version": "0.2", "norms": {"process": {"win_rate": 0.30}}, "scorecard_norms": {"pr_cycle": 30}}
    assert pg.definition_changes(then, now) == [("auditkit_version", "0.1", "0.2"),
                                                ("norms.process.win_rate", 0.25, 0.30),
                                                ("scorecard_norms.pr_cycle", None, 30)]


def test_a_parameter_whose_definition_changed_is_not_comparable_and_realises_no_money():
    then_info = {"definitions": {"pr_win_rate": 1, "te_share_stale": 1}}
    now_info = {"definitions": {"pr_win_rate": 2, "te_share_stale": 1, "pr_cycle": 1}}
    assert pg.redefined_parameters(then_info, now_info) == ["pr_win_rate"]
    assert ("definitions.pr_win_rate", 1, 2) in pg.definition_changes(then_info, now_info)
    then = _scorecard(pr_win_rate=(0.20, 0.25), te_share_stale=(0.40, 0.10))
    now = _scorecard(pr_win_rate=(0.30, 0.25), te_share_stale=(0.20, 0.10))
    w = pg.Window({"process.won_deals": 60, "process.lost_deals": 140, "technology.open_deals": 200}, 365.25)
    r = pg.compare_parameters(then, now, w, w, redefined=pg.redefined_parameters(then_info, now_info)).set_index("id")
    # 0.20 → 0.30 of 200 deals is far beyond noise, but two formulas' values are never compared
    assert r.loc["pr_win_rate", "verdict"] == "not_comparable" and r.loc["pr_win_rate", "method"] == "definition_changed"
    assert r.loc["te_share_stale", "verdict"] == "improved"
    findings = pd.DataFrame([{"rank": 1, "group": "funnel", "money_low": 5.0, "money_high": 10.0,
                              "parameters": "['pr_win_rate']", "title": "Funnel"}])
    metrics = {"process.closed_deals_per_year": 1000, "process.average_won_deal": 100}
    assert np.isnan(pg.money_realised(findings, r.reset_index(), metrics).iloc[0]["realised_high"])
    actions = pd.DataFrame({"rank": [1], "action": ["Do A"], "primary": [True], "parameter": ["pr_win_rate"],
                            "status": ["done"]})
    assert pg.action_effects(actions, r.reset_index()).iloc[0]["effect"] == "done_no_effect"


def test_a_baseline_without_recorded_revisions_names_no_redefined_parameter():
    assert pg.redefined_parameters({}, {"definitions": pg.definition_revisions()}) == []
    revisions = pg.definition_revisions()
    assert revisions["pr_win_rate"] >= 1 and not any(k.startswith("q") and k[1:].isdigit() for k in revisions)


# ------------------------------------------------------------------------------ baseline folders
def _run(folder, period, metrics=None, scorecard=None, findings=None, actions=None, info=True):
    results = folder / "results"
    results.mkdir(parents=True)
    (results / "metrics.json").write_text(json.dumps(metrics or {}))
    (scorecard if scorecard is not None else _scorecard(pr_win_rate=(0.2, 0.25))).to_csv(results / "scorecard.csv",
                                                                                          index=False)
    (findings if findings is not None else pd.DataFrame(columns=["rank", "group"])).to_csv(
        results / "findings.csv", index=False)
    (actions if actions is not None else pd.DataFrame(columns=["rank", "group", "primary", "parameter",
                                                               "action"])).to_csv(results / "action_plan.csv",
                                                                                  index=False)
    if info:
        (results / "audit.json").write_text(json.dumps({"period": {"start": period[0], "end": period[1]}}))
    return folder


def _with(params_path, text):
    write(params_path, params_path.read_text() + text)
    return load_params(params_path)


def test_previous_picks_the_newest_complete_run_ending_before_this_audit(tiny_client, tmp_path):
    params = _with(tiny_client, "baseline: previous\n")  # period 2024-01-01 .. 2024-06-30
    client = tmp_path / "outputs" / params.client_slug
    _run(client / "20230101-000000-0001", ("2022-01-01", "2022-12-31"))
    good = _run(client / "20230601-000000-0002", ("2023-01-01", "2023-12-31"))
    _run(client / "20240801-000000-0003", ("2023-07-01", "2024-06-30"))  # overlaps this audit
    _run(client / "20240901-000000-0004.failed", ("2023-01-01", "2023-12-31"))
    _run(client / ".20241001-000000-0005.partial", ("2023-01-01", "2023-12-31"))
    now = client / ".20250101-000000-0006.partial"
    now.mkdir()
    assert bl.load_baseline(params, now).path == good.resolve()


def test_previous_without_an_earlier_run_is_a_params_error_naming_the_key(tiny_client, tmp_path):
    params = _with(tiny_client, "baseline: previous\n")
    now = tmp_path / "outputs" / params.client_slug / ".x.partial"
    now.mkdir(parents=True)
    with pytest.raises(ParamsError, match="baseline: previous"):
        bl.load_baseline(params, now)


def test_a_missing_baseline_folder_is_a_params_error_naming_the_key(tiny_client):
    write(tiny_client, tiny_client.read_text() + "baseline: ../outputs/tiny/20990101-000000-0000\n")
    with pytest.raises(ParamsError, match="baseline: folder not found"):
        load_params(tiny_client)


def test_a_baseline_path_is_relative_to_the_parameter_file(tiny_client, tmp_path):
    run = _run(tmp_path / "outputs" / "tiny" / "r1", ("2023-01-01", "2023-12-31"))
    params = _with(tiny_client, "baseline: ../outputs/tiny/r1\n")
    assert bl.load_baseline(params, None).path == run.resolve()


# ----------------------------------------------------------------------------------- status file
def _status_xlsx(path, rows, headers=("#", "Finding", "Action", "Status", "Progress, %", "Comment")):
    pd.DataFrame(rows, columns=list(headers)).to_excel(path, index=False)
    return path


def test_status_file_is_read_with_the_report_language_headers(tmp_path):
    path = _status_xlsx(tmp_path / "s.xlsx", [[1, "F", "Do A", "done", 100, "ok"], [2, "F", "Do B", "", None, ""]])
    status, problems = bl.read_status(path, "en")
    assert problems == []
    assert status["status"].iloc[0] == "done" and pd.isna(status["status"].iloc[1]) and status["progress"].iloc[0] == 100
    ru = _status_xlsx(tmp_path / "ru.xlsx", [[1, "F", "Сделать А", "выполнено", 50, ""]],
                      headers=("№", "Проблема", "Действие", "Статус", "Прогресс, %", "Комментарий"))
    status, problems = bl.read_status(ru, "ru")
    assert problems == [] and status["status"].iloc[0] == "done"


def test_a_bad_status_names_the_file_row_and_column(tmp_path):
    path = _status_xlsx(tmp_path / "action_plan_status.xlsx", [
        [1, "F", "Do A", "done", 100, ""], [2, "F", "Do B", "finished", 50, ""], [3, "F", "Do C", "done", 150, ""]])
    status, problems = bl.read_status(path, "en")
    by_code = {p.code: p for p in problems}
    assert by_code["status_unknown"].rows == (3,) and by_code["status_unknown"].column == "Status"
    assert by_code["status_bad_progress"].rows == (4,) and by_code["status_bad_progress"].column == "Progress, %"
    line = describe(by_code["status_unknown"], "en")
    assert "action_plan_status.xlsx" in line and "row 3" in line and "column “Status”" in line
    assert "finished" in line
    assert pd.isna(status["status"].iloc[1]) and np.isnan(status["progress"].iloc[2])


def test_a_status_file_without_the_status_column_says_which_is_missing(tmp_path):
    path = _status_xlsx(tmp_path / "s.xlsx", [[1, "Do A"]], headers=("#", "Action"))
    status, problems = bl.read_status(path, "en")
    assert status is None and problems[0].code == "status_missing_columns" and "Status" in problems[0].args["columns"]


def test_status_rows_match_actions_by_text_then_by_position():
    actions = pd.DataFrame({"rank": [1, 2], "action": ["Do A", "Do B"], "primary": [True, True],
                            "parameter": ["pr_win_rate", "te_share_stale"]})
    status = pd.DataFrame({"row": [2, 3, 4], "rank": [2, 1, 9], "action": ["Do B", "Do A (edited)", "Other"],
                           "status": ["done", "in_progress", "done"], "progress": [100, 50, 0], "comment": ""})
    out, unmatched = pg.match_status(actions, status)
    assert list(out["status"]) == ["in_progress", "done"] and unmatched == [4]


# --------------------------------------------------------------------------------------- chapter
def test_export_puts_the_progress_cell_right_after_the_summary(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("a"), nbformat.v4.new_code_cell("p", metadata={"tags": ["progress"]}),
                nbformat.v4.new_code_cell("s", metadata={"tags": ["executive-summary"]})]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert [c.source for c in merge_notebooks([path]).cells] == ["s", "p", "a"]


NOW_METRICS = {"process.win_rate": 0.30, "process.win_rate.norm": 0.25, "process.won_deals": 60,
               "process.lost_deals": 140, "process.closed_deals_per_year": 200, "process.average_won_deal": 1000,
               "technology.share_stale": 0.40, "technology.share_stale.norm": 0.10, "technology.open_deals": 200}


def test_the_chapter_renders_on_a_small_case(tiny_client, tmp_path):
    params = _with(tiny_client, "baseline: previous\n")
    client = tmp_path / "outputs" / params.client_slug
    then_card = _scorecard(pr_win_rate=(0.20, 0.25)).assign(block="processes")
    then_card = pd.concat([then_card, _scorecard(te_share_stale=(0.41, 0.10)).assign(block="resources",
                                                                                     stage="technology")])
    findings = pd.DataFrame([{"rank": 1, "group": "funnel", "money_low": 1000.0, "money_high": 2000.0,
                              "parameters": "['pr_win_rate']", "title": "Deals are lost in the funnel"},
                             {"rank": 2, "group": "crm_data", "money_low": None, "money_high": None,
                              "parameters": "['te_share_stale']", "title": "CRM data"}])
    actions = pd.DataFrame([{"rank": 1, "group": "funnel", "primary": True, "parameter": "pr_win_rate",
                             "action": "Coach the team on proposals."},
                            {"rank": 2, "group": "crm_data", "primary": True, "parameter": "te_share_stale",
                             "action": "Close stale deals every week."}])
    _run(client / "r1", ("2023-01-01", "2023-12-31"), {
        "process.won_deals": 40, "process.lost_deals": 160, "technology.open_deals": 200,
        "improvement_plan.overall_score": 50.0, "improvement_plan.coverage": 0.5,
        "improvement_plan.block.processes.score": 80.0, "improvement_plan.block.processes.coverage": 0.4},
        then_card, findings, actions)
    _status_xlsx(params.data_dir / "action_plan_status.xlsx", [
        [1, "Deals are lost in the funnel", "Coach the team on proposals.", "in progress", 60, ""],
        [2, "CRM data", "Close stale deals every week.", "done", 100, "weekly review"]])
    run_dir = client / ".now.partial"
    (run_dir / "results" / "metrics").mkdir(parents=True)
    (run_dir / "results" / "metrics" / "process.json").write_text(json.dumps(NOW_METRICS))
    audit = Audit("improvement_plan", params, load_inputs(params), run_dir)
    shown = []
    audit.show = shown.append
    plan = stage.assess(audit)
    p = stage_progress.progress(audit, plan)
    html = "\n".join(shown)
    assert 'id="progress"' in html and "Progress since the previous audit" in html
    verdicts = p.parameters.set_index("id")["verdict"]
    assert verdicts["pr_win_rate"] == "improved" and verdicts["te_share_stale"] == "no_change"
    assert "done, no effect yet" in html and "Close stale deals every week" in html
    assert set(p.actions["effect"]) == {"moved", "done_no_effect"}
    assert p.money.set_index("group").loc["funnel", "realised_high"] == pytest.approx(0.05 * 200 * 1000)
    assert "data:image/svg+xml" in html  # the dumbbell chart
    headline = stage_progress.progress_headline(audit, plan)
    assert headline.startswith("Since the previous audit") and "1 parameter improved" in headline and "1 of 2 actions of the previous plan is reported done" in headline
    saved = json.loads((run_dir / "results" / "audit.json").read_text())
    assert saved["period"]["start"] == "2024-01-01" and saved["norms"]["process"]["win_rate"] == 0.25


def test_without_a_baseline_nothing_is_shown_and_the_run_is_recorded(tiny_client, tmp_path):
    params = load_params(tiny_client)
    run_dir = tmp_path / "run"
    audit = Audit("improvement_plan", params, load_inputs(params), run_dir)
    shown = []
    audit.show = shown.append
    plan = stage.assess(audit)
    assert stage_progress.progress(audit, plan) is None and shown == []
    assert stage_progress.progress_headline(audit, plan) is None
    assert (run_dir / "results" / "audit.json").is_file()


def test_a_weakest_part_that_changed_is_flagged_and_priced_with_the_earlier_base():
    then = _scorecard(co_lead_source_contacted=(0.60, 0.95))
    now = _scorecard(co_lead_source_contacted=(0.90, 0.95))
    w1 = pg.Window({"communication.worst_source": "exhibitions", "communication.worst_source_leads_per_year": 500,
                    "communication.worst_source_revenue_per_contacted_lead": 10.0}, 365.25)
    w2 = pg.Window({"communication.worst_source": "partners", "communication.worst_source_leads_per_year": 50,
                    "communication.worst_source_revenue_per_contacted_lead": 1.0}, 365.25)
    r = pg.compare_parameters(then, now, w1, w2)
    assert bool(r.iloc[0]["detail_changed"]) and r.iloc[0]["detail_then"] == "exhibitions"
    findings = pd.DataFrame([{"rank": 1, "group": "lead_handling", "money_low": 1.0, "money_high": 2.0,
                              "parameters": "['co_lead_source_contacted']"}])
    m = pg.money_realised(findings, r, w2.metrics, None, w1.metrics).iloc[0]
    assert m["realised_high"] == pytest.approx(0.30 * 500 * 10.0)  # the earlier source's base


# ------------------------------------------------------------------------------ validate
def test_validate_names_a_missing_previous_baseline(tiny_client, tmp_path, monkeypatch):
    write(tiny_client, tiny_client.read_text() + "baseline: previous\n")
    monkeypatch.chdir(tmp_path)
    lines, ok, _ = validate(tiny_client)
    assert not ok and any("baseline: previous" in line and line.startswith("error") for line in lines)


def test_validate_reads_the_baseline_and_the_status_file_naming_row_and_column(tiny_client, tmp_path, monkeypatch):
    write(tiny_client, tiny_client.read_text() + "baseline: previous\n")
    params = load_params(tiny_client)
    _run(tmp_path / "outputs" / params.client_slug / "r1", ("2023-01-01", "2023-12-31"))
    monkeypatch.chdir(tmp_path)
    _status_xlsx(params.data_dir / "action_plan_status.xlsx",
                 [[1, "F", "Do A", "done", 100, ""], [2, "F", "Do B", "finished", 50, ""]])
    read = []
    for name in ("run_info", "read_baseline"):  # count what validate reads of the earlier run
        monkeypatch.setattr(bl, name, lambda *a, _f=getattr(bl, name), _n=name: read.append(_n) or _f(*a))
    lines, ok, _ = validate(tiny_client)
    text = "\n".join(lines)
    assert read == ["run_info", "read_baseline"]  # its period once to find it, then its results once
    assert not ok
    assert "r1" in text and "31 Dec 2023" in text
    assert "action_plan_status.xlsx, row 3, column “Status”" in text and "finished" in text
    assert "2 actions of the earlier plan read, 1 done" in text


def test_validate_warns_about_a_status_file_without_a_baseline(tiny_client):
    params = load_params(tiny_client)
    _status_xlsx(params.data_dir / "action_plan_status.xlsx", [[1, "F", "Do A", "done", 100, ""]])
    lines, ok, _ = validate(tiny_client)
    assert ok and any(line.startswith("warning") and "baseline: previous" in line for line in lines)
