"""Stage 2 report sections — the sales process (METHODOLOGY.md §2 Stage 2)."""
from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from auditkit.report import charts, html
from auditkit.report import process_map as map_chart
from auditkit.metrics import data_collection as dc
from auditkit.metrics import process as m
from auditkit.metrics import marketing as mk
from auditkit.metrics import process_map as pm
from auditkit.plan import marketing as mk_plan
from auditkit.metrics._common import OTHER, number, per_year, top_n
from auditkit.report.context import Audit, Kpi, section

STAGE = "process"
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


# ----------------------------------------------------------------------------- helpers

def _norms(audit: Audit):
    return audit.params.norms.process


def _window(audit: Audit) -> dict:
    return {"start": audit.start, "end": audit.end}


def _f(x) -> float | None:
    """A number for a Kpi / record: None for missing or NaN."""
    return number(x)


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


def _stacked(audit: Audit, dimensions, breakdown, value: str, metric: str | None = None) -> pd.DataFrame | None:
    """One table of the breakdowns `breakdown(by)` with two groups or more, stacked with the columns
    breakdown, key and name; records `<metric or value>.<by>.<key>` of each row. None when none."""
    parts = []
    for by in dimensions:
        t = breakdown(by)
        if t is None or t[by].nunique(dropna=False) < 2:
            continue
        t = t.assign(breakdown=by, key=t[by], name=_group_names(audit, by, t[by]))
        for key, v in zip(t["key"], t[value]):
            audit.record(f"{metric or value}.{by}.{_ids([key])[0]}", v)
        parts.append(t.drop(columns=[by]))
    return pd.concat(parts, ignore_index=True) if parts else None


def _ids(keys) -> list[str]:
    return ["na" if pd.isna(k) else str(k) for k in keys]


def reasons_pareto(audit: Audit, pareto: pd.DataFrame, reason: str, count: str, table_id: str,
                   name: Callable[[object], str], chart: str) -> None:
    """A Pareto chart of the reasons in `pareto` (columns `reason`, `count`, share: the nine largest,
    the rest as one bar; `name` gives a reason's label; texts `.charts.<chart>.*`), its full table as
    results/<table_id>.csv and each reason's share recorded as `<reason>_share.<reason id>`."""
    shown = top_n(pareto, reason, count, n=9)
    shown["name"] = [name(r) for r in shown[reason]]
    audit.figure(charts.pareto(shown.set_index("name")[count], audit.loc, audit.t(f".charts.{chart}.title"),
                               audit.t(f".charts.{chart}.y"), audit.t(f".charts.{chart}.cum"),
                               cut_label=audit.loc.pct(0.8, 0)))
    audit.save_csv(table_id, pareto)
    for key, value in zip(_ids(pareto[reason]), pareto["share"]):
        audit.record(f"{reason}_share.{key}", value)


def _new_client_start(audit: Audit) -> pd.Timestamp:
    return m.new_client_start(audit.data.tables["orders"], audit.start, _norms(audit).lost_days)


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
    by = m.acquisition(leads, deals, by="source", **_window(audit))
    by_source = by is not None and len(by) >= 2 and by["overall"].notna().any()
    width, css = (charts.HALF_IN, "ak-half") if by_source else (charts.WIDTH_IN, "")  # side by side
    audit.figure(charts.ordered_bars(steps, audit.loc, audit.t(".charts.funnel.title"), audit.t(".charts.funnel.y"),
                                     fmt="number", width=width, height=2.1 if css else 2.3), css=css)
    if by is None or len(by) < 2:
        return
    by = by.sort_values("leads", ascending=False)
    by["name"] = _group_names(audit, "source", by["source"])
    for rec in by.itertuples():
        audit.record(f"lead_to_won.{_ids([rec.source])[0]}", rec.overall)
    if by_source:
        shown = top_n(by, "source", "leads", sums=["won"], shares={"overall": ("won", "leads")})
        shown["name"] = _group_names(audit, "source", shown["source"])
        audit.figure(charts.hbars(shown.set_index("name")["overall"], audit.loc, audit.t(".charts.lead_to_won.title"),
                                  audit.t(".charts.lead_to_won.x"), fmt="pct", norm=n.lead_to_won,
                                  norm_label=audit.t("charts.norm") if n.lead_to_won is not None else None,
                                  width=width, height=2.1), css=css)
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
    spread = m.source_spread(by, fr["leads"])
    if spread:
        best, worst = _group_names(audit, "source", [spread["best"], spread["worst"]])
        audit.paragraph(".text.source_spread", best=best, best_rate=audit.loc.pct(spread["best_rate"]),
                        worst=worst, worst_rate=audit.loc.pct(spread["worst_rate"]),
                        times=audit.loc.number(spread["times"], 1) if spread["worst_rate"] else "∞")


