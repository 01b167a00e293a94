"""Stage 5 — communication and collaboration (METHODOLOGY.md §2 Stage 5).

Marketing → sales (lead response time, lead → won time), sales → service (won deal → first
order, post-sale contact), client voice (NPS, CSAT, reasons, verbatim complaints) and the
management-rhythm answers of the checklist.

Breakdown tables share one long layout: ``breakdown`` ("overall" or the grouping column's
name), ``group`` ("all" on the overall row, else the group value; NA = value missing), then the
metric columns. Shares are fractions 0..1 unless the column name says ``pct`` (0..100).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from auditkit.inputs.checklist import answer_scores
from auditkit.metrics._common import DAY, HOUR, available, in_window, order_totals, pareto_core, per_year
from auditkit.metrics._common import keyed, rows_of, share, top_n, weighted_mean

OVERALL = "overall"
ALL = "all"


# --------------------------------------------------------------------------- helpers


def _breakdown_table(
    df: pd.DataFrame,
    by: Sequence[str],
    agg: dict[str, tuple[str, str]],
    derive: Callable[[pd.DataFrame], pd.DataFrame],
) -> pd.DataFrame:
    """Aggregate ``df`` overall and per value of each available ``by`` column (NA kept as a group).

    ``agg`` is a pandas named aggregation; ``derive`` adds the ratio columns to the stacked result.
    """
    keys = [(OVERALL, pd.Series(ALL, index=df.index, dtype="string"))]
    keys += [(col, df[col].astype("string")) for col in by if available(df, col)]
    parts = [
        df.groupby(key.rename("group"), dropna=False, sort=True)
        .agg(**agg)
        .reset_index()
        .assign(breakdown=name)
        for name, key in keys
    ]
    out = derive(pd.concat(parts, ignore_index=True).astype({"breakdown": "string"}))
    return out[["breakdown", "group", *[c for c in out.columns if c not in ("breakdown", "group")]]]


def _day(values: pd.Series) -> pd.Series:
    """Calendar day (midnight) as datetime64[ns], so merge keys of any source unit agree."""
    return values.astype("datetime64[ns]").dt.normalize()


DAY_SHIFT = 100_000  # added to a day number (days since 1970) so that 1900..2100 packs as a positive 32-bit value


def _client_day_keys(client: np.ndarray, day: pd.Series | np.ndarray, offset_days: int = 0) -> np.ndarray:
    """(client code, calendar day + offset_days) packed into one int64 that sorts by client, then day."""
    number = np.asarray(day, dtype="datetime64[D]").astype("int64") + offset_days + DAY_SHIFT
    return (client.astype("int64") << 32) | number


def _first_on_or_after(
    events: pd.DataFrame, others: pd.DataFrame, offset_days: int = 0
) -> pd.Series:
    """Per event (client_key, day), the first ``others`` day of the same client (client_key, the
    same keys) that is on or after event day + ``offset_days``; NaT when there is none. The others'
    (client, day) pairs are sorted once as packed keys and each event is a binary search among them.

    Returns a datetime64[ns] Series aligned with ``events.index``.
    """
    event_client = events["client_key"].to_numpy().astype("int64")
    other_client = others["client_key"].to_numpy().astype("int64")
    known = (other_client >= 0) & others["day"].notna().to_numpy()
    keys = np.sort(_client_day_keys(other_client[known], others["day"].to_numpy()[known]))
    asked = (event_client >= 0) & events["day"].notna().to_numpy()
    wanted = _client_day_keys(event_client[asked], events["day"].to_numpy()[asked], offset_days)
    by_key = np.argsort(wanted)  # searched in ascending order, each search starts where the last ended
    at = np.empty(len(wanted), dtype="int64")
    at[by_key] = np.searchsorted(keys, wanted[by_key])
    found = at < len(keys)
    found[found] = (keys[at[found]] >> 32) == event_client[asked][found]  # the same client
    result = np.full(len(events), np.datetime64("NaT"), dtype="datetime64[ns]")
    hit = np.flatnonzero(asked)[found]
    result[hit] = ((keys[at[found]] & 0xFFFFFFFF) - DAY_SHIFT).astype("datetime64[D]")
    return pd.Series(result, index=events.index, dtype="datetime64[ns]")


def _net_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Counted orders (`order_totals`: netted from lines, net amount > 0) with a client;
    ``day`` = calendar day of the order's date (its earliest line). The orders carry client_key."""
    totals = order_totals(orders)
    per_order = totals[totals["counted"] & totals["client_id"].notna()].reset_index(drop=True)
    per_order["day"] = _day(per_order["date"])
    return per_order[["client_id", "client_key", "order_id", "day"]]


