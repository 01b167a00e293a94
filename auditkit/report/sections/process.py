"""Stage 2 report sections — the sales process (METHODOLOGY.md §2 Stage 2)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from auditkit.report import charts
from auditkit.metrics import data_collection as dc
from auditkit.metrics import process as m
from auditkit.report.context import Audit, Kpi, section

STAGE = "process"
OTHER = "__other__"
MAX_BARS = 12  # bars per chart that stay legible on A4


def value_name(audit: Audit, group: str, value) -> str:
    """A data value (channel, stage, reason code) as the reader sees it: its translation under
    `process.values.<group>.<value>` (or a stage-relative group such as '.values.reason'), else
    a code like "cold_calls" as "Cold calls", else the client's own text unchanged."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return audit.t("process.text.not_specified")
    if value == OTHER:
        return audit.t("process.text.other")
    key = audit.key(group) if group.startswith(".") else f"process.values.{group}"
    if audit.loc.has(f"{key}.{value}"):
        return audit.t(f"{key}.{value}")
    text = str(value)
    if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", text):
        text = text.replace("_", " ")
        return text[:1].upper() + text[1:]
    return text


def top_n(df: pd.DataFrame, key: str, size: str, n: int = 11, sums: list[str] | None = None) -> pd.DataFrame:
    """The `n` largest rows by `size`; the rest summed into one row keyed OTHER (columns in `sums`
    and `size`; ratios must be recomputed by the caller)."""
    df = df.sort_values(size, ascending=False, kind="stable")
    if len(df) <= n + 1:
        return df.reset_index(drop=True)
    head, tail = df.iloc[:n], df.iloc[n:]
    other = {c: tail[c].sum() for c in [size, *(sums or [])]}
    other[key] = OTHER
    return pd.concat([head, pd.DataFrame([other])], ignore_index=True)


# ----------------------------------------------------------------------------- helpers

def _norms(audit: Audit):
    return audit.params.norms.process


def _window(audit: Audit) -> dict:
    return {"start": audit.start, "end": audit.end}


def _years(audit: Audit) -> float:
    """Length of the audit window in years: the base of the per-year quantities Stage 6 prices with."""
    return ((audit.end.normalize() - audit.start.normalize()).days + 1) / 365.25


def _f(x) -> float | None:
    """A number for a Kpi / record: None for missing or NaN."""
    if x is None or x is pd.NA:
        return None
    x = float(x)
    return None if np.isnan(x) else x


def _group_names(audit: Audit, by: str, keys) -> list[str]:
    """Display names of breakdown keys: managers by name, channels/sources/stages translated."""
    if by == "manager_id":
        names = audit.manager_names()
        return [audit.t(".text.not_specified") if pd.isna(k) else names.get(k, k) for k in keys]
    if by == "segment":
        return [audit.t(".text.not_specified") if pd.isna(k) else str(k) for k in keys]
    group = {"lead_source": "channel", "source": "channel", "channel": "channel"}.get(by, by)
    return [value_name(audit, group, k) for k in keys]


def _dimensions(deals: pd.DataFrame, candidates: tuple[str, ...]) -> list[str]:
    """Breakdowns worth showing: lead_source is left out when it repeats the channel."""
    dims = list(candidates)
    if {"channel", "lead_source"} <= set(dims):
        same = deals["lead_source"].astype("string").fillna("").equals(deals["channel"].astype("string").fillna(""))
        if same:
            dims.remove("lead_source")
    return dims


def _tables_by_dimension(audit: Audit, table: pd.DataFrame, prefix: str, cols: dict[str, str],
                         sort: str | None = None) -> None:
    """One table per breakdown of a stacked table (columns breakdown, name, ...): the first column
    is headed by the breakdown's name (Channel, Segment...); ids <prefix>_by_<breakdown>."""
    for by, part in table.groupby("breakdown", sort=False):
        if sort:
            part = part.sort_values(sort, ascending=False)
        audit.table(f"{prefix}_by_{by}", part, {"name": "text"} | cols,
                    labels={c: audit.t(f".cols.{c}") for c in cols} | {"name": audit.t(f".text.by_{by}")})


def _ids(keys) -> list[str]:
    return ["na" if pd.isna(k) else str(k) for k in keys]


def _core(pareto: pd.DataFrame, key: str, audit: Audit, group: str) -> tuple[pd.DataFrame, str]:
    """The rows that make up the first 80% of a Pareto table, and their names."""
    core = pareto[pareto["cumulative_share"].shift(fill_value=0) < 0.8]
    return core, ", ".join(audit.loc.quote(value_name(audit, group, r)) for r in core[key])


def _new_client_start(audit: Audit) -> pd.Timestamp:
    """Earliest first-order date that can mark a client as new: the order history must reach
    `lost_days` back, else clients who bought before the export began would look new."""
    orders = audit.data.tables["orders"]
    history = orders["date"].min() if orders is not None and len(orders) else audit.start
    return max(audit.start, history.normalize() + pd.Timedelta(days=_norms(audit).lost_days))


# ----------------------------------------------------------------------------- acquisition


