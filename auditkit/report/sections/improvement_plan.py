"""Stage 6 report sections — improvement plan (METHODOLOGY.md §2 Stage 6): the integral scorecard,
findings (one per root cause) with their money at stake, the action plan and roadmap, and the
executive summary that the report puts at its front. The scoring, grouping, pricing and
sequencing are in auditkit.plan; these sections label and show them."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit.inputs.baseline import AUDIT_FILE, audit_info
from auditkit.plan.actions import PHASES, action_plan as plan_actions
from auditkit.plan.assess import Assessment, assess as assess_plan
from auditkit.plan.catalogue import by_id, groups
from auditkit.plan.components import component_status, spec as component_spec
from auditkit.plan.goals import topics_of
from auditkit.plan.recommendations import by_parameter, label
from auditkit.plan.scorecard import BLOCKS, block_stage_scores
from auditkit.report import charts, html
from auditkit.report.context import Audit, esc, report_layout, section
from auditkit.report.sections.growth import growth_summary
from auditkit.report.sections.process import value_name
from auditkit.report.session import measure_stages
from auditkit.stages import DATA_STAGES

BODY_ACTIONS = 15  # actions shown in the report body; action_plan.xlsx holds them all
ROADMAP_LINE = 62  # characters of a roadmap label, its number included: one line of the chart
FIRST_ACTIONS = 3  # actions for the next 30 days in the executive summary
SUMMARY_FINDINGS = 5
CONCLUSIONS = 4  # key conclusions in the summary: the growth sentence and the top findings


@dataclass
class Plan:
    """The assessment (auditkit.plan.assess), its action plan, and where the metrics came from."""

    assessment: Assessment
    actions: pd.DataFrame
    metrics_from: str  # "run" | path of the earlier run whose metrics were used | "session" (measured here) | "none"
    metrics: dict = field(default_factory=dict)  # the stages' metrics assessed (the what-if panel moves them)

    def __getattr__(self, name):
        """scorecard, blocks, stages, findings, evidence…: those of the assessment."""
        if name == "assessment":
            raise AttributeError(name)
        return getattr(self.assessment, name)


def stage_metrics(audit: Audit) -> tuple[dict, str]:
    """Metrics of the other stages: this run's results; by hand, the client's latest run when it was
    made with the same period and norms and the audit is not filtered, else ("session") the metrics
    measured in this kernel for the audit as the analyst set it (auditkit.report.session)."""
    if audit.run_dir:
        metrics = _metrics_of(audit.run_dir / "results" / "metrics", audit.stage)
        return metrics, "run" if metrics else "none"
    slug = audit.params.client_slug
    for run in (Path.cwd() / "outputs" / slug / "latest", Path.cwd().parent / "outputs" / slug / "latest"):
        metrics = _metrics_of(run / "results" / "metrics", audit.stage)
        if metrics and not audit.filters and _same_settings(audit, run):
            return metrics, str(run)
    return measure_stages(audit), "session"


def _metrics_of(folder: Path, stage: str) -> dict:
    merged = {}
    for part in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if part.stem != stage:
            merged.update(json.loads(part.read_text(encoding="utf-8")))
    return merged


def _same_settings(audit: Audit, run: Path) -> bool:
    """Whether a run was made with the audit's period and norms (its results/audit.json)."""
    info = run / "results" / AUDIT_FILE
    if not info.is_file():
        return False
    was, now = json.loads(info.read_text(encoding="utf-8")), audit_info(audit.params, None)
    return all(was.get(k) == now[k] for k in ("period", "norms", "scorecard_norms"))


def assess(audit: Audit) -> Plan:
    """Score, group, price and rank (auditkit.plan.assess), then sequence the actions."""
    metrics, source = stage_metrics(audit)
    a = assess_plan(audit.params, metrics, audit.data.tables.get("checklist"))
    actions = plan_actions(a.findings, a.evidence, groups(), by_parameter(), audit.params.report_date,
                           audit.params.language)
    return Plan(a, actions, source, metrics)