@section("cac", needs=("marketing_costs", "deals"))
def cac(audit: Audit) -> None:
    """CAC (blended) = all marketing cost / all new clients; CAC by channel = marketing cost of the
    channel / new clients acquired from it (the channels sum back to the blended figure)."""
    d = audit.data.tables
    costs, deals = d["marketing_costs"], d["deals"]
    where = dict(orders=d["orders"], clients=d["clients"])
    table = m.cac_by_channel(costs, deals, **_window(audit), **where)
    if table is None:
        audit.note(".text.no_deal_channel")
        return
    blended = m.blended_cac(costs, deals, **_window(audit), **where)
    avg = _f(blended["average_won_deal"])
    audit.kpis([
        Kpi("marketing_cost", blended["cost"], "money"),
        Kpi("new_clients", blended["new_clients"], "number"),
        Kpi("new_clients_paid_channels", blended["new_clients_paid_channels"], "number"),
        Kpi("cac_blended", _f(blended["cac"]), "money", avg, "lower" if avg else None),
    ])
    audit.note(".text.cac_norm")
    audit.record("cac_to_won_deal", _f(blended["cac_to_won_deal"]))  # Stage 6: currency-free, norm 1
    table["name"] = _group_names(audit, "channel", table["channel"])
    for rec in table.itertuples():
        audit.record(f"cac.{_ids([rec.channel])[0]}", rec.cac)
    with_cac = table[table["cac"].notna()]
    if len(with_cac):
        audit.figure(charts.hbars(with_cac.set_index("name")["cac"], audit.loc, audit.t(".charts.cac.title"),
                                  audit.t(".charts.cac.x", currency=audit.loc.currency_symbol),
                                  norm=avg, norm_label=audit.t(".charts.cac.norm"), highlight_below_norm=False))
    audit.table("cac_by_channel", table.sort_values("cost", ascending=False, na_position="last"),
                {"name": "text", "cost": "money", "new_clients": "number", "cac": "money"},
                labels={c: audit.t(f".cols.{c}") for c in ("cost", "new_clients", "cac")}
                | {"name": audit.t(".cols.channel")}, csv=table)
    if avg:
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
                        cost=audit.loc.money(blended["cost_without_new_clients"]), n_channels=len(no_clients))


