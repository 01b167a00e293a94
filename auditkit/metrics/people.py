"""Stage 3 — People (METHODOLOGY.md §2 Stage 3).

Manager scorecard, call-quality / mystery-shopper checklists, staff assessment matrix and team
structure, plus the working-day calendar (employment-clipped working days, roster) that Stage 4
reuses. The audit window, open deals and shares come from `auditkit.metrics._common`.

Conventions: the audit window ``[start, end]`` is inclusive of whole days; money is in the data's
currency; shares and rates are fractions 0..1 unless the name says ``pct`` (0..100); durations are
days (float) or months (days / 30.4375). Every table is indexed by ``manager_id`` (or ``team``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import holidays as _holidays
import numpy as np
import pandas as pd

from auditkit.metrics._common import (
    CLOSED,
    acquisition_start,
    DAY,
    DAYS_PER_MONTH,
    available,
    client_manager,
    day_bounds,
    in_window,
    open_at_end,
    order_totals,
    ratio,
    share,
    weighted_mean,
)

# Scorecard columns that are context, not performance: never ranked by `highlight`.
NOT_RANKED = ("revenue_plan", "lost_deals", "working_days")
# Staff assessment recommendation codes (see `staff_assessment`).
COACH, TRAIN, ROTATE, DEVELOP = "coach", "train", "rotate", "develop"
_CHECKLIST_META = ("manager_id", "date", "review_id")


# --------------------------------------------------------------------------- calendar & window


@lru_cache(maxsize=32)
def _calendar(country: str, first_year: int, last_year: int):
    """(numpy weekmask, public holidays, weekend days that are working days) for the years."""
    cal = _holidays.country_holidays(country, years=range(first_year, last_year + 1))
    weekmask = "".join("0" if day in cal.weekend else "1" for day in range(7))
    days_off = np.array(sorted(cal), dtype="datetime64[D]")
    weekend_workdays = np.array(sorted(cal.weekend_workdays), dtype="datetime64[D]")
    return weekmask, days_off, weekend_workdays


def _busdays(first: np.ndarray, last: np.ndarray, country: str) -> np.ndarray:
    """Working days in [first, last] element-wise (datetime64[D] arrays); 0 where last < first.

    Working day = not the country's weekend and not a public holiday, plus the weekend days the
    country moves work to (e.g. Russian transfer Saturdays)."""
    if first.size == 0:
        return np.zeros(0, dtype="int64")
    years = np.concatenate([first, last]).astype("datetime64[Y]").astype(int) + 1970
    weekmask, days_off, extra = _calendar(country, int(years.min()), int(years.max()))
    stop = last + np.timedelta64(1, "D")
    count = np.busday_count(first, stop, weekmask=weekmask, holidays=days_off)
    count += np.searchsorted(extra, stop) - np.searchsorted(extra, first)
    return np.where(stop > first, count, 0).astype("int64")


def working_days(start, end, country: str = "RU") -> int:
    """Working days in [start, end] inclusive: weekdays minus the country's public holidays
    (``holidays`` library), plus official weekend working days. 0 when end < start."""
    first, stop = day_bounds(start, end)
    days = np.array([first, stop - DAY], dtype="datetime64[D]")
    return int(_busdays(days[:1], days[1:], country)[0])


def manager_working_days(
    managers: pd.DataFrame | None,
    start,
    end,
    country: str = "RU",
    ids: Iterable[str] | None = None,
) -> pd.Series:
    """Working days each manager was employed in the window: [max(start, hired_at),
    min(end, left_at)]. Ids unknown to ``managers`` (or without dates) get the whole window.

    Returns int64 Series named ``working_days`` indexed by ``manager_id`` (``ids``, default: all
    managers of the table)."""
    if ids is None:
        ids = managers["manager_id"] if managers is not None else []
    index = pd.Index(pd.unique(pd.Series(list(ids), dtype="str").dropna()), name="manager_id")
    first, stop = day_bounds(start, end)
    last = stop - DAY
    table = managers.set_index("manager_id") if managers is not None else pd.DataFrame(index=index)
    hired = _column(table, "hired_at").reindex(index).dt.normalize()
    left = _column(table, "left_at").reindex(index).dt.normalize()
    begin = hired.where(hired > first, first).to_numpy(dtype="datetime64[D]")
    finish = left.where(left < last, last).to_numpy(dtype="datetime64[D]")
    return pd.Series(_busdays(begin, finish, country), index=index, name="working_days")


def manager_roster(managers: pd.DataFrame | None, start, end) -> pd.Index:
    """Ids of the managers employed at some point of the window (hired_at ≤ end, left_at ≥ start;
    missing dates do not exclude)."""
    if managers is None:
        return pd.Index([], dtype="str", name="manager_id")
    first, stop = day_bounds(start, end)
    employed = ~(_column(managers, "hired_at") >= stop) & ~(_column(managers, "left_at") < first)
    return pd.Index(managers.loc[employed, "manager_id"].dropna().unique(), name="manager_id")


# --------------------------------------------------------------------------- small helpers


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    """``table[name]`` as datetime64, or an all-NaT column when absent."""
    if name in table.columns:
        return pd.to_datetime(table[name])
    return pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")


def _grouping(managers: pd.DataFrame | None, by: str) -> Callable[[pd.Series], pd.Series]:
    """Function mapping manager ids to the scorecard's row key: the id itself, or its team."""
    if by == "manager_id":
        return lambda ids: ids.rename("manager_id")
    if by == "team" and available(managers, "team"):
        team = managers.set_index("manager_id")["team"]
        return lambda ids: ids.map(team).astype("string").rename("team")
    raise ValueError(f"cannot group managers by {by!r}")


