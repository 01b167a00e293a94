"""Stage 1 report sections — data collection and goals (METHODOLOGY.md §2 Stage 1).

Each function is one section of the report: it takes its numbers from `auditkit.metrics` (the
sections only select, sort, rename and format), shows the as-is / norm / deviation table, a chart
and a table, and records every number it shows.
"""
from __future__ import annotations

import pandas as pd

from auditkit.report import charts
from auditkit.inputs.inventory import column_missing, table_inventory
from auditkit.metrics import data_collection as m
from auditkit.metrics import ltv as ltv_model
from auditkit.metrics import process
from auditkit.metrics._common import number
from auditkit.report.context import Audit, esc, is_missing, Kpi, section

STAGE = "data_collection"


def _freq(code: str) -> str:
    return {"M": "MS", "Q": "QS"}[code]


def _window(audit: Audit) -> dict:
    return {"start": audit.start, "end": audit.end}


def _has_sales(audit: Audit) -> bool:
    """True when the window holds a counted order; otherwise says so (no empty charts)."""
    if m.has_sales(audit.data.tables["orders"], **_window(audit)):
        return True
    audit.note(".text.no_sales")
    return False


@section("goals")
def goals(audit: Audit) -> None:
    """The audit's goals and scope: what the client asked for and which data answered it."""
    p = audit.params
    if p.goals:
        items = "".join(f"<li>{esc(g)}</li>" for g in p.goals)
        audit.show(f'<p class="ak-text">{esc(audit.t(".text.goals_intro"))}</p><ul>{items}</ul>')
    else:
        audit.note(".text.goals_none")
    given = [t for t, df in audit.data.tables.items() if df is not None and t in audit.data.files]
    audit.paragraph(".text.scope", start=audit.loc.date(p.period.start), end=audit.loc.date(p.period.end),
                    n=len(given), tables=", ".join(audit.t(f"tables.{t}") for t in given))
    for note in audit.data.notes:
        audit.note(f"notes.{note}")
    audit.record("tables_provided", len(given))


@section("inventory")
def inventory(audit: Audit) -> None:
    """Data inventory: rows, period covered, missing values, duplicates and orphans per table."""
    inv = table_inventory(audit.data)
    given = inv[inv["provided"]].copy()
    given["name"] = given["table"].map(lambda t: audit.t(f"tables.{t}"))
    given["period"] = [f"{audit.loc.date(a)} — {audit.loc.date(b)}" if pd.notna(a) else "—"
                       for a, b in zip(given["first_date"], given["last_date"])]
    audit.table("data_inventory", given, {"name": "text", "file": "text", "rows": "number", "period": "text",
                                          "missing_share": "pct", "duplicates": "number", "orphans": "number"},
                csv=inv)
    audit.save_csv("data_missing_by_column", column_missing(audit.data))
    missing = inv.loc[~inv["provided"], "table"].tolist()
    audit.record("tables_missing", len(missing))
    if missing:
        audit.missing(missing, ".text.missing_tables_why")


