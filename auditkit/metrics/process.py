"""Stage 2 — the sales process (METHODOLOGY.md §2 Stage 2).

Acquisition (funnel per source/channel, CAC, activities per won deal), deal outcomes (win rate,
average won deal, sales cycle, lost reasons, sales velocity), the open pipeline and its coverage,
stage analysis from stage_history, after-sales and relationship management.

Conventions:
- ``start``/``end`` are calendar days, both inclusive: a date-time on the end day is inside.
- ``by=None`` returns a dict for the whole input; ``by="<column>"`` returns a DataFrame with that
  key column first (NA kept as its own group), or None when the column is not available
  (missing or all-NA). A missing required table gives None.
- Counts are int64 (Int64 where a count can be undefined), money and days float64, shares are
  fractions 0..1 (float64, NaN when the denominator is 0). Days are exact (timedelta / 1 day)
  unless a docstring says calendar days.
- Orders are netted per order_id; an order counts if its net amount is > 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from auditkit.metrics._common import (
    DAY,
    DAYS_PER_MONTH,
    available,
    counted_orders,
    day,
    days_between,
    in_window,
    keyed,
    new_clients,
    open_at_end,
    pareto_core,
    per_year,
    ratio,
    rows_of,
    share,
    upto,
    window_months,
)

CLIENT_STATUSES = ("new", "active", "sleeping", "lost")

_INT_AGGS = {"size", "count", "nunique"}


# --------------------------------------------------------------------------- helpers


def _days_before(end, dates: pd.Series) -> pd.Series:
    """Calendar days from each date's day to the end day (float64)."""
    return ((day(end) - dates.dt.normalize()) / DAY).astype("float64")


def _quantile(q: float):
    """A named aggregation function: the q-quantile (linear interpolation) of a group."""

    def quantile(values: pd.Series) -> float:
        return values.quantile(q)

    return quantile


def _aggregate(df: pd.DataFrame, by: str | None, **aggs: tuple) -> pd.DataFrame:
    """Named aggregations per value of ``by`` (NA kept as a group), or one row (index 0) for the
    whole frame when ``by`` is None — also when ``df`` is empty (counts 0, statistics NaN).
    Counts (size/count/nunique and sums of bool columns) come back as int64."""
    if by is None:
        out = df.groupby(np.zeros(len(df), dtype="int8")).agg(**aggs).reindex([0])
    else:
        out = df.groupby(by, dropna=False, sort=True).agg(**aggs)
    ints = [
        name
        for name, (col, func) in aggs.items()
        if func in _INT_AGGS or (func == "sum" and df[col].dtype == bool)
    ]
    sums = [name for name, (_, func) in aggs.items() if func == "sum"]
    out[sums] = out[sums].fillna(0.0)
    out[ints] = out[ints].fillna(0).astype("int64")
    return out


def _finish(out: pd.DataFrame, by: str | None) -> dict | pd.DataFrame:
    """The aggregated frame as a dict (``by`` None) or with the key as the first column."""
    if by is None:
        return {c: out[c].iloc[0].item() for c in out.columns}
    return out.reset_index()


def _breakdown(deals: pd.DataFrame, by: str | None, clients: pd.DataFrame | None) -> pd.DataFrame | None:
    """deals carrying the breakdown column ``by`` — taken from ``clients`` via client_id when the
    deals lack it (e.g. segment); None when that column is not available."""
    if by is None:
        return deals
    if by not in deals.columns and available(clients, by) and "client_id" in deals.columns:
        lookup = clients.drop_duplicates("client_id").set_index("client_id")[by]
        deals = deals.assign(**{by: deals["client_id"].map(lookup)})
    return deals if available(deals, by) else None


def _closed_in(deals: pd.DataFrame, start, end) -> pd.DataFrame:
    """Won and lost deals whose closed_at falls in [start, end]."""
    closed = deals["status"].isin(["won", "lost"]) & in_window(deals["closed_at"], start, end)
    return deals[closed.fillna(False)]


def _won_in(
    deals: pd.DataFrame, start, end, by: str | None, clients: pd.DataFrame | None
) -> pd.DataFrame | None:
    """Deals won in [start, end] carrying the breakdown column ``by`` (None when not available)."""
    closed = _breakdown(_closed_in(deals, start, end), by, clients)
    return None if closed is None else closed[closed["status"] == "won"]


def won_cycle_days(deals: pd.DataFrame, start, end) -> pd.Series:
    """Days from creation to winning (float, ≥ 0) of the deals won in [start, end]: the sample the
    sales-cycle median is taken of (a re-audit bootstraps it)."""
    won = _won_in(deals, start, end, None, None)
    if won is None or won.empty:
        return pd.Series(dtype="float64")
    days = days_between(won["closed_at"], won["created_at"])
    return days[days >= 0].reset_index(drop=True)


# ------------------------------------------------------------------------ acquisition

_FUNNEL = ("mql", "sql", "won")


def _lead_flags(leads: pd.DataFrame, deals: pd.DataFrame | None, start, end) -> pd.DataFrame:
    """Leads created in [start, end] with float flags mql/sql/won reached by the end day.

    The funnel is monotone: won implies SQL, SQL implies MQL. A stage whose source column
    (mql_at, sql_at, leads.deal_id + deals) is not available is all-NaN."""
    lf = leads[in_window(leads["created_at"], start, end)]
    won_ids = pd.Series([], dtype="string")
    if deals is not None:
        closed_at = deals["closed_at"]
        won_by_end = (deals["status"] == "won") & (upto(closed_at, end) | closed_at.isna())
        won_ids = deals.loc[won_by_end, "deal_id"]
    won = lf["deal_id"].isin(won_ids)
    sql = (upto(lf["sql_at"], end) | won).astype(bool)
    mql = (upto(lf["mql_at"], end) | sql).astype(bool)
    flags = pd.DataFrame({"mql": mql, "sql": sql, "won": won}, index=lf.index).astype("float64")
    tracked = {
        "mql": available(leads, "mql_at"),
        "sql": available(leads, "sql_at"),
        "won": deals is not None and available(leads, "deal_id"),
    }
    for stage, ok in tracked.items():
        if not ok:
            flags[stage] = np.nan
    return pd.concat([lf[["source", "channel"]], flags], axis=1)


def acquisition(
    leads: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    start,
    end,
    by: str | None = "source",
) -> dict | pd.DataFrame | None:
    """Lead → MQL → SQL → won funnel of the leads created in [start, end], per ``by``
    ("source" or "channel"; None = whole funnel).

    A lead is MQL/SQL when mql_at/sql_at is on or before the end day, won when its deal_id is a
    won deal closed by the end day; the funnel is monotone (won ⇒ SQL ⇒ MQL).
    Keys: leads (int64); mql, sql, won (float64, NaN when that stage is not tracked);
    mql_rate = mql/leads, sql_rate = sql/mql, sql_to_won = won/sql, overall = won/leads (float64).
    """
    if leads is None or (by is not None and not available(leads, by)):
        return None
    flags = _lead_flags(leads, deals, start, end)
    aggs = {"leads": ("mql", "size")} | {s: (s, "sum") for s in _FUNNEL}
    out = _aggregate(flags, by, **aggs)
    for stage in _FUNNEL:
        if flags[stage].isna().all():
            out[stage] = np.nan
    out["mql_rate"] = share(out["mql"], out["leads"])
    out["sql_rate"] = share(out["sql"], out["mql"])
    out["sql_to_won"] = share(out["won"], out["sql"])
    out["overall"] = share(out["won"], out["leads"])
    return _finish(out, by)


