"""Stage 4 report sections — technology (METHODOLOGY.md §2 Stage 4).

CRM discipline measured from the data (field completeness, deals without activity, stale and
overdue open deals, activities logged per manager per working day, stage history) and the
automation level from the checklist answers (aspects of `auditkit/data/checklist.yaml`).
"""
from __future__ import annotations

import math
import textwrap

import pandas as pd

from auditkit.report import charts
from auditkit.metrics import technology as mt
from auditkit.metrics._common import number
from auditkit.metrics.people import underlogging
from auditkit.report.context import Audit, Kpi, section
from auditkit.inputs.checklist import load_checklist
from auditkit.report.sections.people import MAX_CHART_ROWS, column_labels, joined

STAGE = "technology"
# share -> (contract column it needs, or None; format in the report)
COMPLETENESS = {
    "share_with_amount": "amount",
    "share_with_lead_source": "lead_source",
    "share_closed_with_date": "closed_at",
    "share_lost_with_reason": "lost_reason",
    "share_with_activity": None,
}
TERMINAL_STAGES = ("won", "lost", "closed won", "closed lost", "closed_won", "closed_lost")


def _crm(audit: Audit) -> mt.CrmDiscipline | None:
    t = audit.data.tables
    return mt.crm_discipline(t.get("deals"), audit.start, audit.end, activities=t.get("activities"),
                             stage_history=t.get("stage_history"), managers=t.get("managers"),
                             stale_days=audit.params.norms.technology.stale_deal_days, country=audit.params.country)