# --------------------------------------------------------------------------- scorecard parts


def _sales_orders(
    orders: pd.DataFrame | None, deals: pd.DataFrame | None, clients: pd.DataFrame | None
) -> pd.DataFrame | None:
    """Orders netted from their lines (`order_totals`: net amount of every line, returns included,
    dated at the order's date) with the attributed manager: the order's (first non-empty manager
    of its lines), else the client's. The same orders and managers as Stage 1's plan / fact, so a
    manager's revenue is one number everywhere. Without orders, won deals stand in for orders at
    their closed_at (order_id = deal_id)."""
    if orders is None and deals is None:
        return None
    if orders is None:
        won = deals[deals["status"] == "won"]
        orders = pd.DataFrame(
            {"order_id": won["deal_id"], "client_id": won["client_id"], "date": won["closed_at"],
             "amount": won["amount"], "manager_id": won["manager_id"]}
        )
    totals = order_totals(orders)
    return totals.assign(manager_id=client_manager(totals, clients))


def _sales_metrics(sales, plans, start, end, key) -> pd.DataFrame:
    """revenue (net amount of the orders dated in the window), revenue_plan (sum of the
    per-manager revenue targets of the months overlapping the window), new_clients (clients whose
    first ever counting order — net amount > 0 — falls in the window, from its `acquisition_start`,
    credited to that order's manager). Orders without a manager are a row of their own (NA)."""
    sold = sales[in_window(sales["date"], start, end)]
    out = {"revenue": sold["amount"].groupby(key(sold["manager_id"]), dropna=False).sum()}
    counting = sales[sales["counted"] & sales["client_id"].notna()]
    first = counting.sort_values(["client_id", "date", "order_id"]).drop_duplicates("client_id")
    first = first[in_window(first["date"], acquisition_start(first["date"], start), end)]
    out["new_clients"] = first.groupby(key(first["manager_id"]), dropna=False).size()
    if available(plans, "manager_id"):
        month_start = pd.Timestamp(start).to_period("M").start_time
        chosen = (plans["metric"] == "revenue") & plans["manager_id"].notna()
        chosen &= in_window(plans["period"], month_start, end)
        if chosen.any():
            picked = plans[chosen]
            out["revenue_plan"] = picked["target"].groupby(key(picked["manager_id"])).sum()
    return pd.DataFrame(out)


def _deal_metrics(deals, start, end, key) -> pd.DataFrame:
    """won_deals / lost_deals with closed_at in the window (no closed_at: not counted),
    avg_won_deal (mean amount), median_cycle_days (created → won, negative spans dropped),
    open_pipeline_count / open_pipeline_sum (deals open at ``end``). Deals without a manager are a
    row of their own (NA)."""
    closed = deals[deals["status"].isin(CLOSED) & in_window(deals["closed_at"], start, end)]
    won = closed[closed["status"] == "won"]
    lost = closed[closed["status"] == "lost"]
    cycle = (won["closed_at"] - won["created_at"]) / DAY
    open_ = deals[open_at_end(deals, end)]
    won_by = won["amount"].groupby(key(won["manager_id"]), dropna=False)
    open_by = open_["amount"].groupby(key(open_["manager_id"]), dropna=False)
    return pd.DataFrame(
        {
            "won_deals": won_by.size(),
            "lost_deals": lost.groupby(key(lost["manager_id"]), dropna=False).size(),
            "avg_won_deal": won_by.mean(),
            "median_cycle_days": cycle.where(cycle >= 0).groupby(key(won["manager_id"]), dropna=False).median(),
            "open_pipeline_count": open_by.size(),
            "open_pipeline_sum": open_by.sum(),
        }
    )