# ------------------------------------------------------------------ marketing -> sales


def lead_response_time(
    leads: pd.DataFrame | None, thresholds_h: Sequence[float] = (1, 24)
) -> pd.DataFrame | None:
    """Lead response time in hours = first_contact_at − created_at, overall and by source.

    Columns: n_leads; n_negative (contact before creation: data errors, excluded from every
    statistic below); n_valid = n_leads − n_negative; n_contacted (valid, contacted);
    n_not_contacted (first_contact_at missing); share_not_contacted = n_not_contacted / n_valid;
    median_hours (over contacted); per threshold T (default 1 and 24 h, inclusive):
    n_within_{T}h, share_within_{T}h_of_contacted (/ n_contacted) and share_within_{T}h_of_leads
    (/ n_valid). None when leads or their first_contact_at are not available.
    """
    if not available(leads, "first_contact_at"):
        return None
    hours = (leads["first_contact_at"] - leads["created_at"]) / HOUR
    valid = hours.where(hours >= 0)
    df = pd.DataFrame(
        {
            "source": leads["source"],
            "hours": valid,
            "negative": hours < 0,
            "not_contacted": leads["first_contact_at"].isna(),
        }
    )
    labels = [f"{t:g}h" for t in thresholds_h]
    for t, label in zip(thresholds_h, labels):
        df[f"within_{label}"] = valid <= t
    agg = {
        "n_leads": ("hours", "size"),
        "n_negative": ("negative", "sum"),
        "n_contacted": ("hours", "count"),
        "n_not_contacted": ("not_contacted", "sum"),
        "median_hours": ("hours", "median"),
    } | {f"n_within_{label}": (f"within_{label}", "sum") for label in labels}

    def derive(t: pd.DataFrame) -> pd.DataFrame:
        t.insert(t.columns.get_loc("n_contacted"), "n_valid", t["n_leads"] - t["n_negative"])
        t["share_not_contacted"] = share(t["n_not_contacted"], t["n_valid"])
        for label in labels:
            n_within = t[f"n_within_{label}"]
            t[f"share_within_{label}_of_contacted"] = share(n_within, t["n_contacted"])
            t[f"share_within_{label}_of_leads"] = share(n_within, t["n_valid"])
        return t

    return _breakdown_table(df, ["source"], agg, derive)


def response_buckets(by_source: pd.DataFrame, n: int = 11) -> pd.DataFrame:
    """Shares of each source's valid leads (rows of a `lead_response_time` table) first contacted
    within 1 h (b1), after 1 h and within 24 h (b24), later (later) and never (never); the sources
    beyond the ``n`` largest by n_valid are summed into one OTHER row. Columns: group, n_valid,
    b1, b24, later, never (shares of n_valid)."""
    counts = by_source.assign(
        b1=by_source["n_within_1h"], b24=by_source["n_within_24h"] - by_source["n_within_1h"],
        later=by_source["n_contacted"] - by_source["n_within_24h"], never=by_source["n_not_contacted"])
    parts = ["b1", "b24", "later", "never"]
    counts = top_n(counts, "group", "n_valid", n=n, sums=parts)
    return counts[["group", "n_valid"]].assign(**{p: share(counts[p], counts["n_valid"]) for p in parts})