def _detail_name(audit: Audit, kind: str | None, value) -> str:
    """What a finding is about, as the chapters name it (a stage, a lead source, a manager…)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    values = value if isinstance(value, list) else [value]
    if kind == "manager":
        names = audit.manager_names()
        shown = [str(names.get(v, v)) for v in values]
    elif kind == "stage":
        shown = [value_name(audit, "stage", v) for v in values]
    elif kind == "lead_source":
        shown = [value_name(audit, "channel", v) for v in values]
    elif kind == "table":
        shown = [audit.t(f"tables.{v}") for v in values]
        return ", ".join(shown[:4]) + (f" (+{len(shown) - 4})" if len(shown) > 4 else "")
    elif kind == "call_item":
        shown = [audit.t(f"people.items.{v}") if audit.loc.has(f"people.items.{v}") else value_name(audit, "x", v)
                 for v in values]
    else:
        shown = [str(v) for v in values]
    return ", ".join(shown[:3])


def finding_title(audit: Audit, finding) -> str:
    """The root cause in plain words, naming what it is about."""
    detail = _detail_name(audit, finding.detail_kind, finding.detail)
    return groups()[finding.group].text(audit.params.language, detail or None)


def title_detail(audit: Audit, finding) -> str:
    """What the finding's title names (a stage, a segment, a manager…), '' when it names nothing: its
    evidence shown under or after the title leaves it out, so that no name is said twice."""
    return _detail_name(audit, finding.detail_kind, finding.detail) if groups()[finding.group].names_detail else ""


def _value_text(audit: Audit, value, fmt: str) -> str:
    if fmt == "answer":
        return audit.t(f"improvement_plan.answer.{int(value)}") if pd.notna(value) else "—"
    return audit.fmt(value, fmt)


def evidence_line(audit: Audit, row, named: str = "") -> str:
    """One parameter's deviation as a fact: 'NPS of the weakest segment: −53 against a norm of +30'
    or, for a checklist question, 'Not in place: <question>'. A parameter that counts (a text under
    `evidence.count.<id>`) is stated as a count ('1 manager logs fewer than…'); a norm of zero where
    lower is better as 'where there should be none', never 'against a norm of 0'. `named`: the detail
    the finding's title already names (title_detail), left out here."""
    if row.fmt == "answer":
        return audit.t(f"improvement_plan.evidence.answer_{int(row.value)}",
                       question=by_id()[row.id].label(audit.params.language).rstrip("."))
    entry = by_id()[row.id]
    detail = _detail_name(audit, row.detail_kind, row.detail)
    about = f" ({detail})" if detail and detail != named else ""
    value, norm = _value_text(audit, row.value, row.fmt), _value_text(audit, row.norm, row.fmt)
    none = row.norm == 0 and entry.parameter.direction == "lower_better"
    if audit.loc.has(f"evidence.count.{row.id}"):
        count = audit.t(f"evidence.count.{row.id}", n=value) + about
        if none:
            return audit.t("evidence.count_none", count=count) if row.value > 0 else count
        return audit.t("evidence.count_norm", count=count, norm=norm)
    measure = entry.short_name(audit.loc) + about
    if none:
        return audit.t("evidence.metric_none", measure=measure, value=value) if row.value > 0 else f"{measure}: {value}"
    return audit.t("improvement_plan.evidence.metric", measure=measure, value=value, norm=norm)


def _money_text(audit: Audit, low, high) -> str:
    if pd.isna(high):
        return audit.t(".text.effect_qualitative")
    return audit.t(".text.money_per_year", money=audit.loc.money_range(low, high))


def _section_title(audit: Audit, anchor: str | None) -> str:
    if not anchor:
        return ""
    stage, _, name = anchor.partition("-")
    key = f"{stage}.sections.{name}.title"
    return audit.t(key) if audit.loc.has(key) else ""