def _value(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _overall_row(audit: Audit, per: pd.DataFrame, overall: pd.Series) -> pd.DataFrame:
    out = per.assign(manager=[audit.manager_name(i) for i in per.index])
    total = overall.reindex(per.columns).to_frame().T.assign(manager=audit.t(".text.overall_row"))
    return pd.concat([out, total], ignore_index=True)


def _with_deals(crm: mt.CrmDiscipline) -> pd.DataFrame:
    """Managers with deals created in the window or open at its end."""
    per = crm.per_manager
    return per[(per["deals"] > 0) | (per["open_deals"] > 0)]


@section("completeness", needs="deals")
def completeness(audit: Audit) -> None:
    """Share of deals with amount, source, close date, lost reason (when lost) and at least one activity,
    per manager and overall, against the completeness norm."""
    crm = _crm(audit)
    norm = audit.params.norms.technology.field_completeness
    o = crm.overall
    audit.kpis([Kpi("deals", int(o["deals"]), "number")] +
               [Kpi(share, _value(o[share]), "pct", norm, "higher") for share in COMPLETENESS])
    audit.save_csv("crm_discipline_overall", o.to_frame().T)
    unknown = [s for s in COMPLETENESS if math.isnan(o[s])]
    not_exported = [audit.t(f".columns.{s}") for s in unknown if s != "share_with_activity"]
    if not_exported:
        audit.paragraph(".text.fields_not_kept", css="ak-finding", fields=joined(audit, not_exported),
                        n_fields=len(not_exported))
    if "share_with_activity" in unknown:
        key = ".text.activity_unknown_missing" if audit.data.tables.get("activities") is None \
            else ".text.activity_unknown_no_deal"
        audit.paragraph(key, css="ak-finding")
    known = [s for s in COMPLETENESS if s not in unknown]
    below = [s for s in known if o[s] < norm]
    if below:
        audit.paragraph(".text.fields_below_norm", css="ak-finding", norm=audit.loc.pct(norm, 0),
                        fields=joined(audit, [f"{audit.t(f'.columns.{s}')} {audit.loc.pct(o[s])}" for s in below]))
    per = _with_deals(crm)
    per = per[per["deals"] > 0]
    if per.empty or not known:
        return
    gaps = mt.completeness_gaps(per, known, norm)
    offenders = gaps.offenders
    if len(offenders):
        who = []
        for manager_id in offenders.index[:6]:
            weak = ", ".join(f"{audit.t(f'.columns.{s}').lower()} {audit.loc.pct(per.loc[manager_id, s])}"
                             for s in known if gaps.below.loc[manager_id, s])
            who.append(f"{audit.manager_name(manager_id)} — {weak}")
        more = len(offenders) - len(who)
        audit.paragraph(".text.managers_below_norm", css="ak-finding", norm=audit.loc.pct(norm, 0),
                        managers=joined(audit, who) + (audit.t(".text.and_more", n=more) if more > 0 else ""))
    audit.record("managers_below_completeness_norm", len(offenders))
    order = gaps.order
    grid = per.loc[order[:MAX_CHART_ROWS], known]
    grid.index = [audit.manager_name(i) for i in grid.index]
    grid.loc[audit.t(".text.overall_row")] = o[known]
    grid.columns = ["\n".join(textwrap.wrap(audit.t(f".charts.completeness.{s}"), 16)) for s in known]
    fig, ax = charts.new(max(2.0, 0.2 * len(grid) + 1.1))
    charts.heatmap_on(ax, grid, audit.loc, audit.t(".charts.completeness.title"), fmt="pct", cmap="RdYlGn",
                      vmin=max(0.0, min(0.5, float(grid.min().min()))), vmax=1)  # colour scale: display only
    caption = ".charts.completeness.caption_top" if len(per) > MAX_CHART_ROWS else ".charts.completeness.caption"
    audit.figure(fig, caption, n=MAX_CHART_ROWS, norm=audit.loc.pct(norm, 0))
    fmts = {"manager": "text", "deals": "number", **{s: "pct" for s in known}}
    table = _overall_row(audit, per.loc[order], o)
    audit.table("crm_completeness", table, fmts, labels=column_labels(audit, fmts), max_rows=40,
                csv=_overall_row(audit, crm.per_manager, o))


@section("follow_up", needs="deals")
def follow_up(audit: Audit) -> None:
    """Open deals without recent activity (stale), open deals past their expected close date (overdue),
    and activities logged per manager per working day (the chart of those is the people chapter's, 3.2)."""
    crm = _crm(audit)
    n = audit.params.norms.technology
    o = crm.overall
    per = _with_deals(crm)
    has_activities = audit.data.tables.get("activities") is not None
    logged = crm.per_manager[crm.per_manager["activities"] > 0]["activities_per_day"] if has_activities else None
    share = audit.params.norms.people.underlogging_share
    logging = underlogging(logged, share) if logged is not None and len(logged) else None
    median = number(logging.median) if logging else None
    audit.kpis([
        Kpi("open_deals", int(o["open_deals"]), "number"),
        Kpi("share_stale", _value(o["share_stale"]), "pct", n.stale_share_max, "lower"),
        Kpi("share_overdue", _value(o["share_overdue"]), "pct", n.overdue_share_max, "lower"),
        Kpi("activities_per_day_median", median, "decimal", audit.params.norms.people.activities_per_day, "higher"),
    ])
    audit.note(".text.stale_rule", days=audit.loc.number(n.stale_deal_days))
    if not has_activities:
        audit.missing(["activities"], "tables_why.activities")
    elif math.isnan(o["share_stale"]) and o["open_deals"] > 0:
        audit.paragraph(".text.activity_unknown_no_deal", css="ak-finding")
    if math.isnan(o["share_overdue"]) and o["open_deals"] > 0:
        audit.paragraph(".text.no_expected_close", css="ak-finding")
    if not math.isnan(o["share_overdue"]) and o["share_overdue"] > n.overdue_share_max:
        audit.paragraph(".text.overdue_finding", css="ak-finding", value=audit.loc.pct(o["share_overdue"]),
                        n=audit.loc.number(int(o["overdue_open_deals"])), norm=audit.loc.pct(n.overdue_share_max, 0))
    if not math.isnan(o["share_stale"]):
        stale = per[(per["open_deals"] > 0) & (per["share_stale"] > n.stale_share_max)]["share_stale"]
        stale = stale.sort_values(ascending=False)
        audit.record("managers_above_stale_norm", len(stale))
        if len(stale):
            who = [f"{audit.manager_name(i)} {audit.loc.number(int(per.loc[i, 'stale_open_deals']))}/"
                   f"{audit.loc.number(int(per.loc[i, 'open_deals']))} ({audit.loc.pct(v, 0)})" for i, v in stale.head(6).items()]
            more = len(stale) - len(who)
            key = ".text.stale_team" if o["share_stale"] > n.stale_share_max else ".text.stale_managers"
            audit.paragraph(key, css="ak-finding", value=audit.loc.pct(o["share_stale"]),
                            n=audit.loc.number(int(o["stale_open_deals"])), days=audit.loc.number(n.stale_deal_days),
                            norm=audit.loc.pct(n.stale_share_max, 0),
                            managers=joined(audit, who) + (audit.t(".text.and_more", n=more) if more > 0 else ""))
    if median:
        audit.record("underlogging", sorted(logging.managers.index))
        for manager_id, value in logging.managers.items():
            audit.paragraph(".text.underlogging", css="ak-finding", name=audit.manager_name(manager_id),
                            value=audit.loc.number(value, 1), median=audit.loc.number(median, 1),
                            ratio=audit.loc.pct(logging.of_median[manager_id], 0))
    cols = ["open_deals", "stale_open_deals", "share_stale", "overdue_open_deals", "share_overdue", "activities_per_day"]
    cols = [c for c in cols if not math.isnan(o[c]) or c == "open_deals"]
    fmts = {"manager": "text", **{c: "pct" if c.startswith("share") else "decimal" if c == "activities_per_day"
                                  else "number" for c in cols}}
    sort = "share_stale" if "share_stale" in cols else "open_deals"
    table = _overall_row(audit, per.sort_values(sort, ascending=False), o)
    audit.table("crm_follow_up", table, fmts, labels=column_labels(audit, fmts), max_rows=40,
                csv=_overall_row(audit, crm.per_manager, o))


def _stage_label(audit: Audit, stage: str) -> str:
    """A stage's name as stage 2 translates it (process.values.stage.<stage>), else as the CRM spells it."""
    return audit.loc.label("process.values.stage", stage)


@section("stage_history")
def stage_history(audit: Audit) -> None:
    """Whether the CRM keeps a stage history, for which share of deals, and whether its stages follow the
    to-be sales process (norms.process.stages)."""
    sh = audit.data.tables.get("stage_history")
    exists = sh is not None and not sh.empty
    audit.record("has_stage_history", exists)
    crm = _crm(audit)
    if not exists:
        audit.missing(["stage_history"], "tables_why.stage_history")
    elif crm is not None:
        norm = audit.params.norms.technology.field_completeness
        audit.kpis([Kpi("share_with_stage_history", _value(crm.stage_history_share), "pct", norm, "higher")])
    seen, source = mt.deals_per_stage(sh, audit.data.tables.get("deals"))
    model = list(audit.params.norms.process.stages)
    if seen is None:
        audit.note(".text.no_stages")
        return
    table = mt.stage_model_usage(seen, model, TERMINAL_STAGES)
    extra = table.loc[~table["in_model"], "stage"].tolist()
    unused = table.loc[table["in_model"] & (table["deals"] == 0), "stage"].tolist()
    audit.record("model_stages_unused", len(unused))
    audit.record("stages_outside_model", len(extra))
    audit.paragraph(".text.stage_model", model=" → ".join(_stage_label(audit, s) for s in model),
                    source=audit.t(f".text.stage_source_{source}"))
    table["in_model"] = [audit.t(f".text.in_model_{'yes' if v else 'no'}") for v in table["in_model"]]
    table["stage"] = [_stage_label(audit, s) for s in table["stage"]]
    fmts = {"stage": "text", "in_model": "text", "deals": "number"}
    audit.table("crm_stages", table, fmts, labels=column_labels(audit, fmts))
    if unused:
        audit.paragraph(".text.stages_unused", css="ak-finding",
                        stages=joined(audit, [_stage_label(audit, s) for s in unused]), n_stages=len(unused))
    if extra:
        audit.paragraph(".text.stages_extra", css="ak-finding",
                        stages=joined(audit, [_stage_label(audit, s) for s in extra]), n_stages=len(extra))
    if not unused and not extra:
        audit.paragraph(".text.stages_match")


def _aspect_questions(language: str) -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """(aspect -> question ids, question id -> text, answer -> label) from the packaged checklist."""
    catalogue = load_checklist()
    mapping: dict[str, list[str]] = {}
    texts = {}
    for q in catalogue["questions"]:
        if q.get("aspect"):
            mapping.setdefault(q["aspect"], []).append(q["id"])
            texts[q["id"]] = q["text"].get(language) or q["text"]["en"]
    labels = {}
    for answer, spec in catalogue["answers"].items():
        for key in (answer, *spec.get("aliases", ())):
            labels[str(key)] = spec["label"].get(language) or spec["label"]["en"]
    return mapping, texts, labels


@section("automation", needs="checklist")
def automation(audit: Audit) -> None:
    """Automation from the checklist: CRM, funnel stages set up to the to-be model, telephony, e-mail,
    ERP/1C integration, automated reports and task assignment, scored yes 100 / partly 50 / no 0."""
    checklist = audit.data.tables.get("checklist")
    mapping, texts, labels = _aspect_questions(audit.params.language)
    scores = mt.automation_scores(checklist, mapping)
    aspects = scores.per_aspect
    answered = aspects[~aspects["not_answered"]]
    total = mt.automation_summary(scores)
    not_automated = total["not_automated"]
    audit.kpis([
        Kpi("automation_score", number(total["score"]), "pct", 1.0, "higher"),
        Kpi("aspects_not_automated", len(not_automated), "number", 0, "lower"),
        Kpi("aspects_not_answered", len(total["not_answered"]), "number"),
    ])
    for aspect, rec in aspects.iterrows():
        audit.record(f"automation.{aspect}", _value(rec["score"]))
    aspect_label = {a: audit.t(f".aspects.{a}") if audit.loc.has(audit.key(f".aspects.{a}")) else a
                    for a in aspects.index}
    if not_automated:
        audit.paragraph(".text.not_automated", css="ak-finding",
                        aspects=joined(audit, [aspect_label[a] for a in not_automated]))
    partly = total["partly"]
    if partly:
        audit.paragraph(".text.partly_automated", aspects=joined(audit, [aspect_label[a] for a in partly]))
    missing = total["not_answered"]
    if missing:
        audit.note(".text.not_answered", aspects=joined(audit, [aspect_label[a] for a in missing]))
    if len(answered):
        chart = total["answered_shares"].rename(index=aspect_label)
        fig = charts.hbars(chart, audit.loc, audit.t(".charts.automation.title"), audit.t(".charts.automation.x"),
                           fmt="pct", norm=1.0, norm_label=audit.t("charts.norm"))
        audit.figure(fig, ".charts.automation.caption")
    params = scores.per_parameter.copy()
    notes = checklist.set_index("parameter_id")["note"] if "note" in checklist.columns else pd.Series(dtype="str")
    params["note"] = params["parameter_id"].map(notes)
    shown = params.assign(
        aspect_name=params["aspect"].map(aspect_label), question=params["parameter_id"].map(texts),
        answer_label=[labels.get(str(a).strip().lower(), "—") if s == s else "—"
                      for a, s in zip(params["answer"], params["score"])],
        note=params["note"].fillna(""))
    fmts = {"aspect_name": "text", "question": "text", "answer_label": "text", "note": "text"}
    audit.table("automation", shown, fmts, labels=column_labels(audit, fmts), csv=params)
