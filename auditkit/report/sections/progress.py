"""Stage 6, re-audit: the chapter "Progress since the previous audit" (issue 13).

With `baseline:` in the parameters, the report compares this audit with the earlier run: block
and overall scores then → now, every scorecard parameter measured in both with a verdict only
beyond noise (auditkit.plan.progress), each action of the earlier plan with the client's status
(action_plan_status.xlsx in the data folder) and whether its KPI moved, the money realised next to
what was at stake, the findings resolved and new, and what differs in the definitions. The
chapter is an unnumbered one that the report puts right after the executive summary (cell tag
"progress"). Every run records results/audit.json (period, version, norms, raw samples) so that a
later re-audit can compare with it.
"""
from __future__ import annotations

import importlib.metadata
import numpy as np
import pandas as pd

from auditkit.inputs import baseline as bl
from auditkit.inputs.validation import describe
from auditkit.metrics import process as pm
from auditkit.plan import progress as pg
from auditkit.plan.catalogue import by_id, groups
from auditkit.report import charts
from auditkit.report.context import Audit, esc
from auditkit.report.provenance import named_norm
from auditkit.report.sections.improvement_plan import (Plan, _detail_name, _value_text, finding_title, headline,
                                                       stage_metrics)

KEY = "improvement_plan.progress"
_CACHE: dict[int, "pg.Progress | None"] = {}


def version() -> str | None:
    try:
        return importlib.metadata.version("auditkit")
    except importlib.metadata.PackageNotFoundError:
        return None


def cycle_days(audit: Audit) -> list[float]:
    """Days from creation to winning of the deals won in the window (as the sales-cycle section measures them)."""
    deals = audit.data.tables.get("deals")
    if deals is None:
        return []
    return [round(float(d), 3) for d in pm.won_cycle_days(deals, audit.start, audit.end)]


def record_run(audit: Audit) -> dict:
    """results/audit.json of this run: what a later re-audit compares with."""
    info = bl.audit_info(audit.params, version())
    info["samples"] = {"pr_cycle": cycle_days(audit)}
    info["definitions"] = pg.definition_revisions()
    if audit.run_dir is not None:
        bl.write_audit_info(audit.run_dir, info)
    return info


def compare(audit: Audit, plan: Plan) -> pg.Progress | None:
    """The comparison with the baseline (auditkit.plan.progress.compare; None without one): the
    baseline run and the client's action status read, this run recorded; computed once per plan."""
    if id(plan) in _CACHE:
        return _CACHE[id(plan)]
    base = bl.load_baseline(audit.params, audit.run_dir)
    if base is None:
        _CACHE[id(plan)] = None
        return None
    status, problems = None, []
    path = bl.status_path(audit.params)
    if path is not None:
        status, problems = bl.read_status(path, audit.params.language)
    period = audit.params.period
    out = pg.compare(base, plan.assessment, stage_metrics(audit)[0], record_run(audit),
                     pg.window_days(period.start, period.end), status, problems)
    _CACHE[id(plan)] = out
    return out


# ------------------------------------------------------------------------------------------- texts
def _t(audit: Audit, key: str, **values) -> str:
    return audit.t(f"{KEY}.{key}", **values)


def _name(audit: Audit, pid: str) -> str:
    entry = by_id().get(pid)
    if entry is None:
        return pid
    return entry.short_name(audit.loc)


def _about(audit: Audit, pid: str, value) -> str:
    """What a parameter's value is of (a lead source, a segment…), as the chapters name it."""
    return _detail_name(audit, by_id()[pid].detail_kind, value) or "—"


def _fmt(pid: str) -> str:
    entry = by_id().get(pid)
    return entry.fmt if entry else "number"


def _change_text(audit: Audit, change: float, fmt: str) -> str:
    if fmt == "answer" or not np.isfinite(change):
        return "—"
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if fmt == "pct":
        return _t(audit, "pp", value=sign + audit.loc.number(abs(change) * 100, 1))
    return sign + audit.loc.value(abs(change), fmt)


def _verdict_text(audit: Audit, row) -> str:
    text = _t(audit, f"verdict.{row.verdict}")
    if row.method in ("z_test", "z_test_base") and np.isfinite(row.p_value):
        text += " (p < 0.001)" if row.p_value < 0.001 else f" (p = {audit.loc.number(row.p_value, 3)})"
    return text