# ----------------------------------------------------------------------------------------- shown
def executive_summary(audit: Audit, plan: Plan, progress: str | None = None) -> None:
    """At the front, at most two pages: the score and how much of it the data covered, the money at
    stake, the block radar, the top findings with their money range, the first actions for 30 days.
    A re-audit leads with `progress`, the one-sentence result of the comparison with the earlier
    audit (auditkit.report.sections.progress.progress_headline)."""
    a = plan.assessment
    audit.show(f'<h1 class="ak-unnumbered" id="executive-summary">{esc(audit.t(".summary.title"))}</h1>')
    if progress:
        audit.paragraph(".summary.progress", text=progress, css="ak-finding")
    audit.record("overall_score", a.overall_score)
    audit.record("coverage", a.coverage)
    low, high = a.money_yearly
    audit.record("money_at_stake_low", low if high else None)
    audit.record("money_at_stake_total", high if high else None)
    audit.record("money_one_off_high", a.money_one_off[1] if a.money_one_off[1] else None)
    score = audit.loc.number(a.overall_score) if a.overall_score is not None else "—"
    if a.coverage < 0.5:
        audit.paragraph(".summary.coverage_low", coverage=audit.loc.pct(a.coverage, 0), score=score,
                        findings=len(plan.findings), css="ak-finding")
    else:
        audit.paragraph(".summary.score", score=score, coverage=audit.loc.pct(a.coverage, 0),
                        findings=len(plan.findings))
    priced = plan.findings[plan.findings["money_high"].notna()]
    if len(priced):
        share = audit.loc.pct(high / a.yearly_revenue, 0) if a.yearly_revenue else "—"
        audit.paragraph(".summary.money", money=audit.loc.money_range(low, high), n=len(priced), share=share)
    if a.money_one_off[1]:
        audit.paragraph(".summary.one_off", money=audit.loc.money_range(*a.money_one_off))
    _conclusions(audit, plan, growth_summary(audit, why=False))
    _answers(audit, plan, growth_summary(audit))
    top = plan.findings.head(SUMMARY_FINDINGS)
    top = top.assign(title=[finding_title(audit, f) for f in top.itertuples()],
                     effect=[_money_text(audit, lo, hi) for lo, hi in zip(top["money_low"], top["money_high"])])
    with audit.group("ak-side-by-side"):  # the radar with the top findings beside it
        audit.figure(_radar(audit, plan))  # drawn at the width it is shown at: 44 % of the page, as the CSS says
        audit.table("summary_top_findings", top, {"rank": "number", "title": "text", "effect": "text"},
                    labels={"rank": "#", "title": audit.t(".columns.finding"),
                            "effect": audit.t(".columns.money_at_stake")}, max_rows=len(top), css="ak-compact")
    primary = plan.actions.loc[plan.actions["primary"]]
    first = primary.sort_values(["start_month", "rank"], kind="mergesort").head(FIRST_ACTIONS)
    audit.paragraph(".summary.first_actions")
    audit.table("summary_first_actions", first.assign(
        headline=[headline(x) for x in first["action"]],
        owner_name=[label(audit.loc, "owner", o) for o in first["owner"]],
        deadline_text=[audit.loc.date(d) for d in first["deadline"]]),
        {"headline": "text", "owner_name": "text", "deadline_text": "text"},
        labels={"headline": audit.t(".columns.action"), "owner_name": audit.t(".columns.owner"),
                "deadline_text": audit.t(".columns.deadline")}, css="ak-compact")


def _first_evidence(audit: Audit, plan: Plan, finding) -> str:
    """The finding's first piece of evidence, told after its title (so without what the title names)."""
    rows = plan.evidence[plan.evidence["group"] == finding.group]
    return evidence_line(audit, next(rows.itertuples()), title_detail(audit, finding)) if len(rows) else ""


def _conclusions(audit: Audit, plan: Plan, growth: str | None) -> None:
    """Three to five conclusions composed from the results: how revenue changed and why, then the
    top findings with their first piece of evidence and their money."""
    items = [growth] if growth else []
    for f in plan.findings.head(CONCLUSIONS - len(items)).itertuples():
        items.append(audit.t(".summary.conclusion_finding", title=finding_title(audit, f),
                             evidence=lower_first(_first_evidence(audit, plan, f)),
                             money=_money_text(audit, f.money_low, f.money_high)))
    if items:
        audit.show(f'<h3 class="ak-subhead">{esc(audit.t(".summary.conclusions_title"))}</h3>'
                   f'<ul class="ak-conclusions">{"".join(f"<li>{esc(i)}</li>" for i in items)}</ul>')


