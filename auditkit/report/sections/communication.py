"""Stage 5 report sections — communication and collaboration (METHODOLOGY.md §2 Stage 5).

Marketing → sales (lead response), sales → service (won deal → first order, post-sale contact),
the client's voice (NPS, CSAT, reasons, verbatim complaints) and the management rhythm from the
checklist. Every section works on the audit window: leads created, deals won and survey answers
given between the audit's start and end dates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.report import charts
from auditkit.metrics import communication as m
from auditkit.report.context import Audit, Kpi, is_missing, section
from auditkit.inputs.checklist import load_checklist
from auditkit.metrics._common import in_window_rows
from auditkit.report.sections.process import reasons_pareto, value_name

STAGE = "communication"
RHYTHM_TOPIC = "management_rhythm"


def _norms(audit: Audit):
    return audit.params.norms.communication


def _in_window(audit: Audit, df: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows dated in the audit window, both days whole (`metrics._common.in_window_rows`)."""
    return in_window_rows(df, column, audit.start, audit.end)


# --------------------------------------------------------------------------- marketing -> sales


@section("lead_response", needs="leads")
def lead_response(audit: Audit) -> None:
    """Lead response time = first contact − lead created: median, share within 1 h and 24 h,
    leads never contacted, overall and by source; then the time from lead to won deal."""
    leads = audit.data.tables["leads"]
    leads = _in_window(audit, leads, "created_at")
    if leads.empty:
        audit.note(".text.no_leads_in_window")
        return
    resp = m.lead_response_time(leads)
    if resp is None:
        audit.paragraph(".text.no_first_contact", css="ak-finding")
        audit.record("first_contact_recorded", False)
    else:
        _response(audit, resp)
        _record_response_base(audit, leads, resp)
    _lead_to_won(audit, leads)


def _response(audit: Audit, resp: pd.DataFrame) -> None:
    n = _norms(audit)
    overall = resp[resp["breakdown"] == m.OVERALL].iloc[0]
    audit.kpis([
        Kpi("leads", int(overall["n_valid"]), "number"),
        Kpi("response_median_hours", _float(overall["median_hours"]), "decimal", n.response_median_hours, "lower"),
        Kpi("response_within_1h", _float(overall["share_within_1h_of_leads"]), "pct", n.response_within_1h, "higher"),
        Kpi("response_within_24h", _float(overall["share_within_24h_of_leads"]), "pct", n.response_within_24h,
            "higher"),
        Kpi("never_contacted", _float(overall["share_not_contacted"]), "pct", n.never_contacted_max, "lower"),
    ])
    if int(overall["n_negative"]):
        audit.note(".text.negative_response", n=audit.loc.number(int(overall["n_negative"])))
    by_source = resp[resp["breakdown"] == "source"].copy()
    if by_source.empty:
        return
    by_source["name"] = [value_name(audit, "channel", s) for s in by_source["group"]]
    _response_chart(audit, by_source)
    by_source = by_source.sort_values("n_valid", ascending=False)
    cols = ("name", "n_valid", "median_hours", "share_within_1h_of_leads", "share_within_24h_of_leads",
            "share_not_contacted")
    audit.table("lead_response_by_source", by_source,
                dict(zip(cols, ("text", "number", "decimal", "pct", "pct", "pct"))),
                labels={c: audit.t(f".cols.{c}") for c in cols}, csv=resp)
    for rec in by_source.itertuples():
        audit.record(f"response_median_hours.{rec.group}", rec.median_hours)
        audit.record(f"response_within_1h.{rec.group}", rec.share_within_1h_of_leads)
        audit.record(f"response_within_24h.{rec.group}", rec.share_within_24h_of_leads)
        audit.record(f"never_contacted.{rec.group}", rec.share_not_contacted)
    _slowest_source(audit, resp)