@section("acquisition", needs="leads")
def acquisition(audit: Audit) -> None:
    """Lead → MQL → SQL → won funnel, overall and by lead source."""
    leads, deals = audit.data.tables["leads"], audit.data.tables["deals"]
    n = _norms(audit)
    fr = m.funnel_rates(leads, deals, **_window(audit))
    if not fr or not fr["leads"]:
        audit.note(".text.no_leads")
        return
    audit.kpis([
        Kpi("leads", int(fr["leads"]), "number"),
        Kpi("mql_rate", _f(fr["mql_rate"]), "pct", n.mql_rate, "higher" if n.mql_rate is not None else None),
        Kpi("sql_rate", _f(fr["sql_rate"]), "pct", n.sql_rate, "higher" if n.sql_rate is not None else None),
        Kpi("sql_to_won", _f(fr["sql_to_won"]), "pct", n.sql_to_won, "higher" if n.sql_to_won is not None else None),
        Kpi("lead_to_won", _f(fr["overall"]), "pct", n.lead_to_won, "higher" if n.lead_to_won is not None else None),
    ])
    untracked = [s for s in ("mql", "sql", "won") if _f(fr[s]) is None]
    if untracked:
        audit.note(".text.funnel_untracked", stages=", ".join(audit.t(f".text.funnel_{s}") for s in untracked),
                   n_stages=len(untracked))
    steps = pd.Series({audit.t(f".text.funnel_{s}"): fr[s] for s in ("leads", "mql", "sql", "won")
                       if _f(fr[s]) is not None})
    audit.figure(charts.ordered_bars(steps, audit.loc, audit.t(".charts.funnel.title"), audit.t(".charts.funnel.y"),
                                     fmt="number"))
    by = m.acquisition(leads, deals, by="source", **_window(audit))
    if by is None or len(by) < 2:
        return
    by = by.sort_values("leads", ascending=False)
    by["name"] = _group_names(audit, "source", by["source"])
    for rec in by.itertuples():
        audit.record(f"lead_to_won.{_ids([rec.source])[0]}", rec.overall)
    if by["overall"].notna().any():
        shown = top_n(by, "source", "leads", sums=["won"])
        shown["overall"] = shown["won"] / shown["leads"]
        shown["name"] = _group_names(audit, "source", shown["source"])
        audit.figure(charts.hbars(shown.set_index("name")["overall"], audit.loc, audit.t(".charts.lead_to_won.title"),
                                  audit.t(".charts.lead_to_won.x"), fmt="pct", norm=n.lead_to_won,
                                  norm_label=audit.t("charts.norm") if n.lead_to_won is not None else None))
    cols = {"name": "text", "leads": "number"}
    for s, rate, before in (("mql", "mql_rate", None), ("sql", "sql_rate", "mql"), ("won", "sql_to_won", "sql")):
        if s not in untracked:
            cols[s] = "number"
            if before is None or before not in untracked:
                cols[rate] = "pct"
    cols["overall"] = "pct"
    audit.table("acquisition_by_source", by, cols,
                labels={c: audit.t(f".cols.{c}") for c in cols} | {"name": audit.t(".cols.source")}, csv=by)
    by_channel = m.acquisition(leads, deals, by="channel", **_window(audit))
    if by_channel is not None:
        same = leads["channel"].astype("string").fillna("").equals(leads["source"].astype("string").fillna(""))
        if same or len(by_channel) < 2:
            audit.save_csv("acquisition_by_channel", by_channel)
        else:
            by_channel = by_channel.sort_values("leads", ascending=False)
            by_channel["name"] = _group_names(audit, "channel", by_channel["channel"])
            audit.table("acquisition_by_channel", by_channel, cols,
                        labels={c: audit.t(f".cols.{c}") for c in cols} | {"name": audit.t(".cols.channel")})
    ranked = by[(by["leads"] >= max(10, 0.02 * fr["leads"])) & by["overall"].notna()].sort_values("overall")
    if len(ranked) >= 2 and ranked.iloc[-1]["overall"] > 0:
        best, worst = ranked.iloc[-1], ranked.iloc[0]
        audit.paragraph(".text.source_spread", best=best["name"], best_rate=audit.loc.pct(best["overall"]),
                        worst=worst["name"], worst_rate=audit.loc.pct(worst["overall"]),
                        times=audit.loc.number(best["overall"] / worst["overall"], 1) if worst["overall"] else "∞")


@section("cac", needs=("marketing_costs", "deals"))
def cac(audit: Audit) -> None:
    """CAC per channel = marketing cost of the channel / new clients won from it."""
    costs, deals = audit.data.tables["marketing_costs"], audit.data.tables["deals"]
    table = m.cac_by_channel(costs, deals, **_window(audit))
    if table is None:
        audit.note(".text.no_deal_channel")
        return
    avg = m.average_won_deal(deals, **_window(audit))["average_won_deal"]
    spend, new = table["cost"].sum(), table.loc[table["cost"].notna(), "new_clients"].sum()
    audit.kpis([
        Kpi("marketing_cost", float(spend), "money"),
        Kpi("new_clients_paid_channels", int(new), "number"),
        Kpi("cac_blended", float(spend / new) if new else None, "money", _f(avg), "lower" if _f(avg) else None),
    ])
    audit.note(".text.cac_norm")
    if new and _f(avg):  # Stage 6: blended CAC in average won deals (currency-free; norm 1)
        audit.record("cac_to_won_deal", float(spend / new) / _f(avg))
    table["name"] = _group_names(audit, "channel", table["channel"])
    for rec in table.itertuples():
        audit.record(f"cac.{rec.channel}", rec.cac)
    with_cac = table[table["cac"].notna()]
    if len(with_cac):
        audit.figure(charts.hbars(with_cac.set_index("name")["cac"], audit.loc, audit.t(".charts.cac.title"),
                                  audit.t(".charts.cac.x", currency=audit.loc.currency_symbol),
                                  norm=_f(avg), norm_label=audit.t(".charts.cac.norm"), highlight_below_norm=False))
    audit.table("cac_by_channel", table.sort_values("cost", ascending=False, na_position="last"),
                {"name": "text", "cost": "money", "new_clients": "number", "cac": "money"},
                labels={c: audit.t(f".cols.{c}") for c in ("cost", "new_clients", "cac")}
                | {"name": audit.t(".cols.channel")}, csv=table)
    if _f(avg):
        over = with_cac[with_cac["cac"] > avg].sort_values("cac", ascending=False)
        if len(over):
            audit.paragraph(".text.cac_above_deal", css="ak-finding",
                            channels=", ".join(f"{audit.loc.quote(nm)} ({audit.loc.money(v)})"
                                               for nm, v in zip(over["name"], over["cac"])),
                            avg=audit.loc.money(avg), n_channels=len(over))
    unpaid = table[table["cost"].isna() & (table["new_clients"] > 0)]
    if len(unpaid):
        audit.note(".text.cac_no_cost", channels=", ".join(audit.loc.quote(x) for x in unpaid["name"]),
                   n_channels=len(unpaid))
    no_clients = table[table["cost"].notna() & (table["new_clients"] == 0)]
    if len(no_clients):
        audit.paragraph(".text.cac_no_clients", css="ak-finding",
                        channels=", ".join(audit.loc.quote(x) for x in no_clients["name"]),
                        cost=audit.loc.money(no_clients["cost"].sum()), n_channels=len(no_clients))


