"""What every stage's metrics share: the audit window, orders netted from their lines, deals open
at the end date, shares and safe ratios, day constants, and the top-N / Pareto helpers that the
report's breakdowns use (METHODOLOGY.md §2).

Conventions:
- The audit window ``[start, end]`` is made of whole calendar days, both inclusive: a date-time on
  the end day (even 23:59:59.9) is inside. Its half-open form is ``[start day, end day + 1 day)``.
- An order is netted from its lines: its amount is the net sum of all its lines (returns
  included) and it is dated at its earliest line (the order's date), wherever a return line is
  dated. An order *counts* (order counts, active/new clients) when its net amount is > 0.
- Shares and ratios are float64, NaN where the denominator is ≤ 0 or missing.
- A breakdown keeps a missing key (no segment, manager, channel…) as its own row (NA).
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from auditkit.inputs.keys import KEYS, shared_codes

DAY = pd.Timedelta(days=1)
HOUR = pd.Timedelta(hours=1)
DAYS_PER_YEAR = 365.25  # mean calendar year (leap years included)
MONTHS_PER_YEAR = 12
DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR  # 30.4375: months = days / DAYS_PER_MONTH
CLOSED = ("won", "lost")
OTHER = "__other__"  # key of the row that sums the rows beyond a top N


# --------------------------------------------------------------------------- tables


def available(table: pd.DataFrame | None, *columns: str) -> bool:
    """True when the table is given and every column is present with at least one value (an id
    column with its key made at load is read off the integer key: ≥ 0 where the id is given)."""
    def given(c: str) -> bool:
        if KEYS.get(c) in table.columns:
            return bool((table[KEYS[c]].to_numpy() >= 0).any())
        return bool(table[c].notna().any())

    return table is not None and all(c in table.columns and given(c) for c in columns)


# --------------------------------------------------------------------------- the audit window


def day(ts) -> pd.Timestamp:
    """The calendar day (midnight) of a date-like value."""
    return pd.Timestamp(ts).normalize()


def day_bounds(start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start day at 00:00, the day after ``end`` at 00:00): the half-open form of [start, end]."""
    return day(start), day(end) + DAY


def upto(values: pd.Series, end) -> pd.Series:
    """True where a date is on or before the end day (the whole end day counts); NaT → False."""
    return values < day(end) + DAY


def in_window(values: pd.Series, start, end) -> pd.Series:
    """True where ``start day <= date < end day + 1 day`` (both days inclusive); NaT → False."""
    first, stop = day_bounds(start, end)
    return (values >= first) & (values < stop)


def in_window_rows(table: pd.DataFrame | None, column: str, start, end) -> pd.DataFrame | None:
    """The rows of ``table`` whose ``column`` date lies in [start, end] (`in_window`); None stays None."""
    return None if table is None else table[in_window(table[column], start, end)]


def window_days(start, end) -> int:
    """Calendar days in [start, end], both inclusive (0 when end < start)."""
    first, stop = day_bounds(start, end)
    return max(int((stop - first) / DAY), 0)


def window_years(start, end) -> float:
    """Length of [start, end] in years = inclusive calendar days / 365.25 (2024-01-01 … 2025-12-31
    is 731 / 365.25 = 2.0014 years). The base of every "a year" quantity."""
    return window_days(start, end) / DAYS_PER_YEAR


def window_months(start, end) -> float:
    """Length of [start, end] in months = inclusive calendar days / 30.4375."""
    return window_days(start, end) / DAYS_PER_MONTH


def per_year(count: float, start, end) -> float:
    """A count over the window expressed a year: count / `window_years` (NaN for an empty window)."""
    return ratio(count, window_years(start, end))


def days_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """(later − earlier) in exact days as float64 (NaN where a date is missing)."""
    return ((later - earlier) / DAY).astype("float64")


# --------------------------------------------------------------------------- shared id keys