def _answers(audit: Audit, plan: Plan, growth: str | None) -> None:
    """Each goal of the parameters under its own words, answered from the results it is about."""
    if not audit.params.goals:
        return
    blocks = []
    for goal in audit.params.goals:
        parts = []
        about = topics_of(goal)
        if "growth" in about:
            parts.append(growth or audit.t(".summary.answer_growth_missing"))
        stages = [s for s in about if s in DATA_STAGES]
        if stages:
            hits = plan.findings[plan.findings["stage"].isin(stages)].head(2)
            parts += [audit.t(".summary.answer_finding", title=finding_title(audit, f), rank=f.rank,
                              evidence=lower_first(_first_evidence(audit, plan, f))) for f in hits.itertuples()]
            if hits.empty:
                parts.append(audit.t(".summary.answer_clear"))
        if "plan" in about:
            primary = int(plan.actions["primary"].sum())
            low, high = plan.assessment.money_yearly
            parts.append(audit.t(".summary.answer_plan", n=primary, money=audit.loc.money_range(low, high)) if high
                         else audit.t(".summary.answer_plan_unpriced", n=primary))
        if not parts and len(plan.findings):
            parts.append(audit.t(".summary.answer_none", title=finding_title(audit, plan.findings.iloc[0])))
        blocks.append(f'<dt>{esc(goal)}</dt><dd>{" ".join(esc(x) for x in parts)}</dd>')
    audit.show(f'<h3 class="ak-subhead">{esc(audit.t(".summary.goals_title"))}</h3>'
               f'<dl class="ak-goals">{"".join(blocks)}</dl>')


def lower_first(text: str) -> str:
    """'Win rate…' → 'win rate…' inside a sentence: the first letter is lowered when the second is a
    lower-case letter, so an abbreviation ('NPS', 'IT', 'LTV:CAC') keeps its case."""
    return text[:1].lower() + text[1:] if text[:2].isalpha() and text[1:2].islower() else text


def headline(action: str, limit: int = 110) -> str:
    """The first clause of an action text (up to ':', ';', a dash or the end of the first sentence), without
    remarks in parentheses; past `limit` characters, up to its last comma before the limit, else cut at a word ('…')."""
    text = re.sub(r"\s*\([^()]*\)", "", action.strip())
    text = re.split(r"(?<=\D[.!?])\s|[:;]\s|\s[—–]\s", text, maxsplit=1)[0].rstrip(".")  # not after "3." (pl ordinals)
    if text.count("(") > text.count(")"):  # the clause ended inside a parenthesis: leave it out
        text = text[: text.rfind("(")].rstrip(" ,;—-")
    if len(text) <= limit:
        return text
    clause = text[:limit].rsplit(", ", 1)[0] if ", " in text[:limit] else ""
    return clause if len(clause) >= 30 else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def roadmap_label(rank: int, action: str, width: int = ROADMAP_LINE) -> str:
    """'7. Build the sales-management system step by step': the action's headline, numbered, cut to
    `width` characters with its number, so that the roadmap never wraps a lone word ('a…') to a second line."""
    number = f"{rank}. "
    return number + headline(action, width - len(number))


def _radar(audit: Audit, plan: Plan):
    blocks = plan.blocks.set_index("block")
    names = [audit.t(f"improvement_plan.block.{b}") for b in BLOCKS]
    return charts.radar(names, blocks.loc[list(BLOCKS), "score"].to_numpy(float), audit.loc,
                        audit.t(".charts.radar.title"), audit.t(".charts.radar.as_is"), audit.t("charts.norm"),
                        height=2.7, wrap=11, width=charts.HALF_IN)