def funnel_rates(leads: pd.DataFrame | None, deals: pd.DataFrame | None, start, end) -> dict | None:
    """The whole lead funnel: ``acquisition(..., by=None)`` (same keys)."""
    return acquisition(leads, deals, start, end, by=None)


def big_groups(table: pd.DataFrame, size: str, total: float, min_size: int = 10,
               min_share: float = 0.02) -> pd.DataFrame:
    """The rows of a breakdown large enough to be compared: ``size`` ≥ max(min_size, min_share ×
    total) (by default 10 leads and 2% of all)."""
    return table[table[size] >= max(min_size, min_share * total)]


def source_spread(by_source: pd.DataFrame, total_leads: float) -> dict | None:
    """Best and worst lead → won conversion among the sources large enough to compare
    (`big_groups`, with a known conversion). Keys: best, worst (the source keys), best_rate,
    worst_rate (shares), times = best / worst (inf when the worst converts nothing). None with fewer
    than two such sources or when the best converts nothing."""
    ranked = big_groups(by_source, "leads", total_leads)
    ranked = ranked[ranked["overall"].notna()].sort_values("overall", kind="stable")
    if len(ranked) < 2 or not ranked.iloc[-1]["overall"] > 0:
        return None
    best, worst = ranked.iloc[-1], ranked.iloc[0]
    return {"best": best["source"], "worst": worst["source"], "best_rate": float(best["overall"]),
            "worst_rate": float(worst["overall"]),
            "times": ratio(best["overall"], worst["overall"]) if worst["overall"] > 0 else np.inf}