def keyed(column: str, *frames: pd.DataFrame | None) -> list[pd.DataFrame | None]:
    """``frames``, each with the integer key of its ``column`` id (deal_id -> deal_key, client_id ->
    client_key, order_id -> order_key; −1 = no id), the same for the same id in every frame: the
    keys made at load (auditkit/inputs/keys.py) when every frame carries them, else keys made now
    over these frames (the frames are then copies). None, and a frame without the id column, stay
    as they are. Grouping, sorting and joining on the keys gives what the ids give, without hashing
    the id strings again."""
    key = KEYS[column]
    has = [frame is not None and column in frame.columns for frame in frames]
    if all(key in frame.columns for frame, h in zip(frames, has) if h):
        return list(frames)
    codes = iter(shared_codes(*(frame[column] for frame, h in zip(frames, has) if h)))
    return [frame.assign(**{key: next(codes)}) if h else frame for frame, h in zip(frames, has)]


def rows_of(table_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per wanted key, the row of the key column ``table_keys`` that holds it (int32, or int64 past
    2**31 rows; −1 when no row does, or the wanted key is −1; the last row when several do: a
    loaded table's own keys are unique): a join on keys by indexing, with no hashing. The rows per
    key are a compact array, so that keys looked up in a random order stay in the caches longer."""
    size = int(max(table_keys.max(initial=-1), wanted.max(initial=-1))) + 1
    rows = np.full(size + 1, -1, dtype=np.int32 if len(table_keys) < 2**31 else np.int64)  # last cell: key −1
    known = table_keys >= 0
    rows[table_keys[known]] = np.flatnonzero(known)
    return rows[wanted]


# --------------------------------------------------------------------------- shares and ratios


def share(numerator, denominator) -> pd.Series:
    """numerator / denominator element-wise as a float64 Series, NaN where the denominator is ≤ 0
    or missing. Series align on their index; lists become Series; a scalar broadcasts."""

    def series(x):
        return x.astype("float64") if isinstance(x, pd.Series) else pd.Series(x, dtype="float64")

    num = series(numerator) if np.ndim(numerator) else float(numerator)
    if np.ndim(denominator):
        den = series(denominator)
        den = den.where(den > 0)
    else:
        den = float(denominator) if denominator is not None and float(denominator) > 0 else math.nan
    out = num / den
    return out if isinstance(out, pd.Series) else pd.Series([out], dtype="float64")


def ratios(numerator, denominator) -> np.ndarray:
    """numerator / denominator for numpy arrays (broadcasting), NaN where the denominator is ≤ 0."""
    num, den = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den > 0)


def ratio(numerator, denominator) -> float:
    """numerator / denominator as a float; NaN when the denominator is ≤ 0, NaN or missing, or
    when the numerator is missing."""
    if numerator is None or denominator is None or numerator is pd.NA or denominator is pd.NA:
        return math.nan
    den = float(denominator)
    return float(numerator) / den if den > 0 else math.nan


def weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    """Σ value × weight / Σ weight over the rows where both are known and the weight is > 0;
    NaN when no weight remains."""
    ok = values.notna() & weights.notna() & (weights > 0)
    return ratio(float((values[ok] * weights[ok]).sum()), float(weights[ok].sum()))


def number(x) -> float | None:
    """A scalar as a plain float for a report value: None for missing (None, NA, NaN)."""
    if x is None or x is pd.NA:
        return None
    x = float(x)
    return None if math.isnan(x) else x


# --------------------------------------------------------------------------- orders


def order_totals(orders: pd.DataFrame) -> pd.DataFrame:
    """One row per order, netted from its lines: the one definition of an order of every stage.

    Columns: order_id, client_id (first of its lines), date (the order's date = its earliest
    line), amount (net sum of every line, returns included, whatever a return line's own date),
    cost (sum of line costs; NaN when any line has no cost), lines (int), returned_amount (sum of
    negative lines, ≤ 0), manager_id (first non-empty of its lines), counted (bool: amount > 0;
    False marks a return-only document); client_key too when the lines carry the shared keys
    (auditkit/inputs/keys.py: the key of client_id, −1 = none).

    Every stage nets the same order lines many times: the totals of the last NETTED_KEPT frames are
    kept, and returned again while the frame's columns are unchanged (`_unchanged`); each caller
    gets its own copy (copy-on-write: writing to it never reaches the kept totals).
    """
    columns = [c for c in ORDER_LINE_COLUMNS if c in orders.columns]
    kept = _NETTED.get(id(orders))
    if kept is not None and kept[0]() is orders and _unchanged(orders, columns, kept[1]):
        _NETTED.move_to_end(id(orders))
        return kept[2].copy(deep=False)
    totals = _net(orders)
    _NETTED[id(orders)] = (weakref.ref(orders, _forget(id(orders))), {c: orders[c] for c in columns}, totals)
    while len(_NETTED) > NETTED_KEPT:
        _NETTED.popitem(last=False)
    return totals.copy(deep=False)


ORDER_LINE_COLUMNS = ("order_id", "client_id", "date", "amount", "cost", "manager_id", "client_key", "order_key")
NETTED_KEPT = 4
# id(order lines) -> (a weak reference to them, their columns as netted, their totals)
_NETTED: OrderedDict[int, tuple[weakref.ref, dict[str, pd.Series], pd.DataFrame]] = OrderedDict()


def _forget(key: int):
    """A weak reference's callback: drop the kept totals of order lines that no longer exist."""
    def forget(ref: weakref.ref) -> None:
        if key in _NETTED and _NETTED[key][0] is ref:
            del _NETTED[key]
    return forget


def _buffer(column: pd.Series) -> tuple:
    """Where a column's values are in memory (address, shape, dtype)."""
    values = np.asarray(column.array)
    return values.__array_interface__["data"][0], values.shape, values.dtype.str


def _unchanged(orders: pd.DataFrame, columns: list[str], netted: dict[str, pd.Series]) -> bool:
    """True when `orders` has the same order-line columns, on the same buffers, as when netted.
    The netted columns are kept referenced, so pandas' copy-on-write gives any column written in
    place since (or replaced) a new buffer, and a freed buffer's address cannot be reused."""
    return columns == list(netted) and all(_buffer(orders[c]) == _buffer(netted[c]) for c in columns)


def _net(orders: pd.DataFrame) -> pd.DataFrame:
    """`order_totals` computed: the lines grouped by order id."""
    lines = pd.DataFrame({
        "client_id": orders["client_id"],
        "date": orders["date"],
        "amount": orders["amount"],
        "returned_amount": orders["amount"].clip(upper=0),
        "cost": orders["cost"].astype(float) if "cost" in orders else np.nan,
        "manager_id": orders["manager_id"] if "manager_id" in orders else pd.Series(pd.NA, orders.index, "string"),
    })
    if "client_key" in orders:  # the key of the line that gives client_id (−1 = none)
        lines["client_key"] = orders["client_key"].where(orders["client_id"].notna())
    # every aggregation groups by integer codes of the order ids, in order of first appearance (a
    # line without an id is left out): the order keys made at load, else the ids factorised now
    if "order_key" in orders:
        codes = orders["order_key"].to_numpy().astype("int64")
        lines["order_id"] = orders["order_id"]
    else:
        codes, ids = pd.factorize(orders["order_id"])
    known = codes >= 0
    if not known.all():
        lines, codes = lines[known], codes[known]
    grouped = lines.groupby(codes, sort=True)
    out = grouped.agg(
        client_id=("client_id", "first"),
        date=("date", "min"),
        amount=("amount", "sum"),
        lines=("amount", "size"),
        returned_amount=("returned_amount", "sum"),
        manager_id=("manager_id", "first"),
    )
    out.insert(3, "cost", grouped["cost"].sum(skipna=False))
    if "client_key" in lines:
        out["client_key"] = grouped["client_key"].first().fillna(-1).astype("int64")
    order_ids = grouped["order_id"].first().to_numpy() if "order_key" in orders else ids.take(out.index.to_numpy())
    out.index = pd.Index(order_ids, name="order_id", dtype=orders["order_id"].dtype)
    out["lines"] = out["lines"].astype(np.int64)
    out["counted"] = out["amount"] > 0
    return out.reset_index()


def client_manager(frame: pd.DataFrame, clients: pd.DataFrame | None) -> pd.Series:
    """frame.manager_id, else the manager of frame.client_id in clients (NA when neither)."""
    own = frame["manager_id"]
    if not available(clients, "manager_id"):
        return own
    owner = clients.drop_duplicates("client_id").set_index("client_id")["manager_id"]
    return own.fillna(frame["client_id"].map(owner))


def counted_orders(orders: pd.DataFrame, end=None) -> pd.DataFrame:
    """Counted orders (`order_totals` with net amount > 0) dated on or before the end day (all
    when end is None). Columns: order_id, client_id, date, net (the net amount), manager_id."""
    totals = order_totals(orders)
    keep = totals["counted"] if end is None else totals["counted"] & upto(totals["date"], end)
    out = totals.loc[keep, ["order_id", "client_id", "date", "amount", "manager_id"]]
    return out.rename(columns={"amount": "net"}).reset_index(drop=True)


def first_orders(orders: pd.DataFrame) -> pd.Series:
    """client_id → date of the client's first counted order over all of `orders`."""
    counted = order_totals(orders)
    counted = counted[counted["counted"] & counted["client_id"].notna()]
    return counted.groupby("client_id")["date"].min()


def acquisition_start(first: pd.Series, start):
    """The first day on which a client's first order counts as an acquisition: the window's start;
    but when the orders start inside the window (no history before it), the first day of the month
    after the data's first order, as the clients who bought in that first month were clients before
    the data start. `first`: client → first counted order date (`first_orders`)."""
    if start is None or not first.notna().any() or first.min() < pd.Timestamp(start).normalize():
        return start
    return first.min().to_period("M").end_time.normalize() + DAY


def new_clients(orders: pd.DataFrame, start, end) -> pd.Series:
    """client_id → first-order date of the clients *new in the window*: whose first counted order
    ever (over all of `orders`, not only the window) falls in [start, end], from the
    `acquisition_start` on. Sorted by client_id."""
    first = first_orders(orders)
    return first[in_window(first, acquisition_start(first, start), end)].sort_index()


# --------------------------------------------------------------------------- deals


def open_at_end(deals: pd.DataFrame, end) -> pd.Series:
    """Deals open at the end date: created on or before the end day (an unknown creation counts
    as before) and either still ``open`` or won/lost after the end day (an unknown close date of
    a won/lost deal counts as closed before). Bool Series on deals' index."""
    created = ~(deals["created_at"] >= day(end) + DAY)
    closed_later = deals["status"].isin(CLOSED) & (deals["closed_at"] >= day(end) + DAY)
    return (created & ((deals["status"] == "open") | closed_later)).fillna(False).astype(bool)


# --------------------------------------------------------------------------- breakdown display


def top_n(df: pd.DataFrame, key: str, size: str, n: int = 11, sums: Sequence[str] = (),
          shares: Mapping[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """The `n` largest rows by `size` (stable order), the rest summed into one row keyed OTHER
    (the columns `size` and `sums`); no row is cut when at most n + 1 rows exist. ``shares``
    (column → (numerator column, denominator column)) are recomputed on every row from the
    (summed) columns, so the OTHER row holds the ratio of its sums, not a sum of ratios."""
    df = df.sort_values(size, ascending=False, kind="stable")
    if len(df) > n + 1:
        head, tail = df.iloc[:n], df.iloc[n:]
        other = {c: tail[c].sum() for c in dict.fromkeys([size, *sums])}
        other[key] = OTHER
        df = pd.concat([head, pd.DataFrame([other])], ignore_index=True)
    else:
        df = df.reset_index(drop=True)
    for column, (num, den) in (shares or {}).items():
        df[column] = share(df[num], df[den])
    return df


def pareto_core(table: pd.DataFrame, count: str, cut: float = 0.8) -> pd.DataFrame:
    """The first rows of a table sorted by `count` descending that make up `cut` of the total:
    a row is in the core while the cumulative share of the rows above it is below `cut`.
    Adds share and cumulative_share (of this table's total `count`)."""
    out = table.assign(share=share(table[count].astype("float64"), float(table[count].sum())))
    out["cumulative_share"] = out["share"].cumsum()
    return out[out["cumulative_share"].shift(fill_value=0.0) < cut]