def _comparable_sources(by_source: pd.DataFrame, total: float) -> pd.DataFrame:
    """Sources with at least max(10, 2% of all) valid leads."""
    return by_source[by_source["n_valid"] >= max(10, 0.02 * total)]


def slowest_source(resp: pd.DataFrame, within_24h_norm: float, never_contacted_max: float) -> pd.Series | None:
    """The source whose leads wait longest (lowest share within 24 h, then highest median hours)
    among the sources with at least max(10, 2% of all) valid leads, when it misses a norm (within
    24 h below ``within_24h_norm`` or never contacted above ``never_contacted_max``); its row of
    the `lead_response_time` table, else None."""
    overall = resp[resp["breakdown"] == OVERALL].iloc[0]
    big = _comparable_sources(resp[resp["breakdown"] == "source"], overall["n_valid"])
    if big.empty:
        return None
    worst = big.sort_values(["share_within_24h_of_leads", "median_hours"], ascending=[True, False]).iloc[0]
    misses = worst["share_within_24h_of_leads"] < within_24h_norm or worst["share_not_contacted"] > never_contacted_max
    return worst if misses else None


def response_money_base(leads: pd.DataFrame, deals: pd.DataFrame | None, start, end,
                        fast_hours: float = 1.0) -> dict | None:
    """Stage 6 money base of lead response, over the leads created in [start, end].

    Keys: leads_per_year (valid leads a year, `_common.per_year`); worst_source (among the sources
    with at least max(10, 2% of all) valid leads, the one with the largest share never contacted),
    worst_source_contacted (1 − its share never contacted), worst_source_leads_per_year;
    conversion_within_1h / conversion_after_1h: won share (the lead's deal is won) of the leads first
    contacted within / after ``fast_hours``, averaged over the sources that have both, weighted by
    their contacted leads — so that the source mix does not pass for an effect of speed (NaN
    without deals or a common source); worst_source_revenue_per_contacted_lead = the won share of the
    worst source's contacted leads × the average won deal of [start, end] (money per lead).
    None when first_contact_at is not available."""
    from auditkit.metrics.process import average_won_deal

    leads = leads[in_window(leads["created_at"], start, end)]
    resp = lead_response_time(leads)
    if resp is None:
        return None
    overall = resp[resp["breakdown"] == OVERALL].iloc[0]
    big = _comparable_sources(resp[resp["breakdown"] == "source"], overall["n_valid"])
    worst = big.sort_values(["share_not_contacted", "n_valid"], ascending=False).iloc[0] if len(big) else None
    out = {
        "leads_per_year": per_year(overall["n_valid"], start, end),
        "worst_source": None if worst is None else worst["group"],
        "worst_source_contacted": np.nan if worst is None else 1 - float(worst["share_not_contacted"]),
        "worst_source_leads_per_year": np.nan if worst is None else per_year(worst["n_valid"], start, end),
        "conversion_within_1h": np.nan,
        "conversion_after_1h": np.nan,
        "worst_source_revenue_per_contacted_lead": np.nan,
    }
    if deals is None or not available(leads, "deal_id"):
        return out
    hours = (leads["first_contact_at"] - leads["created_at"]) / HOUR
    contacted = pd.DataFrame({"source": leads["source"], "fast": hours <= fast_hours,
                              "won": leads["deal_id"].isin(deals.loc[deals["status"] == "won", "deal_id"])})[hours >= 0]
    fast = contacted[contacted["fast"]].groupby("source")["won"].mean()
    slow = contacted[~contacted["fast"]].groupby("source")["won"].mean()
    common = fast.index.intersection(slow.index)
    if len(common):
        weight = contacted.groupby("source").size()[common]
        out["conversion_within_1h"] = weighted_mean(fast[common], weight)
        out["conversion_after_1h"] = weighted_mean(slow[common], weight)
    average = average_won_deal(deals, start, end)["average_won_deal"]
    mine = contacted.loc[contacted["source"] == out["worst_source"], "won"] if worst is not None else None
    if mine is not None and len(mine) and pd.notna(average):
        out["worst_source_revenue_per_contacted_lead"] = float(mine.mean() * average)
    return out