def _period_text(audit: Audit, period) -> str:
    if not period:
        return "—"
    return f"{audit.loc.date(period[0])} — {audit.loc.date(period[1])}"


def progress_headline(audit: Audit, plan: Plan) -> str | None:
    """One sentence for the executive summary (None without a baseline): the score then → now,
    the parameters improved / worse beyond noise, the earlier actions reported done."""
    p = compare(audit, plan)
    if p is None:
        return None
    overall = p.blocks[p.blocks["block"] == "overall"].iloc[0]
    return _t(audit, "headline", period=_period_text(audit, p.baseline.period),
              then=audit.loc.number(overall.score_then), now=audit.loc.number(overall.score_now),
              improved=p.count("improved"), worse=p.count("worse"), done=p.actions_done,
              actions=len(p.primary_actions))


# ------------------------------------------------------------------------------------------- shown
def progress(audit: Audit, plan: Plan) -> pg.Progress | None:
    """The chapter "Progress since the previous audit" (nothing without a baseline; every run
    records results/audit.json for a later re-audit)."""
    p = compare(audit, plan)
    if p is None:
        record_run(audit)
        return None
    audit.show(f'<h1 class="ak-unnumbered" id="progress">{esc(audit.t("improvement_plan.sections.progress.title"))}</h1>')
    audit.paragraph(f"{KEY}.intro", then=_period_text(audit, p.baseline.period),
                    now=_period_text(audit, (audit.params.period.start, audit.params.period.end)),
                    run=p.baseline.path.name)
    audit.paragraph(f"{KEY}.summary_line", text=progress_headline(audit, plan))
    _definitions(audit, p)
    _blocks(audit, p)
    _parameters(audit, p)
    _actions(audit, p)
    _money(audit, p)
    _findings(audit, p, plan)
    return p


def _subhead(audit: Audit, key: str) -> None:
    audit.show(f'<h3 class="ak-subhead">{esc(_t(audit, key))}</h3>')


def _definitions(audit: Audit, p: pg.Progress) -> None:
    if not p.baseline.info.get("norms"):
        audit.note(f"{KEY}.definitions_unknown")
    if not p.definitions:
        return
    items = []
    for what, then, now in p.definitions:
        if what == "auditkit_version":
            name = _t(audit, "version")
        elif what.startswith("definitions."):
            name = _t(audit, "redefined", name=_name(audit, what.removeprefix("definitions.")))
        else:  # a norm, named and shown as Appendix D lists it
            name, shown = named_norm(what, audit.loc)
            then, now = shown(then), shown(now)
        items.append(f"<li>{esc(name)}: {esc(str(then) if then is not None else '—')} → "
                     f"{esc(str(now) if now is not None else '—')}</li>")
    audit.paragraph(f"{KEY}.definitions", css="ak-finding")
    audit.show(f'<ul class="ak-problems">{"".join(items)}</ul>')


def _blocks(audit: Audit, p: pg.Progress) -> None:
    _subhead(audit, "blocks_title")
    b = p.blocks
    names = [_t(audit, "overall") if x == "overall" else audit.t(f"improvement_plan.block.{x}") for x in b["block"]]
    for r in b.itertuples():
        audit.record(f"progress.{r.block}.score_then", r.score_then)
    then_label = _t(audit, "then", period=_period_text(audit, p.baseline.period))
    now_label = _t(audit, "now")
    audit.figure(charts.dumbbell(names, b["score_then"], b["score_now"], audit.loc, _t(audit, "chart_title"),
                                 then_label, now_label))
    audit.table("progress_blocks", b.assign(name=names), {
        "name": "text", "score_then": "decimal", "score_now": "decimal", "change": "decimal",
        "coverage_then": "pct", "coverage_now": "pct"},
        labels={"name": audit.t("improvement_plan.columns.block"), "score_then": _t(audit, "col.score_then"),
                "score_now": _t(audit, "col.score_now"), "change": _t(audit, "col.change"),
                "coverage_then": _t(audit, "col.coverage_then"), "coverage_now": _t(audit, "col.coverage_now")},
        css="ak-compact")


ORDER = {"improved": 0, "worse": 1, "no_change": 2, "not_tested": 3, "not_comparable": 4}