@section("marketing", needs=("marketing_costs", "deals"))
def marketing(audit: Audit) -> None:
    """Marketing and sales together, per channel: spend and its share, cost per lead / MQL / new client,
    lead quality (share of leads reaching SQL and won), the response leads get from sales, and what to do
    with the channel (cut / fix the response / grow / keep: plan.marketing, data/marketing.yaml)."""
    d = audit.data.tables
    table = mk.marketing_by_channel(d["marketing_costs"], d["leads"], d["deals"], **_window(audit),
                                    orders=d["orders"], clients=d["clients"])
    if table is None:
        audit.note(".text.no_deal_channel")
        return
    where = dict(orders=d["orders"], clients=d["clients"])
    blended = m.blended_cac(d["marketing_costs"], d["deals"], **_window(audit), **where)
    average = _f(m.average_won_deal(d["deals"], **_window(audit))["average_won_deal"])
    funnel = m.funnel_rates(d["leads"], d["deals"], **_window(audit))
    overall = _f(funnel["overall"]) if funnel else None
    verdicts = mk_plan.channel_verdicts(table, _f(blended["cac"]), average, overall)
    table["verdict"] = verdicts
    table["name"] = _group_names(audit, "channel", table["channel"])
    cut = mk_plan.cut_base(table, verdicts)
    audit.record("weak_channel_spend_share", cut["share"])  # share of marketing cost, 0..1
    audit.record("weak_channel_spend_share.norm", 0.0)  # by the rule itself: no money where a client costs more than it brings
    audit.record("channels_to_cut", [str(c) for c in table.loc[verdicts == "cut", "channel"]])
    audit.record("cut_channels_clients_per_cost", cut["clients_per_cost"])  # new clients per unit of money
    audit.record("marketing_cost_per_year", per_year(float(table["cost"].sum()), audit.start, audit.end))
    for rec in table.itertuples():
        audit.record(f"channel_verdict.{_ids([rec.channel])[0]}", rec.verdict)
    t = audit.texts("consultancy.marketing")
    shown = table[table["cost"].notna() | (table["leads"].fillna(0) > 0)].assign(
        verdict_text=[t(f"verdict.{v}") if isinstance(v, str) else "—" for v in table["verdict"]])
    cols = {"name": "text", "cost_share": "pct", "cost_per_lead": "money", "cost_per_mql": "money", "cac": "money",
            "sql_share": "pct", "won_share": "pct", "response_within_24h": "pct", "verdict_text": "text"}
    cols = {c: f for c, f in cols.items() if c in ("name", "verdict_text") or shown[c].notna().any()}
    audit.table("marketing_by_channel", shown, cols, labels={c: t(f"cols.{c}") for c in cols},
                csv=table.drop(columns="name"), css="ak-compact ak-keep")
    parts = []
    for verdict in ("cut", "fix_response", "grow"):
        rows = table[table["verdict"] == verdict]
        if len(rows):
            parts.append(t(f"say.{verdict}", n_channels=len(rows),
                           channels=", ".join(audit.loc.quote(n) for n in rows["name"]),
                           share=audit.loc.pct(rows["cost_share"].sum(), 0),
                           cac=", ".join(audit.loc.money(c) for c in rows["cac"] if _f(c) is not None) or "—",
                           avg=audit.loc.money(average) if average else "—",
                           blended=audit.loc.money(blended["cac"]) if _f(blended["cac"]) else "—",
                           response=", ".join(audit.loc.pct(r, 0) for r in rows["response_within_24h"]
                                              if _f(r) is not None) or "—"))
    if parts:
        audit.paragraph("consultancy.marketing.verdicts", css="ak-finding" if cut["cost"] else "",
                        text=" ".join(parts))


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
    audit.record("closed_deals_per_year", _f(m.closed_deals_per_year(deals, **_window(audit))))  # Stage 6: deals a year
    if not by_value:
        audit.note(".text.no_lost_value")
    clients = audit.data.tables["clients"]
    deals = m.with_team(deals, audit.data.tables["managers"])
    table = _stacked(audit, _dimensions(deals, ("manager_id", "team", "channel", "lead_source", "segment")),
                     lambda by: m.win_rate_breakdown(deals, by=by, clients=clients, **_window(audit)), "win_rate")
    if table is None:
        return
    table = table[[c for c in table.columns if c != "closed"] + ["closed"]]
    mgr = table[(table["breakdown"] == "manager_id") & (table["closed"] > 0)]
    _manager_bars(audit, mgr, "closed", "win_rate", "win_rate_managers", "win_rate_breakdown.csv", fmt="pct",
                  norm=n.win_rate)
    audit.save_csv("win_rate_breakdown", table)
    rest = table[table["breakdown"] != "manager_id"]
    cols = {"won": "number", "lost": "number", "win_rate": "pct"} | ({"win_rate_value": "pct"} if by_value else {})
    _tables_by_dimension(audit, rest if len(rest) else table, "win_rate", cols | {"average_won_deal": "money"},
                         sort="closed")


