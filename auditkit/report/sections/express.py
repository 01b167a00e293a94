"""Express assessment report sections (METHODOLOGY.md §0, §3): the checklist alone.

The client's `checklist` table (parameter_id, answer yes/partly/no or 0–2, note) is scored with the
generic scorecard engine (`auditkit.plan.scorecard`): every question of `data/checklist.yaml` is a
parameter with norm 100. The report shows the overall and block scores with their coverage, the
top problems (findings ranked by weight × deviation), every quick win (findings whose catalogued
recommendation takes at most a month, `data/recommendations/checklist.yaml`), the strengths (questions
answered "yes") and the consultant's notes on the questions where the consultant wrote one.

The pure functions (`assess`, `overall`, `block_table`, `select_quick_wins`, `later_counts`, `met_questions`) are
used by the sections and by the checklist form; the section functions take an open `Audit`.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit.report import charts
from auditkit.inputs.checklist import answer_labels, answers, canonical_answers, load_checklist, question_texts
from auditkit.plan import recommendations as rc
from auditkit.plan import scorecard as sc
from auditkit.inputs.params import load_params
from auditkit.inputs.cache import cached_inputs
from auditkit.report.context import Audit, esc, find_params, Kpi, section
from auditkit.report.sections.improvement_plan import lower_first

STAGE = "express"
TOP_PROBLEMS = 8  # findings shown in the report (all of them are in express_findings.csv); every quick win is shown
LEVELS = ((80.0, "level_system"), (60.0, "level_gaps"), (40.0, "level_manual"), (-np.inf, "level_none"))
LOW_COVERAGE = 0.8  # below this answered share of the weight the overall result is called indicative
BLOCK_LOW_COVERAGE = 0.5


# --------------------------------------------------------------------------- inputs
def open_express(params_path: str | Path, run_dir: str | Path | None = None) -> Audit:
    """Open the express report notebook: parameters, validated inputs, chart theme; show the title."""
    warnings.filterwarnings("ignore", module="seaborn|matplotlib|pandas")
    params = load_params(find_params(params_path))
    run_dir = Path(run_dir) if run_dir else None
    data = cached_inputs(params, run_dir, express=True)
    audit = Audit(STAGE, params, data, run_dir)
    charts.use_theme(audit.loc)
    audit.stage_title()
    return audit


# --------------------------------------------------------------------------- computations
def questions_frame(questions: list[dict] | None = None) -> pd.DataFrame:
    """The checklist questions: id, block, stage, topic, problem (1–7 or NA), weight, order."""
    questions = load_checklist()["questions"] if questions is None else questions
    return pd.DataFrame({
        "id": pd.array([q["id"] for q in questions], dtype="string"),
        "topic": pd.array([q.get("topic") for q in questions], dtype="string"),
        "problem": pd.array([q.get("problem") for q in questions], dtype="Int64"),
        "order": np.arange(len(questions), dtype="int64"),
    })


def assess(checklist: pd.DataFrame | None, questions: list[dict] | None = None) -> pd.DataFrame:
    """Score the checklist: one row per question, in checklist order.

    The columns of `scorecard.evaluate` plus answer (yes/partly/no or NA), note (string), topic,
    problem (the typical-problem number 1–7 or NA)."""
    questions = load_checklist()["questions"] if questions is None else questions
    evaluated = sc.evaluate(sc.checklist_parameters(questions), {}, checklist)
    meta = questions_frame(questions)
    answers = pd.Series(pd.NA, index=meta["id"], dtype="string")
    notes = pd.Series(pd.NA, index=meta["id"], dtype="string")
    if checklist is not None and not checklist.empty:
        given = checklist.assign(parameter_id=checklist["parameter_id"].astype("string"))
        given = given[given["parameter_id"].isin(meta["id"])].set_index("parameter_id")
        canon = given["answer"].astype("string").str.strip().str.lower().map(canonical_answers())
        answers.loc[canon.index] = canon.astype("string")
        if "note" in given.columns:
            notes.loc[given.index] = given["note"].astype("string").str.strip().replace("", pd.NA)
    out = evaluated.merge(meta, on="id", how="left")
    out["answer"] = answers.reindex(out["id"]).to_numpy()
    out["note"] = notes.reindex(out["id"]).to_numpy()
    out["answer"] = out["answer"].astype("string").where(out["assessed"])
    out["note"] = out["note"].astype("string")
    return out


def unknown_ids(checklist: pd.DataFrame | None, questions: list[dict] | None = None) -> list[str]:
    """Answered parameter ids that are not checklist questions (ignored by the scoring)."""
    if checklist is None or checklist.empty:
        return []
    known = set(questions_frame(questions)["id"])
    ids = checklist["parameter_id"].astype("string").dropna()
    return sorted(set(ids) - known)


def overall(assessed: pd.DataFrame) -> dict:
    """Overall score (weighted mean of the answered questions; NaN when none), coverage (answered share
    of the weight), answered and total question counts, and the number of findings."""
    ok = assessed["assessed"].to_numpy(bool)
    weight = assessed["weight"].to_numpy(float)
    answered_weight = weight[ok].sum()
    score = float((weight[ok] * assessed["score"].to_numpy(float)[ok]).sum() / answered_weight) if ok.any() else np.nan
    return {"score": score, "coverage": float(answered_weight / weight.sum()) if weight.sum() else 0.0,
            "answered": int(ok.sum()), "questions": len(assessed),
            "findings": int((ok & (assessed["score"].to_numpy(float) < 100)).sum())}


def block_table(assessed: pd.DataFrame) -> pd.DataFrame:
    """`scorecard.block_scores` plus the count of yes / partly / no / unanswered questions per block."""
    blocks = sc.block_scores(assessed)
    counts = (pd.crosstab(assessed["block"], assessed["answer"].fillna("unanswered"))
              .reindex(index=list(sc.BLOCKS), columns=[*answers(), "unanswered"], fill_value=0)
              .astype("int64"))
    return blocks.merge(counts, left_on="block", right_index=True, how="left")


def level_key(score: float) -> str:
    """The interpretation band of an overall score (see LEVELS)."""
    return next(key for bound, key in LEVELS if score >= bound)


def select_quick_wins(found: pd.DataFrame, recommendations: dict | None = None) -> pd.DataFrame:
    """Findings whose recommendation is a quick win (≤ 1 month), in the findings' priority order.

    `found` is `scorecard.findings(...)`; returns its rows with the recommendation id added
    (`recommendation`), one row per quick-win recommendation."""
    by_param = rc.by_parameter(recommendations)
    rows = [(i, rec.id) for i, pid in enumerate(found["id"]) for rec in by_param.get(pid, ())
            if rec.horizon == "quick_win"]
    picked = found.iloc[[i for i, _ in rows]].reset_index(drop=True)
    picked["recommendation"] = pd.array([r for _, r in rows], dtype="string")
    return picked


def met_questions(assessed: pd.DataFrame) -> pd.DataFrame:
    """The questions answered "yes" (the norm is met), per block in the blocks' order, the heaviest first."""
    met = assessed[assessed["assessed"] & (assessed["answer"] == "yes")]
    block_order = {b: i for i, b in enumerate(sc.BLOCKS)}
    return met.assign(_block=met["block"].map(block_order)).sort_values(
        ["_block", "weight", "order"], ascending=[True, False, True], kind="stable").drop(columns="_block")