def acquired_clients(
    start,
    end,
    *,
    orders: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    clients: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """The clients acquired in [start, end] and the channel each was acquired from.

    A client is acquired (new) in the window when its first counted order ever falls in it
    (`_common.new_clients`, the new clients of Stage 1); without orders, when its first won deal
    ever (by closed_at) closes in it (a won deal without client_id is its own client, keyed by its
    deal_id as the loader does). Channel: clients.acquisition_channel, else the channel of the
    client's first won deal, else NA (not recorded: a row of its own).
    Columns: client_id (string), acquired_at (datetime64), channel (string). None without orders
    and deals.
    """
    won = None
    if deals is not None:
        won = deals[(deals["status"] == "won") & deals["closed_at"].notna()]
        won = won.assign(client_id=won["client_id"].fillna(won["deal_id"]))
        won = won.sort_values("closed_at", kind="stable").drop_duplicates("client_id")
    if orders is not None:
        first = new_clients(orders, start, end)
    elif won is not None:
        first = won.set_index("client_id")["closed_at"]
        first = first[in_window(first, start, end)].sort_index()
    else:
        return None
    out = pd.DataFrame({"client_id": first.index.astype("string"), "acquired_at": first.to_numpy()})
    channel = pd.Series(pd.NA, index=out.index, dtype="string")
    if available(clients, "acquisition_channel"):
        own = clients.drop_duplicates("client_id").set_index("client_id")["acquisition_channel"]
        channel = channel.fillna(out["client_id"].map(own).astype("string"))
    if won is not None and available(won, "channel"):
        channel = channel.fillna(out["client_id"].map(won.set_index("client_id")["channel"]).astype("string"))
    return out.assign(channel=channel)


def _costs_and_clients(marketing_costs, deals, start, end, orders, clients) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """What a CAC divides: the marketing_costs rows of the months overlapping [start, end] and the
    clients acquired in the window (`acquired_clients`). None without marketing costs or without
    orders and deals."""
    if marketing_costs is None:
        return None
    acquired = acquired_clients(start, end, orders=orders, deals=deals, clients=clients)
    if acquired is None:
        return None
    month = marketing_costs["period"]
    return marketing_costs[(month >= day(start).to_period("M").start_time) & upto(month, end)], acquired


def cac_by_channel(
    marketing_costs: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    start,
    end,
    *,
    orders: pd.DataFrame | None = None,
    clients: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """CAC by channel = marketing cost of the channel in the period / clients acquired from it
    (`acquired_clients`; money per new client).

    Cost: marketing_costs rows whose month overlaps [start, end]. One row per channel with a cost
    row or an acquired client, sorted by channel; the clients whose channel is not recorded are a
    row of their own (channel NA, no cost of its own). The rows sum back to `blended_cac`:
    Σ over channels of cac × new_clients = Σ recorded cost of the channels that acquired someone,
    which is blended CAC × all new clients when every channel with a cost acquired a client.
    Columns: channel (string), cost (float64, NaN when the channel has no cost row),
    new_clients (int64), cac (float64, NaN when no new client or no cost).
    None without marketing costs, or when no channel is recorded anywhere.
    """
    if not (available(clients, "acquisition_channel") or available(deals, "channel")):
        return None
    found = _costs_and_clients(marketing_costs, deals, start, end, orders, clients)
    if found is None:
        return None
    costs, acquired = found
    cost = costs.groupby("channel")["cost"].sum()
    new = acquired.groupby("channel", dropna=False).size()
    out = pd.concat([cost.rename("cost"), new.rename("new_clients")], axis=1).rename_axis("channel")
    out["new_clients"] = out["new_clients"].fillna(0).astype("int64")
    out["cac"] = share(out["cost"], out["new_clients"])
    out = out.sort_index(na_position="last").reset_index()
    return out.astype({"channel": "string"})


def blended_cac(
    marketing_costs: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    start,
    end,
    *,
    orders: pd.DataFrame | None = None,
    clients: pd.DataFrame | None = None,
) -> dict | None:
    """CAC (blended) = all marketing cost of the period / all clients acquired in it (money per new
    client): the one CAC of the audit (Stage 1's LTV:CAC and Stage 2 use it); `cac_by_channel`
    breaks it down. Cost: marketing_costs rows whose month overlaps [start, end]; new clients:
    `acquired_clients` (whatever their channel).
    Keys: cost (float64, Σ cost), new_clients (int64), new_clients_paid_channels (int64, acquired
    from a channel with a cost row), cac (float64, NaN without a new client or without any cost row
    in the period), cost_without_new_clients (float64, Σ cost of the channels that acquired
    nobody: inside the blended figure, in no channel's CAC), average_won_deal (float64, deals won in the period), cac_to_won_deal (= cac /
    average won deal, a currency-free ratio; NaN when either is unknown).
    None without marketing costs or without orders and deals.
    """
    found = _costs_and_clients(marketing_costs, deals, start, end, orders, clients)
    if found is None:
        return None
    costs, acquired = found
    paid = acquired["channel"].isin(costs["channel"].dropna().unique())
    cost = float(costs["cost"].sum())
    idle = ~costs["channel"].isin(acquired["channel"].dropna().unique())
    cac = ratio(cost, len(acquired)) if len(costs) else np.nan
    average = average_won_deal(deals, start, end)["average_won_deal"] if deals is not None else np.nan
    return {
        "cost": cost,
        "new_clients": len(acquired),
        "new_clients_paid_channels": int(paid.sum()),
        "cac": cac,
        "cost_without_new_clients": float(costs.loc[idle, "cost"].sum()),
        "average_won_deal": average,
        "cac_to_won_deal": ratio(cac, average) if not np.isnan(cac) else np.nan,
    }


def activities_per_won_deal(
    activities: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    start,
    end,
    by: str | None = None,
    clients: pd.DataFrame | None = None,
) -> dict | pd.DataFrame | None:
    """Conversations per won deal: activities linked (deal_id) to deals won in [start, end],
    dated on or before the deal's close day, / those won deals; per ``by`` (e.g. channel).
    Keys: won_deals, activities (int64), activities_per_won_deal (float64)."""
    if activities is None or deals is None or not available(activities, "deal_id"):
        return None
    won = _won_in(deals, start, end, by, clients)
    if won is None:
        return None
    activities, won = keyed("deal_id", activities, won)
    at = rows_of(won["deal_key"].to_numpy(), activities["deal_key"].to_numpy())  # the activity's won deal, -1 if none
    close_day = pd.Series(won["closed_at"].to_numpy(), dtype=won["closed_at"].dtype).dt.normalize().to_numpy()
    on_time = at >= 0
    on_time[on_time] = activities["date"].to_numpy()[on_time] < close_day[at[on_time]] + DAY
    won = won.assign(_activities=np.bincount(at[on_time], minlength=len(won)))
    out = _aggregate(won, by, won_deals=("deal_id", "size"), activities=("_activities", "sum"))
    out["activities"] = out["activities"].astype("int64")
    out["activities_per_won_deal"] = share(out["activities"], out["won_deals"])
    return _finish(out, by)


# ---------------------------------------------------------------------- deal outcomes


def win_rate(
    deals: pd.DataFrame | None, start, end, by: str | None = None, clients: pd.DataFrame | None = None
) -> dict | pd.DataFrame | None:
    """Win rate over deals closed (won or lost) in [start, end]; open deals never count.

    win_rate = won / (won + lost); win_rate_value = won_value / (won_value + lost_value) with
    amounts summed the same way (missing amounts count as 0).
    Keys: won, lost (int64), win_rate, won_value, lost_value, win_rate_value (float64)."""
    if deals is None:
        return None
    closed = _breakdown(_closed_in(deals, start, end), by, clients)
    if closed is None:
        return None
    is_won = (closed["status"] == "won").astype(bool)
    closed = closed.assign(
        _won=is_won,
        _lost=~is_won,
        _won_value=closed["amount"].where(is_won, 0.0),
        _lost_value=closed["amount"].where(~is_won, 0.0),
    )
    out = _aggregate(
        closed, by, won=("_won", "sum"), lost=("_lost", "sum"),
        won_value=("_won_value", "sum"), lost_value=("_lost_value", "sum"),
    )
    out["win_rate"] = share(out["won"], out["won"] + out["lost"])
    out["win_rate_value"] = share(out["won_value"], out["won_value"] + out["lost_value"])
    return _finish(out[["won", "lost", "win_rate", "won_value", "lost_value", "win_rate_value"]], by)


def average_won_deal(
    deals: pd.DataFrame | None, start, end, by: str | None = None, clients: pd.DataFrame | None = None
) -> dict | pd.DataFrame | None:
    """Average won deal = mean amount of the deals won in [start, end] that have an amount.
    Keys: won_deals (int64, all won deals), won_value (float64, Σ amount),
    average_won_deal (float64)."""
    if deals is None:
        return None
    won = _won_in(deals, start, end, by, clients)
    if won is None:
        return None
    out = _aggregate(
        won, by,
        won_deals=("deal_id", "size"), won_value=("amount", "sum"), average_won_deal=("amount", "mean"),
    )
    return _finish(out, by)


def closed_deals_per_year(deals: pd.DataFrame | None, start, end) -> float:
    """Deals closed (won + lost) in [start, end] a year = their count / `window_years` (the
    Stage 6 volume of the win rate's money at stake). NaN without deals."""
    rate = win_rate(deals, start, end)
    return per_year(rate["won"] + rate["lost"], start, end) if rate else np.nan


def win_rate_breakdown(
    deals: pd.DataFrame | None, start, end, by: str, clients: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """`win_rate` per value of ``by`` with closed = won + lost and the group's `average_won_deal`
    (NA key kept as its own row). None when the breakdown is not available."""
    rates = win_rate(deals, start, end, by=by, clients=clients)
    if rates is None:
        return None
    average = average_won_deal(deals, start, end, by=by, clients=clients)
    out = rates.merge(average[[by, "average_won_deal"]], on=by, how="left")
    return out.assign(closed=out["won"] + out["lost"])


def sales_cycle(
    deals: pd.DataFrame | None, start, end, by: str | None = None, clients: pd.DataFrame | None = None
) -> dict | pd.DataFrame | None:
    """Sales cycle = days from created_at to closed_at of the deals won in [start, end]
    (deals without either date or with a negative duration are left out); ``by`` may be a deals
    column (channel, manager_id, ...) or a clients column such as segment.
    Keys: won_deals (int64, deals measured), median_days, p75_days (float64)."""
    if deals is None:
        return None
    won = _won_in(deals, start, end, by, clients)
    if won is None:
        return None
    won = won.assign(_days=days_between(won["closed_at"], won["created_at"]))
    won = won[won["_days"] >= 0]
    out = _aggregate(
        won, by,
        won_deals=("_days", "size"),
        median_days=("_days", "median"),
        p75_days=("_days", _quantile(0.75)),
    )
    return _finish(out, by)


def cycle_breakdown(
    deals: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    start,
    end,
    by: str,
    clients: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """`sales_cycle` per value of ``by`` with the group's `activities_per_won_deal` (NaN when
    activities carry no deal_id or are missing); NA key kept as its own row. None when the
    breakdown is not available."""
    cycle = sales_cycle(deals, start, end, by=by, clients=clients)
    if cycle is None:
        return None
    acts = activities_per_won_deal(activities, deals, start, end, by=by, clients=clients)
    if acts is None:
        return cycle.assign(activities_per_won_deal=np.nan)
    return cycle.merge(acts[[by, "activities_per_won_deal"]], on=by, how="left")


def lost_reasons(deals: pd.DataFrame | None, start, end) -> pd.DataFrame | None:
    """Pareto of the reasons of deals lost in [start, end] (NA = reason not recorded, its own row),
    sorted by count descending. Columns: lost_reason (string), deals (int64), share,
    cumulative_share (float64, of all lost deals), amount (float64, Σ amount)."""
    if deals is None or not available(deals, "lost_reason"):
        return None
    lost = _closed_in(deals, start, end)
    lost = lost[lost["status"] == "lost"]
    out = lost.groupby("lost_reason", dropna=False).agg(
        deals=("deal_id", "size"), amount=("amount", "sum")
    )
    out = out.sort_values(["deals", "amount"], ascending=False, kind="stable").reset_index()
    out["share"] = share(out["deals"], pd.Series(out["deals"].sum(), index=out.index))
    out["cumulative_share"] = out["share"].cumsum()
    return out[["lost_reason", "deals", "share", "cumulative_share", "amount"]]


def lost_reasons_summary(pareto: pd.DataFrame, cut: float = 0.8) -> dict:
    """The core of a `lost_reasons` Pareto: the recorded reasons that make up the first ``cut``
    (80%) of the lost deals with a recorded reason (`_common.pareto_core`).
    Keys: core (DataFrame: lost_reason, deals, amount, share and cumulative_share of the recorded
    reasons), core_share (core deals / all lost deals, recorded or not), core_amount (Σ amount of the
    core), lost (int, all lost deals), missing (int, lost deals without a reason), missing_share
    (missing / lost; NaN without lost deals)."""
    named = pareto[pareto["lost_reason"].notna()]
    total = int(pareto["deals"].sum())
    missing = int(pareto.loc[pareto["lost_reason"].isna(), "deals"].sum())
    core = pareto_core(named[["lost_reason", "deals", "amount"]], "deals", cut)
    return {
        "core": core.reset_index(drop=True),
        "core_share": ratio(core["deals"].sum(), total),
        "core_amount": float(core["amount"].sum()),
        "lost": total,
        "missing": missing,
        "missing_share": ratio(missing, total),
    }


def sales_velocity(deals: pd.DataFrame | None, start, end) -> dict | None:
    """Sales velocity (money per day) = open deals at the end date × win rate × average won deal
    / median sales cycle in days, the last three over deals closed in [start, end].
    Keys: open_deals (int64), win_rate, average_won_deal, median_cycle_days, velocity (float64),
    velocity_per_month (= velocity × 30.4375 days, money per month)."""
    if deals is None:
        return None
    open_deals = int(open_at_end(deals, end).sum())
    rate = win_rate(deals, start, end)["win_rate"]
    average = average_won_deal(deals, start, end)["average_won_deal"]
    cycle = sales_cycle(deals, start, end)["median_days"]
    return {
        "open_deals": open_deals,
        "win_rate": rate,
        "average_won_deal": average,
        "median_cycle_days": cycle,
        "velocity": ratio(open_deals * rate * average, cycle),
        "velocity_per_month": ratio(open_deals * rate * average, cycle) * DAYS_PER_MONTH,
    }


# --------------------------------------------------------------------------- pipeline


def open_pipeline(
    deals: pd.DataFrame | None,
    end,
    by: str | None = None,
    stage_probability: Mapping[str, float] | None = None,
    clients: pd.DataFrame | None = None,
) -> dict | pd.DataFrame | None:
    """Open pipeline at the end date: deals created on/before it (unknown creation counts) and not
    closed by it; per ``by`` (manager_id, channel, lead_source, stage, ...).

    probability = the deal's probability (0..1), else ``stage_probability[stage]`` (0..1).
    Keys: open_deals (int64), amount (float64, Σ amount), weighted_amount (float64,
    Σ amount × probability), without_probability (int64, open deals with no probability at all).
    """
    if deals is None:
        return None
    pipe = _breakdown(deals[open_at_end(deals, end)], by, clients)
    if pipe is None:
        return None
    by_stage = pipe["stage"].map(dict(stage_probability or {})).astype("float64")
    probability = pipe["probability"].fillna(by_stage)
    pipe = pipe.assign(
        _weighted=pipe["amount"] * probability, _no_probability=probability.isna().astype(bool)
    )
    out = _aggregate(
        pipe, by, open_deals=("deal_id", "size"), amount=("amount", "sum"),
        weighted_amount=("_weighted", "sum"), without_probability=("_no_probability", "sum"),
    )
    return _finish(out, by)


def with_team(deals: pd.DataFrame, managers: pd.DataFrame | None) -> pd.DataFrame:
    """Deals with the team of their manager (managers.team) as a column ``team`` when the register
    has two teams or more (NA for a manager without a team: its own row); else the deals as given."""
    if managers is None or "manager_id" not in deals.columns or managers["team"].dropna().nunique() < 2:
        return deals
    team = managers.drop_duplicates("manager_id").set_index("manager_id")["team"]
    return deals.assign(team=deals["manager_id"].map(team))


def pipeline_split(table: pd.DataFrame) -> pd.DataFrame:
    """An `open_pipeline` breakdown as its weighted part and the rest (amount − weighted amount),
    money, on the table's index: the two parts of a stacked bar."""
    return pd.DataFrame({"weighted_amount": table["weighted_amount"],
                         "rest": table["amount"] - table["weighted_amount"]}, index=table.index)


def remaining_plan(plans: pd.DataFrame | None, end, until=None, metric: str = "revenue") -> float | None:
    """Σ target of ``metric`` plan periods starting after the end day (up to ``until`` inclusive;
    None = all later periods). Company-level rows (no manager_id) are used when any exist among
    them, else the per-manager rows are summed. None without plans."""
    if plans is None:
        return None
    rows = plans[(plans["metric"] == metric) & ~upto(plans["period"], end)]
    if until is not None:
        rows = rows[upto(rows["period"], until)]
    company = rows["manager_id"].isna()
    return float(rows.loc[company, "target"].sum() if company.any() else rows["target"].sum())


def pipeline_coverage(
    deals: pd.DataFrame | None,
    plans: pd.DataFrame | None,
    start,
    end,
    until=None,
    stage_probability: Mapping[str, float] | None = None,
    horizon_months: int | None = None,
) -> dict | None:
    """Coverage of the remaining revenue plan by the pipeline open at the end date.

    Remaining plan: `remaining_plan` of the periods after the end day up to ``until`` (or the end
    date + ``horizon_months`` calendar months; neither = all later periods). With
    ``horizon_months``, when no plan is left after the end date (the plans stop there), the plan
    of the last ``horizon_months`` months up to the end date stands in (plan_is_proxy True).
    - coverage = open pipeline (Σ amount) / remaining plan; its norm is 1 / win rate (deals
      closed in [start, end]: won / (won + lost)), NaN without any lost deal (the CRM keeps only
      won deals, so there is no win rate).
    - weighted_coverage = weighted pipeline (Σ amount × probability, see `open_pipeline`) /
      remaining plan; its norm is 1.0 — the probability is already inside the weighting, so
      1 / win rate is never applied to it.
    Keys: open_pipeline, weighted_pipeline, remaining_plan (money), plan_is_proxy (bool),
    win_rate, coverage, coverage_norm, pipeline_needed (= remaining plan × coverage norm: the open
    pipeline the plan needs at the current win rate, money), weighted_coverage,
    weighted_coverage_norm (float). Coverages are NaN when no plan remains. None without deals
    or plans.
    """
    if deals is None or plans is None:
        return None
    pipe = open_pipeline(deals, end, stage_probability=stage_probability)
    if until is None and horizon_months is not None:
        until = day(end) + pd.DateOffset(months=horizon_months)
    plan, proxy = remaining_plan(plans, end, until), False
    if not plan and horizon_months is not None:
        plan = remaining_plan(plans, day(end) - pd.DateOffset(months=horizon_months), end)
        plan, proxy = (plan if plan else 0.0), True
    closed = win_rate(deals, start, end)
    rate = closed["win_rate"] if closed["lost"] else np.nan
    norm = ratio(1.0, rate)
    return {
        "open_pipeline": pipe["amount"],
        "weighted_pipeline": pipe["weighted_amount"],
        "remaining_plan": plan,
        "plan_is_proxy": proxy,
        "win_rate": rate,
        "coverage": ratio(pipe["amount"], plan),
        "coverage_norm": norm,
        "pipeline_needed": plan * norm if plan else np.nan,
        "weighted_coverage": ratio(pipe["weighted_amount"], plan),
        "weighted_coverage_norm": 1.0,
    }


# ------------------------------------------------------------------------ stage analysis


def stage_durations(
    stage_history: pd.DataFrame | None, end, deals: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """Days in stage per stage_history entry on or before the end day: until the deal's next
    entered_at. A deal's last entry runs until closed_at when the deal was closed by the end date
    (NaN without closed_at), else — open, or unknown without deals — until the end date, flagged
    ``open``. Negative spans are clipped to 0.
    Columns: deal_id, stage (string), entered_at (datetime64), days (float64), open (bool); rows
    grouped by deal (in the order of the deals' keys), each deal's entries by time."""
    stays = _durations(stage_history, end, deals)
    if stays is None:
        return None
    frame = stays.entries.iloc[stays.order][["deal_id", "stage", "entered_at"]]
    return frame.assign(days=stays.days, open=stays.open).reset_index(drop=True)


@dataclass(frozen=True)
class _Stays:
    """The stage_history entries up to the end day and their stays (:func:`stage_durations`), as
    arrays over the entries sorted by deal, then entered time."""

    entries: pd.DataFrame  # stage_history as given (keyed by deal)
    order: np.ndarray  # positions in ``entries`` of the entries up to the end day, by deal then entered time
    deal: np.ndarray  # per sorted entry, its deal as a code: 0, 0, 1, 2, 2, … (int64, every code used)
    entered: np.ndarray  # per sorted entry, entered_at (datetime64)
    days: np.ndarray  # per sorted entry, days in stage (float64)
    open: np.ndarray  # per sorted entry, an open last stay (bool)
    won: np.ndarray | None  # per deal code, whether the deal was won (bool; None without deals)


def _durations(stage_history: pd.DataFrame | None, end, deals: pd.DataFrame | None) -> _Stays | None:
    """:func:`stage_durations` as arrays. The deals are joined on their shared keys and the
    entries are only reordered, never regrouped: no id is hashed here."""
    if stage_history is None:
        return None
    h, deals = keyed("deal_id", stage_history, deals)
    kept = np.flatnonzero(upto(h["entered_at"], end).to_numpy())  # positions: the entries are not copied
    history_key, entered = h["deal_key"].to_numpy()[kept].astype("int64"), h["entered_at"].to_numpy()[kept]
    by_deal = _by_deal_then_time(history_key, entered)
    order, history_key, entered = kept[by_deal], history_key[by_deal], entered[by_deal]
    new_deal = np.r_[True, history_key[1:] != history_key[:-1]] if len(order) else np.zeros(0, dtype=bool)
    codes = np.cumsum(new_deal)
    codes -= 1
    last = np.append(codes[1:] != codes[:-1], True) if len(order) else np.zeros(0, dtype=bool)
    never = np.datetime64("NaT")
    until = np.roll(entered, -1)  # the next entry's time; arrays of a row each are changed in place
    until[last] = never
    won = None
    is_open = np.ones(len(order), dtype=bool)
    if deals is not None:
        at = rows_of(deals["deal_key"].to_numpy(), history_key[new_deal])
        known = at >= 0  # each deal of the history: its row in deals, -1 if none

        def per_deal(values: np.ndarray, missing) -> np.ndarray:
            """A deals column per deal of the history (`missing` for a deal not in deals)."""
            out = np.full(len(at), missing, dtype=values.dtype)
            out[known] = values[at[known]]
            return out

        is_open = ~per_deal(~open_at_end(deals, end).to_numpy(), False)[codes]
        won = per_deal((deals["status"] == "won").fillna(False).to_numpy(dtype=bool), False)
        closed_last = last & ~is_open
        until[closed_last] = per_deal(deals["closed_at"].to_numpy(), never)[codes[closed_last]]
    open_last = last & is_open
    until[open_last] = day(end).to_datetime64()
    days = (until - entered) / np.timedelta64(1, "D")
    np.maximum(days, 0, out=days)  # negative spans clipped to 0; NaN stays
    return _Stays(h, order, codes, entered, days, open_last, won)


def _by_deal_then_time(codes: np.ndarray, entered: np.ndarray) -> np.ndarray:
    """Row order by deal code, then entered time, ties in row order (a stable sort). Whole-second
    times are packed with the code into one int64 key, which sorts several times faster than
    np.lexsort on the two; other times (NaT, fractions of a second) are sorted by np.lexsort."""
    seconds = entered.astype("datetime64[s]")  # a copy of its own: the key is made in it
    if len(codes) and not np.isnat(entered).any() and (seconds == entered).all():
        key = seconds.view("int64")
        key -= key.min()
        if int(key.max()) < 2**31 and int(codes.max()) < 2**31:
            key |= codes.astype("int64", copy=False) << 31
            return np.argsort(key, kind="stable")
    return np.lexsort((entered, codes))


class _Cells(NamedTuple):
    """One entry per (deal, stage) entered, by stage code then deal."""

    deal: np.ndarray  # deal code
    code: np.ndarray  # stage code
    days: np.ndarray  # float64: days in the stage, visits summed (NaN when none is timed)
    open: np.ndarray  # bool: the deal's open stay is in this stage


class _FirstEntries(NamedTuple):
    """The same cells by deal, then first entry, then stage code."""

    deal: np.ndarray
    code: np.ndarray
    pos: np.ndarray  # 0.. within the deal


def _per_deal_and_stage(
    days: np.ndarray, is_open: np.ndarray, entered: np.ndarray, deal: np.ndarray, code: np.ndarray, n_names: int
) -> tuple[_Cells, _FirstEntries]:
    """The visits (``days`` in stage, ``is_open`` stay, ``entered`` time, ``deal`` 0, 0, 1, … and
    stage ``code`` 0..n_names−1 per visit; sorted by deal, then time) summed per deal and stage. The
    visits are put in stage order once (a stable radix sort of the small codes keeps each stage's
    visits by deal, then time), so every cell's visits are adjacent and summed in one ordered pass;
    the results stay arrays (no frame is built of millions of rows)."""
    rows = np.argsort(code, kind="stable")
    c, d = code[rows], deal[rows]
    starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (d[1:] != d[:-1])]) if len(rows) else rows
    if len(rows):
        stay = days[rows]
        timed = ~np.isnan(stay)
        summed = np.add.reduceat(np.where(timed, stay, 0.0), starts)
        cells = _Cells(d[starts], c[starts], np.where(np.logical_or.reduceat(timed, starts), summed, np.nan),
                       np.logical_or.reduceat(is_open[rows], starts))
    else:
        cells = _Cells(d, c, days[rows], is_open[rows])
    rows = np.sort(rows[starts])  # each cell's first visit, by deal, then entry time, then row
    at, d = entered[rows], deal[rows]
    tie = np.cumsum(np.r_[True, (d[1:] != d[:-1]) | (at[1:] != at[:-1])]) if len(rows) else np.zeros(0, "int64")
    rows = rows[np.argsort(tie * n_names + code[rows], kind="stable")]  # equal entry times: by code
    d = deal[rows]
    starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]]) if len(rows) else np.zeros(0, "int64")
    return cells, _FirstEntries(d, code[rows], np.arange(len(rows)) - starts[d])