def _manager_bars(audit: Audit, mgr: pd.DataFrame, size: str, value: str, chart: str, file: str, fmt: str,
                  norm: float | None, highlight_below_norm: bool = True) -> None:
    """Bars of `value` for the MAX_BARS managers largest by `size` (when there are two or more), with the
    norm; the caption names the CSV holding all managers when some are left out."""
    if len(mgr) < 2:
        return
    top = mgr.nlargest(MAX_BARS, size)
    audit.figure(charts.hbars(top.set_index("name")[value], audit.loc, audit.t(f".charts.{chart}.title"),
                              audit.t(f".charts.{chart}.x"), fmt=fmt, norm=norm,
                              norm_label=audit.t("charts.norm") if norm else None,
                              highlight_below_norm=highlight_below_norm),
                 ".charts.top_managers" if len(mgr) > MAX_BARS else None,
                 n=audit.loc.number(MAX_BARS), total=audit.loc.number(len(mgr)), file=file)


@section("pipeline", needs="deals")
def pipeline(audit: Audit) -> None:
    """Open pipeline at the audit end date (count, sum, weighted) by manager, team, channel,
    source, stage; coverage of the remaining plan: the open pipeline against the norm 1 / win rate,
    the weighted pipeline against 1.0."""
    deals = audit.data.tables["deals"]
    n = _norms(audit)
    probs = n.stage_probabilities
    pipe = m.open_pipeline(deals, audit.end, stage_probability=probs)
    if not pipe["open_deals"]:
        audit.note(".text.no_open_deals", date=audit.loc.date(audit.end))
        return
    has_amount = bool(pipe["amount"] > 0)
    cov = m.pipeline_coverage(deals, audit.data.tables["plans"], **_window(audit), stage_probability=probs,
                              horizon_months=n.coverage_horizon_months)
    plan = _f(cov["remaining_plan"]) if cov else None
    norm = _f(cov["coverage_norm"]) if cov else None
    rows = [Kpi("open_deals", int(pipe["open_deals"]), "number")]
    if has_amount:
        rows += [Kpi("pipeline_amount", _f(pipe["amount"]), "money"),
                 Kpi("pipeline_weighted", _f(pipe["weighted_amount"]), "money")]
    if plan and has_amount:
        rows += [Kpi("remaining_plan", plan, "money"),
                 Kpi("pipeline_coverage_unweighted", _f(cov["coverage"]), "ratio", norm, "higher" if norm else None),
                 Kpi("pipeline_coverage", _f(cov["weighted_coverage"]), "ratio", cov["weighted_coverage_norm"],
                     "higher")]
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
        audit.note(".text.coverage_proxy" if cov["plan_is_proxy"] else ".text.coverage_rule", months=months)
        if norm and cov["coverage"] < norm:
            audit.paragraph(".text.coverage_low", css="ak-finding", coverage=audit.fmt(cov["weighted_coverage"], "ratio"),
                            unweighted=audit.fmt(cov["coverage"], "ratio"), norm=audit.fmt(norm, "ratio"),
                            rate=audit.loc.pct(cov["win_rate"]), needed=audit.loc.money(cov["pipeline_needed"]))
    clients = audit.data.tables["clients"]
    deals = m.with_team(deals, audit.data.tables["managers"])
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
            frame = m.pipeline_split(shown.set_index("name"))
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
        Kpi("deals_with_skips", _f(sa.deals_with_skips_share), "pct", 0.0, "lower"),
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
                                         highlight_label=audit.t(".charts.stage_conversion.bottleneck"),
                                         height=2.1))
    _process_map(audit, history, deals, table, sa)
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
    if _f(sa.in_to_be_order_share) is not None and sa.in_to_be_order_share < IN_ORDER_ENOUGH:
        audit.paragraph(".text.process_not_followed", css="ak-finding",
                        order=audit.loc.pct(sa.in_to_be_order_share),
                        skips=audit.loc.pct(sa.deals_with_skips_share))
    elif sa.deals_with_skips:
        audit.paragraph(".text.stages_skipped", css="ak-finding", skips=audit.loc.pct(sa.deals_with_skips_share),
                        who=_skippers(audit, sa, deals))
    extra = table[~table["in_to_be"] & ~table["stage"].isin(["won", "lost"])]
    if len(extra):
        audit.note(".text.stages_outside_model", stages=", ".join(audit.loc.quote(s) for s in extra["name"]),
                   n_stages=len(extra))


