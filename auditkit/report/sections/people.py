"""Stage 3 report sections — people (METHODOLOGY.md §2 Stage 3).

Each function is one section of the report: it shows the numbers of `auditkit.metrics.people`, the
as-is / norm / deviation table, findings, charts and tables, and records every number it shows.
Managers appear by name (the managers table; codes M01… when the client asked for anonymity).
Managers with no sales, deals or activities of their own in the window (typically the head of
sales) are listed but not compared; the head of sales gets a section of their own (`head_of_sales`).
"""
from __future__ import annotations

import math

import pandas as pd

from auditkit.plan import head_of_sales as head_rules
from auditkit.report import charts
from auditkit.metrics import head_of_sales as hs
from auditkit.metrics import people as m
from auditkit.metrics._common import number
from auditkit.report.context import Audit, Kpi, is_missing, section

STAGE = "people"
MAX_CHART_ROWS = 12  # managers per chart; the rest are in the CSV
RESULT_COLUMNS = {"manager": "text", "revenue": "money", "plan_fulfilment": "pct", "new_clients": "number",
                  "won_deals": "number", "win_rate": "pct", "avg_won_deal": "money", "median_cycle_days": "days"}
ACTIVITY_COLUMNS = {"manager": "text", "open_pipeline_count": "number", "open_pipeline_sum": "money",
                    "activities_per_day": "decimal", "activities_per_day_call": "decimal",
                    "activities_per_day_meeting": "decimal", "activities_per_won_deal": "decimal",
                    "call_next_step_share": "pct"}
# scorecard columns ranked best / weakest (activities per won deal is context: low can mean efficient
# selling or unlogged work, so it is not ranked)
RANKED = ("revenue", "plan_fulfilment", "new_clients", "won_deals", "win_rate", "avg_won_deal",
          "median_cycle_days", "open_pipeline_sum", "activities_per_day", "call_next_step_share")
# volumes grow with the time worked: ranked only among the managers employed for the whole window
VOLUMES = ("revenue", "new_clients", "won_deals", "open_pipeline_sum")
FORMATS = {**RESULT_COLUMNS, **ACTIVITY_COLUMNS}


# ------------------------------------------------------------------------------------ helpers


def name_of(audit: Audit, manager_id) -> str:
    return audit.manager_name(manager_id)


def column_labels(audit: Audit, columns) -> dict[str, str]:
    """Table headers: the stage's own `.columns.<c>` text where it exists, else the shared `columns.<c>`."""
    return {c: audit.t(f".columns.{c}") if audit.loc.has(audit.key(f".columns.{c}")) else audit.t(f"columns.{c}")
            for c in columns}


def joined(audit: Audit, items: list[str]) -> str:
    return audit.t("people.text.list_separator").join(items)


def scorecard_of(audit: Audit) -> pd.DataFrame | None:
    """The manager scorecard of the audit window (see `metrics.people.manager_scorecard`)."""
    t = audit.data.tables
    return m.manager_scorecard(audit.start, audit.end, orders=t.get("orders"), deals=t.get("deals"),
                               activities=t.get("activities"), plans=t.get("plans"), managers=t.get("managers"),
                               clients=t.get("clients"), country=audit.params.country)


def sales_staff(card: pd.DataFrame) -> pd.Series:
    """True for the compared managers (`metrics.people.compared`)."""
    return m.compared(card)