def _parameters(audit: Audit, p: pg.Progress) -> None:
    _subhead(audit, "parameters_title")
    q = p.parameters
    audit.record("progress.improved", p.count("improved"))
    audit.record("progress.worse", p.count("worse"))
    audit.record("progress.compared", len(q))
    audit.paragraph(f"{KEY}.parameters_rule", n=len(q), alpha=audit.loc.pct(pg.ALPHA, 0))
    if q.empty:
        return
    q = q.assign(order=q["verdict"].map(ORDER)).sort_values(["order", "block", "id"], kind="mergesort")
    full = q
    same_answer = (q["method"] == "answer") & (q["verdict"] == "no_change")
    q = q[~same_answer]  # unchanged checklist answers: counted in a note, listed in the CSV
    fmts = [_fmt(i) for i in q["id"]]
    norm = []
    for r, f in zip(q.itertuples(), fmts):
        text = _value_text(audit, r.norm_now, f)
        if r.norm_changed:
            text = _t(audit, "norm_changed", then=_value_text(audit, r.norm_then, f), now=text)
        norm.append(text)
    base_note = q["method"].eq("z_test_base").any()
    shown = q.assign(
        name=[_name(audit, r.id) + (" (" + _t(audit, "detail_changed", then=_about(audit, r.id, r.detail_then),
                                                now=_about(audit, r.id, r.detail_now)) + ")"
                                     if r.detail_changed else "") for r in q.itertuples()],
        then_text=[_value_text(audit, v, f) for v, f in zip(q["value_then"], fmts)],
        now_text=[_value_text(audit, v, f) for v, f in zip(q["value_now"], fmts)],
        norm_text=norm, change_text=[_change_text(audit, c, f) for c, f in zip(q["change"], fmts)],
        method_text=[_t(audit, f"method.{m}") for m in q["method"]],
        verdict_text=[_verdict_text(audit, r) for r in q.itertuples()])
    formats = {"name": "text", "then_text": "text", "now_text": "text", "norm_text": "text", "change_text": "text",
               "method_text": "text", "verdict_text": "text"}
    labels = {"name": audit.t("improvement_plan.columns.parameter"), "then_text": _t(audit, "col.then"),
              "now_text": _t(audit, "col.now"), "norm_text": audit.t("report.kpi_head.norm"),
              "change_text": _t(audit, "col.change"), "method_text": _t(audit, "col.method"),
              "verdict_text": _t(audit, "col.verdict")}
    # the body shows what moved beyond noise (and what cannot be compared); the rest is in the appendix
    moved = shown["verdict"].isin(("improved", "worse", "not_comparable"))
    audit.table("progress_parameters", shown[moved], formats, labels, max_rows=len(shown),
                csv=full.drop(columns="order"), css="ak-compact")
    if (~moved).any():
        audit.table("progress_parameters_unmoved", shown[~moved], formats, labels, max_rows=len(shown),
                    css="ak-compact", appendix=True)
    if same_answer.any():
        audit.note(f"{KEY}.answers_unchanged", n=int(same_answer.sum()))
    if base_note:
        audit.note(f"{KEY}.base_counts_note")
    if q["detail_changed"].any():
        audit.note(f"{KEY}.detail_changed_note")
    if q["norm_changed"].any():
        audit.note(f"{KEY}.norm_changed_note")


def _status_text(audit: Audit, status) -> str:
    if not isinstance(status, str):
        return _t(audit, "status_none")
    return audit.t(f"improvement_plan.xlsx.status_{status}")