MAP_MIN_SHARE = 0.01  # arrows carrying fewer deals than this share of all deals are left to the CSV
MAP_DIFFERENCES = 3  # skips / loops back named per kind under the map
IN_ORDER_ENOUGH = 0.95  # below this share of deals in the to-be order the process is not followed
SKIPPERS = 3  # managers named for their skipped stages: at most this many, ...
SKIPPER_SHARE = 0.25  # ... whose share of deals with a skip is at least this and twice the team's ...
SKIPPER_DEALS = 5  # ... over at least this many such deals


def _skippers(audit: Audit, sa, deals) -> str:
    """" The share is highest in the deals of A (62% of deals) and B (55% of deals).", or "" when no
    manager stands out (see SKIPPER_*)."""
    by = m.skips_by(sa, deals)
    if by is None:
        return ""
    floor = max(SKIPPER_SHARE, 2 * sa.deals_with_skips_share)
    top = by[(by["share"] >= floor) & (by["skipped"] >= SKIPPER_DEALS)].head(SKIPPERS)
    if top.empty:
        return ""
    names = _group_names(audit, "manager_id", top["manager_id"])
    return audit.t(".text.skippers", managers=audit.loc.join(
        audit.t(".text.skipper", name=name, share=audit.loc.pct(share, 0)) for name, share in zip(names, top["share"])))