def _team_rows(card: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    """The rows the team total adds up: the compared managers and the no-manager row (what is
    credited to nobody), so that the team's revenue is the company's."""
    nobody = card[card.index.isna() & m.with_sales(card)]
    return pd.concat([staff, nobody]) if len(nobody) else staff


def team_row(audit: Audit, staff: pd.DataFrame, card: pd.DataFrame | None = None) -> pd.Series:
    """The team total / average (`metrics.people.team_totals`) of the compared managers and, from
    `card`, the no-manager row."""
    rows = staff if card is None else _team_rows(card, staff)
    return m.team_totals(rows, audit.data.tables["deals"], audit.start, audit.end)


def _with_team(audit: Audit, table: pd.DataFrame, team: pd.Series, card: pd.DataFrame | None = None) -> pd.DataFrame:
    """The managers' rows (and the no-manager row of `card`, when it has sales) and the team row."""
    rows = table if card is None else pd.concat([table, card[card.index.isna() & m.with_sales(card)]])
    out = rows.assign(manager=[audit.manager_name(i) for i in rows.index])
    total = team.reindex(rows.columns).to_frame().T.assign(manager=audit.t(".text.team_row"))
    return pd.concat([out, total], ignore_index=True)


def _compared(audit: Audit) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(full scorecard, compared managers' rows); (None, None) when no sales are attributed."""
    card = scorecard_of(audit)
    if card is None or card.empty:
        return None, None
    staff = card[sales_staff(card)]
    return card, (staff if not staff.empty else None)


def _no_attribution(audit: Audit) -> None:
    if audit.data.tables.get("managers") is None and not any(
            audit.data.has(t, "manager_id") for t in ("orders", "deals", "clients", "activities")):
        audit.missing(["managers"], "tables_why.managers")
    else:
        audit.note(".text.no_attribution")


# ------------------------------------------------------------------------------------ sections


@section("scorecard")
def scorecard(audit: Audit) -> None:
    """Per manager: revenue, plan fulfilment, new clients, won deals, win rate, average won deal, cycle;
    the best and weakest manager of every measure."""
    card, staff = _compared(audit)
    if staff is None:
        _no_attribution(audit)
        return
    idle = [audit.manager_name(i) for i in card.index.difference(staff.index) if not is_missing(i)]
    if idle:
        audit.note(".text.idle_managers", names=joined(audit, idle))
    team = team_row(audit, staff, card)
    total = m.scorecard_summary(staff, team, audit.params.norms.data_collection.plan_fulfilment)
    rows = [Kpi("managers", total["managers"], "number")]
    if total["managers_below_plan"] is not None:
        rows.append(Kpi("managers_below_plan", total["managers_below_plan"], "number", 0, "lower"))
    if "win_rate" in team.index:
        rows.append(Kpi("win_rate_team", number(total["win_rate_team"]), "pct"))
        rows.append(Kpi("win_rate_spread", number(total["win_rate_spread"]), "pct"))
    audit.kpis(rows)
    if card.index.isna().any():
        audit.note(".text.no_manager_row", name=audit.manager_name(None))

    full = card.assign(manager=[audit.manager_name(i) for i in card.index], compared=sales_staff(card))
    audit.save_csv("manager_scorecard", full.reset_index())
    ranked = rank(audit, staff)
    _weakest_findings(audit, ranked, staff)

    results = {c: f for c, f in RESULT_COLUMNS.items() if c == "manager" or c in staff.columns}
    shown = staff.sort_values("revenue", ascending=False) if "revenue" in staff.columns else staff
    audit.table("manager_results", _with_team(audit, shown, team, card), results, labels=column_labels(audit, results),
                max_rows=40)
    _highlights(audit, ranked, team)


def full_period(audit: Audit, staff: pd.DataFrame) -> pd.Series:
    """True for the managers employed for the whole audit window (`metrics.people.full_period`)."""
    return m.full_period(audit.data.tables.get("managers"), audit.start, audit.end, audit.params.country, staff.index)


def rank(audit: Audit, staff: pd.DataFrame) -> pd.DataFrame:
    """Best and weakest manager per measure (`metrics.people.rank_managers`): ratios among all compared
    managers, volumes among those employed for the whole window."""
    return m.rank_managers(staff, RANKED, VOLUMES, full_period(audit, staff))


def _weakest_findings(audit: Audit, ranked: pd.DataFrame, staff: pd.DataFrame) -> None:
    """A finding for every manager who is the weakest in three or more measures."""
    if len(staff) < 3 or ranked.empty:
        return
    for manager_id, metrics in m.weakest_in_many(ranked, 3).items():
        what = [f"{audit.t(f'.columns.{k}')} {audit.fmt(ranked.loc[k, 'weakest_value'], FORMATS[k])}"
                for k in metrics]
        audit.paragraph(".text.weakest_in_many", css="ak-finding", name=name_of(audit, manager_id),
                        n=len(metrics), total=len(ranked), measures=joined(audit, what))
        audit.record(f"weakest_in_many.{manager_id}", len(metrics))


def _short(audit: Audit, value, fmt: str) -> str:
    """A value for a text cell: money in thousands / millions so that it never wraps."""
    if fmt == "money" and not (value is None or (isinstance(value, float) and math.isnan(value))):
        return audit.loc.money_short(value)
    return audit.fmt(value, fmt)


def _highlights(audit: Audit, ranked: pd.DataFrame, team: pd.Series) -> None:
    """The best and weakest manager of every measure, with the team value."""
    if ranked.empty:
        return
    show = pd.DataFrame({
        "measure": [audit.t(f".columns.{k}") for k in ranked.index],
        "best": [audit.manager_name(i) for i in ranked["best"]],
        "best_value": [_short(audit, v, FORMATS[k]) for k, v in ranked["best_value"].items()],
        "weakest": [audit.manager_name(i) for i in ranked["weakest"]],
        "weakest_value": [_short(audit, v, FORMATS[k]) for k, v in ranked["weakest_value"].items()],
        "team": [_short(audit, team.get(k, math.nan), FORMATS[k]) for k in ranked.index],
    })
    fmts = {c: "text" for c in show.columns}
    audit.paragraph(".text.highlights_intro")
    audit.table("manager_highlights", show, fmts, labels=column_labels(audit, fmts),
                csv=ranked.assign(best_name=show["best"].to_numpy(), weakest_name=show["weakest"].to_numpy(),
                                  team=team.reindex(ranked.index).to_numpy()).reset_index())


@section("activity", needs="activities")
def activity(audit: Audit) -> None:
    """Activities per working day by type against the norm, under-logging managers, next steps on calls,
    activities per won deal and the open pipeline per manager."""
    card, staff = _compared(audit)
    if staff is None or "activities_per_day" not in staff.columns:
        _no_attribution(audit)
        return
    n = audit.params.norms.people
    team = team_row(audit, staff, card)
    logging = m.underlogging(staff["activities_per_day"], n.underlogging_share, n.activities_per_day)
    next_step = team.get("call_next_step_share", math.nan)
    audit.paragraph(".text.calendar", calendar=audit.loc.calendar(audit.params.country), days=audit.loc.number(
        m.working_days(audit.start, audit.end, audit.params.country)))
    audit.kpis([
        Kpi("activities_per_day_median", number(logging.median), "decimal", n.activities_per_day, "higher"),
        Kpi("managers_below_activity_norm", logging.below_norm, "number"),
        Kpi("underlogging_managers", len(logging.managers), "number", 0, "lower"),
        Kpi("activities_per_won_deal", number(team.get("activities_per_won_deal")), "decimal"),
        Kpi("call_next_step_share", number(next_step), "pct", n.next_step_share, "higher"),
    ])
    audit.note(".text.activity_norm", norm=audit.loc.number(n.activities_per_day))
    audit.record("underlogging_threshold", logging.threshold)
    audit.record("underlogging", sorted(logging.managers.index))
    for manager_id, value in logging.managers.items():
        rec = staff.loc[manager_id]
        key = ".text.underlogging_won" if "won_deals" in staff.columns else ".text.underlogging"
        audit.paragraph(key, css="ak-finding", name=name_of(audit, manager_id), value=audit.loc.number(value, 1),
                        ratio=audit.loc.pct(logging.of_median[manager_id], 0),
                        median=audit.loc.number(logging.median, 1), won=audit.loc.number(rec.get("won_deals", 0)),
                        revenue=audit.loc.money_short(rec.get("revenue", 0)))
    if not math.isnan(next_step) and next_step < n.next_step_share:
        shares = staff["call_next_step_share"].dropna()
        low = shares.idxmin()
        audit.paragraph(".text.next_step_finding", css="ak-finding", value=audit.loc.pct(next_step),
                        norm=audit.loc.pct(n.next_step_share, 0), name=name_of(audit, low),
                        low=audit.loc.pct(shares[low]))
    _activity_chart(audit, staff, logging.median)
    cols = {c: f for c, f in ACTIVITY_COLUMNS.items() if c == "manager" or c in staff.columns}
    table = _with_team(audit, staff.sort_values("activities_per_day", ascending=False), team, card)
    audit.table("manager_activity", table, cols, labels=column_labels(audit, cols), max_rows=40)


def _activity_chart(audit: Audit, staff: pd.DataFrame, median: float) -> None:
    """Stacked bars of activities per working day by type, per manager, with the norm and the median."""
    n = audit.params.norms.people
    types = [c for c in staff.columns if c.startswith("activities_per_day_")]
    if not types:
        return
    frame = m.top_activity_types(staff[types], keep=4)  # the four most frequent types and "other"
    frame.columns = [audit.loc.label(audit.key(".types"), c.removeprefix("activities_per_day_")) for c in frame.columns]
    shown = staff["activities_per_day"]
    if len(frame) > MAX_CHART_ROWS:  # the lowest loggers matter most
        frame = frame.loc[shown.sort_values().index[:MAX_CHART_ROWS]]
    frame.index = [audit.manager_name(i) for i in frame.index]
    fig = charts.stacked_hbars_norm(
        frame, audit.loc, audit.t(".charts.activity.title"), audit.t(".charts.activity.x"),
        norm=n.activities_per_day, norm_label=audit.t("charts.norm"),
        marks={audit.t(".charts.activity.median"): (median, charts.NORM)})
    caption = ".charts.activity.caption_top" if len(staff) > MAX_CHART_ROWS else None
    audit.figure(fig, caption, n=MAX_CHART_ROWS)


def _item_label(audit: Audit, item: str) -> str:
    key = audit.key(f".items.{item}")
    return audit.t(key) if audit.loc.has(key) else str(item).replace("_", " ").strip().capitalize()


def _checklist(audit: Audit, table: str, threshold: float, scales: dict, prefix: str) -> None:
    """Call reviews or mystery-shopper calls: items as % of their maximum, a manager × item heatmap,
    team-wide training needs and individual gaps."""
    reviews = audit.data.tables[table]
    q = m.call_quality(reviews, scales, threshold * 100)
    if q is None:
        audit.note(".text.no_items")
        return
    gap = audit.params.norms.people.individual_gap
    total = m.checklist_summary(q, threshold, gap)
    means = total.item_means
    audit.kpis([
        Kpi(f"{prefix}_reviews", total.reviews, "number"),
        Kpi(f"{prefix}_score", total.score, "pct", threshold, "higher"),
        Kpi(f"{prefix}_items_below", len(q.training_needs), "number", 0, "lower"),
    ])
    for item, value in means.items():
        audit.record(f"{prefix}_item.{item}", value)
    audit.record(f"{prefix}_item_min", total.item_min)  # Stage 6: the weakest item, share of its maximum
    audit.record(f"{prefix}_item_min_item", means.idxmin())  # ... and which item it is (the finding names it)
    audit.record(f"{prefix}_item_min.norm", threshold)
    audit.record(f"{prefix}_training_needs", list(q.training_needs.index))
    scales_text = joined(audit, [f"{_item_label(audit, i)} 0–{audit.loc.number(s)}" for i, s in q.scales.items()])
    audit.note(".text.checklist_scales", scales=scales_text, threshold=audit.loc.pct(threshold, 0))
    if total.min_reviews < 5:
        audit.note(".text.small_sample", n=audit.loc.number(total.min_reviews))
    if len(q.training_needs):
        needs = [f"{_item_label(audit, i)} {audit.loc.pct(means[i], 0)}" for i in q.training_needs.index]
        audit.paragraph(".text.training_needs", css="ak-finding", threshold=audit.loc.pct(threshold, 0),
                        items=joined(audit, needs))
    else:
        audit.paragraph(".text.no_training_needs", threshold=audit.loc.pct(threshold, 0))
    matrix = total.matrix
    for manager_id, item in total.gaps.head(5).index:
        audit.paragraph(".text.individual_gap", css="ak-finding", name=audit.manager_name(manager_id),
                        item=_item_label(audit, item), value=audit.loc.pct(matrix.loc[manager_id, item], 0),
                        team=audit.loc.pct(means[item], 0), gap=audit.t("units.pp", n=audit.loc.number(gap * 100)))
    audit.record(f"{prefix}_individual_gaps", len(total.gaps))

    grid = matrix.tail(MAX_CHART_ROWS) if len(matrix) > MAX_CHART_ROWS else matrix.copy()
    grid.index = [audit.manager_name(i) for i in grid.index]
    grid.loc[audit.t(".text.team_row")] = means
    grid.columns = [_item_label(audit, c) for c in grid.columns]
    fig, ax = charts.new(max(2.0, 0.16 * len(grid) + 1.1))
    charts.heatmap_on(ax, grid, audit.loc, audit.t(f".charts.{prefix}.title"), fmt="pct", cmap="RdYlGn",
                      vmin=0, vmax=1, fit_columns=True)
    audit.figure(fig, f".charts.{prefix}.caption", threshold=audit.loc.pct(threshold, 0))

    items = total.items.assign(item=[_item_label(audit, i) for i in total.items["item"]],
                               weakest=[audit.manager_name(i) for i in total.items["weakest"]],
                               best=[audit.manager_name(i) for i in total.items["best"]])
    fmts = {"item": "text", "team": "pct", "weakest": "text", "weakest_value": "pct", "best": "text",
            "best_value": "pct"}
    audit.table(f"{prefix}_items", items, fmts, labels=column_labels(audit, fmts),
                csv=items.assign(item_id=means.index, scale=[q.scales[i] for i in means.index],
                                 training_need=(means < threshold).to_numpy()))
    by_manager = matrix.reindex(index=q.matrix.index, columns=q.matrix.columns).assign(reviews=q.reviews)
    by_manager = by_manager.rename_axis("manager_id").reset_index()
    by_manager.insert(1, "manager", [audit.manager_name(i) for i in by_manager["manager_id"]])
    audit.save_csv(f"{prefix}_by_manager", by_manager)


@section("call_quality", needs="call_reviews")
def call_quality(audit: Audit) -> None:
    """The call-review checklist: items as % of their maximum per manager, training needs team-wide."""
    n = audit.params.norms.people
    _checklist(audit, "call_reviews", n.call_item_threshold, n.call_item_scales, "call")


@section("mystery_shopper", needs="mystery_shopper")
def mystery_shopper(audit: Audit) -> None:
    """Mystery-shopper control calls, scored the same way as the call reviews."""
    n = audit.params.norms.people
    _checklist(audit, "mystery_shopper", n.mystery_item_threshold, n.mystery_item_scales,
               "mystery")


RECOMMENDATIONS = (m.DEVELOP, m.COACH, m.TRAIN, m.ROTATE)


@section("assessment", needs="staff_assessment")
def assessment(audit: Audit) -> None:
    """Staff assessment: competence × motivation matrix and performance × competence quadrants with a
    develop / coach / train / rotate suggestion per manager."""
    table = audit.data.tables.get("staff_assessment")
    threshold = audit.params.norms.people.assessment_threshold
    card, staff = _compared(audit)
    result = m.staff_assessment(table, staff, threshold)
    if result is None:
        audit.note(".text.no_assessment")
        return
    pm = result.per_manager
    basis = result.performance_basis
    total = m.assessment_summary(result)
    low_motivation = total["low_motivation"]
    counts = total["recommendations"]
    audit.kpis([
        Kpi("assessed", total["assessed"], "number"),
        Kpi("competence_avg", number(total["competence_avg"]), "decimal", threshold, "higher"),
        Kpi("motivation_avg", number(total["motivation_avg"]), "decimal", threshold, "higher"),
        Kpi("low_motivation", len(low_motivation), "number", 0, "lower"),
    ])
    for code in RECOMMENDATIONS:
        audit.record(f"recommendation.{code}", int(counts.get(code, 0)))
    audit.paragraph(".text.assessment_rule", threshold=audit.loc.number(threshold, 1),
                    basis=audit.t(f".text.basis_{basis or 'none'}"))
    for code in RECOMMENDATIONS:
        who = [audit.manager_name(i) for i in pm.index[pm["recommendation"] == code]]
        if who:
            audit.paragraph(f".text.rec_{code}", css="ak-finding" if code in (m.ROTATE, m.TRAIN) else "",
                            n=len(who), names=joined(audit, who))
    if len(low_motivation):
        audit.paragraph(".text.low_motivation", css="ak-finding", threshold=audit.loc.number(threshold, 1),
                        names=joined(audit, [f"{audit.manager_name(i)} {audit.loc.number(pm.loc[i, 'motivation'], 1)}"
                                             for i in low_motivation]))
    # the matrices compare the managers: whoever the comparison leaves out (the head of sales) is named apart
    on = pm[pm.index.isin(staff.index)] if staff is not None else pm
    apart = pm.index.difference(on.index, sort=False)
    if len(apart):
        audit.note("report_body.not_on_matrix", names=joined(audit, [audit.manager_name(i) for i in apart]))
    points = pd.DataFrame({"x": on["competence"], "y": on["motivation"],
                           "label": [audit.manager_name(i) for i in on.index]})
    corners = {k: audit.t(f".charts.skill_will.{k.replace(' ', '_')}")
               for k in ("top left", "top right", "bottom left", "bottom right")}
    audit.figure(charts.quadrant_scatter(points, audit.loc, audit.t(".charts.skill_will.title"),
                                         audit.t(".charts.skill_will.x"), audit.t(".charts.skill_will.y"),
                                         threshold, threshold, corners, xlim=(0.8, 5.6), ylim=(0.8, 5.4)))
    if basis is not None:
        perf = pd.DataFrame({"x": on["competence"], "y": on["performance"],
                             "label": [audit.manager_name(i) for i in on.index], "group": on["recommendation"]})
        split = 1.0 if basis == "plan_fulfilment" else 0.5
        known = perf["y"].dropna()
        y_min = min(float(known.min()) if len(known) else split, split)
        y_max = max(float(known.max()) if len(known) else split, split)
        margin = max(0.05, (y_max - y_min) * 0.15)
        groups = {code: audit.t(f".text.rec_label_{code}") for code in RECOMMENDATIONS if code in counts}
        audit.figure(charts.quadrant_scatter(
            perf, audit.loc, audit.t(".charts.performance.title"), audit.t(".charts.skill_will.x"),
            audit.t(f".charts.performance.y_{basis}"), threshold, split,
            {"top right": audit.t(".text.rec_label_develop"), "bottom right": audit.t(".text.rec_label_coach"),
             "bottom left": audit.t(".charts.performance.left")},
            groups=groups, y_fmt="pct", xlim=(0.8, 5.6), ylim=(max(0.0, y_min - margin), y_max + margin)))
    shown = pm.assign(manager=[audit.manager_name(i) for i in pm.index],
                      advice=[audit.t(f".text.rec_label_{r}") if isinstance(r, str) and r else "—"
                              for r in pm["recommendation"]])
    order = {code: i for i, code in enumerate(RECOMMENDATIONS)}
    shown = shown.assign(_o=pm["recommendation"].map(order).fillna(9)).sort_values(["_o", "competence"])
    fmts = {"manager": "text", "competence": "decimal", "motivation": "decimal",
            "performance": "pct" if basis else "decimal", "advice": "text"}
    labels = column_labels(audit, fmts)
    if basis:
        labels["performance"] = audit.t(f".charts.performance.y_{basis}")
    audit.table("staff_matrix", shown, fmts, labels=labels, max_rows=40,
                csv=shown.drop(columns="_o").rename_axis("manager_id").reset_index())


@section("structure")
def structure(audit: Audit) -> None:
    """Team structure: headcount, tenure, clients per manager and the inequality of revenue (Gini)."""
    t = audit.data.tables
    ts = m.team_structure(audit.start, audit.end, managers=t.get("managers"), orders=t.get("orders"),
                          deals=t.get("deals"), clients=t.get("clients"))
    card, staff = _compared(audit)
    if ts is None or staff is None:
        _no_attribution(audit)
        return
    audit.kpis([
        Kpi("headcount", ts.headcount, "number"),
        Kpi("median_tenure_months", number(ts.median_tenure_months), "months"),
        Kpi("clients_per_manager", number(ts.clients_per_manager), "decimal"),
        Kpi("revenue_gini", number(ts.revenue_gini), "pct"),
    ])
    managers = t.get("managers")
    if managers is None:
        audit.missing(["managers"], "tables_why.managers")
    else:
        active = ts.per_manager.index[ts.per_manager["active"]]
        if m.available(managers, "team"):
            sizes = m.team_sizes(managers, active)
            audit.paragraph(".text.teams", teams=joined(audit, [
                f"{audit.t('.text.no_team') if is_missing(k) else k} — {audit.loc.number(v)}" for k, v in sizes.items()]))
        left = ts.per_manager.index[~ts.per_manager["active"]]
        if len(left):
            audit.paragraph(".text.left", names=joined(audit, [audit.manager_name(i) for i in left]))
    revenue = staff["revenue"] if "revenue" in staff.columns else None
    top, top_share = m.top_quarter_share(revenue) if revenue is not None else (0, math.nan)
    if number(top_share) is not None:
        audit.paragraph(".text.gini_reading", gini=audit.fmt(ts.revenue_gini, "pct"),
                        n=audit.loc.number(top), total=audit.loc.number(len(revenue)),
                        share=audit.loc.pct(top_share, 0))
        audit.record("top_quarter_revenue_share", top_share)
        chart = revenue.rename(index=audit.manager_name).sort_values(ascending=False)
        caption = None
        if len(chart) > MAX_CHART_ROWS:  # the strongest and the weakest half-dozen
            half = MAX_CHART_ROWS // 2
            chart = pd.concat([chart.head(half), chart.tail(half)])
            caption = ".charts.revenue.caption_top"
        audit.figure(charts.hbars(chart, audit.loc, audit.t(".charts.revenue.title"),
                                  audit.t(".charts.revenue.x", currency=audit.loc.currency_symbol)),
                     caption, n=MAX_CHART_ROWS // 2, total=len(revenue))
    rows = _team_rows(card, staff)
    per = ts.per_manager.reindex(rows.index.union(ts.per_manager.index, sort=False))
    per = per.assign(manager=[audit.manager_name(i) for i in per.index],
                     revenue=(rows["revenue"] if "revenue" in rows.columns else pd.Series(dtype=float)).reindex(per.index))
    per["revenue_share"] = m.revenue_shares(per["revenue"])
    if managers is not None:
        info = managers.set_index("manager_id")
        for col in ("team", "role"):
            if m.available(managers, col):
                per[col] = info[col].reindex(per.index)
    per = per.sort_values("revenue", ascending=False)
    fmts = {"manager": "text"}
    fmts.update({c: "text" for c in ("team", "role") if c in per.columns})
    fmts.update({"tenure_months": "months", "clients": "number", "revenue": "money", "revenue_share": "pct"})
    fmts = {c: f for c, f in fmts.items() if c in per.columns}
    audit.table("team_structure", per, fmts, labels=column_labels(audit, fmts), max_rows=40,
                csv=per.rename_axis("manager_id").reset_index())


# ------------------------------------------------------------------------------ head of sales


def _heads(audit: Audit) -> list:
    """manager_id of the head(s) of sales: managers whose role names the head (data/head_of_sales.yaml)."""
    managers = audit.data.tables.get("managers")
    if managers is None or not m.available(managers, "role"):
        return []
    return list(managers.loc[[head_rules.is_head(r) for r in managers["role"]], "manager_id"])


def _head_evidence(audit: Audit, heads: list) -> tuple[dict, dict]:
    """(item → value for the verdict, item → the as-is text the report shows)."""
    t, loc, d = audit.t, audit.loc, audit.data.tables
    values: dict = {}
    texts: dict = {}
    card, staff = _compared(audit)
    if staff is not None and "plan_fulfilment" in staff.columns:
        values["team_fulfilment"] = number(team_row(audit, staff, card).get("plan_fulfilment"))
        if values["team_fulfilment"] is not None:
            texts["team_fulfilment"] = loc.pct(values["team_fulfilment"])
        spread = hs.fulfilment_spread(staff["plan_fulfilment"])
        if spread:
            values["fulfilment_spread"] = spread["spread"]
            texts["fulfilment_spread"] = t("consultancy.head_of_sales.spread_text",
                                           spread=t("units.pp", n=loc.number(spread["spread"] * 100, 0)),
                                           worst=name_of(audit, spread["worst"]), worst_value=loc.pct(spread["worst_value"], 0),
                                           best=name_of(audit, spread["best"]), best_value=loc.pct(spread["best_value"], 0))
    for rec in hs.management_parts(d.get("checklist"), head_rules.rules()["management"]).itertuples():
        values[rec.part] = number(rec.score)
        if rec.answered:
            texts[rec.part] = t("consultancy.head_of_sales.part_text", yes=rec.yes, answered=rec.answered,
                                score=loc.number(rec.score, 0))
    n = audit.params.norms.people
    for table, scales in (("mystery_shopper", n.mystery_item_scales), ("call_reviews", n.call_item_scales)):
        own = hs.own_call_score(d.get(table), heads, scales) if heads else None
        if own:
            values["own_calls"] = own["score"]
            texts["own_calls"] = t(f"consultancy.head_of_sales.own_{table}", score=loc.pct(own["score"], 0),
                                   n=own["calls"])
            break
    else:
        texts["own_calls"] = t("consultancy.head_of_sales.no_own_calls")
    values["assessment"] = hs.assessment_mean(d.get("staff_assessment"), heads) if heads else None
    if values["assessment"] is not None:
        texts["assessment"] = t("consultancy.head_of_sales.assessment_text", score=loc.number(values["assessment"], 1))
    return values, texts


@section("head_of_sales")
def head_of_sales(audit: Audit) -> None:
    """The head of sales assessed apart from the managers: the team's plan fulfilment and its spread,
    the management rhythm of the checklist (plans, plan/fact meetings, control, coaching), the head's
    own control calls and staff assessment, and a verdict keep / develop / replace
    (auditkit.plan.head_of_sales, rules in data/head_of_sales.yaml)."""
    heads = _heads(audit)
    who = joined(audit, [name_of(audit, h) for h in heads]) if heads else audit.t("consultancy.head_of_sales.unnamed")
    values, texts = _head_evidence(audit, heads)
    verdict, table = head_rules.verdict(values)
    for rec in table.itertuples():
        audit.record(f"head_of_sales.{rec.item}", number(rec.value))
    audit.record("head_of_sales.verdict", verdict)
    audit.paragraph("consultancy.head_of_sales.intro", name=who)
    rating = lambda r: audit.t(f"consultancy.head_of_sales.rating.{r}") if isinstance(r, str) else "—"  # noqa: E731
    shown = table.assign(label=[audit.t(f"consultancy.head_of_sales.item.{i}") for i in table["item"]],
                         as_is=[texts.get(i, audit.t("consultancy.head_of_sales.not_measured")) for i in table["item"]],
                         rating_text=[rating(r) for r in table["rating"]])
    audit.table("head_of_sales", shown, {"label": "text", "as_is": "text", "rating_text": "text"},
                labels={"label": audit.t("consultancy.head_of_sales.columns.item"),
                        "as_is": audit.t("report.kpi_head.as_is"),
                        "rating_text": audit.t("consultancy.head_of_sales.columns.rating")},
                csv=shown[["item", "value", "rating", "as_is"]].assign(verdict=verdict), css="ak-compact ak-keep")
    if verdict is None:
        audit.note("consultancy.head_of_sales.no_verdict", n=head_rules.rules()["min_evidence"])
        return
    weak = shown[shown["rating"].isin(["weak", "bad"])].sort_values("rating")  # bad before weak
    because = joined(audit, [f"{lbl} ({r})" for lbl, r in zip(weak["label"].str.lower(), weak["rating_text"])])
    audit.paragraph(f"consultancy.head_of_sales.verdict.{verdict}", css="ak-finding" if verdict != "keep" else "",
                    name=who, because=because or audit.t("consultancy.head_of_sales.all_good"))