@section("scorecard")
def scorecard(audit: Audit, plan: Plan) -> None:
    """Block and stage scores with coverage; the radar, deviation bars per stage, heatmap of parameters."""
    if plan.metrics_from == "none":
        audit.note(".text.no_metrics")
    elif plan.metrics_from == "session":
        audit.note("explore.metrics_session")
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
    stages = plan.stages[plan.stages["stage"].isin(DATA_STAGES)].copy()
    stages.index = [audit.t(f"improvement_plan.stage_name.{s}") for s in stages["stage"]]
    # the deviation by stage and the score by block and stage side by side
    audit.figure(charts.hbars(stages["deviation"].fillna(0), audit.loc, audit.t(".charts.deviation.title"),
                              audit.t(".charts.deviation.x"), fmt="number", width=charts.HALF_IN, height=2.3),
                 css="ak-half")
    grid = block_stage_scores(plan.scorecard).reindex(index=list(BLOCKS), columns=list(DATA_STAGES))
    grid.index = [charts.wrap_words(audit.t(f"improvement_plan.block.{b}"), 14) for b in grid.index]
    grid.columns = [audit.t(f"improvement_plan.stage_name.{s}") for s in grid.columns]
    audit.figure(charts.heatmap(grid, audit.loc, audit.t(".charts.heatmap.title"), cmap="RdYlGn", vmin=0, vmax=100,
                                width=charts.HALF_IN, height=2.6, xrotation=30), css="ak-half")
    sc = plan.scorecard
    full = sc.assign(
        block_name=[audit.t(f"improvement_plan.block.{b}") for b in sc["block"]],
        parameter=[by_id()[i].short_name(audit.loc) for i in sc["id"]],
        as_is=[_value_text(audit, v, f) if a else "—" for v, f, a in zip(sc["value"], sc["fmt"], sc["assessed"])],
        norm_text=[_value_text(audit, v, f) for v, f in zip(sc["norm"], sc["fmt"])],
        stage_name=[audit.t(f"improvement_plan.stage_short.{s}") if s in DATA_STAGES else "—" for s in sc["stage"]],
        evidence=[_section_title(audit, s) for s in sc["section"]]).sort_values(["block", "stage", "id"], kind="mergesort")
    audit.table("scorecard", full, {"block_name": "text", "stage_name": "text", "parameter": "text", "as_is": "text",
                                    "norm_text": "text", "score": "number", "weight": "number"},
                labels={"block_name": audit.t(".columns.block"), "stage_name": audit.t(".columns.stage"),
                        "parameter": audit.t(".columns.parameter"),
                        "as_is": audit.t("report.kpi_head.as_is"), "norm_text": audit.t("report.kpi_head.norm"),
                        "score": audit.t(".columns.score"), "weight": audit.t(".columns.weight")},
                max_rows=len(full), csv=sc[["id", "block", "stage", "source", "value", "norm", "score", "weight",
                                            "coverage", "deviation", "priority", "group", "money_low", "money"]],
                css="ak-compact")


STATUS_MARK = {"met": "✔", "partly": "◐", "not_met": "✘", "not_assessed": "–"}