# ----------------------------------------------------------------------------- deal outcomes


@section("win_rate", needs="deals")
def win_rate(audit: Audit) -> None:
    """Win rate = won / (won + lost) of deals closed in the period, by count and by value;
    average won deal; by manager, channel and segment."""
    deals = audit.data.tables["deals"]
    n = _norms(audit)
    wr = m.win_rate(deals, **_window(audit))
    avg = m.average_won_deal(deals, **_window(audit))
    if wr["won"] + wr["lost"] == 0:
        audit.note(".text.no_closed_deals")
        return
    if not wr["lost"]:
        audit.kpis([Kpi("won_deals", int(wr["won"]), "number"), Kpi("lost_deals", 0, "number"),
                    Kpi("average_won_deal", _f(avg["average_won_deal"]), "money")])
        audit.record("win_rate", None)
        audit.paragraph(".text.no_lost_deals", css="ak-finding")
        return
    by_value = bool(wr["lost_value"] > 0)
    audit.kpis([
        Kpi("won_deals", int(wr["won"]), "number"),
        Kpi("lost_deals", int(wr["lost"]), "number"),
        Kpi("win_rate", _f(wr["win_rate"]), "pct", n.win_rate, "higher"),
        Kpi("win_rate_value", _f(wr["win_rate_value"]) if by_value else None, "pct", n.win_rate, "higher"),
        Kpi("average_won_deal", _f(avg["average_won_deal"]), "money"),
    ])
    # Stage 6 money base: deals closed (won + lost) a year
    audit.record("closed_deals_per_year", (wr["won"] + wr["lost"]) / _years(audit))
    if not by_value:
        audit.note(".text.no_lost_value")
    clients = audit.data.tables["clients"]
    deals = _with_team(audit, deals)
    parts = []
    for by in _dimensions(deals, ("manager_id", "team", "channel", "lead_source", "segment")):
        t = m.win_rate(deals, by=by, clients=clients, **_window(audit))
        if t is None or t[by].nunique(dropna=False) < 2:
            continue
        a = m.average_won_deal(deals, by=by, clients=clients, **_window(audit))
        t = t.merge(a[[by, "average_won_deal"]], on=by, how="left")
        t = t.assign(breakdown=by, key=t[by], name=_group_names(audit, by, t[by]))
        for rec in t.itertuples():
            audit.record(f"win_rate.{by}.{_ids([rec.key])[0]}", rec.win_rate)
        parts.append(t.drop(columns=[by]))
    if not parts:
        return
    table = pd.concat(parts, ignore_index=True)
    table["closed"] = table["won"] + table["lost"]
    mgr = table[(table["breakdown"] == "manager_id") & (table["closed"] > 0)]
    if len(mgr) > 1:
        top = mgr.nlargest(MAX_BARS, "closed")
        audit.figure(charts.hbars(top.set_index("name")["win_rate"], audit.loc,
                                  audit.t(".charts.win_rate_managers.title"),
                                  audit.t(".charts.win_rate_managers.x"), fmt="pct", norm=n.win_rate,
                                  norm_label=audit.t("charts.norm")),
                     ".charts.top_managers" if len(mgr) > MAX_BARS else None,
                     n=audit.loc.number(MAX_BARS), total=audit.loc.number(len(mgr)), file="win_rate_breakdown.csv")
    audit.save_csv("win_rate_breakdown", table)
    rest = table[table["breakdown"] != "manager_id"]
    cols = {"won": "number", "lost": "number", "win_rate": "pct"} | ({"win_rate_value": "pct"} if by_value else {})
    _tables_by_dimension(audit, rest if len(rest) else table, "win_rate", cols | {"average_won_deal": "money"},
                         sort="closed")