def _record_response_base(audit: Audit, leads: pd.DataFrame, resp: pd.DataFrame) -> None:
    """Stage 6 money base of lead response (`metrics.communication.response_money_base`)."""
    base = m.response_money_base(leads, audit.data.tables["deals"], audit.start, audit.end)
    audit.record("leads_per_year", base["leads_per_year"])  # leads a year
    if base["worst_source"] is not None:
        audit.record("worst_source", base["worst_source"])
        audit.record("worst_source_contacted", base["worst_source_contacted"])  # share of its leads
        audit.record("worst_source_contacted.norm", 1 - _norms(audit).never_contacted_max)
        audit.record("worst_source_leads_per_year", base["worst_source_leads_per_year"])  # leads a year
    if audit.data.tables["deals"] is None or "deal_id" not in leads.columns or leads["deal_id"].isna().all():
        return
    for key in ("conversion_within_1h", "conversion_after_1h"):  # share 0..1
        if _float(base[key]) is not None:
            audit.record(key, base[key])
    if _float(base["worst_source_revenue_per_contacted_lead"]) is not None:  # money per lead
        audit.record("worst_source_revenue_per_contacted_lead", base["worst_source_revenue_per_contacted_lead"])


def _lead_to_won(audit: Audit, leads: pd.DataFrame) -> None:
    """Days from a lead's creation to its deal being won, overall and by source."""
    to_win = m.lead_time_to_win(leads, audit.data.tables["deals"])
    if to_win is None:
        return
    overall = to_win[to_win["breakdown"] == m.OVERALL].iloc[0]
    if not overall["n_won"]:
        audit.note(".text.no_won_leads")
        return
    audit.kpis([Kpi("won_leads", int(overall["n_won"]), "number"),
                Kpi("lead_to_won_days", _float(overall["median_days"]), "days"),
                Kpi("lead_to_won_p75_days", _float(overall["p75_days"]), "days")])
    if int(overall["n_negative"]):
        audit.note(".text.negative_lead_to_won", n=audit.loc.number(int(overall["n_negative"])))
    by_source = to_win[(to_win["breakdown"] == "source") & (to_win["n_won"] > 0)].copy()
    for rec in by_source.itertuples():
        audit.record(f"lead_to_won_days.{rec.group}", rec.median_days)
    if len(by_source) > 1:
        by_source["name"] = [value_name(audit, "channel", s) for s in by_source["group"]]
        cols = ("name", "n_won", "median_days", "p75_days")
        audit.table("lead_to_won_by_source", by_source.sort_values("n_won", ascending=False),
                    dict(zip(cols, ("text", "number", "days", "days"))),
                    labels={c: audit.t(f".cols.{c}") for c in cols}, csv=to_win)


