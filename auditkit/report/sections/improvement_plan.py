"""Stage 6 report sections — improvement plan (METHODOLOGY.md §2 Stage 6): the integral scorecard,
findings with money at stake, the action plan and roadmap, and the executive summary that the
report puts at its front."""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit.report import charts
from auditkit.plan.catalogue import Entry, entries
from auditkit.plan.money import money_at_stake
from auditkit.plan.recommendations import by_parameter, label
from auditkit.report.context import Audit, esc, section
from auditkit.plan.scorecard import BLOCKS, block_scores, evaluate
from auditkit.stages import DATA_STAGES

FOCUS_WEIGHT = 1.5  # findings of the stages the audit goals focus on
EVIDENCE_WEIGHT = {"metric": 1.0, "checklist": 0.5}  # a measured deviation outranks an interview answer
HORIZON_MONTHS = {"quick_win": 1, "3_months": 3, "1_year": 12, "3_years": 36}


@dataclass
class Plan:
    """The assessed scorecard and everything derived from it."""

    scorecard: pd.DataFrame  # one row per parameter, with label, fmt, section, money
    blocks: pd.DataFrame
    stages: pd.DataFrame
    findings: pd.DataFrame  # below the norm, ranked; with recommendation columns
    actions: pd.DataFrame  # the action plan, one row per recommended action
    metrics_from: str  # "run" | path of the earlier run whose metrics were used | "none"


def stage_metrics(audit: Audit) -> tuple[dict, str]:
    """Metrics of the other stages: this run's results, else (analyst mode) the client's latest run."""
    folders = [audit.run_dir / "results" / "metrics"] if audit.run_dir else []
    slug = audit.params.client_slug
    folders += [Path.cwd() / "outputs" / slug / "latest" / "results" / "metrics",
                Path.cwd().parent / "outputs" / slug / "latest" / "results" / "metrics"]
    for folder in folders:
        parts = sorted(p for p in folder.glob("*.json") if p.stem != audit.stage) if folder.is_dir() else []
        if parts:
            merged = {}
            for part in parts:
                merged.update(json.loads(part.read_text(encoding="utf-8")))
            return merged, "run" if audit.run_dir and folder.parent.parent == audit.run_dir else str(folder.parent.parent)
    return {}, "none"


def _resolved_parameters(audit: Audit, metrics: dict) -> list:
    """Norms: the client's scorecard_norms, else the stage norm recorded beside the metric, else the catalogue's."""
    params = []
    for entry in entries():
        p = entry.parameter
        norm = audit.params.scorecard_norms.get(p.id, metrics.get(f"{p.source_ref}.norm") if p.source_kind == "metric" else None)
        if norm is not None and norm != p.norm:
            try:
                p = dataclasses.replace(p, norm=float(norm))
            except ValueError:  # the catalogue floor does not fit the client's norm: score without it
                p = dataclasses.replace(p, norm=float(norm), floor=None)
        params.append(p)
    return params


def _label(audit: Audit, entry: Entry, metrics: dict) -> str:
    """The parameter's text, naming what it is about when the stage recorded it ("… (Retail chains)")."""
    text = entry.label(audit.params.language)
    value = metrics.get(entry.detail) if entry.detail else None
    if not value:
        return text
    names = audit.manager_names()
    items = [names.get(v, v) for v in (value if isinstance(value, list) else [value])]
    return f"{text} — {', '.join(str(v) for v in items[:3])}"