def _process_map(audit: Audit, history: pd.DataFrame, deals: pd.DataFrame | None, table: pd.DataFrame,
                 sa: m.StageAnalysis) -> None:
    """The as-is map of the stage history (metrics.process_map) under the to-be sequence, the bottleneck
    in red; the differences from the to-be order named; every edge to results/process_map_edges.csv."""
    edges = pm.stage_edges(history, audit.end, sa.to_be, deals)
    if edges is None or edges.empty:
        return
    t = audit.texts("consultancy.process_map")
    stages = table.set_index("stage")
    names = {s: value_name(audit, "stage", s) for s in stages.index} | {
        pm.START: t("start"), pm.WON: t("won"), pm.LOST: t("lost"), pm.OPEN: t("open")}
    used = set(edges["source"]) | set(edges["target"])
    entries = edges[edges["kind"] == "entry"]
    exits = edges[edges["kind"].isin(["lost", "open"])].pivot_table(index="source", columns="kind", values="deals",
                                                                   aggfunc="sum", fill_value=0)
    nodes = [{"id": pm.START, "label": names[pm.START], "kind": "start", "drop": "", "drop_deals": 0}] \
        if len(entries) > 1 else []
    for s in (x for x in stages.index if x in used):
        rec = stages.loc[s]
        kind = "bottleneck" if s == sa.bottleneck else ("stage" if rec["in_to_be"] else "outside")
        label = names[s] + "\n" + t("node", n=audit.loc.number(rec["entered"]),
                                     days=audit.loc.value(rec["median_days"], "days"))
        out = exits.loc[s] if s in exits.index else pd.Series(dtype="int64")
        drop = [t(f"drop_{k}", n=audit.loc.number(out[k])) for k in ("lost", "open") if out.get(k, 0) > 0]
        nodes.append({"id": s, "label": label + ("\n" + t("bottleneck") if kind == "bottleneck" else ""), "kind": kind,
                      "drop": "\n".join(drop), "drop_deals": int(out.sum())})
    if pm.WON in used:
        nodes.append({"id": pm.WON, "label": names[pm.WON], "kind": "won", "drop": "", "drop_deals": 0})
    total = int(entries["deals"].sum())
    drawn = edges[(edges["deals"] >= max(1, MAP_MIN_SHARE * total)) & ~edges["kind"].isin(["lost", "open"])
                  & ((edges["kind"] != "entry") | (len(entries) > 1))].copy()
    drawn["label"] = [f"{audit.loc.number(d)}\n{audit.loc.pct(sh, 0)}" if k == "forward" else audit.loc.number(d)
                      for d, sh, k in zip(drawn["deals"], drawn["share"], drawn["kind"])]
    svgs = [map_chart.to_be_sequence([names[s] for s in sa.to_be], t("to_be_title")),
            map_chart.as_is_map(pd.DataFrame(nodes), drawn)]
    small = edges[(edges["deals"] < max(1, MAP_MIN_SHARE * total)) & ~edges["kind"].isin(["entry", "lost", "open"])]
    caption = t("caption") + (" " + t("caption_small", n=len(small), share=audit.loc.pct(MAP_MIN_SHARE, 0))
                              if len(small) else "")
    audit.show(html.svg_figure(svgs, caption, "ak-map"))
    named = edges.assign(source_name=edges["source"].map(names).fillna(edges["source"]),
                         target_name=edges["target"].map(names).fillna(edges["target"]),
                         kind_name=[t(f"kind.{k}") for k in edges["kind"]])
    cols = {"source_name": "text", "target_name": "text", "kind_name": "text", "deals": "number", "moves": "number",
            "share": "pct"}
    audit.table("process_map_edges", named, cols, labels={c: t(f"cols.{c}") for c in cols}, max_rows=60,
                csv=named.drop(columns="kind_name"))
    audit.record("map_skip_deals", int(edges.loc[edges["kind"] == "skip", "deals"].sum()))  # deal moves, not distinct deals
    audit.record("map_back_deals", int(edges.loc[edges["kind"] == "back", "deals"].sum()))
    _map_differences(audit, edges, names, sa.to_be)


def _map_differences(audit: Audit, edges: pd.DataFrame, names: dict, to_be: list) -> None:
    """One sentence naming where the as-is process departs from the to-be order (largest first)."""
    t = audit.texts("consultancy.process_map")
    q = audit.loc.quote
    parts = []
    for kind in ("skip", "back", "outside"):
        for rec in edges[edges["kind"] == kind].head(MAP_DIFFERENCES).itertuples():
            parts.append(t(kind, n=audit.loc.number(rec.deals), source=q(names[rec.source]), target=q(names[rec.target])))
    late = edges[(edges["kind"] == "entry") & (edges["target"] != (to_be[0] if to_be else None))
                 & edges["target"].isin(to_be)]
    for rec in late.head(MAP_DIFFERENCES).itertuples():
        parts.append(t("late_entry", n=audit.loc.number(rec.deals), target=q(names[rec.target]),
                       first=q(names.get(to_be[0], to_be[0]))))
    early = edges[(edges["kind"] == "won") & edges["source"].isin(to_be[:-1])]
    for rec in early.head(MAP_DIFFERENCES).itertuples():
        parts.append(t("early_win", n=audit.loc.number(rec.deals), source=q(names[rec.source])))
    missing = pm.unvisited(edges, to_be)
    if missing:
        parts.append(t("unvisited", stages=", ".join(q(names.get(s, s)) for s in missing), n_stages=len(missing)))
    if parts:
        audit.paragraph("consultancy.process_map.differences", css="ak-finding", items="; ".join(parts))
    else:
        audit.paragraph("consultancy.process_map.no_differences")