@section("pipeline", needs="deals")
def pipeline(audit: Audit) -> None:
    """Open pipeline at the audit end date (count, sum, weighted) by manager, team, channel,
    source, stage; coverage of the remaining plan against the norm 1 / win rate."""
    deals = audit.data.tables["deals"]
    n = _norms(audit)
    probs = n.stage_probabilities
    pipe = m.open_pipeline(deals, audit.end, stage_probability=probs)
    if not pipe["open_deals"]:
        audit.note(".text.no_open_deals", date=audit.loc.date(audit.end))
        return
    has_amount = bool(pipe["amount"] > 0)
    rate = m.win_rate(deals, **_window(audit))
    rate = _f(rate["win_rate"]) if rate["lost"] else None
    plan, proxy = _remaining_plan(audit)
    coverage = pipe["weighted_amount"] / plan if plan and has_amount else None
    norm = 1 / rate if rate else None
    rows = [Kpi("open_deals", int(pipe["open_deals"]), "number")]
    if has_amount:
        rows += [Kpi("pipeline_amount", _f(pipe["amount"]), "money"),
                 Kpi("pipeline_weighted", _f(pipe["weighted_amount"]), "money")]
    if plan and has_amount:
        rows += [Kpi("remaining_plan", plan, "money"),
                 Kpi("pipeline_coverage", _f(coverage), "ratio", norm, "higher" if norm else None),
                 Kpi("pipeline_coverage_unweighted", _f(pipe["amount"] / plan), "ratio")]
    audit.kpis(rows)
    audit.paragraph(".text.pipeline_date", date=audit.loc.date(audit.end))
    if not has_amount:
        audit.paragraph(".text.no_open_amount", css="ak-finding", n=audit.loc.number(pipe["open_deals"]))
    elif pipe["without_probability"]:
        audit.note(".text.no_probability", n=audit.loc.number(pipe["without_probability"]))
    if audit.data.tables["plans"] is None:
        audit.missing(["plans"], ".text.coverage_no_plans")
    elif not plan:
        audit.note(".text.coverage_no_plan_left")
    elif has_amount:
        months = audit.loc.number(n.coverage_horizon_months)
        audit.note(".text.coverage_proxy" if proxy else ".text.coverage_rule", months=months)
        if norm and coverage is not None and coverage < norm:
            audit.paragraph(".text.coverage_low", css="ak-finding", coverage=audit.fmt(coverage, "ratio"),
                            unweighted=audit.fmt(pipe["amount"] / plan, "ratio"), norm=audit.fmt(norm, "ratio"),
                            rate=audit.loc.pct(rate), needed=audit.loc.money(norm * plan))
    clients = audit.data.tables["clients"]
    deals = _with_team(audit, deals)
    frames = []
    for by in _dimensions(deals, ("manager_id", "team", "stage", "channel", "lead_source")):
        t = m.open_pipeline(deals, audit.end, by=by, stage_probability=probs, clients=clients)
        if t is None:
            continue
        t = t.assign(breakdown=by, key=t[by], name=_group_names(audit, by, t[by]))
        for rec in t.itertuples():
            key = _ids([rec.key])[0]
            audit.record(f"pipeline_open_deals.{by}.{key}", rec.open_deals)
            if has_amount:
                audit.record(f"pipeline_weighted.{by}.{key}", rec.weighted_amount)
        frames.append(t.drop(columns=[by]))
    if not frames:
        return
    table = pd.concat(frames, ignore_index=True)
    audit.save_csv("pipeline_breakdown", table)
    size = "weighted_amount" if has_amount else "open_deals"
    mgr = table[table["breakdown"] == "manager_id"]
    if len(mgr) > 1:
        shown = mgr.nlargest(MAX_BARS, size)
        caption = dict(caption_key=".charts.top_managers", n=audit.loc.number(MAX_BARS),
                       total=audit.loc.number(len(mgr)), file="pipeline_breakdown.csv") if len(mgr) > MAX_BARS else {}
        if has_amount:
            frame = shown.set_index("name")[["weighted_amount", "amount"]]
            frame = frame.assign(amount=frame["amount"] - frame["weighted_amount"])
            frame.columns = [audit.t(".charts.pipeline.weighted"), audit.t(".charts.pipeline.rest")]
            audit.figure(charts.stacked_hbars(frame, audit.loc, audit.t(".charts.pipeline.title"),
                                              audit.t(".charts.pipeline.x", currency=audit.loc.currency_symbol),
                                              fmt="money", colors=[charts.ACCENT, "#b7c9dd"]), **caption)
        else:
            audit.figure(charts.hbars(shown.set_index("name")["open_deals"], audit.loc,
                                      audit.t(".charts.pipeline.title_count"), audit.t(".charts.pipeline.x_count"),
                                      fmt="number"), **caption)
    cols = {"open_deals": "number"} | ({"amount": "money", "weighted_amount": "money"} if has_amount else {})
    stage = table[table["breakdown"] == "stage"].copy()
    if len(stage):
        order = {s: i for i, s in enumerate(n.stages)}
        stage = stage.assign(_o=stage["key"].map(order).fillna(len(order))).sort_values(["_o", "open_deals"],
                                                                                      ascending=[True, False])
        _tables_by_dimension(audit, stage, "pipeline", cols)
    other = table[table["breakdown"].isin(["team", "channel", "lead_source"])]
    _tables_by_dimension(audit, other, "pipeline", cols, sort=size)


def _with_team(audit: Audit, deals: pd.DataFrame) -> pd.DataFrame:
    """Deals with the team of their manager (managers.team) when the team register has 2+ teams."""
    managers = audit.data.tables["managers"]
    if managers is None or "manager_id" not in deals.columns or managers["team"].dropna().nunique() < 2:
        return deals
    return deals.assign(team=deals["manager_id"].map(managers.drop_duplicates("manager_id")
                                                     .set_index("manager_id")["team"]))


def _remaining_plan(audit: Audit) -> tuple[float | None, bool]:
    """Revenue plan of the `coverage_horizon_months` after the end date; when the plans stop at
    the end date, the plan of the last months of the window stands in (proxy = True)."""
    plans = audit.data.tables["plans"]
    if plans is None:
        return None, False
    months = pd.DateOffset(months=_norms(audit).coverage_horizon_months)
    plan = m.remaining_plan(plans, audit.end, audit.end + months)
    if plan:
        return plan, False
    plan = m.remaining_plan(plans, audit.end - months, audit.end)
    return (plan or None), True


# ----------------------------------------------------------------------------- stages