@section("dynamics")
def dynamics(audit: Audit) -> None:
    """Revenue, orders, active and new clients, average check per period; year over year."""
    if not _has_sales(audit):
        return
    freq_code = audit.params.norms.data_collection.dynamics_freq
    orders = audit.data.tables["orders"]
    dyn = m.dynamics(orders, _freq(freq_code), **_window(audit))
    total = m.dynamics_summary(orders, _freq(freq_code), **_window(audit))
    audit.kpis([
        Kpi("revenue", total["revenue"], "money"),
        Kpi("revenue_growth_yoy", number(total["revenue_growth_yoy"]), "pct"),
        Kpi("orders", total["orders"], "number"),
        Kpi("avg_check", number(total["avg_check"]), "money"),
        Kpi("active_clients_avg", total["active_clients_avg"], "decimal"),
        Kpi("new_clients", total["new_clients"], "number"),
    ])
    if total["censored"]:
        # no history before the window: every existing client's first order falls in the first period
        audit.note(".text.no_history_before", period=audit.loc.period(total["first_period"], freq_code))
    seasonality = dyn["period"].dt.year.nunique() > 1 and freq_code == "M"
    width, css = (charts.HALF_IN, "ak-half") if seasonality else (charts.WIDTH_IN, "")  # side by side
    audit.figure(charts.period_bars(
        dyn.set_index("period")["revenue"], audit.loc, freq_code, audit.t(".charts.revenue_by_period.title"),
        audit.t(".charts.revenue_by_period.y", currency=audit.loc.currency_symbol),
        line=dyn.set_index("period")["active_clients"], line_label=audit.t(".charts.revenue_by_period.line"),
        width=width), css=css)
    if seasonality:
        by_year = m.revenue_by_month_and_year(dyn)
        months = [audit.loc.month(pd.Timestamp(2000, mth, 1)).split()[0] for mth in by_year.index]
        audit.figure(charts.lines(by_year, audit.loc, audit.t(".charts.seasonality.title"),
                                  audit.t(".charts.revenue_by_period.y", currency=audit.loc.currency_symbol),
                                  x_labels=months, width=width), css=css)
        audit.note(".charts.seasonality.caption")
    labels = dyn.assign(label=[audit.loc.period(p, freq_code) for p in dyn["period"]])
    audit.table("dynamics", labels, {"label": "text", "revenue": "money", "orders": "number",
                                     "active_clients": "number", "new_clients": "number", "avg_check": "money"},
                labels={"label": audit.t("columns.period")}, max_rows=36, csv=dyn)
    audit.save_csv("dynamics_yoy", m.year_over_year(dyn))


@section("segments")
def segments(audit: Audit) -> None:
    """Revenue and clients by segment; dynamics of each segment."""
    if not _has_sales(audit):
        return
    clients, orders = audit.data.tables["clients"], audit.data.tables["orders"]
    base = m.clients_by_segment(clients, orders, "segment", **_window(audit))
    if base is None:
        audit.missing(["clients"], "tables_why.clients")
        return
    base = base.sort_values("revenue", ascending=False)
    base["name"] = _segment_names(audit, base["segment"])
    by_seg = m.dynamics_by(orders, clients, "segment", "QS", **_window(audit))
    pivot = by_seg.assign(name=_segment_names(audit, by_seg["segment"])).pivot(
        index="period", columns="name", values="revenue").reindex(columns=base["name"].tolist(), fill_value=0)
    audit.figure(charts.lines(pivot, audit.loc, audit.t(".charts.segments.title"),
                              audit.t(".charts.revenue_by_period.y", currency=audit.loc.currency_symbol),
                              x_labels=[audit.loc.period(p, "Q") for p in pivot.index]))
    audit.table("clients_by_segment", base, {"name": "text", "clients": "number", "buying_clients": "number",
                                             "revenue": "money", "revenue_share": "pct"},
                labels={"name": audit.t("columns.segment")}, csv=base.drop(columns="name"))
    audit.save_csv("dynamics_by_segment", by_seg)
    for rec in base.itertuples():
        audit.record(f"segment_revenue_share.{_key(rec.segment)}", rec.revenue_share)


def _segment_names(audit: Audit, segments: pd.Series) -> list[str]:
    """Segments as the reader sees them: clients without a segment are «not specified», a row of
    their own (the data-quality appendix lists them)."""
    return [audit.t(".text.not_specified") if is_missing(v) else str(v) for v in segments]


def _key(value) -> str:
    """A group's part of a metric id: its value, "na" when missing."""
    return "na" if is_missing(value) else str(value)