@section("how_it_should_be")
def how_it_should_be(audit: Audit, plan: Plan) -> None:
    """"How it should be" (seed 000): per block the ideal system and, component by component, whether
    the client has it (plan.components, data/components.yaml) — one box per block in the body; what
    good looks like and the evidence of every rating in the appendix (components.csv)."""
    t = audit.texts("consultancy.components")
    comp = component_status(plan.scorecard)
    card = plan.scorecard.set_index("id", drop=False)
    comp["name"] = [t(f"item.{c}.name") for c in comp["component"]]
    comp["good"] = [t(f"item.{c}.good") for c in comp["component"]]
    comp["status_text"] = [f"{STATUS_MARK[x]} {t(f'status.{x}')}" for x in comp["status"]]
    comp["block_name"] = [audit.t(f"improvement_plan.block.{b}") for b in comp["block"]]
    comp["evidence_text"] = [audit.t("people.text.list_separator").join(evidence_line(audit, card.loc[i]) for i in short)
                             or (t("all_met") if status == "met" else "—")
                             for short, status in zip(comp["short"], comp["status"])]
    for rec in comp.itertuples():
        audit.record(f"component.{rec.component}", rec.status)
    audit.paragraph("consultancy.components.intro", partly=audit.loc.number(component_spec()["partly_from"]))
    heads = {"name": t("cols.component"), "status_text": t("cols.status")}
    with audit.group("ak-ideal-grid"):  # two blocks a row
        for block in BLOCKS:
            rows = comp[comp["block"] == block]
            title = esc(t("title_block", block=audit.t(f"improvement_plan.block.{block}")))
            with audit.group("ak-ideal"):
                audit.show(html.paragraph(f"<strong>{title}.</strong> {esc(t(f'block.{block}'))}"))
                audit.table(f"components_{block}", rows, {"name": "text", "status_text": "text"}, labels=heads,
                            max_rows=len(rows), css="ak-compact", save=False)  # components.csv holds them all
    cols = {"block_name": "text", "name": "text", "good": "text", "status_text": "text", "evidence_text": "text"}
    audit.table("components", comp, cols, labels={c: t(f"cols.{k}") for c, k in
                                                   (("block_name", "block"), ("name", "component"), ("good", "good"),
                                                    ("status_text", "status"), ("evidence_text", "evidence"))},
                max_rows=len(comp), appendix=True, css="ak-compact",
                csv=comp[["block", "component", "status", "score", "evidence", "assessed", "met"]].assign(
                    short=[";".join(x) for x in comp["short"]]))


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
        answer=[_value_text(audit, v, "answer") for v in short["value"]],
        label=[by_id()[i].label(audit.params.language) for i in short["id"]]),
        {"block_name": "text", "label": "text", "answer": "text", "note": "text"},
        labels={"block_name": audit.t(".columns.block"), "label": audit.t(".columns.question"),
                "answer": audit.t(".columns.answer"), "note": audit.t(".columns.note")}, max_rows=60)


@section("findings")
def findings(audit: Audit, plan: Plan) -> None:
    """One finding per root cause with all its evidence, ranked by yearly money at stake, then by
    weight × deviation; the money at stake per finding as a range with its assumption."""
    f, ev = plan.findings, plan.evidence
    if f.empty:
        audit.note(".text.no_actions")
        return
    audit.paragraph(".text.findings_rule", n=len(f), parameters=len(ev))
    rows = []
    shown_lines = report_layout()["finding_evidence_lines"]
    for r in f.itertuples():
        items, named = ev[ev["group"] == r.group], title_detail(audit, r)
        lines = "".join(f"<li>{esc(evidence_line(audit, e, named))}</li>" for e in items.head(shown_lines).itertuples())
        notes = []
        if len(items) > shown_lines:  # the rest: in the full scorecard of the appendix
            notes.append(f'<a href="#appendix-scorecard">'
                         f'{esc(audit.t("report_body.more_evidence", n=len(items) - shown_lines))}</a>')
        sections = dict.fromkeys(s for s in items["section"] if s)
        links = ", ".join(f'<a href="#{esc(s)}">{esc(_section_title(audit, s))}</a>' for s in sections if _section_title(audit, s))
        if links:
            notes.append(f'{esc(audit.t(".columns.evidence"))}: {links}')
        see = f'<span class="ak-caption">{"; ".join(notes)}</span>' if notes else ""
        rows.append(f"<tr><td class='num'>{r.rank}</td><td><strong>{esc(finding_title(audit, r))}</strong>"
                    f"<ul class='ak-evidence'>{lines}</ul>{see}</td>"
                    f"<td class='num'>{esc(_money_text(audit, r.money_low, r.money_high))}</td></tr>")
    head = "".join(f"<th>{esc(h)}</th>" for h in ("#", audit.t(".columns.finding"), audit.t(".columns.money_at_stake")))
    audit.show(f'<table class="ak-table ak-findings"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    audit.save_csv("findings", f.assign(title=[finding_title(audit, r) for r in f.itertuples()]).drop(
        columns=["detail_kind"]))
    audit.save_csv("findings_evidence", ev.assign(text=[evidence_line(audit, e) for e in ev.itertuples()])[
        ["finding_rank", "group", "id", "value", "norm", "score", "weight", "priority", "money_low", "money_high",
         "money_timing", "money_norm", "money_norm_basis", "money_assumption", "text"]])
    _money(audit, plan)