@section("stages", needs="stage_history")
def stages(audit: Audit) -> None:
    """Stage analysis from the stage history: conversion to the next stage, days in stage,
    drop-off, skipped stages, the bottleneck, the as-is sequence against the to-be model."""
    history, deals = audit.data.tables["stage_history"], audit.data.tables["deals"]
    n = _norms(audit)
    to_be = list(n.stages)
    observed = set(history["stage"].dropna())
    if len(set(to_be) & observed) < 2:
        audit.paragraph(".text.to_be_mismatch", css="ak-finding", to_be=_sequence(audit, to_be),
                        observed=", ".join(value_name(audit, "stage", s) for s in sorted(observed)[:12]))
        to_be = None
    sa = m.stage_analysis(history, audit.end, to_be, deals, dict(n.stage_conversion) or None)
    if sa is None or sa.deals == 0:
        audit.note(".text.no_history")
        return
    table = sa.stages.copy()
    table["name"] = [value_name(audit, "stage", s) for s in table["stage"]]
    in_model = table[table["in_to_be"]]
    steps = in_model[in_model["conversion"].notna()]
    bottleneck = table.set_index("stage").loc[sa.bottleneck] if sa.bottleneck else None
    audit.kpis([
        Kpi("deals_with_history", sa.deals, "number"),
        Kpi("bottleneck_conversion", _f(bottleneck["conversion"]) if bottleneck is not None else None, "pct",
            _f(bottleneck["norm"]) if bottleneck is not None else None, "higher" if bottleneck is not None else None),
        Kpi("to_be_order_share", _f(sa.in_to_be_order_share), "pct", 1.0, "higher"),
        Kpi("deals_with_skips", sa.deals_with_skips / sa.deals, "pct", 0.0, "lower"),
    ])
    audit.record("bottleneck", sa.bottleneck)
    if bottleneck is not None and deals is not None:
        _record_bottleneck_base(audit, history, deals, list(in_model["stage"]), sa.bottleneck)
    for rec in table.itertuples():
        audit.record(f"stage_conversion.{rec.stage}", rec.conversion)
        audit.record(f"stage_median_days.{rec.stage}", rec.median_days)
    if not n.stage_conversion:
        audit.note(".text.stage_norm_median", norm=audit.loc.pct(steps["norm"].iloc[0]) if len(steps) else "—")
    if len(steps):
        labels = [f"{a} → {b}" for a, b in zip(in_model["name"].iloc[:-1], in_model["name"].iloc[1:])]
        conv = pd.Series(in_model["conversion"].iloc[:-1].to_numpy(), index=labels)
        norms = pd.Series(in_model["norm"].iloc[:-1].to_numpy(), index=labels)
        hi = None
        if sa.bottleneck:
            pos = list(in_model["stage"]).index(sa.bottleneck)
            hi = labels[pos] if pos < len(labels) else None
        audit.figure(charts.ordered_bars(conv, audit.loc, audit.t(".charts.stage_conversion.title"),
                                         audit.t(".charts.stage_conversion.y"), fmt="pct", norms=norms,
                                         norm_label=audit.t("charts.norm"), highlight=hi,
                                         highlight_label=audit.t(".charts.stage_conversion.bottleneck")))
        days = pd.DataFrame({audit.t(".charts.stage_days.median"): in_model["median_days"].to_numpy(),
                             audit.t(".charts.stage_days.p90"): in_model["p90_days"].to_numpy()},
                            index=in_model["name"])
        audit.figure(charts.lines(days, audit.loc, audit.t(".charts.stage_days.title"),
                                  audit.t(".charts.stage_days.y"), fmt="number", x_labels=list(days.index),
                                  height=2.6))
    cols = {"name": "text", "entered": "number", "reached_next": "number", "conversion": "pct",
            "dropped": "number", "skipped": "number", "median_days": "days", "p90_days": "days"}
    if not in_model["skipped"].fillna(0).any():
        del cols["skipped"]
    audit.table("stage_analysis", in_model, cols,
                labels={c: audit.t(f".cols.{c}") for c in cols} | {"name": audit.t(".cols.stage")}, csv=table)
    if bottleneck is not None:
        pos = list(in_model["stage"]).index(sa.bottleneck) if sa.bottleneck in set(in_model["stage"]) else -1
        nxt = in_model["name"].iloc[pos + 1] if 0 <= pos < len(in_model) - 1 else "—"
        audit.paragraph(".text.bottleneck", css="ak-finding", stage=bottleneck["name"], next=nxt,
                        conversion=audit.loc.pct(bottleneck["conversion"]), norm=audit.loc.pct(bottleneck["norm"]),
                        dropped=audit.loc.number(bottleneck["dropped"]),
                        median=audit.fmt(bottleneck["median_days"], "days"),
                        p90=audit.fmt(bottleneck["p90_days"], "days"))
    audit.paragraph(".text.as_is", as_is=_sequence(audit, sa.as_is), share=audit.loc.pct(sa.as_is_share),
                    to_be=_sequence(audit, sa.to_be))
    if _f(sa.in_to_be_order_share) is not None and (sa.in_to_be_order_share < 0.95 or sa.deals_with_skips):
        audit.paragraph(".text.process_not_followed", css="ak-finding",
                        order=audit.loc.pct(sa.in_to_be_order_share),
                        skips=audit.loc.pct(sa.deals_with_skips / sa.deals))
    extra = table[~table["in_to_be"] & ~table["stage"].isin(["won", "lost"])]
    if len(extra):
        audit.note(".text.stages_outside_model", stages=", ".join(audit.loc.quote(s) for s in extra["name"]),
                   n_stages=len(extra))


def _record_bottleneck_base(audit: Audit, history: pd.DataFrame, deals: pd.DataFrame, model: list,
                            stage: str) -> None:
    """Stage 6 money base of the bottleneck: deals entering it a year (entries in the window), and
    the money a deal passing it brings = won / (won + lost) of the deals that went on to a later
    to-be stage × the average won deal."""
    h = history[(history["entered_at"] >= audit.start) & (history["entered_at"] <= audit.end)]
    audit.record("bottleneck_entered_per_year",  # deals a year
                 h.loc[h["stage"] == stage, "deal_id"].nunique() / _years(audit))
    later = model[model.index(stage) + 1:] if stage in model else []
    status = deals.loc[deals["deal_id"].isin(h.loc[h["stage"].isin(later), "deal_id"]), "status"]
    closed = int(status.isin(["won", "lost"]).sum())
    won_share = float((status == "won").sum() / closed) if closed else None
    avg = _f(m.average_won_deal(deals, **_window(audit))["average_won_deal"])
    audit.record("bottleneck_won_share_after", won_share)  # share 0..1
    audit.record("bottleneck_value_per_passed_deal",  # money per deal
                 won_share * avg if won_share is not None and avg is not None else None)


def _sequence(audit: Audit, stages_list) -> str:
    return " → ".join(value_name(audit, "stage", s) for s in stages_list) if stages_list else "—"


# ----------------------------------------------------------------------------- cycle, reasons, velocity