def _activity_metrics(activities, start, end, key) -> pd.DataFrame:
    """Activity counts in the window per type (``n_<type>``, type stripped and lower-cased) and in
    total (``activities``), and
    call_next_step_share: calls (type "call") with next_step true — NA counts as no next step —
    or, when next_step is all-NA, with outcome "next_step"."""
    done = activities[in_window(activities["date"], start, end)]
    kind = done["type"].str.strip().str.lower()
    by = key(done["manager_id"])
    counts = pd.crosstab(by, kind).add_prefix("n_")
    counts.columns.name = None
    counts.insert(0, "activities", counts.sum(axis=1))
    calls = done[kind == "call"]
    if available(activities, "next_step"):
        flag = calls["next_step"].fillna(False).astype("bool")
    elif available(activities, "outcome"):
        flag = calls["outcome"].str.strip().str.lower() == "next_step"
    else:
        return counts
    share = flag.astype("float64").groupby(key(calls["manager_id"])).mean()
    return counts.join(share.rename("call_next_step_share"), how="outer")


# --------------------------------------------------------------------------- scorecard


def _per_working_day(card: pd.DataFrame, days: pd.Series) -> pd.DataFrame:
    """Insert working_days before ``activities`` and replace the n_<type> counts by
    activities_per_day and activities_per_day_<type> = count / working days (NaN on 0 days)."""
    card = card.copy()
    card.insert(card.columns.get_loc("activities"), "working_days", days)
    type_counts = [c for c in card.columns if c.startswith("n_")]
    per_day = card[["activities", *type_counts]].astype("float64").div(days.where(days > 0), axis=0)
    per_day.columns = ["activities_per_day", *("activities_per_day_" + c[2:] for c in type_counts)]
    at = card.columns.get_loc("activities") + 1
    rest = card.drop(columns=type_counts)
    return pd.concat([rest.iloc[:, :at], per_day, rest.iloc[:, at:]], axis=1)


def manager_scorecard(
    start,
    end,
    *,
    orders: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    plans: pd.DataFrame | None = None,
    managers: pd.DataFrame | None = None,
    clients: pd.DataFrame | None = None,
    by: str = "manager_id",
    country: str = "RU",
) -> pd.DataFrame | None:
    """One row per manager (``by="team"``: per managers.team) for the window [start, end].

    Columns (absent when their table is missing):
    revenue, new_clients [orders, or won deals]; revenue_plan, plan_fulfilment = revenue / plan
    [plans with per-manager revenue targets]; won_deals, lost_deals, win_rate = won / (won + lost),
    avg_won_deal, median_cycle_days, open_pipeline_count, open_pipeline_sum [deals];
    working_days (employment-clipped; a team sums its members), activities, activities_per_day,
    activities_per_day_<type> (activities / working days), call_next_step_share [activities];
    activities_per_won_deal [activities and deals]. Counts are int64, the rest float64; ratios
    with a zero denominator are NaN. Rows: managers employed in the window plus every manager
    with data in it, plus one row with a missing key (NA) for the orders and deals attributed to
    no manager (no team, with ``by="team"``), so that the rows sum to the company's revenue and
    deals. Returns None when no table is given."""
    if orders is None and deals is None and activities is None and managers is None:
        return None
    key = _grouping(managers, by)
    sales = _sales_orders(orders, deals, clients)
    parts = [
        _sales_metrics(sales, plans, start, end, key) if sales is not None else None,
        _deal_metrics(deals, start, end, key) if deals is not None else None,
        _activity_metrics(activities, start, end, key) if activities is not None else None,
    ]
    parts = [p for p in parts if p is not None]
    roster = key(manager_roster(managers, start, end).to_series())
    index = pd.Index(roster.dropna().unique(), name=by)
    for part in parts:
        index = index.union(part.index)
    card = pd.concat([p.reindex(index) for p in parts], axis=1) if parts else pd.DataFrame(index=index)
    counts = ["new_clients", "won_deals", "lost_deals", "open_pipeline_count", "activities"]
    counts = [c for c in card.columns if c in counts or c.startswith("n_")]
    card[counts] = card[counts].fillna(0).astype("int64")
    card = card.fillna({c: 0.0 for c in ("revenue", "open_pipeline_sum") if c in card.columns})
    if "revenue_plan" in card.columns:
        card.insert(card.columns.get_loc("revenue_plan") + 1, "plan_fulfilment",
                    share(card["revenue"], card["revenue_plan"]))
    if "won_deals" in card.columns:
        card.insert(card.columns.get_loc("lost_deals") + 1, "win_rate",
                    share(card["won_deals"], card["won_deals"] + card["lost_deals"]))
    if activities is None:
        return card
    if by == "manager_id":
        days = manager_working_days(managers, start, end, country, ids=index)
    else:
        staff = manager_working_days(managers, start, end, country)
        days = staff.groupby(key(staff.index.to_series())).sum()
    card = _per_working_day(card, days.reindex(index, fill_value=0).astype("int64"))
    if "won_deals" in card.columns:
        card.insert(card.columns.get_loc("activities_per_day"), "activities_per_won_deal",
                    share(card["activities"], card["won_deals"]))
    return card


