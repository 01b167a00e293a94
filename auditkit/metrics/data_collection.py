"""Stage 1 metrics — data collection and goals (METHODOLOGY.md §2, Stage 1).

Dynamics, plan/fact, margin, retention, client lifetime and historical LTV, LTV:CAC, concentration,
ABC, XYZ and ABC migration. Money is in the currency of the input; shares, rates and margins are
fractions (0.25 = 25 %).

Conventions shared by every function:
- Orders arrive line by line and are netted per order by `order_totals` (auditkit.metrics._common,
  the netting of every stage). An order *counts* (order counts, active and new clients,
  lifetimes) when its net amount is > 0; orders with a net amount ≤ 0 are return-only documents.
  Revenue is the net sum of all orders, returns included, dated at the order's date (its
  earliest line), so a return line dated later still reduces the order's own period.
- Periods: freq "MS" (month), "QS" (calendar quarter) or "YS" (year), labelled by their first day
  (datetime64[ns]).
- Window [start, end]: orders dated start ≤ date < end + 1 day (the end day is included); by
  default the first and the last order date. Its periods are every period the window touches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from auditkit.metrics._common import DAY, DAYS_PER_MONTH, available as _available, client_manager
from auditkit.metrics._common import day_bounds, in_window, order_totals, ratio, ratios as _ratio
from auditkit.metrics._common import acquisition_start, new_clients, share, upto

LTV_CAC_NORM = 3.0
ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
MIGRATION_FROM = ("A", "B", "C", "new")
MIGRATION_TO = ("A", "B", "C", "lost")
PLAN_METRICS = ("revenue", "orders", "new_clients", "margin", "deals_won")

_FREQ_MONTHS = {"MS": 1, "QS": 3, "YS": 12}
# Shares and coefficients are compared with this tolerance, so that a value equal to a threshold
# up to floating-point rounding counts as equal (e.g. a cumulative share of exactly 0.80 is B).
_TOL = 1e-9


# ----------------------------------------------------------------------------- helpers

def _step(freq: str) -> int:
    try:
        return _FREQ_MONTHS[freq]
    except KeyError:
        raise ValueError(f"freq must be one of {sorted(_FREQ_MONTHS)}, got {freq!r}") from None


def _ordinal(dates: pd.Series, freq: str) -> np.ndarray:
    """Period number of each date: months since 1970-01, floor-divided by months per period."""
    months = (dates.dt.year.to_numpy(np.int64) - 1970) * 12 + dates.dt.month.to_numpy(np.int64) - 1
    return months // _step(freq)


def _period_start(ordinals: np.ndarray, freq: str) -> np.ndarray:
    """First day (datetime64[ns]) of each period number."""
    months = np.asarray(ordinals, dtype=np.int64) * _step(freq)
    return (np.datetime64("1970-01", "M") + months).astype("datetime64[ns]")


@dataclass(frozen=True)
class _Window:
    """Dates [lo, hi) and the n consecutive periods from period number p0 that they touch."""

    lo: pd.Timestamp
    hi: pd.Timestamp
    p0: int
    n: int
    freq: str

    @classmethod
    def of(cls, dates: pd.Series, freq: str, start=None, end=None) -> _Window:
        lo = pd.Timestamp(start) if start is not None else dates.min()
        last = pd.Timestamp(end) if end is not None else dates.max()
        if pd.isna(lo) or pd.isna(last):
            _step(freq)  # still reject an unknown freq
            return cls(pd.NaT, pd.NaT, 0, 0, freq)
        lo, hi = day_bounds(lo, last)
        p0, p1 = _ordinal(pd.Series([lo, last]), freq)
        return cls(lo, hi, int(p0), max(int(p1 - p0 + 1), 0), freq)

    def select(self, frame: pd.DataFrame, date: str = "date") -> pd.DataFrame:
        """Rows of `frame` dated inside the window, with their period index `p` (0 = first)."""
        if self.n == 0:
            return frame.iloc[:0].assign(p=np.zeros(0, dtype=np.int64))
        inside = frame[in_window(frame[date], self.lo, self.hi - DAY)]
        return inside.assign(p=_ordinal(inside[date], self.freq) - self.p0)

    def periods(self) -> np.ndarray:
        return _period_start(self.p0 + np.arange(self.n), self.freq)


def _codes(labels: pd.Series | None, size: int) -> tuple[np.ndarray, pd.Index]:
    """Integer group codes (sorted labels, a missing label is a group of its own)."""
    if labels is None or len(labels) == 0:
        return np.zeros(size, dtype=np.int64), pd.Index([pd.NA], dtype="string")
    codes, uniques = pd.factorize(labels, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), uniques


def _counts(g: np.ndarray, p: np.ndarray, shape: tuple[int, int], weights=None) -> np.ndarray:
    """Dense (group × period) count, or sum of `weights`, of events at codes g and periods p."""
    flat = np.bincount(np.asarray(g) * shape[1] + np.asarray(p), weights=weights,
                       minlength=shape[0] * shape[1])
    return flat.reshape(shape)


def _long_frame(arrays: dict[str, np.ndarray], labels: pd.Index, by: str | None,
                window: _Window) -> pd.DataFrame:
    """Long table [by,] period, one column per (group × period) array."""
    data = {by: labels.repeat(window.n)} if by else {}
    data["period"] = np.tile(window.periods(), len(labels))
    data.update({name: values.ravel() for name, values in arrays.items()})
    return pd.DataFrame(data)


def _top_count(n: int, share: float) -> int:
    """ceil(n × share), immune to rounding (0.07 × 100 is 7.000000000000001 in floats)."""
    return math.ceil(n * share - _TOL)


# ----------------------------------------------------------------------------- dynamics

@dataclass(frozen=True)
class _Grid:
    """Dense (group × period) dynamics arrays over a window."""

    window: _Window
    labels: pd.Index
    revenue: np.ndarray
    orders: np.ndarray
    active_clients: np.ndarray
    new_clients: np.ndarray
    cost: np.ndarray  # NaN when orders carry no cost
    revenue_costed: np.ndarray  # revenue of the orders whose cost is known

    def frame(self, by: str | None) -> pd.DataFrame:
        return _long_frame({
            "revenue": self.revenue,
            "orders": self.orders,
            "active_clients": self.active_clients,
            "new_clients": self.new_clients,
            "avg_check": _ratio(self.revenue, self.orders),
            "cost": self.cost,
            "gross_margin": _ratio(self.revenue_costed - self.cost, self.revenue_costed),
        }, self.labels, by, self.window)


def data_range(dates: pd.Series, start=None, end=None) -> tuple:
    """The window [start, end] narrowed to the dates the data hold (first to last date, over all of
    `dates`): the months before the data start or after they end are left out, not shown as months
    without sales. No dates: the window as given."""
    if not dates.notna().any():
        return start, end
    first, last = dates.min(), dates.max()
    return (first if start is None else max(pd.Timestamp(start), first),
            last if end is None else min(pd.Timestamp(end), last))


def _grid(totals: pd.DataFrame, freq: str, start, end, group: pd.Series | None = None) -> _Grid:
    """Dynamics of `totals` (order_totals) per group label of each order and period, over the periods
    of the window that the orders cover (`data_range`).

    A new client is counted in the period and group of its first counted order over the whole
    history in `totals`, and only when that order falls inside the window, from its
    `acquisition_start` on (so the periods add up to `dynamics_summary`'s new clients).
    """
    codes, labels = _codes(group, len(totals))
    totals = totals.assign(g=codes)
    window = _Window.of(totals["date"], freq, *data_range(totals["date"], start, end))
    shape = (len(labels), window.n)
    inside = window.select(totals)
    counted = inside[inside["counted"]]
    size = shape[0] * shape[1]
    known = counted[counted["client_id"].notna()]  # lines without a client count in revenue only
    clients = pd.factorize(known["client_id"])[0].astype(np.int64)
    cells = known["g"].to_numpy() * shape[1] + known["p"].to_numpy()  # flat (group, period)
    client_cells = np.unique(clients * size + cells) % size  # one per (client, group, period)
    firsts = totals[totals["counted"] & totals["client_id"].notna()].sort_values("date", kind="stable")
    firsts = firsts.drop_duplicates("client_id")
    acquired = acquisition_start(firsts["date"], start)  # the data's first month is no acquisition
    firsts = window.select(firsts if acquired is None else firsts[firsts["date"] >= pd.Timestamp(acquired)])
    costed = inside[inside["cost"].notna()]
    if totals["cost"].notna().any():
        cost = _counts(costed["g"], costed["p"], shape, costed["cost"].to_numpy())
        revenue_costed = _counts(costed["g"], costed["p"], shape, costed["amount"].to_numpy())
    else:
        cost = revenue_costed = np.full(shape, np.nan)
    return _Grid(
        window=window,
        labels=labels,
        revenue=_counts(inside["g"], inside["p"], shape, inside["amount"].to_numpy()),
        orders=_counts(counted["g"], counted["p"], shape),
        active_clients=np.bincount(client_cells, minlength=size).reshape(shape),
        new_clients=_counts(firsts["g"], firsts["p"], shape),
        cost=cost,
        revenue_costed=revenue_costed,
    )


def dynamics(orders: pd.DataFrame, freq: str = "MS", start=None, end=None) -> pd.DataFrame:
    """Sales dynamics per period of the window, every period present (empty ones as 0) from the
    period of the first order to that of the last one (`data_range`: a window wider than the data
    gets no leading or trailing zero periods).

    Columns: period; revenue (net, returns included); orders (int, counted orders);
    active_clients (int, A(t): clients with ≥ 1 counted order in t); new_clients (int, first
    counted order ever — over all of `orders`, not only the window — in t); avg_check = revenue /
    orders (NaN without orders); cost (NaN when orders carry no cost); gross_margin =
    (revenue − cost) / revenue over the orders whose cost is known (NaN without cost).
    """
    return _grid(order_totals(orders), freq, start, end).frame(None)


def dynamics_by(orders: pd.DataFrame, clients: pd.DataFrame | None, by: str = "segment",
                freq: str = "MS", start=None, end=None) -> pd.DataFrame | None:
    """`dynamics` per value of the client attribute `by` (a clients column), long format.

    Columns: <by> (missing value = its own group), period, then the columns of `dynamics`.
    None when clients or its column `by` is not available.
    """
    if not _available(clients, by):
        return None
    totals = order_totals(orders)
    group = totals["client_id"].map(clients.set_index("client_id")[by])
    return _grid(totals, freq, start, end, group).frame(by)


def year_over_year(frame: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """Each metric of a dynamics table against the same period one year (12 months) earlier.

    `frame` has a `period` column, optional group columns `by`, and numeric metric columns.
    Returns long format: [by…,] period, metric, value, value_prev_year (NaN when that period is
    not in `frame`), change_abs = value − value_prev_year, change_rel = value / value_prev_year − 1
    (NaN when value_prev_year ≤ 0).
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    metrics = [c for c in frame.columns
               if c not in keys + ["period"] and pd.api.types.is_numeric_dtype(frame[c])]
    long = frame.melt(id_vars=keys + ["period"], value_vars=metrics, var_name="metric")
    prev = long.assign(period=long["period"] + pd.DateOffset(years=1))
    out = long.merge(prev.rename(columns={"value": "value_prev_year"}),
                     on=keys + ["period", "metric"], how="left")
    out["value"] = out["value"].astype(float)
    out["value_prev_year"] = out["value_prev_year"].astype(float)
    out["change_abs"] = out["value"] - out["value_prev_year"]
    out["change_rel"] = _ratio(out["value"], out["value_prev_year"]) - 1
    return out


def has_sales(orders: pd.DataFrame | None, start=None, end=None) -> bool:
    """True when the window holds at least one counted order (net amount > 0)."""
    if orders is None or orders.empty:
        return False
    totals = order_totals(orders)
    return bool(_Window.of(totals["date"], "MS", start, end).select(totals)["counted"].any())


def revenue_growth_yoy(dyn: pd.DataFrame) -> float:
    """Revenue of the last 12 months of a dynamics table (periods whose start is less than 12
    months before the last period's) / revenue of the 12 months before − 1, as a share. NaN when
    the 12 months before are not all in the table (12 months, or 4 quarters for a table of 8
    periods or fewer) or their revenue is ≤ 0."""
    if dyn.empty:
        return np.nan
    last = dyn["period"].max()
    recent = dyn.loc[dyn["period"] > last - pd.DateOffset(months=12), "revenue"].sum()
    before = dyn[(dyn["period"] <= last - pd.DateOffset(months=12)) &
                 (dyn["period"] > last - pd.DateOffset(months=24))]
    if before["period"].nunique() < (12 if len(dyn) > 8 else 4):
        return np.nan
    return ratio(recent, before["revenue"].sum()) - 1


def dynamics_summary(orders: pd.DataFrame, freq: str = "MS", start=None, end=None) -> dict:
    """The window's totals of `dynamics`.

    Keys: revenue (net), orders (int, counted), avg_check = revenue / orders, active_clients_avg
    (mean of A(t) over the periods), new_clients (int, `_common.new_clients`: clients whose first
    counted order ever falls in the window — when the orders start inside it, from the month after
    the data's first month on), censored (bool: the orders start inside the window, in its first
    period or later, so the clients who bought first in the data's first month are not counted as
    acquisitions), first_period (the first period shown), starts_late (bool: the data start in a period after the window's start, so the months
    before are not shown), revenue_growth_yoy (`revenue_growth_yoy`, share).
    """
    dyn = dynamics(orders, freq, start, end)
    total_orders = int(dyn["orders"].sum())
    revenue = float(dyn["revenue"].sum())
    first = dyn["period"].min() if len(dyn) else pd.NaT
    censored = bool(len(dyn)) and bool(orders["date"].min() >= first)
    return {
        "revenue": revenue,
        "orders": total_orders,
        "avg_check": ratio(revenue, total_orders),
        "active_clients_avg": float(dyn["active_clients"].mean()),
        "new_clients": len(new_clients(orders, start, end)),
        "censored": censored,
        "first_period": first,
        "starts_late": bool(len(dyn)) and start is not None and first > pd.Timestamp(start),
        "revenue_growth_yoy": revenue_growth_yoy(dyn),
    }


def revenue_by_month_and_year(dyn: pd.DataFrame) -> pd.DataFrame:
    """A monthly dynamics table as month of the year (1–12, index) × year (columns) of revenue:
    the seasonality chart's table."""
    return dyn.assign(year=dyn["period"].dt.year, month=dyn["period"].dt.month).pivot(
        index="month", columns="year", values="revenue")


def gross_margin(orders: pd.DataFrame, start=None, end=None) -> float:
    """Gross margin of the window = (revenue − cost) / revenue over the orders whose cost is
    known (netted orders dated in the window; share). NaN without cost or revenue."""
    totals = order_totals(orders)
    inside = _Window.of(totals["date"], "MS", start, end).select(totals)
    costed = inside[inside["cost"].notna()]
    revenue = float(costed["amount"].sum())
    return ratio(revenue - float(costed["cost"].sum()), revenue) if len(costed) else np.nan


# ----------------------------------------------------------------------------- plan / fact

def plan_actuals(metric: str, orders: pd.DataFrame | None = None,
                 clients: pd.DataFrame | None = None,
                 deals: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Monthly fact of a plan metric per manager, every month of the data range present.

    Columns: period, manager_id (missing = not attributable), fact (float). From orders:
    revenue, orders (counted), new_clients (in the month of the first counted order, for the
    manager of that order), margin (money: Σ amount − cost over the orders whose cost is known).
    The manager of an order is orders.manager_id, else clients.manager_id of its client. From
    deals: deals_won = won deals by month of closed_at, manager deals.manager_id else the
    client's; the data range is from the first created_at to the last created_at/closed_at.
    None when the tables needed are not given (margin: no cost; deals_won: no closed_at).
    """
    if metric not in PLAN_METRICS:
        raise ValueError(f"metric must be one of {PLAN_METRICS}, got {metric!r}")
    if metric == "deals_won":
        if not _available(deals, "closed_at"):
            return None
        window = _Window.of(pd.concat([deals["created_at"], deals["closed_at"]]), "MS")
        won = deals[deals["status"].eq("won") & deals["closed_at"].notna()]
        won = window.select(won.assign(manager_id=client_manager(won, clients)), date="closed_at")
        codes, labels = _codes(won["manager_id"], len(won))
        fact = _counts(codes, won["p"], (len(labels), window.n)).astype(float)
        return _long_frame({"fact": fact}, labels, "manager_id", window)
    if orders is None or (metric == "margin" and not _available(orders, "cost")):
        return None
    totals = order_totals(orders)
    grid = _grid(totals, "MS", None, None, client_manager(totals, clients))
    fact = {"revenue": grid.revenue, "orders": grid.orders, "new_clients": grid.new_clients,
            "margin": grid.revenue_costed - grid.cost}[metric]
    return _long_frame({"fact": fact.astype(float)}, grid.labels, "manager_id", grid.window)


def plan_fact(plans: pd.DataFrame | None, actual: pd.DataFrame | None,
              metric: str) -> pd.DataFrame | None:
    """Plan vs fact of one metric per plan month, and per manager where the plan names one.

    Columns: period, manager_id (missing on company-level rows, i.e. plans without manager_id),
    plan (Σ target), fact (from `actual` = plan_actuals(...); company rows sum all managers),
    deviation = fact − plan, fulfilment = fact / plan (NaN when plan is 0). fact is 0 for a
    manager without sales in a month inside the data range of `actual`, NaN outside that range
    and, for manager rows, when `actual` attributes nothing to any manager.
    None when plans, the metric's plans, or actual are missing.
    """
    if plans is None or actual is None:
        return None
    plans = plans[plans["metric"].eq(metric)]
    if plans.empty:
        return None
    plans = plans.assign(ordinal=_ordinal(plans["period"], "MS"))
    actual = actual.assign(ordinal=_ordinal(actual["period"], "MS"))
    has_manager = plans["manager_id"].notna()
    company = (plans[~has_manager].groupby("ordinal", as_index=False)["target"].sum()
               .merge(actual.groupby("ordinal", as_index=False)["fact"].sum(), how="left"))
    managers = (plans[has_manager].groupby(["ordinal", "manager_id"], as_index=False)["target"]
                .sum().merge(actual.dropna(subset=["manager_id"]), how="left",
                             on=["ordinal", "manager_id"]))
    managers["fact"] = managers["fact"].fillna(0.0)
    if not actual["manager_id"].notna().any():
        managers["fact"] = np.nan
    out = pd.concat([company, managers[["ordinal", "manager_id", "target", "fact"]]],
                    ignore_index=True)
    covered = out["ordinal"].between(actual["ordinal"].min(), actual["ordinal"].max())
    out["fact"] = out["fact"].where(covered).astype(float)
    out = out.sort_values(["ordinal", "manager_id"], na_position="first", ignore_index=True)
    return pd.DataFrame({
        "period": _period_start(out["ordinal"], "MS"),
        "manager_id": out["manager_id"].astype("string"),
        "plan": out["target"].astype(float),
        "fact": out["fact"],
        "deviation": out["fact"] - out["target"],
        "fulfilment": _ratio(out["fact"], out["target"]),
    })


@dataclass(frozen=True)
class PlanFactSummary:
    """Plan / fact of the audit window (see `plan_fact_summary`)."""

    company: pd.DataFrame  # per plan month: period, plan, fact
    plan: float  # Σ plan of the months in the window (money)
    fact: float  # Σ fact of those months (money)
    fulfilment: float  # fact / plan (share; NaN when plan is 0)
    months_plan_met: float  # share of the months with fact ≥ plan × norm (NaN without months)
    plan_per_year: float  # plan × 12 / months with a plan (money a year)
    by_manager: pd.DataFrame  # manager_id, plan, fact, deviation = fact − plan, fulfilment = fact / plan


def plan_fact_summary(pf: pd.DataFrame, start, end, norm: float = 1.0) -> PlanFactSummary:
    """Totals of a `plan_fact` table over the plan months inside [start, end].

    Company months: the company-level rows when the plans have any, else the per-manager rows
    summed per month. A month meets the plan when fact ≥ plan × ``norm`` (the fulfilment norm).
    by_manager sums the per-manager rows over the window, sorted by fulfilment ascending."""
    inside = pf[in_window(pf["period"], start, end)]
    company = inside[inside["manager_id"].isna()] if inside["manager_id"].isna().any() else (
        inside.groupby("period", as_index=False)[["plan", "fact"]].sum())
    company = company[["period", "plan", "fact"]].reset_index(drop=True)
    plan, fact = float(company["plan"].sum()), float(company["fact"].sum())
    months = company["period"].nunique()
    met = (company["fact"] >= company["plan"] * norm).mean() if len(company) else np.nan
    per_manager = inside[inside["manager_id"].notna()]
    by_manager = per_manager.groupby("manager_id")[["plan", "fact"]].sum()
    by_manager["fulfilment"] = share(by_manager["fact"], by_manager["plan"])
    by_manager["deviation"] = by_manager["fact"] - by_manager["plan"]
    by_manager = by_manager.sort_values("fulfilment").reset_index()
    return PlanFactSummary(
        company=company,
        plan=plan,
        fact=fact,
        fulfilment=ratio(fact, plan),
        months_plan_met=float(met),
        plan_per_year=ratio(plan * 12, months),
        by_manager=by_manager[["manager_id", "plan", "fact", "deviation", "fulfilment"]],
    )


# ----------------------------------------------------------------------------- retention, LTV

def retention(orders: pd.DataFrame, freq: str = "QS", by: pd.Series | None = None,
              start=None, end=None) -> pd.DataFrame:
    """Retention between consecutive periods of the window, from its second period on.

    A(t) = clients with ≥ 1 counted order in t. Columns: [<by.name or "segment">,] period,
    active_prev = |A(t−1)| (int), retained = |A(t−1) ∩ A(t)| (int), retention = retained /
    active_prev (NaN when active_prev is 0), churn = 1 − retention. `by` maps client_id → group
    (e.g. clients.set_index("client_id")["segment"]); a client without a group is its own group.
    """
    totals = order_totals(orders)
    window = _Window.of(totals["date"], freq, start, end)
    counted = window.select(totals[totals["counted"] & totals["client_id"].notna()])
    n = max(window.n, 1)
    clients, names = pd.factorize(counted["client_id"])
    cells = np.unique(clients.astype(np.int64) * n + counted["p"].to_numpy())
    client, p = cells // n, cells % n
    codes, labels = _codes(None if by is None else pd.Series(names).map(by), len(names))
    shape = (len(labels), window.n)
    active = _counts(codes[client], p, shape)
    active_prev = np.zeros_like(active)
    active_prev[:, 1:] = active[:, :-1]
    kept = (p > 0) & np.isin(cells - 1, cells)
    retained = _counts(codes[client[kept]], p[kept], shape)
    out = _long_frame({"active_prev": active_prev, "retained": retained}, labels,
                      None if by is None else (by.name or "segment"), window)
    out = out[np.tile(np.arange(window.n) > 0, len(labels))].reset_index(drop=True)
    out["retention"] = _ratio(out["retained"], out["active_prev"])
    out["churn"] = 1 - out["retention"]
    return out


def retention_summary(ret: pd.DataFrame, freq: str = "QS") -> dict:
    """Totals of a `retention` table.

    Keys: retention = Σ retained / Σ active_prev over the periods (share; NaN without clients),
    churn = 1 − retention, clients_per_period = mean active_prev (clients at risk per period),
    periods_per_year = 12 / months per period of ``freq``."""
    rate = ratio(ret["retained"].sum(), ret["active_prev"].sum())
    return {
        "retention": rate,
        "churn": 1 - rate,
        "clients_per_period": float(ret["active_prev"].mean()),
        "periods_per_year": 12 / _step(freq),
    }


def retention_by_group(ret: pd.DataFrame, by: str = "segment") -> pd.DataFrame:
    """Per group of a `retention` table by group: retained, active_prev (sums over the periods),
    retention = retained / active_prev, clients_per_period = mean active_prev. The clients
    without a group are a row of their own (NA), last."""
    out = ret.groupby(by, dropna=False).agg(retained=("retained", "sum"), active_prev=("active_prev", "sum"),
                                            clients_per_period=("active_prev", "mean"))
    out["retention"] = share(out["retained"], out["active_prev"])
    out = out.reset_index().sort_values(by, na_position="last", ignore_index=True)
    return out[[by, "retained", "active_prev", "retention", "clients_per_period"]]


def revenue_per_client_year(orders: pd.DataFrame, end, client_ids=None) -> float:
    """Net revenue a year per buying client: the orders (netted, at their date) of the 12 months
    up to the end day — dated after end − 1 year and on or before the end day — / the clients with
    a counted order among them (money per client a year). ``client_ids``: only these clients
    (e.g. one segment's). NaN without a buying client."""
    totals = order_totals(orders)
    last = totals[(totals["date"] >= day_bounds(end, end)[1] - pd.DateOffset(years=1)) & upto(totals["date"], end)]
    if client_ids is not None:
        last = last[last["client_id"].isin(pd.Index(client_ids))]
    buyers = last.loc[last["counted"], "client_id"].nunique()
    return ratio(float(last["amount"].sum()), buyers)


def client_lifetimes(orders: pd.DataFrame, end=None) -> pd.DataFrame:
    """Per client with ≥ 1 counted order, over all of `orders` (those dated on or before the end
    day when `end` is given).

    Columns: client_id, first_order, last_order (dates of the first/last counted order),
    lifetime_months = (last_order − first_order) in days / 30.4375 (float), orders (int, counted),
    revenue (net, returns included), margin = Σ (amount − cost) (NaN when any order of the client
    has no cost).
    """
    totals = order_totals(orders)
    if end is not None:
        totals = totals[upto(totals["date"], end)]
    counted = totals[totals["counted"]].groupby("client_id")
    per_client = totals.assign(margin=totals["amount"] - totals["cost"]).groupby("client_id")
    out = pd.DataFrame({
        "first_order": counted["date"].min(),
        "last_order": counted["date"].max(),
        "orders": counted.size().astype(np.int64),
    })
    out["lifetime_months"] = (out["last_order"] - out["first_order"]) / DAY / DAYS_PER_MONTH
    out["revenue"] = per_client["amount"].sum()
    out["margin"] = per_client["margin"].sum(skipna=False)
    cols = ["first_order", "last_order", "lifetime_months", "orders", "revenue", "margin"]
    return out[cols].rename_axis("client_id").reset_index()


def _ltv_basis(orders: pd.DataFrame) -> str:
    """"margin" when orders carry cost, else "revenue"."""
    return "margin" if _available(orders, "cost") else "revenue"


def historical_ltv(orders: pd.DataFrame, cohort_freq: str = "QS", end=None,
                   existing_before=None) -> pd.DataFrame:
    """Historical LTV per acquisition cohort (period of the client's first counted order).

    Cohorts start at the first period in which clients were acquired inside the data: the
    clients whose first counted order falls before `existing_before` — by default the end of the
    data's first period (the period of its first order) — were present when the data starts
    (their first order in the data need not be their first order) and form one row "existing"
    (existing True, cohort NaT), listed first; every later cohort is a row with existing False.
    Orders dated after the end day are ignored when `end` is given.
    Columns: cohort, existing (bool), clients (int), avg_revenue, avg_margin (mean over clients
    whose margin is known; NaN without cost), basis ("margin" when orders carry cost, else
    "revenue"), ltv (avg_margin or avg_revenue by basis: average value per client over its
    lifetime so far), avg_lifetime_months. Lifetimes of recent cohorts are still open
    (right-censored).
    """
    life = client_lifetimes(orders, end)
    cohort = pd.Series(_period_start(_ordinal(life["first_order"], cohort_freq), cohort_freq),
                       index=life.index)
    if existing_before is None and len(life):
        first = cohort.min()
        existing_before = first + pd.DateOffset(months=_step(cohort_freq))
    existing = life["first_order"] < pd.Timestamp(existing_before) if len(life) else cohort.notna()
    life["cohort"] = cohort.mask(existing)
    life["existing"] = existing.astype(bool)
    out = life.groupby(["existing", "cohort"], dropna=False).agg(
        clients=("client_id", "size"),
        avg_revenue=("revenue", "mean"),
        avg_margin=("margin", "mean"),
        avg_lifetime_months=("lifetime_months", "mean"),
    ).reset_index()
    out = out.sort_values(["existing", "cohort"], ascending=[False, True], ignore_index=True)
    out = out[["cohort", "existing", "clients", "avg_revenue", "avg_margin", "avg_lifetime_months"]]
    out["clients"] = out["clients"].astype(np.int64)
    out["existing"] = out["existing"].astype(bool)
    basis = _ltv_basis(orders)
    out.insert(5, "basis", pd.Series(basis, index=out.index, dtype="string"))
    out.insert(6, "ltv", out["avg_" + basis])
    return out


def lifetime_value(orders: pd.DataFrame, end=None) -> dict:
    """Client lifetime and historical LTV over every client with a counted order (up to the end
    day when `end` is given), acquired in the data or present at its start.

    Keys: clients (int), lifetime_months (mean months from first to last counted order),
    basis ("margin" when orders carry cost, else "revenue"), historical_ltv (money per client:
    mean Σ margin — mean over the clients whose margin is known — or mean Σ revenue by basis).
    """
    life = client_lifetimes(orders, end)
    basis = _ltv_basis(orders)
    return {
        "clients": len(life),
        "lifetime_months": float(life["lifetime_months"].mean()),
        "basis": basis,
        "historical_ltv": float(life[basis].mean()),
    }


def ltv_cac(ltv, cac):
    """LTV:CAC = ltv / cac, NaN where cac ≤ 0 or missing; scalars or Series (aligned on index).

    The audit's LTV:CAC is the historical margin LTV (`lifetime_value`) / CAC (blended)
    (`auditkit.metrics.process.blended_cac`); the 12-month predictive LTV is shown beside it, never
    divided by CAC. A healthy business has LTV:CAC ≥ LTV_CAC_NORM.
    """
    if isinstance(cac, pd.Series):
        return ltv / cac.where(cac > 0)
    return ratio(ltv, cac)


# ----------------------------------------------------------------------------- clients

def _client_revenue(orders: pd.DataFrame, start=None, end=None) -> pd.Series:
    """Net revenue per client (index client_id) over the window, clients with any order in it."""
    totals = order_totals(orders)
    inside = _Window.of(totals["date"], "MS", start, end).select(totals)
    return inside.groupby("client_id")["amount"].sum()


def concentration(orders: pd.DataFrame, shares=(0.10, 0.20), start=None, end=None) -> pd.DataFrame:
    """Share of revenue of the top clients, among clients with positive revenue in the window.

    One row per share: top_share, clients (int, clients with revenue > 0), top_clients (int,
    ceil(clients × top_share)), revenue (their total), top_revenue (revenue of the top_clients
    largest), revenue_share = top_revenue / revenue (NaN without revenue).
    """
    revenue = _client_revenue(orders, start, end)
    ranked = np.sort(revenue[revenue > 0].to_numpy())[::-1]
    top = np.array([_top_count(len(ranked), s) for s in shares], dtype=np.int64)
    top_revenue = np.concatenate([[0.0], np.cumsum(ranked)])[top]
    return pd.DataFrame({
        "top_share": np.asarray(shares, dtype=float),
        "clients": np.full(len(top), len(ranked), dtype=np.int64),
        "top_clients": top,
        "revenue": ranked.sum(),
        "top_revenue": top_revenue,
        "revenue_share": _ratio(top_revenue, ranked.sum()),
    })


def concentration_curve(orders: pd.DataFrame, start=None, end=None) -> tuple[np.ndarray, np.ndarray]:
    """The concentration (Lorenz-type) curve of the window: clients sorted by net revenue
    descending; x = share of the clients (k / n), y = cumulative share of revenue of the first k
    (negative revenue counted as 0). Empty arrays without revenue."""
    revenue = _abc_classes(_client_revenue(orders, start, end), 0.8, 0.95)["revenue"].clip(lower=0).to_numpy()
    n = len(revenue)
    if not n or revenue.sum() <= 0:
        return np.zeros(0), np.zeros(0)
    return np.arange(1, n + 1) / n, np.cumsum(revenue) / revenue.sum()


def clients_by_segment(clients: pd.DataFrame | None, orders: pd.DataFrame, by: str = "segment",
                       start=None, end=None) -> pd.DataFrame | None:
    """Client base per value of the clients column `by` (missing value = its own group).

    Columns: <by>, clients (int, accounts in clients), buying_clients (int, ≥ 1 counted order in
    the window), revenue (net, window), revenue_share = revenue / total revenue.
    None when clients or its column `by` is not available.
    """
    if not _available(clients, by):
        return None
    totals = order_totals(orders)
    inside = _Window.of(totals["date"], "MS", start, end).select(totals)
    segment = clients.set_index("client_id")[by]
    buyers = inside.loc[inside["counted"], "client_id"].drop_duplicates()
    out = pd.DataFrame({
        "clients": clients.groupby(by, dropna=False).size(),
        "buying_clients": buyers.map(segment).value_counts(dropna=False),
        "revenue": inside.groupby(inside["client_id"].map(segment), dropna=False)["amount"].sum(),
    }).fillna(0)
    out[["clients", "buying_clients"]] = out[["clients", "buying_clients"]].astype(np.int64)
    out["revenue_share"] = _ratio(out["revenue"], out["revenue"].sum())
    return out.rename_axis(by).reset_index()


def _abc_classes(revenue: pd.Series, a: float, b: float) -> pd.DataFrame:
    """ABC of a revenue-per-client Series (see `abc`)."""
    table = (revenue.rename("revenue").rename_axis("client_id").reset_index()
             .sort_values(["revenue", "client_id"], ascending=[False, True], ignore_index=True))
    positive = table["revenue"] > 0
    total = table.loc[positive, "revenue"].sum()
    table["share"] = _ratio(table["revenue"], np.full(len(table), total))
    cumulative = np.cumsum(np.where(positive, table["share"], 0.0))
    table["cum_share_before"] = np.concatenate([[0.0], cumulative])[:len(table)]
    table["abc"] = pd.Series(np.select(
        [positive & (table["cum_share_before"] < a - _TOL),
         positive & (table["cum_share_before"] < b - _TOL)], ["A", "B"], "C"),
        dtype="string")
    return table


def abc(orders: pd.DataFrame, a: float = 0.80, b: float = 0.95, start=None,
        end=None) -> pd.DataFrame:
    """ABC of clients by net revenue in the window, one row per client with any order in it.

    Clients sorted by revenue descending (ties by client_id); share = revenue / total revenue of
    the clients with revenue > 0; cum_share_before = sum of the shares of the clients ranked
    above. A while cum_share_before < a, B while < b, else C — the first client is always A.
    Clients with revenue ≤ 0 are C (their cum_share_before is 1.0: all positive revenue ranks
    above them).
    Columns: client_id, revenue, share, cum_share_before, abc.
    """
    return _abc_classes(_client_revenue(orders, start, end), a, b)


def abc_summary(abc_df: pd.DataFrame) -> pd.DataFrame:
    """Per ABC class of an `abc` table: clients (int), revenue (Σ net), revenue_share = revenue /
    Σ revenue of all classes. Index: class (A, B, C, the classes present)."""
    out = abc_df.groupby("abc").agg(clients=("client_id", "size"), revenue=("revenue", "sum"))
    out["revenue_share"] = share(out["revenue"], float(out["revenue"].sum()))
    return out.rename_axis("class")


def xyz(orders: pd.DataFrame, start=None, end=None, freq: str = "MS", x: float = 0.5,
        y: float = 1.0) -> pd.DataFrame:
    """XYZ of clients by the stability of their net revenue per period of the window.

    cv = population std (ddof=0) / mean of the client's revenue over ALL n periods of the window,
    periods without orders counted as 0; X if cv ≤ x, Y if cv ≤ y, else Z. A client whose mean is
    ≤ 0 has cv NaN and is Z. One row per client with any order in the window.
    Columns: client_id, revenue, periods (int, n), mean, std, cv, xyz.
    """
    totals = order_totals(orders)
    window = _Window.of(totals["date"], freq, start, end)
    inside = window.select(totals[totals["client_id"].notna()])
    codes, names = pd.factorize(inside["client_id"], sort=True)
    matrix = _counts(codes, inside["p"], (len(names), window.n), inside["amount"].to_numpy())
    mean = matrix.mean(axis=1) if window.n else np.zeros(len(names))
    std = matrix.std(axis=1) if window.n else np.zeros(len(names))
    cv = _ratio(std, mean)
    return pd.DataFrame({
        "client_id": names,
        "revenue": matrix.sum(axis=1),
        "periods": np.full(len(names), window.n, dtype=np.int64),
        "mean": mean,
        "std": std,
        "cv": cv,
        "xyz": pd.Series(np.select([cv <= x + _TOL, cv <= y + _TOL], ["X", "Y"], "Z"),
                         dtype="string"),
    })


def abc_xyz_matrix(abc_df: pd.DataFrame, xyz_df: pd.DataFrame) -> pd.DataFrame:
    """ABC × XYZ matrix of clients present in both tables: always 9 rows, A–C × X–Z.

    Columns: abc, xyz, clients (int), revenue (sum of abc_df.revenue), revenue_share (of the
    matrix's total revenue).
    """
    both = abc_df[["client_id", "abc", "revenue"]].merge(xyz_df[["client_id", "xyz"]],
                                                         on="client_id")
    cells = pd.MultiIndex.from_product([ABC_CLASSES, XYZ_CLASSES], names=["abc", "xyz"])
    out = both.groupby(["abc", "xyz"]).agg(clients=("client_id", "size"),
                                           revenue=("revenue", "sum"))
    out = out.reindex(cells, fill_value=0).reset_index()
    out["clients"] = out["clients"].astype(np.int64)
    out["revenue"] = out["revenue"].astype(float)
    out["revenue_share"] = share(out["revenue"], float(out["revenue"].sum()))
    return out


def abc_migration(orders: pd.DataFrame, start=None, end=None, a: float = 0.80,
                  b: float = 0.95) -> pd.DataFrame:
    """ABC class in the previous half of the window vs the current (second) half.

    The window's n months are split into the first n // 2 months and the remaining ones (the
    current half takes the extra month when n is odd). ABC is computed in each half among the
    clients with revenue > 0 there; a client without revenue > 0 in the previous half is "new",
    in the current half "lost". Always 16 rows: previous in (A, B, C, new) × current in
    (A, B, C, lost). Columns: previous, current, clients (int), revenue_previous and
    revenue_current (net revenue of the cell's clients in each half).
    """
    totals = order_totals(orders)
    window = _Window.of(totals["date"], "MS", start, end)
    inside = window.select(totals)
    halves = np.where(inside["p"] < window.n // 2, "previous", "current")
    revenue = inside.groupby(["client_id", halves])["amount"].sum().unstack()
    revenue = revenue.reindex(columns=["previous", "current"])
    classes = {half: _abc_classes(revenue[half][revenue[half] > 0], a, b)
               .set_index("client_id")["abc"] for half in revenue.columns}
    moves = pd.DataFrame({
        "previous": classes["previous"].reindex(revenue.index).fillna("new"),
        "current": classes["current"].reindex(revenue.index).fillna("lost"),
        "revenue_previous": revenue["previous"].fillna(0.0),
        "revenue_current": revenue["current"].fillna(0.0),
    })
    moves = moves[(moves["previous"] != "new") | (moves["current"] != "lost")]
    cells = pd.MultiIndex.from_product([MIGRATION_FROM, MIGRATION_TO],
                                       names=["previous", "current"])
    out = moves.groupby(["previous", "current"]).agg(
        clients=("revenue_previous", "size"),
        revenue_previous=("revenue_previous", "sum"),
        revenue_current=("revenue_current", "sum"),
    ).reindex(cells, fill_value=0).reset_index()
    out["clients"] = out["clients"].astype(np.int64)
    out[["revenue_previous", "revenue_current"]] = out[
        ["revenue_previous", "revenue_current"]].astype(float)
    return out


def migration_summary(mig: pd.DataFrame) -> dict:
    """Totals of an `abc_migration` table. Keys: a_clients_downgraded (int: A clients of the
    previous half that are B, C or lost in the current one), clients_lost (int: clients of the
    previous half without revenue > 0 in the current one)."""
    down = mig[(mig["previous"] == "A") & mig["current"].isin(["B", "C", "lost"])]["clients"].sum()
    return {"a_clients_downgraded": int(down), "clients_lost": int(mig.loc[mig["current"] == "lost", "clients"].sum())}