def _money(audit: Audit, plan: Plan) -> None:
    """The priced items: range, timing and the one-line assumption; the yearly total is their sum."""
    a, ev = plan.assessment, plan.evidence
    priced = ev[ev["money_high"].notna()]
    for r in priced.itertuples():
        audit.record(f"money.{r.id}", r.money_high)
        audit.record(f"money.{r.id}.low", r.money_low)
    if priced.empty:
        audit.note(".text.money_none")
        return
    items = []
    for r in priced.itertuples():
        when = audit.t(".text.one_off") if r.money_timing == "one_off" else audit.t(".text.per_year")
        warn = f" <em>{esc(audit.t('.text.money_capped'))}</em>" if r.money_capped else ""
        basis = audit.t(f".text.priced_against.{r.money_norm_basis}", norm=_value_text(audit, r.money_norm, r.fmt))
        items.append(f"<li><strong>{esc(evidence_line(audit, r))}</strong>: {esc(audit.loc.money_range(r.money_low, r.money_high))} "
                     f"{esc(when)}, {esc(basis)} — {esc(audit.t(r.money_assumption))}{warn}</li>")
    low, high = a.money_yearly
    audit.paragraph(".text.money_intro", money=audit.loc.money_range(low, high), n=int((priced["money_timing"] == "yearly").sum()))
    audit.show(f'<ul class="ak-problems">{"".join(items)}</ul>')
    if priced["money_capped"].any():
        audit.note(".text.money_capped_note", share=audit.loc.pct(0.15, 0))


@section("action_plan")
def action_plan(audit: Audit, plan: Plan) -> None:
    """One action per root cause, sequenced: phase, owner, start and deadline, KPI and target; the
    body shows the first ones, action_plan.xlsx all (with the supporting actions)."""
    a = plan.actions
    primary = a.loc[a["primary"]].head(BODY_ACTIONS)
    shown = primary.assign(
        phase_name=[audit.t(f".phase.{x}") for x in primary["phase"]],
        owner_name=[label(audit.loc, "owner", o) for o in primary["owner"]],
        deadline_text=[audit.loc.date(d) for d in primary["deadline"]],
        kpi_target=[audit.t("report_body.actions.kpi_target_cell", kpi=k, target=t)  # one column: the action gets the room
                    for k, t in zip(primary["kpi"], primary["target"])])
    audit.paragraph(".text.action_rule", shown=len(primary), total=len(a))
    audit.table("action_plan", shown, {"rank": "number", "action": "text", "owner_name": "text", "phase_name": "text",
                                       "deadline_text": "text", "kpi_target": "text"},
                labels={"rank": "#", "action": audit.t(".columns.action"), "owner_name": audit.t(".columns.owner"),
                        "phase_name": audit.t(".columns.phase"), "deadline_text": audit.t(".columns.deadline"),
                        "kpi_target": audit.t("report_body.actions.kpi_target")},
                max_rows=BODY_ACTIONS, csv=a, css="ak-actions")
    if audit.run_dir is not None:
        from auditkit.report.action_plan import write_xlsx

        titles = {r.group: finding_title(audit, r) for r in plan.findings.itertuples()}
        write_xlsx(a.assign(finding=a["group"].map(titles)), audit.run_dir / "action_plan.xlsx", audit)


@section("roadmap")
def roadmap(audit: Audit, plan: Plan) -> None:
    """Roadmap of the body's actions over three years, the 1-year and 3-year horizons marked."""
    a = plan.actions.loc[plan.actions["primary"]].head(BODY_ACTIONS)
    if a.empty:
        audit.note(".text.no_actions")
        return
    labels = [roadmap_label(r.rank, r.action) for r in a.itertuples()]  # one line each: the chart stays short
    audit.figure(charts.roadmap(labels, a["start"], a["deadline"], [audit.t(f".phase.{p}") for p in a["phase"]],
                                audit.loc, audit.t(".charts.roadmap.title"), audit.t(".charts.roadmap.year_one"),
                                audit.t(".charts.roadmap.year_three"), wrap=ROADMAP_LINE,
                                phases=[audit.t(f".phase.{p}") for _, p in PHASES]))