def assess(audit: Audit) -> Plan:
    """Score every parameter, rank the findings, price them and match them to recommendations."""
    metrics, source = stage_metrics(audit)
    catalogue = {e.id: e for e in entries()}
    scored = evaluate(_resolved_parameters(audit, metrics), metrics, audit.data.tables.get("checklist"))
    scored["label"] = [_label(audit, catalogue[i], metrics) for i in scored["id"]]
    scored["fmt"] = [catalogue[i].fmt for i in scored["id"]]
    scored["section"] = [catalogue[i].section for i in scored["id"]]
    scored["coverage"] = scored["assessed"].astype(float)
    focus = scored["stage"].isin(audit.params.focus_stages).to_numpy()
    evidence = scored["source"].str.partition(":")[0].map(EVIDENCE_WEIGHT).to_numpy(float)
    scored["priority"] = scored["weight"] * scored["deviation"] * evidence * np.where(focus, FOCUS_WEIGHT, 1.0)
    money = [money_at_stake((catalogue[r.id].money or {}).get("kind"), r.value, r.norm,
                            (catalogue[r.id].money or {}).get("inputs", {}), metrics)
             for r in scored.itertuples()]
    scored["money"] = [m.amount for m in money]
    scored["money_assumption"] = [m.assumption for m in money]
    below = scored[scored["assessed"] & (scored["score"] < 100)]
    ranked = below.sort_values(["priority", "id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    recs = by_parameter()
    ranked["recommendation"] = [recs[i][0].id if recs.get(i) else None for i in ranked["id"]]
    return Plan(scored, block_scores(scored, "block"), block_scores(scored, "stage"), ranked,
                _actions(audit, ranked, recs), source)


def _actions(audit: Audit, ranked: pd.DataFrame, recs) -> pd.DataFrame:
    """One row per finding that has a recommendation: action, owner, deadline, KPI, target, effect."""
    lang, start = audit.params.language, pd.Timestamp(audit.params.report_date)
    rows = []
    for r in ranked.itertuples():
        if not recs.get(r.id):
            continue
        rec = recs[r.id][0]
        months = HORIZON_MONTHS[rec.horizon]
        rows.append({
            "rank": r.rank, "parameter": r.id, "finding": r.label, "action": rec.text("action", lang),
            "owner": label(audit.loc, "owner", rec.owner), "horizon": rec.horizon,
            "horizon_label": label(audit.loc, "horizon", rec.horizon),
            "effort": label(audit.loc, "effort", rec.effort),
            "start": start, "deadline": start + pd.DateOffset(months=months),
            "kpi": rec.text("kpi", lang), "target": rec.text("target", lang), "money": r.money,
        })
    columns = ["rank", "parameter", "finding", "action", "owner", "horizon", "horizon_label", "effort",
               "start", "deadline", "kpi", "target", "money"]
    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------------------- shown
def _value_text(audit: Audit, value, fmt: str) -> str:
    if fmt == "answer":
        return audit.t(f"improvement_plan.answer.{int(value)}") if pd.notna(value) else "—"
    return audit.fmt(value, fmt)


def _effect_text(audit: Audit, money) -> str:
    if pd.isna(money):
        return audit.t(".text.effect_qualitative")
    return audit.loc.money(money) if money > 0 else audit.t(".text.effect_none")


def executive_summary(audit: Audit, plan: Plan) -> None:
    """One page at the front: block scores (radar), top findings, total money at stake, first actions."""
    overall = plan.blocks.assign(w=plan.blocks["assessed_weight"])
    score = float((overall["score"] * overall["w"]).sum() / overall["w"].sum()) if overall["w"].sum() else None
    coverage = float(plan.scorecard["weight"][plan.scorecard["assessed"]].sum() / plan.scorecard["weight"].sum())
    money = plan.findings["money"].dropna()
    audit.show(f'<h1 class="ak-unnumbered" id="executive-summary">{esc(audit.t(".summary.title"))}</h1>')
    audit.record("overall_score", score)
    audit.record("coverage", coverage)
    audit.record("money_at_stake_total", float(money.sum()) if len(money) else None)
    audit.paragraph(".summary.score", score=audit.loc.number(score) if score is not None else "—",
                    coverage=audit.loc.pct(coverage, 0), findings=len(plan.findings),
                    money=audit.loc.money(money.sum()) if len(money) else "—", priced=len(money))
    audit.figure(_radar(audit, plan, height=2.5), css="ak-compact")
    top = plan.findings.head(5)
    audit.table("summary_top_findings", top.assign(
        as_is=[_value_text(audit, v, f) for v, f in zip(top["value"], top["fmt"])],
        norm_text=[_value_text(audit, v, f) for v, f in zip(top["norm"], top["fmt"])],
        effect=[_effect_text(audit, m) for m in top["money"]]),
        {"rank": "number", "label": "text", "as_is": "text", "norm_text": "text", "effect": "text"},
        labels={"rank": "#", "label": audit.t(".columns.finding"), "as_is": audit.t("report.kpi_head.as_is"),
                "norm_text": audit.t("report.kpi_head.norm"), "effect": audit.t(".columns.money_at_stake")},
        css="ak-compact")
    first = plan.actions.head(5)
    audit.table("summary_first_actions", first.assign(deadline_text=[audit.loc.date(d) for d in first["deadline"]],
                                                      headline=[headline(a) for a in first["action"]]),
                {"headline": "text", "owner": "text", "deadline_text": "text"},
                labels={"headline": audit.t(".columns.action"), "owner": audit.t(".columns.owner"),
                        "deadline_text": audit.t(".columns.deadline")}, css="ak-compact")


def headline(action: str, limit: int = 110) -> str:
    """The first clause of an action text (up to ':' or the end of the first sentence), at most `limit` characters."""
    text = re.split(r"(?<=[.!?])\s|:\s", action.strip(), maxsplit=1)[0].rstrip(".")
    if text.count("(") > text.count(")"):  # the clause ended inside a parenthesis: leave it out
        text = text[: text.rfind("(")].rstrip(" ,;—-")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _radar(audit: Audit, plan: Plan, height: float):
    blocks = plan.blocks.set_index("block")
    names = [audit.t(f"improvement_plan.block.{b}") for b in BLOCKS]
    return charts.radar(names, blocks.loc[list(BLOCKS), "score"].to_numpy(float), audit.loc,
                        audit.t(".charts.radar.title"), audit.t(".charts.radar.as_is"), audit.t("charts.norm"),
                        height=height)


@section("scorecard")
def scorecard(audit: Audit, plan: Plan) -> None:
    """Block and stage scores with coverage; the radar, deviation bars per stage, heatmap of parameters."""
    if plan.metrics_from == "none":
        audit.note(".text.no_metrics")
    elif plan.metrics_from != "run":
        audit.note(".text.metrics_from", path=plan.metrics_from)
    blocks = plan.blocks.assign(name=[audit.t(f"improvement_plan.block.{b}") for b in plan.blocks["block"]])
    for r in blocks.itertuples():
        audit.record(f"block.{r.block}.score", r.score)
        audit.record(f"block.{r.block}.coverage", r.coverage)
    audit.table("scorecard_blocks", blocks, {"name": "text", "score": "decimal", "deviation": "decimal",
                                              "coverage": "pct", "n_assessed": "number", "n_parameters": "number"},
                labels={"name": audit.t(".columns.block"), "score": audit.t(".columns.score"),
                        "coverage": audit.t(".columns.coverage"), "n_assessed": audit.t(".columns.n_assessed"),
                        "n_parameters": audit.t(".columns.n_parameters")})
    audit.figure(_radar(audit, plan, height=3.4))
    stages = plan.stages[plan.stages["stage"].isin(DATA_STAGES)].copy()
    stages.index = [audit.t(f"improvement_plan.stage_name.{s}") for s in stages["stage"]]
    audit.figure(charts.hbars(stages["deviation"].fillna(0), audit.loc, audit.t(".charts.deviation.title"),
                              audit.t(".charts.deviation.x"), fmt="number"))
    grid = plan.scorecard.assign(ws=plan.scorecard["weight"] * plan.scorecard["score"],
                                 w=plan.scorecard["weight"].where(plan.scorecard["assessed"]))
    grid = grid.groupby(["block", "stage"])[["ws", "w"]].sum()
    grid = (grid["ws"] / grid["w"].replace(0, np.nan)).unstack("stage").reindex(index=list(BLOCKS), columns=list(DATA_STAGES))
    grid.index = [audit.t(f"improvement_plan.block.{b}") for b in grid.index]
    grid.columns = [audit.t(f"improvement_plan.stage_short.{s}") for s in grid.columns]
    audit.figure(charts.heatmap(grid, audit.loc, audit.t(".charts.heatmap.title"), cmap="RdYlGn", vmin=0, vmax=100))
    audit.save_csv("scorecard", plan.scorecard[["id", "block", "stage", "source", "value", "norm", "score",
                                                "weight", "coverage", "deviation", "priority", "money"]])


@section("checklist", needs="checklist")
def checklist(audit: Audit, plan: Plan) -> None:
    """Answers of the checklist interview that fall short of "yes", by block."""
    table = audit.data.tables.get("checklist")
    answered = plan.scorecard[plan.scorecard["source"].str.startswith("checklist:")]
    short = answered[answered["assessed"] & (answered["score"] < 100)].merge(
        table[["parameter_id", "note"]], left_on="id", right_on="parameter_id", how="left")
    short = short.sort_values(["block", "score", "id"])
    audit.paragraph(".text.checklist_summary", answered=int(answered["assessed"].sum()), total=len(answered),
                    short=len(short))
    audit.table("checklist_gaps", short.assign(
        block_name=[audit.t(f"improvement_plan.block.{b}") for b in short["block"]],
        answer=[_value_text(audit, v, "answer") for v in short["value"]]),
        {"block_name": "text", "label": "text", "answer": "text", "note": "text"},
        labels={"block_name": audit.t(".columns.block"), "label": audit.t(".columns.question"),
                "answer": audit.t(".columns.answer"), "note": audit.t(".columns.note")}, max_rows=60)


@section("findings")
def findings(audit: Audit, plan: Plan) -> None:
    """Parameters below their norm, ranked by weight × deviation, with evidence and money at stake."""
    f = plan.findings
    audit.paragraph(".text.findings_rule", n=len(f))
    shown = f.head(25).assign(
        as_is=[_value_text(audit, v, fm) for v, fm in zip(f["value"], f["fmt"])][:25],
        norm_text=[_value_text(audit, v, fm) for v, fm in zip(f["norm"], f["fmt"])][:25],
        effect=[_effect_text(audit, m) for m in f["money"]][:25])
    evidence = {r.id: f'<a href="#{esc(r.section)}">{esc(audit.t(".text.evidence"))}</a>' for r in shown.itertuples() if r.section}
    rows = "".join(
        f"<tr><td class='num'>{r.rank}</td><td>{esc(r.label)}</td><td class='num'>{esc(r.as_is)}</td>"
        f"<td class='num'>{esc(r.norm_text)}</td><td class='num'>{audit.loc.number(r.score)}</td>"
        f"<td class='num'>{esc(r.effect)}</td><td>{evidence.get(r.id, '')}</td></tr>" for r in shown.itertuples())
    head = "".join(f"<th>{esc(h)}</th>" for h in ("#", audit.t(".columns.finding"), audit.t("report.kpi_head.as_is"),
                                                 audit.t("report.kpi_head.norm"), audit.t(".columns.score"),
                                                 audit.t(".columns.money_at_stake"), audit.t(".columns.evidence")))
    audit.show(f'<table class="ak-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    audit.save_csv("findings", f.drop(columns=["fmt"]))
    priced = f[f["money"].notna()]
    for r in priced.itertuples():
        audit.record(f"money.{r.id}", r.money)
    if len(priced):
        items = "".join(f"<li><strong>{esc(r.label)}</strong>: {esc(audit.loc.money(r.money))} — "
                        f"{esc(audit.t(r.money_assumption))}</li>" for r in priced.itertuples())
        audit.show(f'<p class="ak-text">{esc(audit.t(".text.money_intro"))}</p><ul class="ak-problems">{items}</ul>')
    unpriced = int(f["money"].isna().sum())
    if unpriced:
        audit.note(".text.money_not_computed", n=unpriced)


@section("action_plan")
def action_plan(audit: Audit, plan: Plan) -> None:
    """The action plan: action, owner, deadline, KPI and target, expected effect; also as action_plan.xlsx."""
    a = plan.actions
    audit.table("action_plan", a.assign(deadline_text=[audit.loc.date(d) for d in a["deadline"]],
                                        effect=[_effect_text(audit, m) for m in a["money"]]),
                {"rank": "number", "action": "text", "owner": "text", "deadline_text": "text", "kpi": "text",
                 "target": "text", "effect": "text"},
                labels={"rank": "#", "action": audit.t(".columns.action"), "owner": audit.t(".columns.owner"),
                        "deadline_text": audit.t(".columns.deadline"), "kpi": audit.t(".columns.kpi"),
                        "target": audit.t(".columns.target"), "effect": audit.t(".columns.effect")}, max_rows=40)
    if audit.run_dir is not None:
        from auditkit.report.action_plan import write_xlsx

        write_xlsx(a, audit.run_dir / "action_plan.xlsx", audit)


@section("roadmap")
def roadmap(audit: Audit, plan: Plan) -> None:
    """Roadmap of the actions over three years, the first year marked."""
    a = plan.actions.head(20)
    if a.empty:
        audit.note(".text.no_actions")
        return
    labels = [f"{r.rank}. {r.action}" for r in a.itertuples()]
    audit.figure(charts.roadmap(labels, a["start"], a["deadline"], [audit.t(f"recommendation.horizon.{h}") for h in a["horizon"]],
                                audit.loc, audit.t(".charts.roadmap.title"), audit.t(".charts.roadmap.year_one")))