@dataclass(frozen=True)
class StageAnalysis:
    """Result of :func:`stage_analysis`.

    stages: one row per to-be stage in order, then observed stages outside the to-be model —
      stage (string), in_to_be (bool), entered (int64, deals that entered it), reached_next
      (Int64, of those, deals that also entered the next to-be stage), conversion
      (= reached_next / entered), drop_off (= 1 − conversion), dropped (Int64, entered −
      reached_next), skipped (Int64, deals that entered a later to-be stage but never this one),
      skip_share (= skipped / deals that entered a later to-be stage), median_days, p90_days
      (days in stage per deal, visits summed, open stays counted until the end date),
      open_in_stage (int64, deals whose open stay is in this stage), norm, gap (= norm − conversion).
    bottleneck: the stage with the largest positive gap, else None.
    as_is: most common per-deal order of first entries (over won deals when deals are given and
      any won deal has history, else over all deals); as_is_share: share of those deals on it.
    to_be: the to-be order used; in_to_be_order_share: share of deals whose first entries into
      to-be stages follow the to-be order; deals_with_skips: deals that skipped a to-be stage.
    skipping: per deal with a stage history (index: deal_id), whether it skipped a to-be stage.
    """

    stages: pd.DataFrame
    bottleneck: str | None
    as_is: list[str]
    as_is_share: float
    to_be: list[str]
    in_to_be_order_share: float
    deals: int
    deals_with_skips: int
    skipping: pd.Series

    @property
    def deals_with_skips_share(self) -> float:
        """Share of the deals with a stage history that skipped a to-be stage (NaN without deals)."""
        return ratio(self.deals_with_skips, self.deals)