@section("plan_fact")
def plan_fact(audit: Audit) -> None:
    """Plan / fact / deviation of revenue per month and per manager."""
    d = audit.data.tables
    actual = m.plan_actuals("revenue", d["orders"], d["clients"], d["deals"])
    pf = m.plan_fact(d["plans"], actual, "revenue")
    if pf is None:
        audit.missing(["plans"], "tables_why.plans")
        return
    norm = audit.params.norms.data_collection.plan_fulfilment
    total = m.plan_fact_summary(pf, audit.start, audit.end, norm)
    audit.kpis([
        Kpi("plan_revenue", total.plan, "money"),
        Kpi("fact_revenue", total.fact, "money"),
        Kpi("plan_fulfilment", number(total.fulfilment), "pct", norm, "higher"),
        Kpi("months_plan_met", number(total.months_plan_met), "pct"),
    ])
    audit.record("plan_revenue_per_year", number(total.plan_per_year))  # Stage 6 money base: money a year
    company = total.company
    by_mgr = total.by_manager
    width, css = (charts.HALF_IN, "ak-half") if not by_mgr.empty else (charts.WIDTH_IN, "")  # side by side
    fig = charts.lines(company.set_index("period")[["plan", "fact"]].rename(
        columns={"plan": audit.t("columns.plan"), "fact": audit.t("columns.fact")}), audit.loc,
        audit.t(".charts.plan_fact.title"), audit.t(".charts.revenue_by_period.y", currency=audit.loc.currency_symbol),
        x_labels=[audit.loc.month(p) for p in company["period"]], width=width, height=2.7)
    audit.figure(fig, css=css)
    if not by_mgr.empty:
        by_mgr = by_mgr.assign(manager=[audit.manager_name(i) for i in by_mgr["manager_id"]])
        audit.figure(charts.hbars(by_mgr.set_index("manager")["fulfilment"], audit.loc,
                                  audit.t(".charts.plan_fact_managers.title"), audit.t("columns.fulfilment"),
                                  fmt="pct", norm=norm, norm_label=audit.t("charts.norm"), width=width, height=2.7),
                     css=css)
        audit.table("plan_fact_by_manager", by_mgr, {"manager": "text", "plan": "money", "fact": "money",
                                                     "deviation": "money", "fulfilment": "pct"},
                    csv=by_mgr[["manager", "plan", "fact", "fulfilment", "deviation"]])
    audit.save_csv("plan_fact", pf)


@section("margin")
def margin(audit: Audit) -> None:
    """Gross margin = (revenue − cost) / revenue per period, where cost is given."""
    if not _has_sales(audit):
        return
    if not audit.data.has("orders", "cost"):
        audit.note(".text.no_cost")
        return
    freq_code = audit.params.norms.data_collection.dynamics_freq
    orders = audit.data.tables["orders"]
    dyn = m.dynamics(orders, _freq(freq_code), **_window(audit))
    norm = audit.params.norms.data_collection.gross_margin
    audit.kpis([Kpi("gross_margin", number(m.gross_margin(orders, **_window(audit))), "pct", norm,
                    "higher" if norm is not None else None)])
    audit.figure(charts.lines(dyn.set_index("period")[["gross_margin"]].rename(
        columns={"gross_margin": audit.t("columns.gross_margin")}), audit.loc, audit.t(".charts.margin.title"),
        audit.t("columns.gross_margin"), fmt="pct", x_labels=[audit.loc.period(p, freq_code) for p in dyn["period"]],
        norm=norm, norm_label=audit.t("charts.norm") if norm is not None else None))