def highlight(
    scorecard: pd.DataFrame, lower_is_better: Iterable[str] = ("median_cycle_days",)
) -> pd.DataFrame:
    """Best and weakest row of every numeric scorecard column that has a value.

    Higher is better except the ``lower_is_better`` columns; NOT_RANKED columns are skipped; ties
    go to the first row. Returns one row per metric (index ``metric``): best, best_value,
    weakest, weakest_value, higher_is_better (bool)."""
    num = scorecard.select_dtypes("number").drop(columns=list(NOT_RANKED), errors="ignore")
    num = num.dropna(axis=1, how="all").astype("float64")
    columns = ["best", "best_value", "weakest", "weakest_value", "higher_is_better"]
    if num.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="metric"))
    higher = ~num.columns.isin(list(lower_is_better))
    signed = num * np.where(higher, 1.0, -1.0)
    best, weakest = signed.idxmax(), signed.idxmin()
    values, cols = num.to_numpy(), np.arange(num.shape[1])
    out = pd.DataFrame(
        {
            "best": best,
            "best_value": values[num.index.get_indexer(best), cols],
            "weakest": weakest,
            "weakest_value": values[num.index.get_indexer(weakest), cols],
            "higher_is_better": higher,
        },
        index=num.columns,
    )
    out.index.name = "metric"
    return out


# --------------------------------------------------------------------------- scorecard totals

SALES_ACTIVITY = ("revenue", "won_deals", "lost_deals", "open_pipeline_count", "activities")
TEAM_SUMS = ("revenue", "revenue_plan", "new_clients", "won_deals", "lost_deals", "open_pipeline_count",
             "open_pipeline_sum", "working_days", "activities")


def with_sales(card: pd.DataFrame) -> pd.Series:
    """True for the scorecard rows with sales, closed or open deals, or activities in the window
    (the no-manager row included)."""
    active = pd.Series(False, index=card.index)
    for col in SALES_ACTIVITY:
        if col in card.columns:
            active |= card[col].fillna(0).ne(0)
    return active


def compared(card: pd.DataFrame) -> pd.Series:
    """True for the managers the report compares: a manager (not the no-manager row) with sales,
    deals or activities of their own in the window (`with_sales`)."""
    return with_sales(card) & card.index.notna()


def team_totals(rows: pd.DataFrame, deals: pd.DataFrame | None, start, end) -> pd.Series:
    """The team's row of the scorecard over ``rows`` (the compared managers plus the no-manager
    row, so that it is the company's): sums of the counts and money (TEAM_SUMS); plan_fulfilment
    = Σ revenue / Σ plan over the rows with a plan; win_rate = Σ won / Σ closed; avg_won_deal =
    mean of the rows' averages weighted by their won deals; median_cycle_days = the median cycle
    of all deals won in the window (`metrics.process.sales_cycle`); activities_per_day* = rows'
    values weighted by working days (rows with activities); activities_per_won_deal = Σ activities
    / Σ won deals; call_next_step_share weighted by calls. float64 Series keyed by column."""
    from auditkit.metrics.process import sales_cycle

    row = {col: float(rows[col].sum()) for col in TEAM_SUMS if col in rows.columns}
    if "plan_fulfilment" in rows.columns:
        planned = rows["revenue_plan"].notna() & (rows["revenue_plan"] > 0)
        row["plan_fulfilment"] = ratio(rows.loc[planned, "revenue"].sum(), rows.loc[planned, "revenue_plan"].sum())
    if "won_deals" in rows.columns:
        row["win_rate"] = ratio(row["won_deals"], row["won_deals"] + row["lost_deals"])
        row["avg_won_deal"] = weighted_mean(rows["avg_won_deal"], rows["won_deals"])
        cycle = sales_cycle(deals, start, end) if deals is not None else None
        row["median_cycle_days"] = cycle["median_days"] if cycle else np.nan
    if "activities_per_day" in rows.columns:
        days = rows["working_days"].where(rows["activities"] > 0)
        for col in [c for c in rows.columns if c.startswith("activities_per_day")]:
            row[col] = weighted_mean(rows[col], days)
        if "won_deals" in rows.columns:
            row["activities_per_won_deal"] = ratio(row["activities"], row["won_deals"])
        if "call_next_step_share" in rows.columns:
            calls = rows.get("activities_per_day_call", pd.Series(np.nan, index=rows.index)) * rows["working_days"]
            row["call_next_step_share"] = weighted_mean(rows["call_next_step_share"], calls)
    return pd.Series(row, dtype="float64")