@section("cycle", needs="deals")
def cycle(audit: Audit) -> None:
    """Sales cycle = days from creation to winning (median, p75) by channel, segment, manager;
    conversations (activities) per won deal."""
    deals = audit.data.tables["deals"]
    n = _norms(audit)
    overall = m.sales_cycle(deals, **_window(audit))
    if not overall["won_deals"]:
        audit.note(".text.no_won_deals")
        return
    if not overall["p75_days"]:
        audit.paragraph(".text.cycle_zero", css="ak-finding")
        return
    activities = audit.data.tables["activities"]
    acts = m.activities_per_won_deal(activities, deals, **_window(audit))
    audit.kpis([
        Kpi("cycle_median_days", _f(overall["median_days"]), "days", n.cycle_days, "lower" if n.cycle_days else None),
        Kpi("cycle_p75_days", _f(overall["p75_days"]), "days"),
        Kpi("cycle_won_deals", int(overall["won_deals"]), "number"),
        *([Kpi("activities_per_won_deal", _f(acts["activities_per_won_deal"]), "decimal")] if acts else []),
    ])
    if activities is None:
        audit.missing(["activities"], "tables_why.activities")
    elif acts is None:
        audit.note(".text.no_activities_per_deal")
    clients = audit.data.tables["clients"]
    parts = []
    for by in ("channel", "segment", "manager_id"):
        t = m.sales_cycle(deals, by=by, clients=clients, **_window(audit))
        if t is None or t[by].nunique(dropna=False) < 2:
            continue
        a = m.activities_per_won_deal(audit.data.tables["activities"], deals, by=by, clients=clients, **_window(audit))
        if a is not None:
            t = t.merge(a[[by, "activities_per_won_deal"]], on=by, how="left")
        else:
            t["activities_per_won_deal"] = np.nan
        t = t.assign(breakdown=by, key=t[by], name=_group_names(audit, by, t[by]))
        for rec in t.itertuples():
            audit.record(f"cycle_median_days.{by}.{_ids([rec.key])[0]}", rec.median_days)
        parts.append(t.drop(columns=[by]))
    if not parts:
        return
    table = pd.concat(parts, ignore_index=True)
    table = table[table["won_deals"] > 0]
    mgr = table[table["breakdown"] == "manager_id"]
    if len(mgr) > 1:
        top = mgr.nlargest(MAX_BARS, "won_deals")
        audit.figure(charts.hbars(top.set_index("name")["median_days"], audit.loc,
                                  audit.t(".charts.cycle_managers.title"),
                                  audit.t(".charts.cycle_managers.x"), fmt="number", norm=n.cycle_days,
                                  norm_label=audit.t("charts.norm") if n.cycle_days else None,
                                  highlight_below_norm=False),
                     ".charts.top_managers" if len(mgr) > MAX_BARS else None,
                     n=audit.loc.number(MAX_BARS), total=audit.loc.number(len(mgr)), file="cycle_breakdown.csv")
    audit.save_csv("cycle_breakdown", table)
    cols = {"won_deals": "number", "median_days": "days", "p75_days": "days"}
    if table["activities_per_won_deal"].notna().any():
        cols["activities_per_won_deal"] = "decimal"
    _tables_by_dimension(audit, table[table["breakdown"] != "manager_id"], "cycle", cols, sort="won_deals")


@section("lost_reasons", needs="deals")
def lost_reasons(audit: Audit) -> None:
    """Why deals are lost: Pareto of the lost reasons of deals lost in the period."""
    deals = audit.data.tables["deals"]
    pareto = m.lost_reasons(deals, **_window(audit))
    if pareto is None:
        lost = m.win_rate(deals, **_window(audit))["lost"]
        if lost:
            audit.paragraph(".text.no_lost_reasons", css="ak-finding", n=audit.loc.number(lost))
        else:
            audit.note(".text.no_lost_in_period")
        return
    if pareto.empty:
        audit.note(".text.no_lost_in_period")
        return
    shown = top_n(pareto, "lost_reason", "deals", n=9)
    shown["name"] = [audit.t(".text.not_recorded") if pd.isna(r) else value_name(audit, "lost_reason", r)
                     for r in shown["lost_reason"]]
    audit.figure(charts.pareto(shown.set_index("name")["deals"], audit.loc, audit.t(".charts.lost_reasons.title"),
                               audit.t(".charts.lost_reasons.y"), audit.t(".charts.lost_reasons.cum"),
                               cut_label=audit.loc.pct(0.8, 0)))
    audit.save_csv("lost_reasons", pareto)
    for rec in pareto.itertuples():
        audit.record(f"lost_reason_share.{_ids([rec.lost_reason])[0]}", rec.share)
    named = pareto[pareto["lost_reason"].notna()]
    total = int(pareto["deals"].sum())
    if len(named):
        named = named.assign(cumulative_share=named["deals"].cumsum() / named["deals"].sum())
        core, names = _core(named, "lost_reason", audit, "lost_reason")
        audit.paragraph(".text.lost_core", reasons=names, share=audit.loc.pct(core["deals"].sum() / total),
                        amount=audit.loc.money(core["amount"].sum()), n_reasons=len(core))
    unknown = pareto.loc[pareto["lost_reason"].isna(), "deals"].sum()
    audit.record("lost_reason_missing_share", unknown / total if total else None)
    if unknown:
        audit.note(".text.lost_reason_missing", n=audit.loc.number(unknown), share=audit.loc.pct(unknown / total))


@section("velocity", needs="deals")
def velocity(audit: Audit) -> None:
    """Sales velocity = open deals × win rate × average won deal / median cycle (money per day)."""
    deals = audit.data.tables["deals"]
    v = m.sales_velocity(deals, **_window(audit))
    lost = m.win_rate(deals, **_window(audit))["lost"]
    ok = lost > 0 and bool(_f(v["median_cycle_days"])) and _f(v["velocity"]) is not None
    if not ok:
        audit.record("velocity", None)
        audit.note(".text.velocity_not_measured")
        return
    audit.kpis([
        Kpi("velocity", _f(v["velocity"]), "money"),
        Kpi("velocity_open_deals", int(v["open_deals"]), "number"),
        Kpi("velocity_win_rate", _f(v["win_rate"]), "pct"),
        Kpi("velocity_average_deal", _f(v["average_won_deal"]), "money"),
        Kpi("velocity_cycle_days", _f(v["median_cycle_days"]), "days"),
    ])
    audit.paragraph(".text.velocity", value=audit.loc.money(v["velocity"]),
                    month=audit.loc.money(v["velocity"] * 30.4375))