def lead_time_to_win(
    leads: pd.DataFrame | None, deals: pd.DataFrame | None
) -> pd.DataFrame | None:
    """Days from lead creation to its deal being won (deals.closed_at via leads.deal_id),
    fractional days, overall and by source.

    Columns: n_leads; n_won (leads whose deal is won with a close date); n_negative (won before
    the lead was created: data errors, excluded); median_days and p75_days over the remaining
    won leads. None when leads.deal_id, deals or deals.closed_at are not available.
    """
    if not (available(leads, "deal_id") and available(deals, "closed_at")):
        return None
    won = deals.loc[(deals["status"] == "won") & deals["closed_at"].notna(), ["deal_id", "closed_at"]]
    df = leads[["source", "created_at", "deal_id"]].merge(won, on="deal_id", how="left")
    days = (df["closed_at"] - df["created_at"]) / DAY
    df = pd.DataFrame(
        {
            "source": df["source"],
            "won": df["closed_at"].notna(),
            "negative": days < 0,
            "days": days.where(days >= 0),
        }
    )
    agg = {
        "n_leads": ("won", "size"),
        "n_won": ("won", "sum"),
        "n_negative": ("negative", "sum"),
        "median_days": ("days", "median"),
        "p75_days": ("days", lambda s: s.quantile(0.75)),
    }
    return _breakdown_table(df, ["source"], agg, lambda t: t)


# ------------------------------------------------------------------- sales -> service


def _won_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Won deals with a client and a close date (deals keyed by client: client_key); ``day`` =
    calendar day of closed_at."""
    won = deals.loc[
        (deals["status"] == "won") & (deals["client_key"] >= 0) & deals["closed_at"].notna(),
        ["deal_id", "client_id", "client_key", "closed_at"],
    ].reset_index(drop=True)
    won["day"] = _day(won["closed_at"])
    return won


def won_in(deals: pd.DataFrame, start, end) -> pd.DataFrame:
    """The deals won with a close date in [start, end] (both days inclusive)."""
    return deals[(deals["status"] == "won") & in_window(deals["closed_at"], start, end)]


def won_deal_first_order(
    deals: pd.DataFrame | None, orders: pd.DataFrame | None
) -> pd.DataFrame | None:
    """Per won deal with client_id and closed_at: the client's first order (net amount > 0) on or
    after the close day, compared on calendar days.

    Columns: deal_id, client_id (string), closed_at, first_order_date (datetime64[ns], NaT when no
    order follows), days (float64 = first_order_date − close day in whole days, NaN when none).
    None when deals.client_id / closed_at or orders are not available.
    """
    if not (available(deals, "client_id", "closed_at") and available(orders, "amount")):
        return None
    deals, orders = keyed("client_id", deals, orders)
    won = _won_deals(deals)
    won["first_order_date"] = _first_on_or_after(won, _net_orders(orders))
    won["days"] = (won["first_order_date"] - won["day"]) / DAY
    return won.drop(columns=["day", "client_key"])


def won_to_first_order(
    deals: pd.DataFrame | None, orders: pd.DataFrame | None, within_days: int = 30
) -> dict | None:
    """Summary of :func:`won_deal_first_order`, days on calendar days.

    Keys: n_won (int), n_with_order (int), n_without_order (int: won deals with no order on or
    after the win), share_without_order (/ n_won), median_days (over deals with an order),
    share_within_days_of_ordered (days ≤ within_days / n_with_order), share_within_days_of_won
    (/ n_won), within_days (int). None when not available or no won deal qualifies.
    """
    per_deal = won_deal_first_order(deals, orders)
    if per_deal is None or per_deal.empty:
        return None
    days = per_deal["days"]
    n_won, n_with = len(days), int(days.notna().sum())
    n_within = int((days <= within_days).sum())
    return {
        "n_won": n_won,
        "n_with_order": n_with,
        "n_without_order": n_won - n_with,
        "share_without_order": (n_won - n_with) / n_won,
        "median_days": float(days.median()),
        "share_within_days_of_ordered": n_within / n_with if n_with else float("nan"),
        "share_within_days_of_won": n_within / n_won,
        "within_days": within_days,
    }


def _activity_contacts(
    activities: pd.DataFrame, deals: pd.DataFrame | None
) -> pd.DataFrame:
    """Activities as (client_key, day), the activities and deals keyed by client alike; a missing
    client is taken from the activity's deal. Activities with neither, or no date, are left out."""
    client = activities["client_key"].to_numpy().astype("int64")
    missing = client < 0
    if missing.any() and available(deals, "client_id") and available(activities, "deal_id"):
        activities, deals = keyed("deal_id", activities, deals)
        row = rows_of(deals["deal_key"].to_numpy(), activities["deal_key"].to_numpy()[missing])
        client[missing] = np.where(row >= 0, deals["client_key"].to_numpy()[row], -1)
    out = pd.DataFrame({"client_key": client, "day": _day(activities["date"])})
    return out[(client >= 0) & out["day"].notna().to_numpy()]