def scorecard_summary(staff: pd.DataFrame, team: pd.Series, plan_norm: float = 1.0) -> dict:
    """Headline numbers of the compared managers. Keys: managers (int), managers_below_plan (int,
    plan fulfilment below ``plan_norm``; None when no manager has a plan), win_rate_team (the
    team's, NaN without deals), win_rate_spread (best − weakest manager's win rate)."""
    has_plan = "plan_fulfilment" in staff.columns and staff["plan_fulfilment"].notna().any()
    has_deals = "win_rate" in team.index
    return {
        "managers": len(staff),
        "managers_below_plan": int((staff["plan_fulfilment"] < plan_norm).sum()) if has_plan else None,
        "win_rate_team": float(team["win_rate"]) if has_deals else np.nan,
        "win_rate_spread": float(staff["win_rate"].max() - staff["win_rate"].min()) if has_deals else np.nan,
    }


def full_period(managers: pd.DataFrame | None, start, end, country: str, ids: pd.Index) -> pd.Series:
    """True for the managers (``ids``) employed for the whole window: as many working days of
    employment as the longest-employed of them (unknown managers count as employed)."""
    days = manager_working_days(managers, start, end, country, ids=ids)
    return (days >= days.max()).reindex(ids, fill_value=True)


def rank_managers(staff: pd.DataFrame, ranked: Sequence[str], volumes: Sequence[str],
                  full: pd.Series) -> pd.DataFrame:
    """Best and weakest manager per measure (`highlight`), in the order of ``ranked``: ratios
    among all the rows of ``staff``, volumes (the ``volumes`` among ``ranked``, which grow with
    the time worked) only among the managers employed for the whole window (``full``, when two
    or more). Measures on which every manager is alike are left out."""
    ratios = [c for c in ranked if c in staff.columns and c not in volumes]
    volume = [c for c in ranked if c in staff.columns and c in volumes]
    parts = [highlight(staff[ratios]) if ratios else None,
             highlight(staff.loc[full, volume]) if volume and full.sum() >= 2 else None]
    parts = [part for part in parts if part is not None and not part.empty]
    if not parts:
        return highlight(staff[[]])
    out = pd.concat(parts)
    out = out[out["best_value"] != out["weakest_value"]]
    return out.loc[[c for c in ranked if c in out.index]]


def weakest_in_many(ranked: pd.DataFrame, at_least: int = 3) -> dict:
    """manager → the measures (of a `rank_managers` table) on which they are the weakest, for the
    managers weakest on at least ``at_least`` measures; most measures first."""
    groups = {k: list(v) for k, v in ranked.groupby("weakest").groups.items()}
    return dict(sorted(((k, v) for k, v in groups.items() if len(v) >= at_least), key=lambda kv: -len(kv[1])))


@dataclass(frozen=True)
class Underlogging:
    """Activities per working day against the team (see `underlogging`)."""

    median: float  # median activities per working day of the managers measured
    threshold: float  # share × median: below it a manager logs too little
    managers: pd.Series  # manager → activities per day, those below the threshold, lowest first
    of_median: pd.Series  # the same managers: their value / the median (share)
    below_norm: int  # managers below the norm of activities per day (NaN norm: 0)


def underlogging(per_day: pd.Series, share: float, norm: float | None = None) -> Underlogging:
    """Under-logging managers: activities per working day below ``share`` × the median of
    ``per_day`` (the managers measured); and how many are below ``norm`` activities a day."""
    values = per_day.dropna()
    median = float(values.median()) if len(values) else np.nan
    threshold = share * median
    under = values[values < threshold].sort_values()
    return Underlogging(
        median=median,
        threshold=threshold,
        managers=under,
        of_median=under / median if median else under * np.nan,
        below_norm=int((values < norm).sum()) if norm is not None else 0,
    )