# ----------------------------------------------------------------------------- after the sale


@section("after_sales")
def after_sales(audit: Audit) -> None:
    """After-sales: new clients contacted within N days of their first order, repeat purchase
    rate, days to the second order."""
    n = _norms(audit)
    orders, activities = audit.data.tables["orders"], audit.data.tables["activities"]
    if orders is None or orders.empty:
        audit.note(".text.no_clients")
        return
    new_from = _new_client_start(audit)
    rep = m.repeat_purchase(orders, **_window(audit))
    rep_new = m.repeat_purchase(orders, new_from, audit.end) if new_from < audit.end else None
    contact = None
    if activities is not None and new_from < audit.end:
        contact = m.after_sales_contact(orders, activities, new_from, audit.end, days=n.after_sales_contact_days)
    rows = []
    if contact is not None:
        rows.append(Kpi("after_sales_contact", _f(contact["contacted_share"]), "pct", n.after_sales_contact_share,
                        "higher"))
    rows += [
        Kpi("repeat_rate", _f(rep["repeat_rate"]), "pct", n.repeat_rate,
            "higher" if n.repeat_rate is not None else None),
        Kpi("new_clients_measured", int(rep_new["new_clients"]) if rep_new else None, "number"),
        Kpi("days_to_second_order", _f(rep_new["median_days_to_second_order"]) if rep_new else None, "days"),
    ]
    audit.kpis(rows)
    audit.note(".text.new_client_rule", date=audit.loc.date(new_from), days=audit.loc.number(n.lost_days))
    if activities is None:
        audit.missing(["activities"], "tables_why.activities")
    elif contact is not None and contact["new_clients"]:
        audit.note(".text.after_sales_rule", days=audit.loc.number(n.after_sales_contact_days),
                   n=audit.loc.number(contact["new_clients"]))
        if contact["contacted_share"] < n.after_sales_contact_share:
            audit.paragraph(".text.after_sales_low", css="ak-finding",
                            share=audit.loc.pct(1 - contact["contacted_share"]),
                            days=audit.loc.number(n.after_sales_contact_days))
    if "orders_from_deals" in audit.data.notes:
        audit.note(".text.orders_are_deals")


@section("relationship")
def relationship(audit: Audit) -> None:
    """Relationship management: new / active / sleeping / lost clients (overall and by segment),
    contact cadence per ABC class, cross- and up-sell, revenue from existing vs new clients."""
    n = _norms(audit)
    orders, clients = audit.data.tables["orders"], audit.data.tables["clients"]
    status = m.client_status(orders, audit.end, n.sleeping_days, n.lost_days, n.new_client_days)
    if status is None or status.empty:
        audit.note(".text.no_clients")
        return
    xs = m.cross_up_sell(orders, **_window(audit))
    shares = status["status"].value_counts(normalize=True).reindex(list(m.CLIENT_STATUSES), fill_value=0)
    split = m.revenue_new_vs_existing(orders, _new_client_start(audit), audit.end, "Q")
    new_share = None
    if split is not None and len(split):
        tot = split["new_revenue"].sum() + split["existing_revenue"].sum()
        new_share = split["new_revenue"].sum() / tot if tot else None
    audit.kpis([
        Kpi("clients_total", len(status), "number"),
        *[Kpi(f"clients_{s}", float(shares[s]), "pct") for s in m.CLIENT_STATUSES],
        Kpi("cross_up_sell", _f(xs["share"]) if xs and xs["clients"] else None, "pct", n.cross_up_sell_share,
            "higher" if n.cross_up_sell_share is not None else None),
        Kpi("revenue_new_share", _f(new_share), "pct"),
    ])
    audit.note(".text.status_rule", new=audit.loc.number(n.new_client_days), sleeping=audit.loc.number(n.sleeping_days),
               lost=audit.loc.number(n.lost_days), date=audit.loc.date(audit.end))
    audit.save_csv("client_status", status)
    _status_by_segment(audit, status, clients)
    _record_segment_retention(audit, orders, clients)
    _record_avg_check(audit, orders)
    _cadence(audit)
    if xs and xs["clients"] and _f(xs["category_growth_share"]) is not None:
        audit.note(".text.cross_up_sell", clients=audit.loc.number(xs["clients"]),
                   categories=audit.loc.pct(xs["category_growth_share"]), check=audit.loc.pct(xs["check_growth_share"]))
    elif xs and xs["clients"]:
        audit.note(".text.up_sell_only", clients=audit.loc.number(xs["clients"]),
                   check=audit.loc.pct(xs["check_growth_share"]))
    if split is not None and len(split) > 1:
        frame = split.set_index("period")[["existing_revenue", "new_revenue"]]
        frame.columns = [audit.t(".charts.new_vs_existing.existing"), audit.t(".charts.new_vs_existing.new")]
        ylabel = audit.t(".charts.new_vs_existing.y", currency=audit.loc.currency_symbol)
        audit.figure(charts.stacked_period_bars(frame, audit.loc, "Q", audit.t(".charts.new_vs_existing.title"),
                                                ylabel))
        audit.save_csv("revenue_new_vs_existing", split)