def _first_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Per client (client_key ≥ 0) of ``orders`` (client_key, day), the day of its first dated
    order: the earliest day kept per key in an array over the keys (no grouping by hashed ids)."""
    day = orders["day"].to_numpy().astype("datetime64[D]")
    dated = ~np.isnat(day) & (orders["client_key"].to_numpy() >= 0)
    client = orders["client_key"].to_numpy()[dated].astype("int64")
    first = np.full(int(client.max(initial=-1)) + 1, np.iinfo("int64").max)
    np.minimum.at(first, client, day[dated].astype("int64"))
    held = np.flatnonzero(first < np.iinfo("int64").max)
    return pd.DataFrame({"client_key": held, "day": first[held].astype("datetime64[D]").astype("datetime64[ns]")})


def post_sale_contact(
    deals: pd.DataFrame | None,
    orders: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    days: int = 14,
) -> pd.DataFrame | None:
    """Share of events followed by an activity with the same client within ``days`` calendar
    days after the event day (days 1..N; the event day itself is the sale, not a follow-up).

    Events: ``won_deal`` (won deals with client_id and closed_at, day of closed_at) and
    ``first_order`` (new clients: day of each client's first order with net amount > 0).
    An activity's client is its client_id, else the client of its deal. Only events whose whole
    window [day+1, day+N] lies inside the activity log's date range are evaluated.
    Columns: event (string), n_events, n_evaluated, n_contacted (int64), share_contacted
    (float64, / n_evaluated). A row is left out when its input is not available; None when none.
    """
    if not available(activities, "date"):
        return None
    activities, deals, orders = keyed("client_id", activities, deals, orders)
    contacts = _activity_contacts(activities, deals)
    if contacts.empty:
        return None
    events = {}
    if available(deals, "client_id", "closed_at"):
        events["won_deal"] = _won_deals(deals)[["client_key", "day"]]
    if available(orders, "amount"):
        events["first_order"] = _first_orders(_net_orders(orders))
    if not events:
        return None
    log_start, log_end = contacts["day"].min(), contacts["day"].max()
    evaluated = {name: ev[(ev["day"] + DAY >= log_start) & (ev["day"] + pd.Timedelta(days=days) <= log_end)]
                 for name, ev in events.items()}
    every = pd.concat([ev.assign(event=name) for name, ev in evaluated.items()], ignore_index=True)
    next_contact = _first_on_or_after(every, contacts, offset_days=1)  # one pass over the activities
    contacted = (next_contact - every["day"] <= pd.Timedelta(days=days)).groupby(every["event"]).sum()
    rows = [(name, len(events[name]), len(evaluated[name]), int(contacted.get(name, 0))) for name in events]
    out = pd.DataFrame(rows, columns=["event", "n_events", "n_evaluated", "n_contacted"])
    out = out.astype({"event": "string", "n_events": "int64", "n_evaluated": "int64", "n_contacted": "int64"})
    out["share_contacted"] = share(out["n_contacted"], out["n_evaluated"])
    return out


# ------------------------------------------------------------------------ client voice


def _survey_table(
    surveys: pd.DataFrame | None,
    clients: pd.DataFrame | None,
    column: str,
    flags: dict[str, Callable[[pd.Series], pd.Series]],
    derive: Callable[[pd.DataFrame], pd.DataFrame],
) -> pd.DataFrame | None:
    """Answers with ``column`` filled, overall, by client segment and by respondent; each flag
    (a boolean function of the answer) is counted as ``n_<flag>`` next to ``n``."""
    if not available(surveys, column):
        return None
    answered = surveys[surveys[column].notna()]
    df = pd.DataFrame({"respondent": answered["respondent"].astype("string")})
    if available(clients, "segment"):
        segment = clients.set_index("client_id")["segment"].astype("string")
        df["segment"] = answered["client_id"].map(segment)
    for name, flag in flags.items():
        df[name] = flag(answered[column])
    agg = {"n": (next(iter(flags)), "size")} | {f"n_{name}": (name, "sum") for name in flags}
    return _breakdown_table(df, ["segment", "respondent"], agg, derive)


def nps(surveys: pd.DataFrame | None, clients: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Net Promoter Score in points −100..+100 = % promoters (9–10) − % detractors (0–6),
    over survey answers with nps filled (each answer counts), overall, by segment (clients
    table), by respondent (loyal/churned).

    Columns: n, n_promoters, n_passives, n_detractors (int64), pct_promoters, pct_passives,
    pct_detractors (0..100), nps (points). None when no nps answer exists.
    """
    flags = {
        "promoters": lambda s: s >= 9,
        "passives": lambda s: (s > 6) & (s < 9),
        "detractors": lambda s: s <= 6,
    }

    def derive(t: pd.DataFrame) -> pd.DataFrame:
        for name in flags:
            t[f"pct_{name}"] = 100 * share(t[f"n_{name}"], t["n"])
        t["nps"] = t["pct_promoters"] - t["pct_detractors"]
        return t

    return _survey_table(surveys, clients, "nps", flags, derive)


def csat(surveys: pd.DataFrame | None, clients: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """CSAT in % = answers 4–5 / answers 1–5 (csat filled), overall, by segment, by respondent.

    Columns: n, n_satisfied (int64), csat_pct (0..100). None when no csat answer exists.
    """

    def derive(t: pd.DataFrame) -> pd.DataFrame:
        t["csat_pct"] = 100 * share(t["n_satisfied"], t["n"])
        return t

    return _survey_table(surveys, clients, "csat", {"satisfied": lambda s: s >= 4}, derive)


def _ranked_counts(keys: pd.Series, key_name: str) -> pd.DataFrame:
    """Count keys, sort by count desc then key; share of all keys and cumulative share."""
    counts = keys.astype("string").value_counts().rename_axis(key_name).reset_index(name="count")
    counts = counts.sort_values(["count", key_name], ascending=[False, True], ignore_index=True)
    counts["count"] = counts["count"].astype("int64")
    counts["share"] = counts["count"] / counts["count"].sum()
    counts["cumulative_share"] = counts["share"].cumsum()
    return counts


def complaints(surveys: pd.DataFrame) -> pd.Series:
    """True for the answers whose comment is a complaint: a detractor (NPS 0–6), dissatisfied
    (CSAT 1–3) or naming a reason; when the survey has none of these columns, every answer."""
    scored = [c for c in ("nps", "csat", "reasons") if surveys[c].notna().any()]
    if not scored:
        return pd.Series(True, index=surveys.index)
    bad = (surveys["nps"] <= 6) | (surveys["csat"] <= 3) | surveys["reasons"].notna()
    return bad.fillna(False).astype(bool)


def reasons_core(pareto: pd.DataFrame, cut: float = 0.8) -> tuple[pd.DataFrame, float, int]:
    """(core, share, mentions): the reasons of a `dissatisfaction_reasons` Pareto that make up the
    first ``cut`` (80%) of the mentions (`_common.pareto_core`), their share of all mentions, and
    the number of mentions."""
    core = pareto_core(pareto[["reason", "count"]], "count", cut)
    return core.reset_index(drop=True), float(core["share"].sum()), int(pareto["count"].sum())


def dissatisfaction_reasons(surveys: pd.DataFrame | None) -> pd.DataFrame | None:
    """Pareto of dissatisfaction reasons: surveys.reasons split on ';', stripped, lower-cased,
    empty parts dropped; each mention counts.

    Columns: reason (string), count (int64), share (of all mentions), cumulative_share (float64),
    sorted by count desc then reason. None when no reason is given.
    """
    if not available(surveys, "reasons"):
        return None
    mentions = surveys["reasons"].dropna().astype("string").str.split(";").explode()
    mentions = mentions.str.strip().str.lower()
    mentions = mentions[mentions.notna() & (mentions != "")]
    if mentions.empty:
        return None
    return _ranked_counts(mentions, "reason")


def top_complaints(surveys: pd.DataFrame | None, top: int = 10) -> pd.DataFrame | None:
    """Most frequent verbatim comments: normalised by strip, collapsing whitespace and
    case-folding, counted; the ``top`` most frequent.

    Columns: complaint (string, normalised text), count (int64), share (of non-empty comments),
    cumulative_share, example (string: the first original comment, stripped, with that key).
    None when there is no comment.
    """
    if not available(surveys, "comment"):
        return None
    original = surveys["comment"].dropna().astype("string").str.strip()
    original = original[original != ""]
    if original.empty:
        return None
    key = original.str.replace(r"\s+", " ", regex=True).str.casefold()
    example = original.groupby(key, sort=False).first().rename("example")
    ranked = _ranked_counts(key, "complaint").head(top)
    ranked["example"] = ranked["complaint"].map(example).astype("string")
    return ranked


# --------------------------------------------------------------------- management rhythm


def checklist_answers(
    checklist: pd.DataFrame | None, parameter_ids: Sequence[str]
) -> pd.DataFrame:
    """Checklist answers of the given parameters scored yes/"2" = 100, partly/"1" = 50,
    no/"0" = 0, in the order of ``parameter_ids``.

    Columns: parameter_id (string), answer (string, NA when not answered), score (float64, NaN
    when not answered), answered (bool).
    """
    out = pd.DataFrame({"parameter_id": pd.array(list(parameter_ids), dtype="string")})
    if checklist is not None and len(checklist):
        answers = checklist.set_index(checklist["parameter_id"].astype("string"))["answer"]
        out["answer"] = out["parameter_id"].map(answers.astype("string").str.strip().str.lower())
    else:
        out["answer"] = pd.array([pd.NA] * len(out), dtype="string")
    out["score"] = out["answer"].map(dict(answer_scores())).astype("float64")
    out["answered"] = out["score"].notna().to_numpy(dtype=bool)
    return out


def rhythm_score(answers: pd.DataFrame, weights) -> float:
    """Management-rhythm score 0..100: the mean of the answered parameters' scores (a
    `checklist_answers` table) weighted by ``weights`` (one per row); NaN when none is answered."""
    w = pd.Series(list(weights), index=answers.index, dtype="float64")
    return weighted_mean(answers["score"], w.where(answers["answered"]))