def _actions(audit: Audit, p: pg.Progress) -> None:
    _subhead(audit, "actions_title")
    for problem in p.problems:
        audit.show(f'<p class="ak-note">{esc(describe(problem, audit.params.language))}</p>')
    if not p.status_given:
        audit.note(f"{KEY}.no_status", file=bl.STATUS_FILE)
    if p.unmatched_rows:
        audit.note(f"{KEY}.unmatched", file=bl.STATUS_FILE, rows=", ".join(str(r) for r in p.unmatched_rows[:10]))
    a = p.actions
    if a.empty:
        audit.note(f"{KEY}.no_actions")
        return
    primary = p.primary_actions
    audit.record("progress.actions_done", p.actions_done)
    audit.paragraph(f"{KEY}.actions_summary", done=p.actions_done, total=len(primary),
                    reported=int(primary["status"].notna().sum()))
    fmts = [_fmt(x) for x in primary["parameter"]]
    shown = primary.assign(
        headline_text=[headline(str(x), 90) for x in primary["action"]],
        status_text=[_status_text(audit, s) + (f", {audit.loc.number(pr)}%" if np.isfinite(pr) else "")
                     for s, pr in zip(primary["status"], primary["progress"].astype(float))],
        kpi_text=[f"{_name(audit, x)}: {_value_text(audit, v1, f)} → {_value_text(audit, v2, f)}"
                  if np.isfinite(v1) and np.isfinite(v2) else _name(audit, x)
                  for x, v1, v2, f in zip(primary["parameter"], primary["value_then"].astype(float),
                                          primary["value_now"].astype(float), fmts)],
        moved_text=[_t(audit, f"effect.{e}") if e else (_t(audit, f"verdict.{v}") if isinstance(v, str) else "—")
                    for e, v in zip(primary["effect"], primary["verdict"])])
    audit.table("progress_actions", shown, {
        "rank": "number", "headline_text": "text", "status_text": "text", "kpi_text": "text", "moved_text": "text",
        "comment": "text"},
        labels={"rank": "#", "headline_text": audit.t("improvement_plan.columns.action"),
                "status_text": _t(audit, "col.status"), "kpi_text": _t(audit, "col.kpi"),
                "moved_text": _t(audit, "col.moved"), "comment": _t(audit, "col.comment")},
        max_rows=len(shown), csv=a, css="ak-compact")
    stuck = primary[primary["effect"] == "done_no_effect"]
    if len(stuck):
        audit.paragraph(f"{KEY}.done_no_effect", css="ak-finding",
                        actions="; ".join(f"{r.rank}. {headline(str(r.action), 70)}" for r in stuck.itertuples()))


def _money(audit: Audit, p: pg.Progress) -> None:
    m = p.money
    if m.empty:
        return
    _subhead(audit, "money_title")
    total = p.money_totals
    audit.record("progress.money_realised_high", total["realised_high"] if pd.notna(total["realised_high"]) else None)
    audit.record("progress.money_realised_low", total["realised_low"] if pd.notna(total["realised_low"]) else None)

    def rng(lo, hi):
        return audit.loc.money_range(lo, hi) if pd.notna(hi) and hi > 0 else "—"

    audit.paragraph(f"{KEY}.money_rule", realised=rng(total["realised_low"], total["realised_high"]),
                    stake=rng(total["stake_low"], total["stake_high"]))
    audit.table("progress_money", m.assign(
        title_text=[str(t) for t in m["title"]],
        stake=[rng(lo, hi) for lo, hi in zip(m["money_low_then"], m["money_high_then"])],
        realised=[rng(lo, hi) for lo, hi in zip(m["realised_low"], m["realised_high"])],
        improved=[", ".join(_name(audit, x) for x in xs) or "—" for xs in m["parameters_improved"]]),
        {"rank": "number", "title_text": "text", "stake": "text", "realised": "text", "improved": "text"},
        labels={"rank": "#", "title_text": audit.t("improvement_plan.columns.finding"),
                "stake": _t(audit, "col.stake"), "realised": _t(audit, "col.realised"),
                "improved": _t(audit, "col.improved")}, css="ak-compact")


def _findings(audit: Audit, p: pg.Progress, plan: Plan) -> None:
    f = p.findings
    if f.empty:
        return
    _subhead(audit, "findings_title")
    titles_then = dict(zip(p.baseline.findings.get("group", []), p.baseline.findings.get("title", [])))
    titles_now = {r.group: finding_title(audit, r) for r in plan.findings.itertuples()}

    def title(g):
        return titles_now.get(g) or titles_then.get(g) or (groups()[g].text(audit.params.language) if g in groups() else g)

    for kind in ("resolved", "new", "remaining"):
        part = f[f["change"] == kind]
        audit.record(f"progress.findings_{kind}", len(part))
        if part.empty:
            continue
        items = "".join(f"<li>{esc(title(r.group))}"
                        + (f" ({esc(_t(audit, 'rank_move', then=int(r.rank_then), now=int(r.rank_now)))})"
                           if kind == "remaining" else "") + "</li>" for r in part.itertuples())
        audit.show(f"<p><strong>{esc(_t(audit, f'findings_{kind}', n=len(part)))}</strong></p>"
                   f'<ul class="ak-problems">{items}</ul>')
    audit.save_csv("progress_findings", f)