def _status_by_segment(audit: Audit, status: pd.DataFrame, clients: pd.DataFrame | None) -> None:
    if clients is None or not audit.data.has("clients", "segment") or clients["segment"].isna().all():
        return
    seg = clients.drop_duplicates("client_id").set_index(clients["client_id"].drop_duplicates().astype("string"))
    with_seg = status.assign(segment=status["client_id"].map(seg["segment"]))
    grid = pd.crosstab(with_seg["segment"].fillna(audit.t(".text.not_specified")), with_seg["status"])
    grid = grid.reindex(columns=list(m.CLIENT_STATUSES), fill_value=0)
    counts = grid.sum(axis=1)
    shares = grid.div(counts, axis=0)
    shares = shares.loc[counts.sort_values(ascending=False).index[:12]]
    frame = shares.copy()
    frame.columns = [audit.t(f".values.status.{s}") for s in frame.columns]
    audit.figure(charts.stacked_hbars(frame, audit.loc, audit.t(".charts.status_segments.title"),
                                      audit.t(".charts.status_segments.x"),
                                      colors=["#4bacc6", charts.GOOD, "#e6b566", charts.BAD]))
    gone = (shares["sleeping"] + shares["lost"])
    for name, value in gone.items():
        audit.record(f"clients_lost_or_sleeping.{name}", value)
    overall = (status["status"].isin(["sleeping", "lost"])).mean()
    big = gone[counts.reindex(gone.index) >= 10].sort_values(ascending=False)
    if len(big) and big.iloc[0] >= 1.5 * overall and big.iloc[0] - overall >= 0.10:
        worst = big.index[0]
        audit.paragraph(".text.churning_segment", css="ak-finding", segment=worst,
                        lost=audit.loc.pct(shares.loc[worst, "lost"]),
                        sleeping=audit.loc.pct(shares.loc[worst, "sleeping"]),
                        overall=audit.loc.pct(overall), clients=audit.loc.number(int(counts[worst])))
        audit.record("churning_segment", worst)
    audit.save_csv("client_status_by_segment", grid.reset_index())


def _record_segment_retention(audit: Audit, orders: pd.DataFrame, clients: pd.DataFrame | None) -> None:
    """Stage 6: the segment with the lowest retention between consecutive periods (as Stage 1
    measures it; segments of 10+ clients a period) and the base quantities of its money at stake."""
    if clients is None or not audit.data.has("clients", "segment") or clients["segment"].isna().all():
        return
    dn = audit.params.norms.data_collection
    seg = clients.drop_duplicates("client_id").set_index("client_id")["segment"]
    ret = dc.retention(orders, {"M": "MS", "Q": "QS"}[dn.retention_freq], by=seg, **_window(audit))
    if ret.empty:
        return
    totals = ret.groupby("segment")[["retained", "active_prev"]].sum()
    base = ret.groupby("segment")["active_prev"].mean()
    totals = totals[(base >= 10) & (totals["active_prev"] > 0)]
    if totals.empty:
        return
    retention = totals["retained"] / totals["active_prev"]
    worst = retention.idxmin()
    audit.record("segment_retention_min", float(retention[worst]))  # share of a period's clients kept
    audit.record("segment_retention_min.norm", dn.retention)
    audit.record("segment_retention_min_segment", str(worst))
    audit.record("segment_retention_min_base", float(base[worst]))  # clients per period
    last = orders[(orders["date"] > audit.end - pd.DateOffset(years=1)) & (orders["date"] <= audit.end)]
    mine = last[last["client_id"].map(seg) == worst]
    buyers = mine.loc[mine["amount"] > 0, "client_id"].nunique()
    audit.record("segment_revenue_per_client_year",  # money a year per buying client of the segment
                 float(mine["amount"].sum() / buyers) if buyers else None)


def _record_avg_check(audit: Audit, orders: pd.DataFrame) -> None:
    """Stage 6: average check (money per order) of the last 12 months with, as its norm, the check
    of the 12 months before (the check should not fall), and the orders of the last 12 months."""
    totals = dc.order_totals(orders)
    totals = totals[totals["counted"]]
    year = pd.DateOffset(years=1)
    if totals.empty or totals["date"].min() > audit.end - 2 * year + pd.Timedelta(days=31):
        return  # no full year of history before the last one
    last = totals[(totals["date"] > audit.end - year) & (totals["date"] <= audit.end)]
    prior = totals[(totals["date"] > audit.end - 2 * year) & (totals["date"] <= audit.end - year)]
    if last.empty or prior.empty:
        return
    audit.record("avg_check_12m", float(last["amount"].mean()))  # money per order
    audit.record("avg_check_12m.norm", float(prior["amount"].mean()))  # money per order, 12 months before
    audit.record("orders_per_year", len(last))  # orders in the last 12 months


def _cadence(audit: Audit) -> None:
    """Contacts per client per month by ABC class against the norm of each class."""
    n, dn = _norms(audit), audit.params.norms.data_collection
    activities, orders = audit.data.tables["activities"], audit.data.tables["orders"]
    if activities is None:
        audit.missing(["activities"], "tables_why.activities")
        return
    abc = dc.abc(orders, dn.abc_a, dn.abc_b, **_window(audit))
    cad = m.contact_cadence(activities, abc.set_index(abc["client_id"].astype("string"))["abc"], **_window(audit))
    if cad is None or cad.empty:
        audit.note(".text.no_client_on_activities")
        return
    cad["norm"] = cad["abc_class"].map(n.contact_cadence)
    for rec in cad.itertuples():
        audit.record(f"contact_cadence.{rec.abc_class}", rec.activities_per_client_month)
        audit.record(f"uncontacted_share.{rec.abc_class}", rec.uncontacted_share)
    cols = {"abc_class": "text", "clients": "number", "activities": "number", "activities_per_client_month": "decimal",
            "norm": "decimal", "uncontacted_share": "pct"}
    audit.table("contact_cadence", cad, cols, labels={c: audit.t(f".cols.{c}") for c in cols})
    short = cad[cad["norm"].notna() & (cad["activities_per_client_month"] < cad["norm"])]
    a_row = cad[cad["abc_class"] == "A"]
    if len(a_row) and a_row.iloc[0]["abc_class"] in set(short["abc_class"]):
        r = a_row.iloc[0]
        audit.paragraph(".text.cadence_a_low", css="ak-finding",
                        value=audit.loc.number(r["activities_per_client_month"], 1),
                        norm=audit.loc.number(r["norm"], 1), silent=audit.loc.pct(r["uncontacted_share"]))
    elif len(short):
        audit.note(".text.cadence_low", classes=", ".join(short["abc_class"]), n_classes=len(short))