def top_activity_types(per_day_types: pd.DataFrame, keep: int = 4) -> pd.DataFrame:
    """activities_per_day_<type> columns for a chart: all of them when at most ``keep`` + 1,
    else the ``keep`` most frequent (team sum) and ``other`` = the sum of the rest."""
    if per_day_types.shape[1] <= keep + 1:
        return per_day_types
    top = per_day_types.sum().sort_values(ascending=False).index[:keep]
    return per_day_types[top].assign(other=per_day_types.drop(columns=top).sum(axis=1))


# --------------------------------------------------------------------------- call quality


@dataclass(frozen=True)
class ChecklistQuality:
    """Call-review (or mystery-shopper) results; every score is a percentage 0..100."""

    scales: dict[str, float]  # item → maximum points used for normalising
    matrix: pd.DataFrame  # manager_id × item: mean % over the manager's reviews
    item_means: pd.Series  # item → mean % over all reviews, ascending
    training_needs: pd.Series  # the item_means below the threshold (weakest first)
    reviews: pd.Series  # manager_id → number of reviews (int64)


def _infer_scale(observed_max: pd.Series) -> pd.Series:
    """Maximum possible points from the observed maximum: ≤1 → 1, ≤2 → 2, ≤5 → 5, else 10."""
    return pd.Series(
        np.select([observed_max <= 1, observed_max <= 2, observed_max <= 5], [1.0, 2.0, 5.0], 10.0),
        index=observed_max.index,
    )


def call_quality(
    reviews: pd.DataFrame | None,
    scales: Mapping[str, float] | None = None,
    threshold: float = 70.0,
) -> ChecklistQuality | None:
    """Checklist items normalised to % of their scale (value / scale × 100; NaN = not assessed).

    Items are the numeric columns other than manager_id/date/review_id that have a value; the
    scale of an item is inferred from its observed maximum (see `_infer_scale`) unless given in
    ``scales``. Team means weight every review equally; items with a team mean below
    ``threshold`` (%) are the training needs. Serves call_reviews and mystery_shopper alike.
    Returns None without reviews or items."""
    if reviews is None or reviews.empty:
        return None
    items = reviews.drop(columns=[c for c in _CHECKLIST_META if c in reviews.columns])
    items = items.select_dtypes("number").dropna(axis=1, how="all").astype("float64")
    if items.empty:
        return None
    scale = _infer_scale(items.max())
    scale.update(pd.Series(dict(scales or {}), dtype="float64"))
    scale = scale.reindex(items.columns)
    pct = items / scale * 100.0
    manager = reviews["manager_id"]
    item_means = pct.mean().sort_values(kind="stable")
    return ChecklistQuality(
        scales=scale.to_dict(),
        matrix=pct.groupby(manager).mean(),
        item_means=item_means,
        training_needs=item_means[item_means < threshold],
        reviews=manager.value_counts().sort_index().astype("int64"),
    )


@dataclass(frozen=True)
class ChecklistSummary:
    """A `ChecklistQuality` in shares 0..1, with its gaps (see `checklist_summary`)."""

    score: float  # mean of the item means (share of the maximum)
    item_min: float  # the weakest item's team mean (share)
    reviews: int  # reviews in all
    item_means: pd.Series  # item → team mean share, ascending
    matrix: pd.DataFrame  # manager × item shares, managers by their mean share, highest first
    gaps: pd.Series  # (manager, item) → manager − team share, for individual gaps, largest gap first
    items: pd.DataFrame  # item, team, weakest, weakest_value, best, best_value (per item, ascending team)
    min_reviews: int  # reviews of the manager with the fewest


def checklist_summary(quality: ChecklistQuality, threshold: float, gap: float) -> ChecklistSummary:
    """Call-review / mystery-shopper results as shares of the maximum (% / 100). An individual gap
    is a manager's item at least ``gap`` below the team mean and below ``threshold`` (shares)."""
    means = quality.item_means / 100
    matrix = quality.matrix / 100
    delta = matrix.sub(means, axis=1).stack()
    gaps = delta[(delta <= -gap) & (matrix.stack() < threshold)].sort_values()
    order = matrix[means.index].mean(axis=1).sort_values(ascending=False).index
    items = pd.DataFrame({
        "item": means.index, "team": means.to_numpy(),
        "weakest": [matrix[i].idxmin() for i in means.index], "weakest_value": [matrix[i].min() for i in means.index],
        "best": [matrix[i].idxmax() for i in means.index], "best_value": [matrix[i].max() for i in means.index],
    })
    return ChecklistSummary(score=float(means.mean()), item_min=float(means.min()), reviews=int(quality.reviews.sum()),
                            item_means=means, matrix=matrix.loc[order, means.index],
                            gaps=gaps, items=items, min_reviews=int(quality.reviews.min()))