def _record_bottleneck_base(audit: Audit, history: pd.DataFrame, deals: pd.DataFrame, model: list,
                            stage: str) -> None:
    """Stage 6 money base of the bottleneck (`metrics.process.bottleneck_base`)."""
    base = m.bottleneck_base(history, deals, model, stage, audit.start, audit.end)
    audit.record("bottleneck_entered_per_year", _f(base["entered_per_year"]))  # deals a year
    audit.record("bottleneck_won_share_after", _f(base["won_share_after"]))  # share 0..1
    audit.record("bottleneck_value_per_passed_deal", _f(base["value_per_passed_deal"]))  # money per deal


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
    table = _stacked(audit, ("channel", "segment", "manager_id"),
                     lambda by: m.cycle_breakdown(deals, activities, by=by, clients=clients, **_window(audit)),
                     "median_days", "cycle_median_days")
    if table is None:
        return
    table = table[table["won_deals"] > 0]
    _manager_bars(audit, table[table["breakdown"] == "manager_id"], "won_deals", "median_days", "cycle_managers",
                  "cycle_breakdown.csv", fmt="number", norm=n.cycle_days, highlight_below_norm=False)
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
    reasons_pareto(audit, pareto, "lost_reason", "deals", "lost_reasons",
                   lambda r: audit.t(".text.not_recorded") if pd.isna(r) else value_name(audit, "lost_reason", r),
                   chart="lost_reasons")
    total = m.lost_reasons_summary(pareto)
    if len(total["core"]):
        names = ", ".join(audit.loc.quote(value_name(audit, "lost_reason", r)) for r in total["core"]["lost_reason"])
        audit.paragraph(".text.lost_core", reasons=names, share=audit.loc.pct(total["core_share"]),
                        amount=audit.loc.money(total["core_amount"]), n_reasons=len(total["core"]))
    audit.record("lost_reason_missing_share", _f(total["missing_share"]))
    if total["missing"]:
        audit.note(".text.lost_reason_missing", n=audit.loc.number(total["missing"]),
                   share=audit.loc.pct(total["missing_share"]))


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
                    month=audit.loc.money(v["velocity_per_month"]))


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
    shares = m.status_shares(status)
    split = m.revenue_new_vs_existing(orders, _new_client_start(audit), audit.end, "Q")
    new_share = m.new_revenue_share(split)
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
    split_shown = split is not None and len(split) > 1
    # the clients' status by segment and the revenue from new and existing clients side by side
    width, css = (charts.HALF_IN, "ak-half") if split_shown and _has_segments(audit) else (charts.WIDTH_IN, "")
    by_segment = _status_by_segment(audit, status, clients, width, css)
    if split_shown:
        frame = split.set_index("period")[["existing_revenue", "new_revenue"]]
        frame.columns = [audit.t(".charts.new_vs_existing.existing"), audit.t(".charts.new_vs_existing.new")]
        ylabel = audit.t(".charts.new_vs_existing.y", currency=audit.loc.currency_symbol)
        audit.figure(charts.stacked_period_bars(frame, audit.loc, "Q", audit.t(".charts.new_vs_existing.title"),
                                                ylabel, width=width, height=2.0), css=css)
        audit.save_csv("revenue_new_vs_existing", split)
    if by_segment is not None:
        _churning_segment(audit, *by_segment)
    _record_segment_retention(audit, orders, clients)
    _record_avg_check(audit, orders)
    _cadence(audit)
    if xs and xs["clients"] and _f(xs["category_growth_share"]) is not None:
        audit.note(".text.cross_up_sell", clients=audit.loc.number(xs["clients"]),
                   categories=audit.loc.pct(xs["category_growth_share"]), check=audit.loc.pct(xs["check_growth_share"]))
    elif xs and xs["clients"]:
        audit.note(".text.up_sell_only", clients=audit.loc.number(xs["clients"]),
                   check=audit.loc.pct(xs["check_growth_share"]))


def _has_segments(audit: Audit) -> bool:
    clients = audit.data.tables["clients"]
    return clients is not None and audit.data.has("clients", "segment") and clients["segment"].notna().any()