@section("retention")
def retention(audit: Audit) -> None:
    """Retention |A(t−1) ∩ A(t)| / |A(t−1)| between consecutive periods, overall and by segment."""
    if not _has_sales(audit):
        return
    freq_code = audit.params.norms.data_collection.retention_freq
    orders, clients = audit.data.tables["orders"], audit.data.tables["clients"]
    ret = m.retention(orders, _freq(freq_code), **_window(audit))
    if ret.empty:
        audit.note(".text.too_short")
        return
    norm = audit.params.norms.data_collection.retention
    total = m.retention_summary(ret, _freq(freq_code))
    audit.kpis([Kpi("retention", number(total["retention"]), "pct", norm, "higher"),
                Kpi("churn", number(total["churn"]), "pct", 1 - norm, "lower")])
    # base quantities of the money at stake (Stage 6): clients at risk per period, yearly revenue per client
    audit.record("retention_base", total["clients_per_period"])
    audit.record("retention_periods_per_year", total["periods_per_year"])
    audit.record("revenue_per_client_year", number(m.revenue_per_client_year(orders, audit.end)))
    labels = [audit.loc.period(p, freq_code) for p in ret["period"]]
    audit.figure(charts.lines(ret.set_index("period")[["retention"]].rename(
        columns={"retention": audit.t("columns.retention")}), audit.loc, audit.t(".charts.retention.title"),
        audit.t("columns.retention"), fmt="pct", x_labels=labels, norm=norm, norm_label=audit.t("charts.norm")))
    audit.save_csv("retention", ret)
    if audit.data.has("clients", "segment"):
        seg = m.retention(orders, _freq(freq_code), by=clients.set_index("client_id")["segment"], **_window(audit))
        totals = m.retention_by_group(seg, "segment")
        grid = seg.assign(name=_segment_names(audit, seg["segment"])).pivot(
            index="name", columns="period", values="retention")
        grid.columns = [audit.loc.period(p, freq_code) for p in grid.columns]
        audit.figure(charts.heatmap(grid, audit.loc, audit.t(".charts.retention_segments.title"), fmt="pct",
                                    cmap="RdYlGn", vmin=0, vmax=1))
        known = totals[totals["retention"].notna()]
        if len(known):
            worst = known.loc[known["retention"].idxmin()]
            audit.paragraph(".text.retention_worst_segment", segment=_segment_names(audit, [worst["segment"]])[0],
                            value=audit.loc.pct(worst["retention"]), norm=audit.loc.pct(norm))
        audit.save_csv("retention_by_segment", seg)
        for rec in totals.itertuples():
            audit.record(f"retention_by_segment.{_key(rec.segment)}", rec.retention)


@section("ltv")
def lifetime_value(audit: Audit) -> None:
    """Client lifetime, historical LTV by cohort, predictive LTV (BG/NBD + Gamma-Gamma), LTV:CAC."""
    if not _has_sales(audit):
        return
    d = audit.data.tables
    orders = d["orders"]
    life = m.lifetime_value(orders, audit.end)
    hist = m.historical_ltv(orders, "QS", end=audit.end)
    horizon = audit.params.norms.data_collection.ltv_horizon_months
    forecast = ltv_model.forecast_clients(orders, audit.end, horizon)
    acquisition = process.blended_cac(d["marketing_costs"], d["deals"], audit.start, audit.end, orders=orders,
                                      clients=d["clients"])
    cac = number(acquisition["cac"]) if acquisition else None
    audit.kpis([
        Kpi("lifetime_months", number(life["lifetime_months"]), "months"),
        Kpi("historical_ltv", number(life["historical_ltv"]), "money"),
        Kpi("predictive_ltv", number(forecast.mean_ltv), "money"),
        Kpi("cac", cac, "money"),
        Kpi("ltv_cac", number(m.ltv_cac(life["historical_ltv"], cac)), "ratio",
            audit.params.norms.data_collection.ltv_cac, "higher"),
    ])
    audit.note(f".text.ltv_basis_{life['basis']}")
    if forecast.per_client is None:
        audit.note(".text.ltv_not_enough_history", customers=forecast.check.customers,
                   repeat=forecast.check.repeat_buyers)
    else:
        audit.note(".text.ltv_predictive", months=horizon)
        audit.save_csv("ltv_predictive", forecast.per_client)
    if cac is None:
        audit.note(".text.cac_missing")
    cohorts = hist[~hist["existing"] & (hist["cohort"] >= audit.start - pd.DateOffset(years=1))]
    fig = charts.period_bars(cohorts.set_index("cohort")["ltv"], audit.loc, "Q", audit.t(".charts.ltv_cohorts.title"),
                             audit.t(".charts.ltv_cohorts.y", currency=audit.loc.currency_symbol),
                             line=cohorts.set_index("cohort")["clients"], line_label=audit.t("columns.clients"))
    audit.figure(fig, ".charts.ltv_cohorts.caption")
    audit.save_csv("ltv_by_cohort", hist)