def _as_is(
    first: _FirstEntries, n_deals: int, names: np.ndarray, only: np.ndarray | None
) -> tuple[list[str], float]:
    """Mode of the per-deal sequences of first entries over the deals flagged in ``only`` (all when
    None); of equally common sequences, the first in stage-code order. Counted by hashing the few
    distinct sequences, not by sorting the deals."""
    width = int(first.pos.max()) + 1 if len(first.pos) else 0
    seq = np.full((n_deals, width), -1, dtype=np.int64)
    seq[first.deal, first.pos] = first.code
    if only is not None:
        seq = seq[only]
    if not len(seq):
        return [], np.nan
    counts = pd.DataFrame(seq).value_counts(sort=False)
    best = min(counts.index[counts.to_numpy() == counts.max()])
    return [str(names[c]) for c in best if c >= 0], float(counts.max() / len(seq))


def _progress(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the deal × stage "entered" matrix whose first ``k`` columns are the to-be stages in
    order: per column the deals that also entered the next to-be stage (NaN past the model), the
    deal × stage "skipped" matrix (entered a later to-be stage, never this one) and per column
    the number of deals that entered a later to-be stage."""
    n_deals, n_names = m.shape
    reached = np.full(n_names, np.nan)
    later = np.zeros((n_deals, n_names), dtype=bool)
    if k > 1:
        reached[: k - 1] = (m[:, : k - 1] & m[:, 1:k]).sum(axis=0)
        later[:, : k - 1] = np.logical_or.accumulate(m[:, k - 1 : 0 : -1], axis=1)[:, ::-1]
    return reached, later & ~m, later.sum(axis=0).astype("float64")


def _in_order_share(first: _FirstEntries, model: list[int], n_names: int) -> float:
    """Share of deals (with an entry into a to-be stage) whose first entries into the to-be stages
    (``model``: stage codes in to-be order, of ``n_names``) never go back."""
    position_of = np.full(n_names, -1)
    position_of[model] = np.arange(len(model))
    position = position_of[first.code]
    in_model = position >= 0
    if not in_model.any():
        return np.nan
    position, deal = position[in_model], first.deal[in_model]
    same = deal[1:] == deal[:-1]  # rows of one deal are adjacent
    went_back = deal[1:][same & (position[1:] < position[:-1])]  # adjacent too: count each deal once
    deals_back = int((went_back[1:] != went_back[:-1]).sum()) + 1 if len(went_back) else 0
    return float(1 - deals_back / (1 + (~same).sum()))


def stage_analysis(
    stage_history: pd.DataFrame | None,
    end,
    stages: Sequence[str] | None = None,
    deals: pd.DataFrame | None = None,
    norms: Mapping[str, float] | None = None,
) -> StageAnalysis | None:
    """Stage conversion, time in stage, skipping, bottleneck and as-is vs to-be order from
    stage_history up to the end date (see :class:`StageAnalysis` for every field).

    ``stages``: the to-be order (default: the as-is order). ``norms``: norm conversion per stage
    (default for every stage: the median of the to-be stages' conversions)."""
    found = _durations(stage_history, end, deals)
    if found is None:
        return None
    raw, seen = pd.factorize(found.entries["stage"])  # in the entries' own order: one pass; −1 = no stage
    small = np.int16 if len(seen) < 2**15 else np.int32  # the stages of a CRM are few; a wrong column is not
    raw = raw.astype(small)[found.order]  # a stage code per sorted entry
    has_stage = raw >= 0
    if has_stage.all():
        has_stage = slice(None)  # every entry names its stage: the arrays are used as they are
    entered_by_end = seen[np.bincount(raw[has_stage], minlength=len(seen)) > 0]
    kept_rows = found.deal[has_stage]  # ascending: a deal's rows are adjacent
    new_deal = np.r_[True, kept_rows[1:] != kept_rows[:-1]] if len(kept_rows) else np.zeros(0, dtype=bool)
    deal_codes, starts = np.cumsum(new_deal), np.flatnonzero(new_deal)
    deal_codes -= 1  # deals renumbered 0.. without gaps
    kept = kept_rows[starts]
    deal_ids = found.entries["deal_id"].to_numpy()[found.order[has_stage][starts]]
    to_be = list(stages or [])
    names = np.array(to_be + sorted(set(entered_by_end) - set(to_be)), dtype=object)
    code = pd.Index(names).get_indexer(seen).astype(small)[raw[has_stage]]
    n_deals, n_names = len(kept), len(names)
    cells, first = _per_deal_and_stage(found.days[has_stage], found.open[has_stage], found.entered[has_stage],
                                       deal_codes, code, n_names)
    entered = np.zeros((n_deals, n_names), dtype=bool)
    entered[cells.deal, cells.code] = True

    won = None if found.won is None else found.won[kept]
    won = won if won is not None and won.any() else None
    as_is, as_is_share = _as_is(first, n_deals, names, won)
    if not to_be:
        to_be = as_is
    order = [int(np.flatnonzero(names == s)[0]) for s in to_be] + [
        i for i in range(n_names) if names[i] not in to_be
    ]
    k = len(to_be)

    in_order = entered[:, order]
    reached, skipped_mask, later_n = _progress(in_order, k)
    skipped = skipped_mask.sum(axis=0).astype("float64")
    skipped[k:] = np.nan

    time = pd.Series(cells.days).groupby(cells.code)
    stay = pd.DataFrame({"median_days": time.median(), "p90_days": time.quantile(0.9)}).reindex(order)
    open_in = np.bincount(cells.code[cells.open], minlength=n_names)[order]

    table = pd.DataFrame({
        "stage": pd.array(names[order], dtype="string"),
        "in_to_be": np.arange(n_names) < k,
        "entered": in_order.sum(axis=0).astype("int64"),
        "reached_next": pd.array(reached, dtype="Int64"),
    })
    table["conversion"] = share(table["reached_next"].astype("float64"), table["entered"])
    table["drop_off"] = 1 - table["conversion"]
    table["dropped"] = table["entered"] - table["reached_next"]
    table["skipped"] = pd.array(skipped, dtype="Int64")
    table["skip_share"] = share(skipped, later_n)
    table["median_days"] = stay["median_days"].to_numpy()
    table["p90_days"] = stay["p90_days"].to_numpy()
    table["open_in_stage"] = open_in.astype("int64")
    norm_default = table["conversion"].median()
    table["norm"] = (
        table["stage"].map(dict(norms)).astype("float64") if norms is not None
        else pd.Series(norm_default, index=table.index).where(table["conversion"].notna())
    )
    table["gap"] = table["norm"] - table["conversion"]
    gaps = table["gap"].where(table["gap"] > 0)
    bottleneck = str(table.loc[gaps.idxmax(), "stage"]) if gaps.notna().any() else None

    return StageAnalysis(
        stages=table,
        bottleneck=bottleneck,
        as_is=as_is,
        as_is_share=as_is_share,
        to_be=to_be,
        in_to_be_order_share=_in_order_share(first, order[:k], n_names),
        deals=int(n_deals),
        deals_with_skips=int(skipped_mask.any(axis=1).sum()),
        skipping=pd.Series(skipped_mask.any(axis=1), index=pd.Index(deal_ids, name="deal_id"), name="skipped"),
    )


def skips_by(analysis: StageAnalysis, deals: pd.DataFrame | None, by: str = "manager_id") -> pd.DataFrame | None:
    """Skipped to-be stages per ``by`` (a deals column) over the deals with a stage history.
    Columns: ``by``, deals, skipped (int64: deals that skipped a to-be stage), share (= skipped /
    deals); the largest share first. None without deals or the column."""
    if not available(deals, by) or analysis.skipping.empty:
        return None
    group = analysis.skipping.index.map(deals.drop_duplicates("deal_id").set_index("deal_id")[by])
    out = analysis.skipping.groupby(group.to_numpy(), dropna=True).agg(deals="size", skipped="sum")
    out = out.rename_axis(by).reset_index().astype({"deals": "int64", "skipped": "int64"})
    out["share"] = share(out["skipped"], out["deals"])
    return out.sort_values(["share", by], ascending=[False, True], kind="stable").reset_index(drop=True)


def bottleneck_base(
    stage_history: pd.DataFrame, deals: pd.DataFrame, model: Sequence[str], stage: str, start, end
) -> dict:
    """Stage 6 money base of the bottleneck stage, from the stage_history entries in [start, end].

    Keys: entered_per_year (deals entering ``stage`` in the window a year: distinct deals /
    `window_years`), won_share_after (won / (won + lost) of the deals that entered a to-be stage
    after it — ``model`` is the to-be order —, NaN when none is closed), average_won_deal (deals won
    in the window), value_per_passed_deal (= won_share_after × average won deal: the money a deal
    passing the bottleneck brings)."""
    h = stage_history[in_window(stage_history["entered_at"], start, end)]
    later = list(model)[list(model).index(stage) + 1:] if stage in model else []
    status = deals.loc[deals["deal_id"].isin(h.loc[h["stage"].isin(later), "deal_id"]), "status"]
    won_share = ratio(int((status == "won").sum()), int(status.isin(["won", "lost"]).sum()))
    average = average_won_deal(deals, start, end)["average_won_deal"]
    return {
        "entered_per_year": per_year(h.loc[h["stage"] == stage, "deal_id"].nunique(), start, end),
        "won_share_after": won_share,
        "average_won_deal": average,
        "value_per_passed_deal": won_share * average,
    }


# ------------------------------------------------------------------------- after-sales


def _first_orders(counted: pd.DataFrame) -> pd.DataFrame:
    """Per client: first and second counted order dates (second NaT when none).
    Columns: client_id, first, second."""
    ordered = counted.sort_values(["client_id", "date"], kind="stable")
    nth = ordered.groupby("client_id").cumcount()
    first = ordered[nth == 0].set_index("client_id")["date"].rename("first")
    second = ordered[nth == 1].set_index("client_id")["date"].rename("second")
    return pd.concat([first, second], axis=1).rename_axis("client_id").reset_index()


def after_sales_contact(
    orders: pd.DataFrame | None, activities: pd.DataFrame | None, start, end, days: int = 14
) -> dict | None:
    """Share of new clients contacted after their first order: an activity with the client's
    client_id on calendar days 1..``days`` after the first counted order's day. New clients are
    those whose first counted order ever falls in [start, end − days] (the whole follow-up window
    must lie before the end date).
    Keys: new_clients, contacted (int64), contacted_share (float64)."""
    if orders is None or activities is None or not available(activities, "client_id"):
        return None
    firsts = _first_orders(counted_orders(orders, end))
    new = firsts[in_window(firsts["first"], start, day(end) - days * DAY)]
    acts = activities[["client_id", "date"]].dropna().merge(new[["client_id", "first"]], on="client_id")
    gap = days_between(acts["date"].dt.normalize(), acts["first"].dt.normalize())
    contacted = acts.loc[(gap >= 1) & (gap <= days), "client_id"].nunique()
    return {"new_clients": len(new), "contacted": int(contacted),
            "contacted_share": ratio(contacted, len(new))}


def repeat_purchase(orders: pd.DataFrame | None, start, end) -> dict | None:
    """Repeat purchases: repeat_rate = clients with ≥ 2 counted orders in [start, end] / clients
    with ≥ 1; median_days_to_second_order over new clients (first counted order ever in
    [start, end]) who placed a second counted order by the end date.
    Keys: clients, repeat_clients, new_clients, new_with_second_order (int64), repeat_rate,
    median_days_to_second_order (float64)."""
    if orders is None:
        return None
    counted = counted_orders(orders, end)
    per_client = counted[in_window(counted["date"], start, end)].groupby("client_id").size()
    firsts = _first_orders(counted)
    new = firsts[in_window(firsts["first"], start, end)]
    to_second = days_between(new["second"], new["first"]).dropna()
    repeat = int((per_client >= 2).sum())
    return {
        "clients": len(per_client),
        "repeat_clients": repeat,
        "repeat_rate": ratio(repeat, len(per_client)),
        "new_clients": len(new),
        "new_with_second_order": len(to_second),
        "median_days_to_second_order": float(to_second.median()),
    }


# --------------------------------------------------------------- relationship management


def client_status(
    orders: pd.DataFrame | None, end, active_days: int = 90, lost_days: int = 180, new_days: int = 90
) -> pd.DataFrame | None:
    """Client status at the end date from counted orders on or before it (calendar days):
    new = first order within the last ``new_days`` days; otherwise active = last order at most
    ``active_days`` days ago, sleeping = at most ``lost_days``, lost = older.
    Columns: client_id (string), first_order, last_order (datetime64), days_since_last_order
    (float64), status (string, one of CLIENT_STATUSES)."""
    if orders is None:
        return None
    per = counted_orders(orders, end).groupby("client_id").agg(
        first_order=("date", "min"), last_order=("date", "max")
    )
    since_last = _days_before(end, per["last_order"])
    since_first = _days_before(end, per["first_order"])
    status = np.select(
        [since_first <= new_days, since_last <= active_days, since_last <= lost_days],
        ["new", "active", "sleeping"],
        "lost",
    )
    per = per.assign(days_since_last_order=since_last, status=pd.array(status, dtype="string"))
    return per.reset_index().astype({"client_id": "string"})


def contact_cadence(
    activities: pd.DataFrame | None, abc: pd.Series | None, start, end
) -> pd.DataFrame | None:
    """Contact cadence per ABC class = activities with the class's clients in [start, end]
    / clients of the class / months of the window (inclusive days / 30.4375).
    ``abc``: Series client_id → class. Columns: abc_class (string), clients, activities
    (int64), activities_per_client_month, uncontacted_share (float64, clients without activity)."""
    if activities is None or abc is None or not available(activities, "client_id"):
        return None
    months = window_months(start, end)
    acts = activities[in_window(activities["date"], start, end)]
    per_client = acts["client_id"].value_counts()
    n_acts = per_client.reindex(abc.index, fill_value=0).astype("float64")
    clients = pd.DataFrame({"abc_class": abc.astype("string"), "_acts": n_acts, "_silent": n_acts == 0})
    out = clients.groupby("abc_class").agg(
        clients=("_acts", "size"), activities=("_acts", "sum"), _silent=("_silent", "sum")
    )
    out["activities"] = out["activities"].astype("int64")
    out["activities_per_client_month"] = share(out["activities"], out["clients"]) / months
    out["uncontacted_share"] = share(out.pop("_silent"), out["clients"])
    return out.reset_index()


def cross_up_sell(orders: pd.DataFrame | None, start, end) -> dict | None:
    """Cross/up-sell over clients with counted orders in both halves of [start, end]: the number
    of distinct categories (lines of counted orders with amount > 0) or the average check (net /
    counted orders) grew from the first half to the second.
    Keys: clients, category_growth, check_growth, grew (int64), category_growth_share
    (float64, NaN when category is not available), check_growth_share, share (float64)."""
    if orders is None:
        return None
    begin, stop = day(start), day(end) + DAY
    middle = begin + (stop - begin) / 2
    counted = counted_orders(orders, end)
    counted = counted[in_window(counted["date"], start, end)]
    counted = counted.assign(_half=(counted["date"] >= middle).astype("int8"))
    checks = counted.groupby(["client_id", "_half"])["net"].mean().unstack()
    has_categories = available(orders, "category")
    in_counted = orders["order_id"].isin(counted["order_id"]) & upto(orders["date"], end)
    lines = orders[in_counted & (orders["amount"] > 0)]
    lines = lines.assign(_half=lines["order_id"].map(counted.set_index("order_id")["_half"]))
    categories = lines.groupby(["client_id", "_half"])["category"].nunique().unstack()
    both = checks.reindex(columns=[0, 1]).dropna()
    check_growth = both[1] > both[0]
    categories = categories.reindex(index=both.index, columns=[0, 1])
    category_growth = categories[1] > categories[0]  # all False without categories (0 > 0)
    grew = check_growth | category_growth
    n = len(both)
    return {
        "clients": n,
        "category_growth": int(category_growth.sum()),
        "check_growth": int(check_growth.sum()),
        "grew": int(grew.sum()),
        "category_growth_share": ratio(category_growth.sum(), n) if has_categories else np.nan,
        "check_growth_share": ratio(check_growth.sum(), n),
        "share": ratio(grew.sum(), n),
    }


def revenue_new_vs_existing(
    orders: pd.DataFrame | None, start, end, freq: str = "M"
) -> pd.DataFrame | None:
    """Revenue (net of counted orders in [start, end]) per period ("M" month or "Q" quarter),
    split into new clients (first counted order ever in that period) and existing ones.
    Columns: period (datetime64, period start), new_revenue, existing_revenue, new_share (float64)."""
    if orders is None:
        return None
    counted = counted_orders(orders, end)
    first = counted.groupby("client_id")["date"].min()
    counted = counted[in_window(counted["date"], start, end)]
    period = counted["date"].dt.to_period(freq)
    is_new = (counted["client_id"].map(first).dt.to_period(freq) == period).astype(bool)
    split = counted.assign(
        period=period.dt.start_time,
        new_revenue=counted["net"].where(is_new, 0.0),
        existing_revenue=counted["net"].where(~is_new, 0.0),
    )
    out = split.groupby("period")[["new_revenue", "existing_revenue"]].sum()
    out["new_share"] = share(out["new_revenue"], out["new_revenue"] + out["existing_revenue"])
    return out.reset_index()


def new_client_start(orders: pd.DataFrame | None, start, lost_days: int) -> pd.Timestamp:
    """Earliest first-order date that can mark a client as new: the order history must reach
    ``lost_days`` back (a client silent that long counts as lost, so one buying again after a gap
    is not new), else clients who bought before the export began would look new. = max(start, day
    of the first order + lost_days)."""
    if orders is None or not len(orders):
        return day(start)
    return max(day(start), day(orders["date"].min()) + pd.Timedelta(days=lost_days))


def status_shares(status: pd.DataFrame) -> pd.Series:
    """Share of the clients of a `client_status` table in each of CLIENT_STATUSES (0 when none)."""
    return status["status"].value_counts(normalize=True).reindex(list(CLIENT_STATUSES), fill_value=0.0)


def new_revenue_share(split: pd.DataFrame | None) -> float:
    """Share of new clients in the revenue of a `revenue_new_vs_existing` table (NaN without it)."""
    if split is None or not len(split):
        return np.nan
    new = float(split["new_revenue"].sum())
    return ratio(new, new + float(split["existing_revenue"].sum()))


@dataclass(frozen=True)
class StatusBySegment:
    """Client statuses per segment (see `status_by_segment`)."""

    counts: pd.DataFrame  # segment (index; NA = no segment) × CLIENT_STATUSES: clients
    shares: pd.DataFrame  # the same as shares of the segment's clients
    clients: pd.Series  # clients per segment
    gone: pd.Series  # sleeping + lost share per segment
    overall_gone: float  # sleeping + lost share of all clients


def status_by_segment(status: pd.DataFrame, clients: pd.DataFrame) -> StatusBySegment:
    """Statuses of a `client_status` table per client segment (clients.segment; the clients
    without one are a row of their own, NA). Rows sorted by clients, descending."""
    segment = clients.drop_duplicates("client_id").set_index(clients["client_id"].drop_duplicates().astype("string"))
    with_segment = status.assign(segment=status["client_id"].map(segment["segment"]))
    counts = with_segment.groupby(["segment", "status"], dropna=False).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(CLIENT_STATUSES), fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    shares = counts.div(counts.sum(axis=1), axis=0)
    return StatusBySegment(counts=counts, shares=shares, clients=counts.sum(axis=1),
                           gone=shares["sleeping"] + shares["lost"],
                           overall_gone=float(status["status"].isin(["sleeping", "lost"]).mean()))


def churning_segment(by_segment: StatusBySegment, min_clients: int = 10, times: float = 1.5,
                     gap: float = 0.10):
    """The segment whose clients are most often sleeping or lost, when that stands out: among the
    segments of at least ``min_clients`` clients, the highest sleeping + lost share, if it is at
    least ``times`` the overall share and ``gap`` (10 points) above it; else None."""
    big = by_segment.gone[by_segment.clients.reindex(by_segment.gone.index) >= min_clients].sort_values(ascending=False)
    if len(big) and big.iloc[0] >= times * by_segment.overall_gone and big.iloc[0] - by_segment.overall_gone >= gap:
        return big.index[0]
    return None


def average_check_12m(orders: pd.DataFrame | None, end) -> dict | None:
    """Average check (net amount per counted order, `counted_orders`) of the 12 months up to the
    end day against the 12 months before — its norm: the check should not fall.
    Keys: avg_check_12m, avg_check_prior_12m (money per order), orders_per_year (int, counted
    orders of the last 12 months). None when the history does not reach a full year before the
    last one (first order later than end − 2 years + 31 days) or a year has no order."""
    if orders is None:
        return None
    totals = counted_orders(orders, end)
    year = pd.DateOffset(years=1)
    stop = day(end) + DAY
    if totals.empty or totals["date"].min() > stop - 2 * year + pd.Timedelta(days=31):
        return None
    last = totals[totals["date"] >= stop - year]
    prior = totals[(totals["date"] >= stop - 2 * year) & (totals["date"] < stop - year)]
    if last.empty or prior.empty:
        return None
    return {"avg_check_12m": float(last["net"].mean()), "avg_check_prior_12m": float(prior["net"].mean()),
            "orders_per_year": len(last)}
