"""Why did growth change — a revenue bridge from one full calendar year to the next.

Over ALL the order history in the data (not only the audit window), the change of revenue between
two consecutive full calendar years Y−1 and Y is split, client by client, into parts that add up
to it exactly. Money is in the currency of the input; rates are fractions (0.10 = 10 %).

Conventions (as in `auditkit.metrics.data_collection`):
- Orders are netted per order by `order_totals`: a negative line is a return and is netted into
  its order, on the order's date (its earliest line date). Revenue of a year is the net amount of
  the orders dated in it; an order counts (order counts, whether a client bought in a year) when
  its net amount is > 0 — an order with a net amount ≤ 0 is a return-only document.
- A client *bought* in a year when it has ≥ 1 counted order dated in that year.
- Only full calendar years are bridged (`calendar_years`): the data may start up to SLACK_DAYS
  after 1 January and end up to SLACK_DAYS before 31 December of a full year. A partial first or
  last year is left out (it is listed, flagged full = False, by `calendar_years`).

The bridge of a year pair (Y−1 → Y); R0, R1 = a client's revenue in Y−1 and Y, n0, n1 = its
counted orders in Y−1 and Y, a0 = R0 / n0 and a1 = R1 / n1 its average checks:

    revenue(Y) − revenue(Y−1) = new + reactivated + lost + volume + avg_check + other

- new: Σ (R1 − R0) of the clients whose first counted order ever is in Y.
- reactivated: Σ (R1 − R0) of the clients who bought in Y and before Y−1 but not in Y−1.
  When the data hold no order before Y−1 they cannot be told from new clients and are counted
  as new (`reactivation_known` is False on that pair's rows).
- lost: Σ (R1 − R0) of the clients who bought in Y−1 but not in Y (≤ 0: minus their revenue of
  Y−1 and any return they booked in Y).
- existing clients (bought in both years), per client, then summed:
    volume    = (n1 − n0) × a0       the change in the number of orders at the old average check
    avg_check = (a1 − a0) × n1       the change in the average check over the new number of orders
  so that volume + avg_check = n1 a1 − n0 a0 = R1 − R0 for every client.
- other: Σ (R1 − R0) of the clients who bought in neither year (returns of earlier orders), plus
  the change in the revenue of orders without a client.

Every client falls in exactly one group, and the parts are sums over clients, so the parts add up
to the change exactly, and the segment rows add up to the total, part by part. The volume / check
split is made per client, so it has no mix term: orders moving from clients with a small check to
clients with a large one are volume (less for the first, more for the second), not a higher check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.metrics.data_collection import _available, order_totals

COMPONENTS = ("new", "reactivated", "lost", "volume", "avg_check", "other")
SLACK_DAYS = 31  # a year is full when the data start ≤ 31 days after 1 Jan and end ≤ 31 days before 31 Dec

# groups of clients in a year pair, in the order of COMPONENTS' client groups
_NEW, _REACTIVATED, _LOST, _EXISTING, _OTHER = range(5)
_GROUP_OF = {"new": _NEW, "reactivated": _REACTIVATED, "lost": _LOST, "volume": _EXISTING,
             "avg_check": _EXISTING, "other": _OTHER}


def calendar_years(orders: pd.DataFrame, slack_days: int = SLACK_DAYS) -> pd.DataFrame:
    """Revenue per calendar year of the order history and whether the data cover the year fully.

    The history runs from the first to the last order date (any order, returns included). A year
    is full when the history starts no later than `slack_days` after its 1 January and ends no
    earlier than `slack_days` before its 31 December (a first order on 9 January is a full year —
    nobody ships on New Year's Day — one in March is not); years strictly inside the history are
    always full. One row per year from the first to the last, every year present.
    Columns: year (int), first_date, last_date (of the orders dated in the year; NaT without
    orders), revenue (net), orders (int, counted), clients (int, clients who bought), full (bool).
    """
    return _calendar_years(order_totals(orders), slack_days)


def _calendar_years(totals: pd.DataFrame, slack_days: int) -> pd.DataFrame:
    if totals.empty:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "first_date": pd.Series(dtype="datetime64[ns]"),
                             "last_date": pd.Series(dtype="datetime64[ns]"), "revenue": pd.Series(dtype=float),
                             "orders": pd.Series(dtype="int64"), "clients": pd.Series(dtype="int64"),
                             "full": pd.Series(dtype=bool)})
    first, last = totals["date"].min(), totals["date"].max()
    years = np.arange(first.year, last.year + 1)
    year = totals["date"].dt.year
    grouped = totals.groupby(year)
    counted = totals[totals["counted"]]
    out = pd.DataFrame({
        "first_date": grouped["date"].min(),
        "last_date": grouped["date"].max(),
        "revenue": grouped["amount"].sum(),
        "orders": counted.groupby(counted["date"].dt.year).size(),
        "clients": counted.groupby(counted["date"].dt.year)["client_id"].nunique(),
    }).reindex(years)
    out[["revenue", "orders", "clients"]] = out[["revenue", "orders", "clients"]].fillna(0)
    out[["orders", "clients"]] = out[["orders", "clients"]].astype(np.int64)
    jan1 = pd.to_datetime(pd.Series(years).astype(str) + "-01-01").to_numpy()
    dec31 = pd.to_datetime(pd.Series(years).astype(str) + "-12-31").to_numpy()
    slack = np.timedelta64(slack_days, "D")
    out["full"] = (first.normalize().to_datetime64() <= jan1 + slack) & \
                  (last.normalize().to_datetime64() >= dec31 - slack)
    return out.rename_axis("year").reset_index()


def _matrices(totals: pd.DataFrame, years: np.ndarray):
    """Clients (sorted ids), their dense (client × year) revenue and counted orders, the year of each
    client's first counted order (index into `years`; len(years) when it never bought), and the
    revenue of the orders without a client per year. `years` runs from the first to the last
    order's year."""
    year = totals["date"].dt.year.to_numpy() - years[0]
    amount = totals["amount"].to_numpy()
    counted = totals["counted"].to_numpy()
    known = totals["client_id"].notna().to_numpy()
    codes, names = pd.factorize(totals.loc[known, "client_id"], sort=True)
    shape = (len(names), len(years))
    cell = codes * shape[1] + year[known]
    revenue = np.bincount(cell, weights=amount[known], minlength=shape[0] * shape[1]).reshape(shape)
    orders = np.bincount(cell[counted[known]], minlength=shape[0] * shape[1]).reshape(shape)
    first = np.full(shape[0], len(years), dtype=np.int64)
    np.minimum.at(first, codes[counted[known]], year[known][counted[known]])
    unattributed = np.bincount(year[~known], weights=amount[~known], minlength=len(years))
    return names, revenue, orders, first, unattributed


def revenue_bridge(orders: pd.DataFrame, clients: pd.DataFrame | None = None, by: str = "segment",
                   slack_days: int = SLACK_DAYS) -> pd.DataFrame:
    """The revenue bridge of every pair of consecutive full calendar years (see the module's
    docstring for the definitions and the formula), overall and per value of the clients column
    `by`. Full years: `calendar_years(orders, slack_days)`; a partial first or last year is left out.

    One row per (year pair, scope, segment, component), pairs in ascending order, the total first,
    then the segments sorted by name with the clients without a segment (clients missing from
    `clients`, or with an empty `by`, and orders without a client) last as a row of their own;
    components in the order of COMPONENTS. Segments are given only when `clients` has the column
    `by` with at least one value.
    Columns: year_prev, year (int); scope ("total" | "segment"); segment (string; NA on total rows
    and on the no-segment row — tell them apart by scope); component; amount (the part, signed:
    lost ≤ 0 as a rule); clients (int, clients in the part's group; volume and avg_check: the
    existing clients); orders_prev, orders (int, counted orders of those clients in Y−1 and Y);
    revenue_prev, revenue (of the scope and segment, in Y−1 and Y); change = revenue −
    revenue_prev (= the sum of the row's components); growth_rate = revenue / revenue_prev − 1 (NaN
    when revenue_prev ≤ 0); reactivation_known (bool: the data hold an order before Y−1).
    """
    totals = order_totals(orders)
    years_table = _calendar_years(totals, slack_days)
    years = years_table["year"].to_numpy()
    full = years_table["full"].to_numpy()
    pairs = np.flatnonzero(full[1:] & full[:-1]) + 1 if len(years) > 1 else np.zeros(0, dtype=np.int64)
    columns = ["year_prev", "year", "scope", "segment", "component", "amount", "clients", "orders_prev",
               "orders", "revenue_prev", "revenue", "change", "growth_rate", "reactivation_known"]
    if len(pairs) == 0:
        return _typed(pd.DataFrame({c: [] for c in columns}))
    names, revenue, counts, first, unattributed = _matrices(totals, years)

    # client groups per pair: (clients × pairs)
    r0, r1 = revenue[:, pairs - 1], revenue[:, pairs]
    n0, n1 = counts[:, pairs - 1], counts[:, pairs]
    bought0, bought1 = n0 > 0, n1 > 0
    group = np.select(
        [bought0 & bought1, bought0, bought1 & (first[:, None] == pairs), bought1],
        [_EXISTING, _LOST, _NEW, _REACTIVATED], _OTHER)
    # The data hold an order before Y−1 when Y−1 is not the first year of the history; when they
    # do not, a client returning after a break cannot be seen: it is new by the data (first < p − 1
    # is impossible), and the pair is flagged.
    history_before = pairs - 1 > 0

    delta = r1 - r0
    existing = group == _EXISTING
    with np.errstate(divide="ignore", invalid="ignore"):
        a0 = np.where(existing, r0 / np.where(bought0, n0, 1), 0.0)
        a1 = np.where(existing, r1 / np.where(bought1, n1, 1), 0.0)
    parts = {
        "new": np.where(group == _NEW, delta, 0.0),
        "reactivated": np.where(group == _REACTIVATED, delta, 0.0),
        "lost": np.where(group == _LOST, delta, 0.0),
        "volume": np.where(existing, (n1 - n0) * a0, 0.0),
        "avg_check": np.where(existing, (a1 - a0) * n1, 0.0),
        "other": np.where(group == _OTHER, delta, 0.0),
    }

    # scopes: the total (one code for all) and the segments (a missing label is a group of its own,
    # sorted last; the orders without a client belong to it)
    scopes = [("total", np.zeros(len(names), dtype=np.int64), pd.Index([pd.NA], dtype="string"), 0)]
    if _available(clients, by):
        segment = pd.Series(names, dtype="string").map(
            clients.drop_duplicates("client_id").set_index("client_id")[by]).astype("string")
        if unattributed.any():
            segment = pd.concat([segment, pd.Series([pd.NA], dtype="string")], ignore_index=True)
        codes, labels = pd.factorize(segment, sort=True, use_na_sentinel=False)
        labels = pd.Index(labels, dtype="string")
        # without orders lacking a client there is nothing to add: any group will do
        na_code = len(labels) - 1 if labels.isna().any() else 0
        scopes.append(("segment", codes[:len(names)].astype(np.int64), labels, na_code))
    frames = []
    for scope, codes, labels, extra in scopes:  # extra: the group of the orders without a client
        g = len(labels)

        def by_group(values, _codes=codes, _g=g):
            """(groups × pairs) sums of a (clients × pairs) array."""
            out = np.zeros((_g, values.shape[1]))
            np.add.at(out, _codes, values)
            return out

        rev0, rev1 = by_group(r0), by_group(r1)
        rev0[extra] += unattributed[pairs - 1]
        rev1[extra] += unattributed[pairs]
        segment_labels = labels.repeat(len(pairs)) if scope == "segment" else \
            pd.array([pd.NA] * (g * len(pairs)), dtype="string")
        for c, name in enumerate(COMPONENTS):
            members = group == _GROUP_OF[name]
            amount = by_group(parts[name])
            if name == "other":  # only the clients with a return in one of the years count
                members &= (r0 != 0) | (r1 != 0)
                amount[extra] += unattributed[pairs] - unattributed[pairs - 1]
            frames.append(pd.DataFrame({
                "pair": np.tile(np.arange(len(pairs)), g),
                "seg": np.repeat(np.arange(g), len(pairs)),
                "scope": scope,
                "segment": segment_labels,
                "component": name,
                "c": c,
                "amount": amount.ravel(),
                "clients": by_group(members.astype(float)).ravel(),
                "orders_prev": by_group(np.where(members, n0, 0).astype(float)).ravel(),
                "orders": by_group(np.where(members, n1, 0).astype(float)).ravel(),
                "revenue_prev": rev0.ravel(),
                "revenue": rev1.ravel(),
            }))
    out = pd.concat(frames, ignore_index=True)
    out["s"] = (out["scope"] == "segment").astype(int)
    out = out.sort_values(["pair", "s", "seg", "c"], kind="stable", ignore_index=True)
    out["year_prev"] = years[pairs - 1][out["pair"]]
    out["year"] = years[pairs][out["pair"]]
    out["change"] = out["revenue"] - out["revenue_prev"]
    prev = out["revenue_prev"].to_numpy()
    out["growth_rate"] = np.divide(out["revenue"].to_numpy(), prev, out=np.full(len(out), np.nan),
                                   where=prev > 0) - 1
    out["reactivation_known"] = history_before[out["pair"]]
    return _typed(out[columns])


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    return out.astype({"year_prev": "int64", "year": "int64", "scope": "string", "segment": "string",
                       "component": "string", "amount": float, "clients": "int64", "orders_prev": "int64",
                       "orders": "int64", "revenue_prev": float, "revenue": float, "change": float,
                       "growth_rate": float, "reactivation_known": bool})


def bridge_wide(bridge: pd.DataFrame) -> pd.DataFrame:
    """The bridge of `revenue_bridge` one row per (year pair, scope, segment), in its order:
    year_prev, year, scope, segment, revenue_prev, one column per component (amounts), revenue,
    change, growth_rate."""
    keys = ["year_prev", "year", "scope", "segment", "revenue_prev"]
    head = bridge.iloc[::len(COMPONENTS)].reset_index(drop=True)
    amounts = pd.DataFrame(bridge["amount"].to_numpy().reshape(-1, len(COMPONENTS)), columns=list(COMPONENTS))
    return pd.concat([head[keys], amounts, head[["revenue", "change", "growth_rate"]]], axis=1)