# --------------------------------------------------------------------------- staff assessment


@dataclass(frozen=True)
class StaffMatrix:
    """Staff assessment quadrants per manager and the performance measure used."""

    per_manager: pd.DataFrame
    performance_basis: str | None  # "plan_fulfilment", "revenue_percentile" or None


def _performance(scorecard: pd.DataFrame | None) -> tuple[pd.Series | None, str | None]:
    """(performance per manager, basis): plan fulfilment when any manager has one, else the
    revenue percentile rank among the scorecard's managers (Series.rank(pct=True))."""
    if available(scorecard, "plan_fulfilment"):
        return scorecard["plan_fulfilment"], "plan_fulfilment"
    if available(scorecard, "revenue"):
        return scorecard["revenue"].rank(pct=True), "revenue_percentile"
    return None, None


def _level(values: pd.Series, is_high: pd.Series) -> pd.Series:
    """"high"/"low" per value, NA where the value is missing."""
    return pd.Series(np.where(is_high, "high", "low"), index=values.index, dtype="str").where(
        values.notna()
    )


def staff_assessment(
    assessment: pd.DataFrame | None,
    scorecard: pd.DataFrame | None = None,
    threshold: float = 3.5,
) -> StaffMatrix | None:
    """Competence × motivation matrix and the performance × competence recommendation.

    competence = mean(product_knowledge, sales_technique), motivation = mean(motivation,
    loyalty) (1–5, NaN skipped); a level is "high" when ≥ ``threshold``. performance: plan
    fulfilment (high ≥ 1.0) when the scorecard has any, else the revenue percentile rank (high
    > 0.5, the upper half). Recommendation rule (NA when an input it needs is missing):
    low competence & high motivation → "train"; low competence & low motivation → "rotate";
    high competence & low performance → "coach"; high competence & high performance → "develop"
    (keep and develop). Columns: competence, motivation (float64), competence_level,
    motivation_level, performance_level, recommendation (str), performance (float64)."""
    if assessment is None or assessment.empty:
        return None
    table = assessment.set_index("manager_id")
    competence = table[["product_knowledge", "sales_technique"]].mean(axis=1)
    motivation = table[["motivation", "loyalty"]].mean(axis=1)
    perf, basis = _performance(scorecard)
    perf = perf.reindex(table.index) if perf is not None else pd.Series(np.nan, index=table.index)
    perf_high = perf >= 1.0 if basis == "plan_fulfilment" else perf > 0.5
    out = pd.DataFrame(
        {
            "competence": competence,
            "motivation": motivation,
            "competence_level": _level(competence, competence >= threshold),
            "motivation_level": _level(motivation, motivation >= threshold),
            "performance": perf.astype("float64"),
            "performance_level": _level(perf, perf_high),
        }
    )
    comp, mot, per = (out[c].fillna("") for c in ("competence_level", "motivation_level", "performance_level"))
    rule = np.select(
        [
            (comp == "low") & (mot == "high"),
            (comp == "low") & (mot == "low"),
            (comp == "high") & (per == "low"),
            (comp == "high") & (per == "high"),
        ],
        [TRAIN, ROTATE, COACH, DEVELOP],
        default=None,
    )
    out["recommendation"] = pd.Series(rule, index=out.index, dtype="str")
    return StaffMatrix(per_manager=out, performance_basis=basis)


def assessment_summary(matrix: StaffMatrix) -> dict:
    """Headline numbers of a `staff_assessment`. Keys: assessed (int), competence_avg,
    motivation_avg (mean scores 1–5), low_motivation (index of the managers with low motivation),
    recommendations (recommendation code → managers, int)."""
    pm = matrix.per_manager
    return {
        "assessed": len(pm),
        "competence_avg": float(pm["competence"].mean()),
        "motivation_avg": float(pm["motivation"].mean()),
        "low_motivation": pm.index[pm["motivation_level"] == "low"],
        "recommendations": pm["recommendation"].value_counts().to_dict(),
    }