def _status_by_segment(audit: Audit, status: pd.DataFrame, clients: pd.DataFrame | None,
                       width: float = charts.WIDTH_IN, css: str = "") -> tuple | None:
    """The chart of the clients' status by segment; returns (the breakdown, segment names) for
    `_churning_segment`, None without segments."""
    if not _has_segments(audit):
        return None
    by = m.status_by_segment(status, clients)
    names = {k: _group_names(audit, "segment", [k])[0] for k in by.counts.index}
    frame = by.shares.iloc[:12].rename(index=names)
    frame.columns = [audit.t(f".values.status.{s}") for s in frame.columns]
    audit.figure(charts.stacked_hbars(frame, audit.loc, audit.t(".charts.status_segments.title"),
                                      audit.t(".charts.status_segments.x"),
                                      colors=["#4bacc6", charts.GOOD, "#e6b566", charts.BAD], width=width,
                                      height=2.0 if css else None), css=css)
    for key, value in by.gone.iloc[:12].items():
        audit.record(f"clients_lost_or_sleeping.{_ids([key])[0]}", value)
    return by, names


def _churning_segment(audit: Audit, by, names: dict) -> None:
    """The segment losing its clients, when one stands out (metrics.process.churning_segment)."""
    worst = m.churning_segment(by)
    if worst is not None:
        audit.paragraph(".text.churning_segment", css="ak-finding", segment=names[worst],
                        lost=audit.loc.pct(by.shares.loc[worst, "lost"]),
                        sleeping=audit.loc.pct(by.shares.loc[worst, "sleeping"]),
                        overall=audit.loc.pct(by.overall_gone),
                        clients=audit.loc.number(int(by.clients[worst])))
        audit.record("churning_segment", names[worst])
    audit.save_csv("client_status_by_segment", by.counts.rename(index=names).rename_axis("segment").reset_index())


def _record_segment_retention(audit: Audit, orders: pd.DataFrame, clients: pd.DataFrame | None) -> None:
    """Stage 6: the segment with the lowest retention between consecutive periods (as Stage 1
    measures it; segments of 10+ clients a period) and the base quantities of its money at stake."""
    if not _has_segments(audit):
        return
    dn = audit.params.norms.data_collection
    seg = clients.drop_duplicates("client_id").set_index("client_id")["segment"]
    ret = dc.retention(orders, {"M": "MS", "Q": "QS"}[dn.retention_freq], by=seg, **_window(audit))
    if ret.empty:
        return
    groups = dc.retention_by_group(ret, "segment")
    groups = groups[(groups["clients_per_period"] >= 10) & (groups["active_prev"] > 0) & groups["segment"].notna()]
    if groups.empty:
        return
    worst = groups.loc[groups["retention"].idxmin()]
    audit.record("segment_retention_min", float(worst["retention"]))  # share of a period's clients kept
    audit.record("segment_retention_min.norm", dn.retention)
    audit.record("segment_retention_min_segment", str(worst["segment"]))
    audit.record("segment_retention_min_base", float(worst["clients_per_period"]))  # clients per period
    audit.record("segment_revenue_per_client_year",  # money a year per buying client of the segment
                 _f(dc.revenue_per_client_year(orders, audit.end, client_ids=seg.index[seg == worst["segment"]])))


def _record_avg_check(audit: Audit, orders: pd.DataFrame) -> None:
    """Stage 6: average check (money per order) of the last 12 months with, as its norm, the check
    of the 12 months before (the check should not fall), and the orders of the last 12 months."""
    check = m.average_check_12m(orders, audit.end)
    if check is None:
        return  # no full year of history before the last one
    audit.record("avg_check_12m", check["avg_check_12m"])  # money per order
    audit.record("avg_check_12m.norm", check["avg_check_prior_12m"])  # money per order, 12 months before
    audit.record("orders_per_year", check["orders_per_year"])  # orders in the last 12 months


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