def later_counts(found: pd.DataFrame, recommendations: dict | None = None) -> dict[str, int]:
    """How many findings need a longer action: horizon -> number of findings (quickest horizon of each)."""
    by_param = rc.by_parameter(recommendations)
    counts = dict.fromkeys(rc.HORIZONS, 0)
    for pid in found["id"]:
        recs = by_param.get(pid)
        if recs:
            counts[recs[0].horizon] += 1
    return counts


# --------------------------------------------------------------------------- helpers for sections
def _block_label(audit: Audit, block: str) -> str:
    """The block's name as the full report's scorecard names it."""
    return audit.t(f"improvement_plan.block.{block}")


def _labels(audit: Audit, cols) -> dict[str, str]:
    return {c: audit.t(f".columns.{c}") for c in cols}


def _intro(audit: Audit, key: str, **values) -> None:
    """A paragraph that introduces the table after it: kept on the same page as the table's start."""
    text = audit.t(key, **{k: esc(v) for k, v in values.items()})
    audit.show(f'<p class="ak-text" style="break-after: avoid; page-break-after: avoid">{text}</p>')


def _typical(a: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The questions on the seven typical problems (seed 004), and those of them below the norm."""
    typical = a[a["problem"].notna()].sort_values("problem")
    return typical, typical[typical["assessed"] & (typical["score"] < 100)]


def _typical_problems(audit: Audit, a: pd.DataFrame) -> None:
    """Which of the seven typical problems of B2B sales management are present, with their answers."""
    typical, found = _typical(a)
    answers = answer_labels(audit.params.language)
    if len(found):
        items = "; ".join(audit.t(".text.typical_item", problem=audit.t(f".typical.{int(p)}"), answer=answers[ans].lower())
                          for p, ans in zip(found["problem"], found["answer"]))
        audit.show(f'<div class="ak-finding">{esc(audit.t(".text.typical_found", n=len(found), problems=items))}</div>')
    elif typical["assessed"].all():
        audit.paragraph(".text.typical_none")


def _assessed(audit: Audit) -> pd.DataFrame | None:
    """The scored checklist of this client, or None (and the missing-data note) without a checklist."""
    checklist = audit.data.tables.get("checklist")
    if checklist is None:
        audit.missing(["checklist"], "tables_why.checklist")
        return None
    cached = getattr(audit, "_express_assessed", None)  # scored once per notebook run
    if cached is None:
        cached = assess(checklist)
        audit._express_assessed = cached
    if not cached["assessed"].any():
        audit.note(".text.nothing_assessed")
        return None
    return cached


# --------------------------------------------------------------------------- sections
@section("summary")
def summary(audit: Audit) -> None:
    """Overall score with its interpretation, coverage, typical problems found."""
    checklist = audit.data.tables.get("checklist")
    unknown = unknown_ids(checklist)
    a = _assessed(audit)
    if a is None:
        return
    res = overall(a)
    _, typical_found = _typical(a)
    audit.kpis([
        Kpi("score", round(res["score"], 1), "decimal", 100.0, "higher"),
        Kpi("coverage", res["coverage"], "pct", 1.0, "higher"),
        Kpi("answered", res["answered"], "number"),
        Kpi("findings", res["findings"], "number"),
        Kpi("typical_problems", len(typical_found), "number", 0, "lower"),
    ])
    audit.record("questions", res["questions"])
    blocks = block_table(a).dropna(subset=["score"])
    audit.paragraph(".text.verdict", score=audit.loc.number(res["score"], 1),
                    level=audit.t(f".text.{level_key(res['score'])}"))
    if len(blocks) > 1:
        weakest, strongest = blocks.loc[blocks["score"].idxmin()], blocks.loc[blocks["score"].idxmax()]
        audit.paragraph(".text.extremes", weakest=_block_label(audit, weakest["block"]),
                        weakest_score=audit.loc.number(weakest["score"]),
                        strongest=_block_label(audit, strongest["block"]),
                        strongest_score=audit.loc.number(strongest["score"]))
    if res["coverage"] < LOW_COVERAGE:
        audit.note(".text.low_coverage", coverage=audit.loc.pct(res["coverage"], 0))
    if unknown:
        audit.note(".text.unknown_ids", n=len(unknown), ids=", ".join(unknown))
    answers_csv = a.assign(text=a["id"].map(question_texts(audit.params.language)))[
        ["id", "block", "stage", "topic", "problem", "weight", "answer", "score", "deviation", "note", "text"]]
    audit.save_csv("express_answers", answers_csv)


@section("blocks")
def blocks(audit: Audit) -> None:
    """Score, deviation and coverage per block; radar of as-is vs norm; deviation bars."""
    a = _assessed(audit)
    if a is None:
        return
    table = block_table(a)
    for rec in table.itertuples():
        audit.record(f"block.{rec.block}.score", rec.score)
        audit.record(f"block.{rec.block}.coverage", rec.coverage)
    shown = table.assign(name=[_block_label(audit, b) for b in table["block"]])
    audit.table("express_blocks", shown,
                {"name": "text", "score": "number", "deviation": "number", "yes": "number", "partly": "number",
                 "no": "number", "unanswered": "number", "coverage": "pct"},
                labels={"name": audit.t(".columns.block"),
                        **_labels(audit, ["score", "deviation", "yes", "partly", "no", "unanswered", "coverage"])},
                csv=table)
    names = [_block_label(audit, b) if pd.notna(s) else f"{_block_label(audit, b)} ({audit.t('.text.not_assessed')})"
             for b, s in zip(table["block"], table["score"])]
    audit.figure(charts.radar_gaps(names, table["score"].to_numpy(float), audit.loc, audit.t(".charts.radar.title"),
                                   audit.t(".charts.radar.as_is"), audit.t("charts.norm"), audit.t(".charts.deviation.x")))
    thin = table[(table["coverage"] < BLOCK_LOW_COVERAGE) & table["score"].notna()]
    if len(thin):
        audit.note(".text.block_low_coverage", blocks=", ".join(_block_label(audit, b) for b in thin["block"]))


@section("problems")
def problems(audit: Audit) -> None:
    """The findings ranked by weight × deviation, with the question and the consultant's note."""
    a = _assessed(audit)
    if a is None:
        return
    found = sc.findings(a)
    audit.record("findings", len(found))
    _typical_problems(audit, a)
    if found.empty:
        audit.paragraph(".text.problems_none")
        return
    if len(found) > TOP_PROBLEMS:
        _intro(audit, ".text.problems_intro_top", n=TOP_PROBLEMS, total=len(found))
    else:
        _intro(audit, ".text.problems_intro_all", total=len(found))
    texts, answers = question_texts(audit.params.language), answer_labels(audit.params.language)
    shown = found.assign(question=found["id"].map(texts), answer_label=found["answer"].map(answers))
    for rec in found.head(TOP_PROBLEMS).itertuples():
        audit.record(f"top_problem.{rec.rank}", rec.id)
    csv = shown[["rank", "id", "block", "stage", "topic", "weight", "answer", "score", "deviation", "priority",
                 "note", "question"]]
    columns = {"rank": "number", "question": "text", "answer_label": "text", "note": "text", "priority": "number"}
    if shown.head(TOP_PROBLEMS)["note"].isna().all():  # no note on these questions: no column of dashes
        del columns["note"]
    audit.table("express_findings", shown, columns,
                labels={**_labels(audit, ["rank", "question", "note", "priority"]),
                        "answer_label": audit.t(".columns.answer")},
                max_rows=TOP_PROBLEMS, csv=csv)


@section("quick_wins")
def quick_wins(audit: Audit) -> None:
    """Findings whose recommended action takes at most a month, by priority, with owner, KPI and target."""
    a = _assessed(audit)
    if a is None:
        return
    found = sc.findings(a)
    wins = select_quick_wins(found)
    audit.record("quick_wins", len(wins))
    lang = audit.params.language
    catalogue = rc.catalogue()
    if wins.empty:
        audit.paragraph(".text.problems_none" if found.empty else ".text.quick_wins_none")
    else:
        _intro(audit, ".text.quick_wins_intro")
        recs = [catalogue[r] for r in wins["recommendation"]]
        shown = wins.assign(
            n=np.arange(1, len(wins) + 1), action=[r.text("action", lang) for r in recs],
            owner=[rc.label(audit.loc, "owner", r.owner) for r in recs],
            effort=[rc.label(audit.loc, "effort", r.effort) for r in recs],
            kpi=[r.text("kpi", lang) for r in recs], target=[r.text("target", lang) for r in recs],
            kpi_target=[audit.t(".text.kpi_target", kpi=r.text("kpi", lang), target=r.text("target", lang))
                        for r in recs],
            action_owner=[audit.t(".text.action_owner", action=r.text("action", lang),
                                  owner=lower_first(rc.label(audit.loc, "owner", r.owner))) for r in recs])
        csv = shown[["n", "id", "recommendation", "priority", "answer", "action", "owner", "effort", "kpi", "target"]].assign(
            owner=[r.owner for r in recs], effort=[r.effort for r in recs])
        audit.table("express_quick_wins", shown,
                    {"n": "number", "action_owner": "text", "kpi_target": "text"},
                    labels={"n": audit.t(".columns.rank"), "action_owner": audit.t(".columns.action"),
                            "kpi_target": audit.t(".columns.kpi_target")},
                    max_rows=len(shown), csv=csv)
    later = later_counts(found)
    rest = sum(v for k, v in later.items() if k != "quick_win")
    for horizon, count in later.items():
        audit.record(f"findings_by_horizon.{horizon}", count)
    if rest:
        parts = [audit.t(f".text.later_{h}", n=later[h]) for h in rc.HORIZONS[1:] if later[h]]
        audit.paragraph(".text.later", n=rest, parts=", ".join(parts))


@section("strengths")
def strengths(audit: Audit) -> None:
    """What works: the questions answered "yes", per block, the heaviest first."""
    a = _assessed(audit)
    if a is None:
        return
    met = met_questions(a)
    audit.record("strengths", len(met))
    if met.empty:
        audit.paragraph(".text.strengths_none")
        return
    _intro(audit, ".text.strengths_intro", n=len(met), answered=int(a["assessed"].sum()))
    texts = question_texts(audit.params.language)
    parts = []
    for block, rows in met.groupby("block", sort=False):
        items = "".join(f"<li>{esc(texts[q])}</li>" for q in rows["id"])
        parts.append(f'<h3 class="ak-subhead">{esc(_block_label(audit, block))}</h3><ul>{items}</ul>')
    audit.show("".join(parts))
    audit.save_csv("express_strengths", met[["id", "block", "weight", "note"]].assign(
        question=met["id"].map(texts)))


@section("notes")
def notes(audit: Audit) -> None:
    """The consultant's notes on the questions where the consultant wrote one, with the answer, by block."""
    a = _assessed(audit)
    if a is None:
        return
    noted = a[a["note"].notna()]
    audit.record("notes", len(noted))
    if noted.empty:
        audit.paragraph(".text.notes_none")
        return
    texts, answers = question_texts(audit.params.language), answer_labels(audit.params.language)
    shown = noted.assign(block_name=[_block_label(audit, b) for b in noted["block"]],
                         question=noted["id"].map(texts), answer_label=noted["answer"].map(answers))
    audit.table("express_notes", shown,
                {"block_name": "text", "question": "text", "answer_label": "text", "note": "text"},
                labels={"block_name": audit.t(".columns.block"), **_labels(audit, ["question", "note"]),
                        "answer_label": audit.t(".columns.answer")},
                max_rows=len(shown), csv=shown[["id", "block", "answer", "note", "question"]])


@section("method")
def method(audit: Audit) -> None:
    """How the checklist was answered and scored, and what the express assessment rests on."""
    audit.note(".text.method_checklist", questions=len(load_checklist()["questions"]))
    audit.note(".text.method_scores")