# --------------------------------------------------------------------------- structure


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values: Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² mean), computed as
    2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n on the ascending values. NaN ignored; NaN when there are
    no values or they sum to 0. Raises ValueError on negative values."""
    x = np.sort(np.asarray(pd.Series(list(values), dtype="float64").dropna()))
    if (x < 0).any():
        raise ValueError("gini needs non-negative values")
    total = x.sum()
    if x.size == 0 or total == 0:
        return float("nan")
    n = x.size
    return float(2.0 * np.dot(np.arange(1, n + 1), x) / (n * total) - (n + 1) / n)


@dataclass(frozen=True)
class TeamStructure:
    """Team structure at the end of the window."""

    per_manager: pd.DataFrame  # index manager_id: [active (bool), tenure_months], clients (int64)
    headcount: int | None  # managers active at the end; None without a managers table
    median_tenure_months: float  # over active managers; NaN without a managers table
    clients_per_manager: float  # mean client count of the managers that have clients
    revenue_gini: float  # Gini of window revenue over managers with sales (negatives → 0)


def _tenure(managers: pd.DataFrame, end) -> pd.DataFrame:
    """active: hired_at ≤ end and left_at ≥ end (missing dates do not exclude); tenure_months:
    hired_at → min(end, left_at) in days / 30.4375 (NaN without hired_at or if hired later)."""
    _, stop = day_bounds(end, end)
    last = stop - DAY
    table = managers.set_index("manager_id")
    hired = _column(table, "hired_at").dt.normalize()
    left = _column(table, "left_at").dt.normalize()
    tenure = (left.where(left < last, last) - hired) / DAY / DAYS_PER_MONTH
    return pd.DataFrame(
        {"active": ~(hired > last) & ~(left < last), "tenure_months": tenure.where(~(hired > last))}
    )


def team_structure(
    start,
    end,
    *,
    managers: pd.DataFrame | None = None,
    orders: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    clients: pd.DataFrame | None = None,
) -> TeamStructure | None:
    """Headcount and tenure (see `_tenure`), clients per manager (clients.manager_id when given,
    else the distinct clients each manager sold to in the window) and the Gini of window revenue
    across managers (orders netted and attributed as in the scorecard; revenue attributed to no
    manager is no person's and stays out of the Gini). None without any of the tables."""
    sales = _sales_orders(orders, deals, clients)
    if managers is None and sales is None and not available(clients, "manager_id"):
        return None
    sold = sales[in_window(sales["date"], start, end)] if sales is not None else None
    revenue = sold.groupby("manager_id")["amount"].sum() if sold is not None else pd.Series(dtype="float64")
    if available(clients, "manager_id"):
        clients_by = clients.groupby("manager_id")["client_id"].nunique()
    elif sold is not None:
        clients_by = sold.groupby("manager_id")["client_id"].nunique()
    else:
        clients_by = pd.Series(dtype="int64")
    if managers is not None:
        per_manager = _tenure(managers, end)
    else:
        per_manager = pd.DataFrame(index=clients_by.index.union(revenue.index))
    per_manager["clients"] = clients_by.reindex(per_manager.index).fillna(0).astype("int64")
    per_manager.index.name = "manager_id"
    active = per_manager["active"] if managers is not None else None
    return TeamStructure(
        per_manager=per_manager,
        headcount=None if active is None else int(active.sum()),
        median_tenure_months=(
            float("nan") if active is None else float(per_manager.loc[active, "tenure_months"].median())
        ),
        clients_per_manager=float(clients_by[clients_by > 0].mean()),
        revenue_gini=gini(revenue.clip(lower=0)),
    )


def team_sizes(managers: pd.DataFrame, active: pd.Index) -> pd.Series:
    """Active managers per team (managers.team; NA = no team), largest first."""
    return managers.set_index("manager_id").loc[active, "team"].value_counts(dropna=False)


def revenue_shares(revenue: pd.Series) -> pd.Series:
    """Each row's share of the revenue: revenue / Σ revenue of all rows (negative revenue counted
    as 0 in the total), rows as given — include the no-manager row, so that the managers' shares are
    shares of the company's revenue."""
    return share(revenue, float(revenue.clip(lower=0).sum()))


def top_quarter_share(revenue: pd.Series) -> tuple[int, float]:
    """(n, share): the revenue share of the top quarter of the managers (n = ceil(managers / 4),
    at least 1) by revenue, negative revenue counted as 0; share NaN without revenue."""
    positive = revenue.clip(lower=0).sort_values(ascending=False)
    n = max(1, math.ceil(len(positive) / 4))
    return n, ratio(float(positive.head(n).sum()), float(positive.sum()))
