"""Express assessment: scoring of a hand-made checklist, quick wins, the recommendation catalogue
and `auditkit express` end to end (the checklist form: report/test_checklist_form.py)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from auditkit.plan import recommendations as rc
from auditkit.inputs.checklist import answer_scores, load_checklist
from auditkit.plan import scorecard as sc
from auditkit.cli import main
from auditkit.i18n import LANGUAGES, catalogue
from auditkit.inputs.params import load_params
from auditkit.runner import run_client, stage_notebooks
from auditkit.report.sections import express as ex
from helpers import REPO, write

QUESTIONS = load_checklist()["questions"]
IDS = [q["id"] for q in QUESTIONS]


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["parameter_id", "answer", "note"][:len(rows[0])]).astype("string")


# A hand-made checklist: weights from data/checklist.yaml (plan_method_defined 3, plan_breakdown_product 2,
# plan_factors_seasonality 1, proc_crm_single_source 3, proc_after_sales 2, res_owner_delegates 3);
# the planning block weighs 38 in total; one answer is for a question that does not exist.
HAND_MADE = frame([
    ("plan_method_defined", "yes", "documented in 2024"),
    ("plan_breakdown_product", "partly", pd.NA),
    ("plan_factors_seasonality", "no", "plan / 12"),
    ("proc_crm_single_source", "2", pd.NA),
    ("proc_after_sales", "0", pd.NA),
    ("res_owner_delegates", "Partly", "<b>owner</b> sells"),
    ("not_a_question", "yes", pd.NA),
])


def test_hand_made_checklist_block_scores_coverage_and_overall():
    a = ex.assess(HAND_MADE)
    assert a["assessed"].sum() == 6 and list(a["id"]) == IDS
    blocks = ex.block_table(a).set_index("block")
    # planning: (3·100 + 2·50 + 1·0) / (3 + 2 + 1) = 400 / 6; coverage 6 / 38
    assert blocks.loc["planning", "score"] == pytest.approx(400 / 6)
    assert blocks.loc["planning", "coverage"] == pytest.approx(6 / 38)
    assert blocks.loc["planning", "deviation"] == pytest.approx(100 - 400 / 6)
    assert list(blocks.loc["planning", ["yes", "partly", "no", "unanswered"]]) == [1, 1, 1, 15]
    # processes: "2" = yes, "0" = no -> (3·100 + 2·0) / 5 = 60
    assert blocks.loc["processes", "score"] == pytest.approx(60.0)
    assert blocks.loc["resources", "score"] == pytest.approx(50.0)
    assert np.isnan(blocks.loc["segmentation", "score"]) and blocks.loc["segmentation", "coverage"] == 0.0
    total_weight = sum(q["weight"] for q in QUESTIONS)
    res = ex.overall(a)
    # (300 + 100 + 0 + 300 + 0 + 150) / (3 + 2 + 1 + 3 + 2 + 3) = 850 / 14
    assert res["score"] == pytest.approx(850 / 14)
    assert res["coverage"] == pytest.approx(14 / total_weight)
    assert (res["answered"], res["questions"], res["findings"]) == (6, 56, 4)
    assert ex.unknown_ids(HAND_MADE) == ["not_a_question"]
    rows = a.set_index("id")
    assert rows.loc["res_owner_delegates", "answer"] == "partly" and rows.loc["proc_crm_single_source", "answer"] == "yes"
    assert rows.loc["plan_factors_seasonality", "note"] == "plan / 12" and pd.isna(rows.loc["seg_abc_xyz_used", "answer"])


def test_findings_order_and_quick_wins():
    found = sc.findings(ex.assess(HAND_MADE))
    # priority = weight × deviation: after_sales 2·100, owner 3·50, then 1·100 and 2·50 tied (by id)
    assert list(found["id"]) == ["proc_after_sales", "res_owner_delegates", "plan_breakdown_product",
                                 "plan_factors_seasonality"]
    assert list(found["priority"]) == [200.0, 150.0, 100.0, 100.0]
    wins = ex.select_quick_wins(found)
    # catalogue horizons: after_sales and seasonality are quick wins; owner 1 year; product 3 months
    assert list(wins["id"]) == ["proc_after_sales", "plan_factors_seasonality"]
    assert list(wins["recommendation"]) == ["proc_after_sales", "plan_factors_seasonality"]
    assert ex.later_counts(found) == {"quick_win": 2, "3_months": 1, "1_year": 1, "3_years": 0}


def test_quick_wins_use_the_given_catalogue_in_priority_order():
    def rec(rid, param, horizon):
        texts = {lang: f"{rid} {lang}" for lang in rc.LANGUAGES}
        return rc.Recommendation(rid, param, "it", horizon, "low", texts, texts, texts)

    recs = {r.id: r for r in (rec("a1", "plan_factors_seasonality", "quick_win"),
                              rec("a2", "plan_factors_seasonality", "1_year"),
                              rec("b1", "proc_after_sales", "3_months"),
                              rec("c1", "res_owner_delegates", "quick_win"))}
    found = sc.findings(ex.assess(HAND_MADE))
    wins = ex.select_quick_wins(found, recs)
    assert list(wins["recommendation"]) == ["c1", "a1"]  # owner (150) before seasonality (100)
    assert ex.later_counts(found, recs) == {"quick_win": 2, "3_months": 1, "1_year": 0, "3_years": 0}


def test_levels_and_nothing_answered():
    assert [ex.level_key(s) for s in (100, 80, 79.9, 60, 45, 40, 39.9, 0)] == [
        "level_system", "level_system", "level_gaps", "level_gaps", "level_manual", "level_manual",
        "level_none", "level_none"]
    a = ex.assess(None)
    assert not a["assessed"].any() and np.isnan(ex.overall(a)["score"]) and ex.overall(a)["coverage"] == 0.0


# --------------------------------------------------------------------------- recommendation catalogue
def test_every_checklist_question_has_a_complete_recommendation():
    recs = rc.catalogue()
    by_param = rc.by_parameter()
    assert set(IDS) <= set(by_param)  # metric parameters have recommendations too (metrics.yaml)
    for qid in IDS:
        (rec,) = by_param[qid]
        assert rec.id == qid and rec.owner in rc.OWNERS and rec.horizon in rc.HORIZONS and rec.effort in rc.EFFORTS
        for field in rc.TEXT_FIELDS:
            texts = getattr(rec, field)
            assert set(texts) == set(rc.LANGUAGES) and all(t.strip() for t in texts.values()), (qid, field)
            assert re.search("[а-яА-Я]", texts["ru"]) or field == "target", (qid, field)
            assert not re.search("[а-яА-Я]", texts["pl"]) and not re.search("[а-яА-Я]", texts["en"]), (qid, field)
        assert len(rec.action["en"]) > 60, qid  # an instruction, not a label
    horizons = pd.Series([r.horizon for r in recs.values()]).value_counts()
    assert horizons["quick_win"] >= 10 and set(horizons.index) == set(rc.HORIZONS)
    assert {r.owner for r in recs.values()} == set(rc.OWNERS)
    for lang in LANGUAGES:  # display names of owners, horizons and efforts exist in every language
        texts = catalogue(lang)
        for kind, values in (("owner", rc.OWNERS), ("horizon", rc.HORIZONS), ("effort", rc.EFFORTS)):
            assert all(f"recommendation.{kind}.{v}" in texts for v in values), (lang, kind)


def test_catalogue_loader_reports_every_problem(tmp_path):
    good = {"id": "x1", "parameter": "p", "owner": "it", "horizon": "quick_win", "effort": "low",
            "action": {"en": "a", "ru": "а", "pl": "a"}, "kpi": {"en": "k", "ru": "к", "pl": "k"},
            "target": {"en": "t", "ru": "т", "pl": "t"}}
    write(tmp_path / "one.yaml", yaml.safe_dump({"recommendations": [good]}, allow_unicode=True))
    bad = [dict(good, horizon="someday"), {k: v for k, v in good.items() if k != "kpi"} | {"id": "x2"},
           dict(good, id="x3", action={"en": "a", "ru": ""}), dict(good, id="x4", colour="red")]
    write(tmp_path / "two.yaml", yaml.safe_dump({"recommendations": bad}, allow_unicode=True))
    with pytest.raises(rc.CatalogueError) as err:
        rc.load_folder(tmp_path)
    text = "; ".join(err.value.problems)
    assert "horizon 'someday'" in text and "(x2): missing kpi" in text and "action has no text in ru, pl" in text
    assert "unknown key colour" in text and "'x1' is used twice (one.yaml, two.yaml)" in text
    (tmp_path / "two.yaml").unlink()
    assert list(rc.load_folder(tmp_path)) == ["x1"]


def test_notebooks_are_not_stages_and_the_form_cell_is_tagged():
    import nbformat

    assert all(not p.name.startswith("express") for p in stage_notebooks())
    nb = nbformat.read(REPO / "notebooks" / "express_checklist.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells if c.cell_type == "code"]
    assert tags[0] == ["parameters"] and all("widget" in t for t in tags[1:])
    report = nbformat.read(REPO / "notebooks" / "express_report.ipynb", as_version=4)
    assert report.cells[1].metadata["tags"] == ["parameters"]


# --------------------------------------------------------------------------- end to end
@pytest.mark.e2e  # the express notebook in a kernel, and the PDF
def test_cli_express_on_the_demo_writes_html_and_pdf(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["express", str(REPO / "params" / "demo.yaml"), "--output", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].endswith("express.html") and lines[-1].endswith("express.pdf")
    run = Path(lines[-1].split(": ", 1)[1]).parent
    assert (out / "demo" / "latest-express").resolve() == run.resolve() and not (out / "demo" / "latest").exists()
    assert (run / "express.pdf").read_bytes()[:5] == b"%PDF-" and not (run / "report.html").exists()
    html = (run / "express.html").read_text(encoding="utf-8")
    for text in ("Express assessment", "Northern Packaging LLC", "Top problems", "Quick wins", "Responsible:"):
        assert text in html, text
    for leak in ("Traceback", "Warning", "open_express(", "import ", "http://", "https://"):
        assert leak not in html, leak
    metrics = json.loads((run / "results" / "metrics.json").read_text())
    params = load_params(REPO / "params" / "demo.yaml")
    checklist = pd.read_csv(params.data_dir / "checklist.csv", dtype="string")
    expected = ex.overall(ex.assess(checklist))
    assert metrics["express.score"] == pytest.approx(round(expected["score"], 1))
    assert metrics["express.coverage"] == pytest.approx(expected["coverage"])
    assert metrics["express.findings"] == expected["findings"]
    assert {f"express.block.{b}.score" for b in sc.BLOCKS} <= set(metrics)
    for name in ("express_answers", "express_blocks", "express_findings", "express_quick_wins"):
        assert (run / "results" / f"{name}.csv").is_file(), name
    wins = pd.read_csv(run / "results" / "express_quick_wins.csv")
    assert wins["priority"].is_monotonic_decreasing and len(wins) == metrics["express.quick_wins"]
    # the cover promises only what the express delivers: no audit period, no goal about revenue or money
    cover = html[html.index('class="ak-cover"'):html.index("</section>")]
    assert "Audit period" not in cover and "money at stake" not in cover and "growth" not in cover
    assert "workload, skills and CRM discipline" in cover
    # every quick win is shown (no "all rows are in the CSV"), the strengths, and every consultant's note
    assert "express_quick_wins.csv" not in html and html.count("Responsible:") == len(wins) > 8
    assert "What works" in html and metrics["express.strengths"] == (checklist["answer"] == "yes").sum()
    notes = checklist.dropna(subset=["note"])
    assert metrics["express.notes"] == len(notes) > 0
    assert all(note.replace("'", "&#x27;") in html or note in html for note in notes["note"])
    # block names as the full report's scorecard writes them
    assert "Resources (people and technology)" in html and "Planning &amp; forecasting" not in html


@pytest.mark.e2e  # the express notebook in a kernel, and the PDF
def test_express_needs_only_the_checklist_and_speaks_polish(tmp_path):
    write(tmp_path / "data" / "checklist.csv", "parameter_id,answer,note\nplan_method_defined,no,<script>x</script>\n"
                                               "proc_after_sales,partly,\nres_email_integrated,2,\n")
    params = write(tmp_path / "params" / "pl.yaml", """
        client: Mała Firma sp. z o.o.
        language: pl
        currency: PLN
        country: PL
        period: {start: 2025-01-01, end: 2025-12-31}
        data_dir: ../data
    """)
    res = run_client(params, tmp_path / "out", kind="express")
    assert res.ok, res.failure
    html = res.report_html.read_text(encoding="utf-8")
    assert res.report_pdf.name == "express.pdf" and res.report_pdf.is_file()
    for text in ("Ocena ekspresowa", "Najważniejsze problemy", "Szybkie działania", "Odpowiada:"):
        assert text in html, text
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html  # the note is escaped
    assert "Wypełniono tylko" in html  # 3 of 56 questions: the scores are called indicative
    # without a checklist there is nothing to assess: the run fails before anything is written
    (tmp_path / "data" / "checklist.csv").unlink()
    write(tmp_path / "data" / "orders.csv", "order_id,client_id,date,amount\nO1,C1,2025-01-10,100\n")
    res = run_client(params, tmp_path / "out2", kind="express")
    assert not res.ok and "needs the checklist" in res.failure and not (tmp_path / "out2").exists()