@section("concentration")
def concentration(audit: Audit) -> None:
    """Share of revenue of the top 10% and 20% of clients; the concentration curve."""
    if not _has_sales(audit):
        return
    orders = audit.data.tables["orders"]
    conc = m.concentration(orders, **_window(audit)).set_index("top_share")
    top10, top20 = conc.loc[0.1, "revenue_share"], conc.loc[0.2, "revenue_share"]
    audit.kpis([
        Kpi("top10_share", float(top10), "pct"),
        Kpi("top20_share", float(top20), "pct", audit.params.norms.data_collection.top20_share_max, "lower"),
        Kpi("buying_clients", int(conc.loc[0.2, "clients"]), "number"),
    ])
    x, y = m.concentration_curve(orders, **_window(audit))
    marks = {audit.t(".charts.concentration.mark", share=audit.loc.pct(s, 0), value=audit.loc.pct(v, 0)): (s, v)
             for s, v in ((0.1, top10), (0.2, top20))}
    audit.figure(charts.lorenz(x, y, audit.loc, audit.t(".charts.concentration.title"),
                               audit.t(".charts.concentration.x"), audit.t(".charts.concentration.y"), marks))
    audit.save_csv("concentration", conc.reset_index())


@section("abc_xyz")
def abc_xyz(audit: Audit) -> None:
    """ABC by revenue (A while the cumulative share before the client < a, B < b) × XYZ by stability."""
    if not _has_sales(audit):
        return
    n = audit.params.norms.data_collection
    orders = audit.data.tables["orders"]
    abc = m.abc(orders, n.abc_a, n.abc_b, **_window(audit))
    xyz = m.xyz(orders, audit.start, audit.end, _freq(n.dynamics_freq), n.xyz_x, n.xyz_y)
    matrix = m.abc_xyz_matrix(abc, xyz)
    audit.paragraph(".text.abc_xyz_rule", a=audit.loc.pct(n.abc_a, 0), b=audit.loc.pct(n.abc_b, 0),
                    x=audit.loc.number(n.xyz_x, 2), y=audit.loc.number(n.xyz_y, 2),
                    period=audit.t(f".text.freq_{n.dynamics_freq}"))
    counts = matrix.pivot(index="abc", columns="xyz", values="clients")
    revenue_share = matrix.pivot(index="abc", columns="xyz", values="revenue_share")
    fig, axes = charts.new(2.1, ncols=2)
    for ax, grid, title, fmt in ((axes[0], counts, ".charts.abc_xyz.clients", "number"),
                                 (axes[1], revenue_share, ".charts.abc_xyz.revenue", "pct")):
        charts.heatmap_on(ax, grid, audit.loc, audit.t(title), fmt)
    audit.figure(fig)
    summary = m.abc_summary(abc)
    for cls, rec in summary.iterrows():
        audit.record(f"abc.{cls}.clients", int(rec["clients"]))
        audit.record(f"abc.{cls}.revenue_share", rec["revenue_share"])
    audit.table("abc_summary", summary.rename_axis("class").reset_index(),
                {"class": "text", "clients": "number", "revenue": "money", "revenue_share": "pct"})
    audit.save_csv("abc_clients", abc.merge(xyz[["client_id", "cv", "xyz"]], on="client_id", how="left"))
    audit.save_csv("abc_xyz_matrix", matrix)


@section("migration")
def migration(audit: Audit) -> None:
    """ABC class in the first half of the window vs the second half, incl. new and lost clients."""
    if not _has_sales(audit):
        return
    n = audit.params.norms.data_collection
    mig = m.abc_migration(audit.data.tables["orders"], audit.start, audit.end, n.abc_a, n.abc_b)
    grid = mig.pivot(index="previous", columns="current", values="clients")
    names = {k: audit.t(f".text.class_{k}") if k in ("new", "lost") else k for k in ("A", "B", "C", "new", "lost")}
    grid = grid.rename(index=names, columns=names)
    audit.figure(charts.heatmap(grid, audit.loc, audit.t(".charts.migration.title"), cmap="Blues",
                                xlabel=audit.t(".charts.migration.x"), ylabel=audit.t(".charts.migration.y")))
    moves = m.migration_summary(mig)
    audit.kpis([Kpi("a_clients_downgraded", moves["a_clients_downgraded"], "number"),
                Kpi("clients_lost", moves["clients_lost"], "number")])
    audit.save_csv("abc_migration", mig)