def _float(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _response_chart(audit: Audit, by_source: pd.DataFrame) -> None:
    """Stacked shares of leads per source: within 1 h, 1–24 h, later, never contacted."""
    shares = m.response_buckets(by_source)
    shares = shares.set_index(pd.Index([value_name(audit, "channel", g) for g in shares["group"]]))
    parts = ["b1", "b24", "later", "never"]
    shares = shares[parts]
    shares.columns = [audit.t(f".charts.response.{p}") for p in parts]
    audit.figure(charts.stacked_hbars(shares, audit.loc, audit.t(".charts.response.title"),
                                      audit.t(".charts.response.x"),
                                      colors=[charts.GOOD, "#9fc5a8", "#e6b566", charts.BAD]))


def _slowest_source(audit: Audit, resp: pd.DataFrame) -> None:
    """A finding on the source whose leads wait longest, when it misses the norms."""
    n = _norms(audit)
    worst = m.slowest_source(resp, n.response_within_24h, n.never_contacted_max)
    if worst is None:
        return
    audit.paragraph(".text.slow_source", css="ak-finding", source=value_name(audit, "channel", worst["group"]),
                    leads=audit.loc.number(int(worst["n_valid"])),
                    hours=audit.loc.number(worst["median_hours"], 1),
                    within24=audit.loc.pct(worst["share_within_24h_of_leads"]),
                    never=audit.loc.pct(worst["share_not_contacted"]),
                    never_n=audit.loc.number(int(worst["n_not_contacted"])))
    audit.record("slowest_source", worst["group"])


# --------------------------------------------------------------------------- sales -> service


@section("handover")
def handover(audit: Audit) -> None:
    """Sales → service: days from a won deal to the client's first order; post-sale contact."""
    deals, orders, activities = (audit.data.tables[t] for t in ("deals", "orders", "activities"))
    if deals is None:
        audit.missing(["deals"], "tables_why.deals")
        return
    n = _norms(audit)
    won = m.won_in(deals, audit.start, audit.end)
    if won.empty:
        audit.note(".text.no_won_deals")
        return
    if "orders_from_deals" in audit.data.notes:
        audit.note(".text.orders_from_deals")
        first = None
    else:
        first = m.won_to_first_order(won, orders, within_days=n.first_order_days)
        if first is None:
            audit.note(".text.no_client_on_deals")
    post = m.post_sale_contact(won, None, activities, days=n.post_sale_contact_days)
    post_row = None
    if post is not None and (post["event"] == "won_deal").any():
        post_row = post.set_index("event").loc["won_deal"]
    rows = [Kpi("won_deals", len(won), "number")]
    if first is not None:
        rows += [
            Kpi("won_to_first_order_days", _float(first["median_days"]), "days", float(n.first_order_days), "lower"),
            Kpi("first_order_within_days", _float(first["share_within_days_of_won"]), "pct", n.first_order_share,
                "higher"),
            Kpi("won_without_order", _float(first["share_without_order"]), "pct"),
        ]
    if post_row is not None:
        rows.append(Kpi("post_sale_contact", _float(post_row["share_contacted"]), "pct", n.post_sale_contact_share,
                        "higher"))
    audit.kpis(rows)
    if first is not None:
        audit.note(".text.first_order_rule", days=audit.loc.number(n.first_order_days))
        per_deal = m.won_deal_first_order(won, orders)
        if first["n_with_order"] >= 5:
            clip = max(90, n.first_order_days * 3)
            audit.figure(charts.histogram(per_deal["days"], audit.loc, audit.t(".charts.first_order.title"),
                                          audit.t(".charts.first_order.x", clip=audit.loc.number(clip)),
                                          audit.t(".charts.first_order.y"), bins=np.arange(0, clip + 8, 7),
                                          norm=n.first_order_days, norm_label=audit.t("charts.norm"), clip=clip))
        audit.save_csv("won_deal_first_order", per_deal)
        if first["share_within_days_of_won"] < n.first_order_share:
            audit.paragraph(".text.slow_first_order", css="ak-finding",
                            share=audit.loc.pct(1 - first["share_within_days_of_won"]),
                            days=audit.loc.number(n.first_order_days),
                            none=audit.loc.number(first["n_without_order"]))
    if activities is None:
        audit.missing(["activities"], "tables_why.activities")
    elif post_row is None or post_row["n_evaluated"] == 0:
        audit.note(".text.post_sale_not_measured")
    else:
        audit.note(".text.post_sale_rule", days=audit.loc.number(n.post_sale_contact_days),
                   evaluated=audit.loc.number(int(post_row["n_evaluated"])))
        audit.save_csv("post_sale_contact", post)
        if post_row["share_contacted"] < n.post_sale_contact_share:
            audit.paragraph(".text.no_post_sale_contact", css="ak-finding",
                            share=audit.loc.pct(1 - post_row["share_contacted"]),
                            days=audit.loc.number(n.post_sale_contact_days))


# --------------------------------------------------------------------------- the client's voice


def _surveys(audit: Audit) -> pd.DataFrame | None:
    surveys = audit.data.tables["surveys"]
    return None if surveys is None else _in_window(audit, surveys, "date")


def _segment_name(audit: Audit, breakdown: str, group) -> str:
    if group is None or group is pd.NA or (isinstance(group, float) and pd.isna(group)):
        return audit.t(".text.no_segment")
    if breakdown == "respondent":
        return audit.t(f".text.respondent_{group}")
    return str(group)


def _survey_measure(audit: Audit, measure, none_key: str) -> pd.DataFrame | None:
    """`measure(surveys of the window, clients)`, or None after saying so (`none_key`)."""
    table = measure(_surveys(audit), audit.data.tables["clients"])
    if table is None:
        audit.note(none_key)
    return table


def _survey_parts(audit: Audit, table: pd.DataFrame, value: str) -> pd.DataFrame:
    """The segment and respondent rows of a survey table, named, each recorded as
    `<value>.<breakdown>.<group>` (group "na": answers of clients without a segment)."""
    parts = table[table["breakdown"] != m.OVERALL].copy()
    parts["name"] = [_segment_name(audit, b, g) for b, g in zip(parts["breakdown"], parts["group"])]
    for breakdown, group, v in zip(parts["breakdown"], parts["group"], parts[value]):
        audit.record(f"{value}.{breakdown}.{'na' if is_missing(group) else group}", v)
    return parts


@section("nps", needs="surveys")
def nps(audit: Audit) -> None:
    """NPS = % promoters (9–10) − % detractors (0–6), in points −100..+100: overall, by segment,
    loyal vs churned respondents."""
    n, table = _norms(audit), _survey_measure(audit, m.nps, ".text.no_nps")
    if table is None:
        return
    overall = table[table["breakdown"] == m.OVERALL].iloc[0]
    audit.kpis([
        Kpi("nps", float(overall["nps"]), "points", n.nps, "higher"),
        Kpi("nps_answers", int(overall["n"]), "number"),
        Kpi("promoters", float(overall["pct_promoters"]) / 100, "pct"),
        Kpi("detractors", float(overall["pct_detractors"]) / 100, "pct"),
    ])
    parts = _survey_parts(audit, table, "nps")
    seg = parts[parts["breakdown"] == "segment"]
    if len(seg) > 1:
        audit.figure(charts.hbars(seg.nlargest(12, "n").set_index("name")["nps"], audit.loc,
                                  audit.t(".charts.nps_segments.title"),
                                  audit.t(".charts.nps_segments.x"), fmt="number", norm=n.nps,
                                  norm_label=audit.t("charts.norm")))
    shown = parts.assign(**{c: parts[c] / 100 for c in ("pct_promoters", "pct_passives", "pct_detractors")})
    audit.table("nps_breakdown", shown, {"name": "text", "n": "number", "pct_promoters": "pct",
                                         "pct_passives": "pct", "pct_detractors": "pct", "nps": "points"},
                labels={"name": audit.t(".text.group"), "n": audit.t(".text.answers"),
                        "pct_promoters": audit.t(".text.promoters"), "pct_passives": audit.t(".text.passives"),
                        "pct_detractors": audit.t(".text.detractors"), "nps": audit.t(".text.nps")},
                csv=table)
    worst = seg[seg["n"] >= n.min_answers].sort_values("nps")
    if len(worst):  # Stage 6: NPS of the lowest segment (points −100..+100)
        audit.record("nps_segment_min", float(worst.iloc[0]["nps"]))
        audit.record("nps_segment_min.norm", n.nps)
    if len(worst) and worst.iloc[0]["nps"] < n.nps:
        w = worst.iloc[0]
        audit.paragraph(".text.nps_worst_segment", css="ak-finding", segment=w["name"],
                        nps=audit.loc.points(w["nps"]), norm=audit.loc.points(n.nps),
                        detractors=audit.loc.pct(w["pct_detractors"] / 100), answers=audit.loc.number(int(w["n"])))
        audit.record("nps_worst_segment", w["group"])
    resp = parts[parts["breakdown"] == "respondent"].set_index("group")
    if {"loyal", "churned"} <= set(resp.index):
        audit.paragraph(".text.nps_loyal_churned", loyal=audit.loc.points(resp.loc["loyal", "nps"]),
                        churned=audit.loc.points(resp.loc["churned", "nps"]))


@section("csat", needs="surveys")
def csat(audit: Audit) -> None:
    """CSAT = share of answers 4–5 on the 1–5 scale, overall, by segment and respondent."""
    n, table = _norms(audit), _survey_measure(audit, m.csat, ".text.no_csat")
    if table is None:
        return
    table = table.assign(csat=table["csat_pct"] / 100)
    overall = table[table["breakdown"] == m.OVERALL].iloc[0]
    audit.kpis([Kpi("csat", float(overall["csat"]), "pct", n.csat, "higher"),
                Kpi("csat_answers", int(overall["n"]), "number")])
    parts = _survey_parts(audit, table, "csat")
    if len(parts) > 1:
        shown = pd.concat([parts[parts["breakdown"] == "segment"].nlargest(10, "n"),
                           parts[parts["breakdown"] == "respondent"]])
        labelled = shown.assign(label=[f"{audit.t('.text.respondent')}: {nm}" if b == "respondent" else nm
                                       for b, nm in zip(shown["breakdown"], shown["name"])])
        audit.figure(charts.hbars(labelled.set_index("label")["csat"], audit.loc, audit.t(".charts.csat.title"),
                                  audit.t(".charts.csat.x"), fmt="pct", norm=n.csat, norm_label=audit.t("charts.norm")))
    audit.save_csv("csat_breakdown", table)
    seg = parts[(parts["breakdown"] == "segment") & (parts["n"] >= n.min_answers)].sort_values("csat")
    if len(seg) and seg.iloc[0]["csat"] < n.csat:
        w = seg.iloc[0]
        audit.paragraph(".text.csat_worst_segment", css="ak-finding", segment=w["name"],
                        csat=audit.loc.pct(w["csat"]), norm=audit.loc.pct(n.csat))


@section("reasons", needs="surveys")
def reasons(audit: Audit) -> None:
    """The structure of dissatisfaction: Pareto of reasons, and the most frequent verbatim complaints."""
    surveys = _surveys(audit)
    pareto = m.dissatisfaction_reasons(surveys)
    if pareto is None:
        audit.paragraph(".text.no_reasons", css="ak-finding")
    else:
        reasons_pareto(audit, pareto, "reason", "count", "dissatisfaction_reasons",
                       lambda r: value_name(audit, ".values.reason", r), chart="reasons")
        core, core_share, mentions = m.reasons_core(pareto)
        names = ", ".join(audit.loc.quote(value_name(audit, ".values.reason", r)) for r in core["reason"])
        audit.paragraph(".text.reasons_core", css="ak-finding" if len(core) <= 3 else "",
                        n=audit.loc.number(len(core)), reasons=names,
                        share=audit.loc.pct(core_share), total=audit.loc.number(mentions))
    complaints = m.top_complaints(surveys[m.complaints(surveys)], top=10)
    if complaints is None:
        audit.note(".text.no_comments")
        return
    audit.table("top_complaints", complaints, {"example": "text", "count": "number", "share": "pct"},
                labels={"example": audit.t(".text.complaint"), "count": audit.t(".text.mentions"),
                        "share": audit.t(".text.share_of_complaints")})
    audit.note(".text.complaints_rule")


# --------------------------------------------------------------------------- management rhythm


@section("rhythm", needs="checklist")
def rhythm(audit: Audit) -> None:
    """Management rhythm (plan communication, plan/fact meetings, control) from the checklist."""
    checklist = audit.data.tables["checklist"]
    spec = load_checklist()
    questions = [q for q in spec["questions"] if q.get("topic") == RHYTHM_TOPIC]
    answers = m.checklist_answers(checklist, [q["id"] for q in questions])
    canonical = {}
    for name, a in spec["answers"].items():
        canonical[str(name)] = a
        for alias in a.get("aliases", []):
            canonical[str(alias)] = a
    lang = audit.params.language
    notes = checklist.set_index(checklist["parameter_id"].astype("string"))["note"] \
        if "note" in checklist.columns else pd.Series(dtype="string")
    rows = []
    for q, rec in zip(questions, answers.itertuples()):
        a = canonical.get(rec.answer) if isinstance(rec.answer, str) else None
        note = notes.get(q["id"]) if q["id"] in notes.index else None
        rows.append({"question": q["text"].get(lang) or q["text"]["en"],
                     "answer": a["label"].get(lang, a["label"]["en"]) if a else audit.t(".text.not_answered"),
                     "note": "" if note is None or pd.isna(note) else str(note),
                     "parameter_id": q["id"], "score": rec.score, "weight": q.get("weight", 1)})
        audit.record(f"rhythm.{q['id']}", rec.score)
    table = pd.DataFrame(rows)
    answered = table[table["score"].notna()]
    score = _float(m.rhythm_score(answers, table["weight"]))
    audit.kpis([Kpi("rhythm_score", score, "number", _norms(audit).rhythm_score, "higher"),
                Kpi("rhythm_answered", len(answered), "number")])
    formats = {"question": "text", "answer": "text"} | ({"note": "text"} if (table["note"] != "").any() else {})
    audit.table("management_rhythm", table, formats,
                labels={"question": audit.t(".text.question"), "answer": audit.t(".text.answer"),
                        "note": audit.t(".text.comment")})
    weak = table[table["score"] < 100]
    if len(weak):  # the practices the answers above say are missing, and what each one's absence costs
        practices = [f"{audit.t(f'report_body.rhythm.practice.{q}')} ({a[:1].lower() + a[1:]})"
                     for q, a in zip(weak["parameter_id"], weak["answer"])]
        effects = [audit.t(f"report_body.rhythm.effect.{q}") for q in weak["parameter_id"]]
        audit.paragraph(".text.rhythm_gaps", css="ak-finding" if (weak["score"] == 0).any() else "",
                        n=audit.loc.number(len(weak)), total=audit.loc.number(len(table)),
                        practices="; ".join(practices), effects="; ".join(effects))
    if len(answered) < len(table):
        audit.note(".text.rhythm_unanswered", n=audit.loc.number(len(table) - len(answered)))
