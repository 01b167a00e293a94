"""Why did growth change — the revenue bridge of the latest full calendar year against the year
before (auditkit.metrics.growth), for the executive summary.

The section is stage-independent: its texts are absolute catalogue keys under `growth.` and its
metrics are recorded under absolute `growth.*` ids, whichever stage notebook shows it. Only the
heading follows the `@section` rule, `<stage>.sections.revenue_bridge.title` (the catalogues carry
it for a stage named `growth`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.metrics import growth as m
from auditkit.report import charts, results
from auditkit.report.context import Audit, section

PREFIX = "growth"  # catalogue keys and metric ids
MAX_DRIVERS = 2  # components named on each side of the comparison of two years


def _t(audit: Audit, key: str, **values) -> str:
    return audit.t(f"{PREFIX}.{key}", **values)


def _record(audit: Audit, metric_id: str, value) -> None:
    """Store a number under the absolute id growth.<metric_id> (not prefixed by the audit's stage)."""
    audit.metrics[f"{PREFIX}.{metric_id}"] = results.jsonable(value)


def _signed(audit: Audit, value: float) -> str:
    """'+RUB 40 mn', '−RUB 25 mn'."""
    return ("+" if value > 0 else "−" if value < 0 else "") + audit.loc.money_short(abs(value))


# ----------------------------------------------------------------------------- the text

def _change_phrase(audit: Audit, row: pd.Series, key: str) -> str:
    """'revenue grew by 10.0% (RUB 30 mn)' (key "change") or 'growth of 16.0%' (key "prev")."""
    change, rate = float(row["change"]), row["growth_rate"]
    direction = "up" if change > 0 else "down" if change < 0 else "flat"
    values = {"amount": audit.loc.money_short(abs(change))}
    if direction != "flat":
        if pd.isna(rate):
            direction += "_abs"
        else:
            values["rate"] = audit.loc.pct(abs(rate), 1)
    return _t(audit, f"text.{key}.{direction}", **values)


def _join(audit: Audit, phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " " + _t(audit, "text.and") + " " + phrases[-1]


def _comparison(audit: Audit, latest: pd.Series, previous: pd.Series) -> str:
    """Why the latest change differs from the one before: the components that moved the most in
    the direction of the difference, and those that worked against it."""
    parts = list(m.COMPONENTS)
    now, before = latest[parts].astype(float).copy(), previous[parts].astype(float).copy()
    if not previous["reactivation_known"] and latest["reactivation_known"] and latest["reactivated"] != 0:
        # the year before could not tell returning clients from new ones: compare them together
        for s in (now, before):
            s["new_returning"] = s.pop("new") + s.pop("reactivated")
    diff = (now - before).sort_values(key=np.abs, ascending=False)
    gap = float(latest["change"] - previous["change"])
    scale = max(abs(float(latest["revenue_prev"])), 1.0)
    if abs(gap) < 0.001 * scale:
        return _t(audit, "text.why.same", year_prev=int(previous["year"]))

    def phrases(sign: int) -> list[str]:
        side = diff[np.sign(diff) == sign]
        side = side[side.abs() >= 0.05 * abs(gap)]
        return [_t(audit, f"text.driver.{name}.{'more' if value > 0 else 'less'}",
                   amount=audit.loc.money_short(abs(value)))
                for name, value in side.head(MAX_DRIVERS).items()]

    sign = 1 if gap > 0 else -1
    both_grew = latest["change"] > 0 and previous["change"] > 0  # "added less", else "a weaker result"
    lead = ("larger_gain" if gap > 0 else "smaller_gain") if both_grew else ("better" if gap > 0 else "worse")
    text = _t(audit, f"text.why.{lead}", year_prev=int(previous["year"]),
              amount=audit.loc.money_short(abs(gap)), drivers=_join(audit, phrases(sign)))
    against = phrases(-sign)
    if against:
        text += " " + _t(audit, "text.why.offset", drivers=_join(audit, against))
    return text


def _composition(audit: Audit, row: pd.Series) -> str:
    """What the latest change is made of (when there is no year before to compare with)."""
    values = {name: _signed(audit, float(row[name])) for name in m.COMPONENTS}
    values["lost"] = audit.loc.money_short(abs(float(row["lost"])))  # "took away RUB 20 mn"
    values["existing"] = _signed(audit, float(row["volume"] + row["avg_check"]))
    key = "text.composition.with_returning" if row["reactivation_known"] else "text.composition.plain"
    text = _t(audit, key, **{k: values[k] for k in ("new", "lost", "existing", "volume", "avg_check")},
              **({"reactivated": values["reactivated"]} if row["reactivation_known"] else {}))
    if row["other"] != 0:
        text += " " + _t(audit, "text.composition.other", other=values["other"])
    return text


# ----------------------------------------------------------------------------- the section

def _steps(audit: Audit, row: pd.Series) -> pd.Series:
    """The chart's steps: the non-zero components, named."""
    names = [c for c in m.COMPONENTS if row[c] != 0]
    return pd.Series([float(row[c]) for c in names], index=[_t(audit, f"components.{c}") for c in names])


def _segment_table(audit: Audit, wide: pd.DataFrame, latest: pd.Series) -> None:
    """Segments × components of the latest pair, in millions (or thousands) of the currency."""
    rows = wide[(wide["year"] == latest["year"])].copy()
    # the total first, then the segments by revenue of the year before, the no-segment row last
    rows = rows.assign(_o=np.select([rows["scope"] == "total", rows["segment"].isna()], [0, 2], 1),
                       _r=-rows["revenue_prev"]).sort_values(["_o", "_r"], kind="stable")
    rows["label"] = [_t(audit, "text.all_clients") if scope == "total" else
                     _t(audit, "text.no_segment") if pd.isna(seg) else str(seg)
                     for scope, seg in zip(rows["scope"], rows["segment"])]
    biggest = float(rows[["revenue_prev", "revenue"]].abs().to_numpy().max())
    size, unit = (1e6, "units.mn") if biggest >= 1e7 else (1e3, "units.k") if biggest >= 1e4 else (1.0, None)
    parts = [c for c in m.COMPONENTS if (c != "reactivated" or latest["reactivation_known"])
             and (c != "other" or rows[c].ne(0).any())]
    for c in ["revenue_prev", *parts, "revenue"]:
        rows[c] = rows[c] / size
    year, year_prev = int(latest["year"]), int(latest["year_prev"])
    labels = {"label": _t(audit, "columns.segment"),
              "revenue_prev": _t(audit, "columns.revenue", year=year_prev),
              "revenue": _t(audit, "columns.revenue", year=year),
              "growth_rate": _t(audit, "columns.growth_rate")}
    labels.update({c: _t(audit, f"components.{c}") for c in parts})
    formats = {"label": "text", "revenue_prev": "decimal", **dict.fromkeys(parts, "decimal"), "revenue": "decimal",
               "growth_rate": "pct"}
    unit_text = audit.loc.currency_symbol if unit is None else \
        audit.loc.t("units.money_scaled", value=audit.t(unit), currency=audit.loc.currency_symbol)
    audit.note(f"{PREFIX}.text.table_unit", unit=unit_text, year=year, year_prev=year_prev)
    audit.table("revenue_bridge_by_segment", rows, formats, labels=labels, css="ak-compact",
                csv=wide[wide["year"] == latest["year"]])


def _notes(audit: Audit, years: pd.DataFrame, shown: pd.DataFrame) -> None:
    loc = audit.loc
    first, last = years["first_date"].min(), years["last_date"].max()
    audit.note(f"{PREFIX}.text.history", first=loc.date(first), last=loc.date(last))
    partial = years.loc[~years["full"], "year"].astype(int).tolist()
    if partial:
        audit.note(f"{PREFIX}.text.partial_years", years=", ".join(map(str, partial)))
    unknown = shown.loc[~shown["reactivation_known"].astype(bool), "year_prev"].astype(int).tolist()
    for year_prev in unknown:
        audit.note(f"{PREFIX}.text.no_reactivation", year_prev=year_prev, year=year_prev + 1)
    audit.note(f"{PREFIX}.text.definitions")


def _record_pairs(audit: Audit, bridge: pd.DataFrame, wide: pd.DataFrame) -> None:
    totals = wide[wide["scope"] == "total"]
    for row in totals.itertuples(index=False):
        y = int(row.year)
        _record(audit, f"revenue.{int(row.year_prev)}", row.revenue_prev)
        _record(audit, f"revenue.{y}", row.revenue)
        _record(audit, f"revenue_change.{y}", row.change)
        _record(audit, f"growth_rate.{y}", row.growth_rate)
        _record(audit, f"new_clients.{y}", row.new)
        _record(audit, f"reactivated_clients.{y}", row.reactivated)
        _record(audit, f"lost_clients.{y}", row.lost)
        _record(audit, f"volume.{y}", row.volume)
        _record(audit, f"avg_check.{y}", row.avg_check)
        _record(audit, f"other.{y}", row.other)
    counts = bridge[(bridge["scope"] == "total") & bridge["component"].isin(["new", "reactivated", "lost", "volume"])]
    for row in counts.itertuples(index=False):
        name = {"new": "new_clients", "reactivated": "reactivated_clients", "lost": "lost_clients",
                "volume": "existing_clients"}[row.component]
        _record(audit, f"{name}_count.{int(row.year)}", int(row.clients))
    segments = wide[wide["scope"] == "segment"]
    for row in segments.itertuples(index=False):
        name = "no_segment" if pd.isna(row.segment) else row.segment
        _record(audit, f"growth_rate.{int(row.year)}.{name}", row.growth_rate)


@section("revenue_bridge", needs="orders")
def revenue_bridge(audit: Audit) -> None:
    """Why did growth change: the revenue bridge (new, returning and lost clients; number of orders
    and average check of the existing ones) of the latest full calendar year against the year
    before as a waterfall and by segment, with a sentence that compares it with the bridge of the
    year before when there is one (why growth slowed or sped up)."""
    orders, clients = audit.data.tables["orders"], audit.data.tables.get("clients")
    years = m.calendar_years(orders)
    bridge = m.revenue_bridge(orders, clients)
    if bridge.empty:
        full = years.loc[years["full"], "year"].astype(int).tolist()
        audit.note(f"{PREFIX}.text.no_pairs", first=audit.loc.date(years["first_date"].min()),
                   last=audit.loc.date(years["last_date"].max()), n=len(full))
        _record(audit, "full_years", len(full))
        return
    wide = _wide(bridge)
    totals = wide[wide["scope"] == "total"].reset_index(drop=True)
    latest = totals.iloc[-1]
    previous = totals.iloc[-2] if len(totals) > 1 else None
    year, year_prev = int(latest["year"]), int(latest["year_prev"])

    audit.paragraph(f"{PREFIX}.text.summary", css="ak-finding", **_summary_parts(audit, latest, previous))

    fig = charts.waterfall(float(latest["revenue_prev"]), _steps(audit, latest), audit.loc,
                           _t(audit, "charts.bridge.title", year=year, year_prev=year_prev),
                           _t(audit, "charts.bridge.y", currency=audit.loc.currency_symbol),
                           _t(audit, "charts.bridge.start", year_prev=year_prev),
                           _t(audit, "charts.bridge.end", year=year))
    audit.figure(fig, f"{PREFIX}.charts.bridge.caption", year=year, year_prev=year_prev)
    if (wide["scope"] == "segment").any():
        _segment_table(audit, wide, latest)
    _notes(audit, years, totals.tail(2))
    audit.save_csv("revenue_bridge", bridge)
    audit.save_csv("revenue_years", years)
    _record(audit, "full_years", int(years["full"].sum()))
    _record(audit, "latest_year", year)
    _record_pairs(audit, bridge, wide)


def _summary_parts(audit: Audit, latest: pd.Series, previous: pd.Series | None) -> dict:
    """{headline, body} of the sentence that says how and why revenue changed in the latest year."""
    year, year_prev = int(latest["year"]), int(latest["year_prev"])
    if previous is not None:
        headline = _t(audit, "text.headline.compare", year=year, year_prev=year_prev,
                      change=_change_phrase(audit, latest, "change"), prev=_change_phrase(audit, previous, "prev"))
        body = _comparison(audit, latest, previous)
    else:
        headline = _t(audit, "text.headline.single", year=year, change=_change_phrase(audit, latest, "change"))
        body = _composition(audit, latest)
    return {"headline": _capital(headline), "body": body}


def _wide(bridge: pd.DataFrame) -> pd.DataFrame:
    """The bridge one row per year pair and scope, with whether returning clients could be told apart."""
    wide = m.bridge_wide(bridge)
    flags = bridge.drop_duplicates("year").set_index("year")["reactivation_known"]
    wide["reactivation_known"] = wide["year"].map(flags).astype(bool)
    return wide


def growth_summary(audit: Audit, why: bool = True) -> str | None:
    """The sentence of the revenue bridge (how revenue changed in the latest full year against the
    year before, and with `why` the components that made the difference), for the executive
    summary; None without a full year pair."""
    orders = audit.data.tables.get("orders")
    if orders is None:
        return None
    bridge = m.revenue_bridge(orders, audit.data.tables.get("clients"))
    if bridge.empty:
        return None
    wide = _wide(bridge)
    totals = wide[wide["scope"] == "total"].reset_index(drop=True)
    parts = _summary_parts(audit, totals.iloc[-1], totals.iloc[-2] if len(totals) > 1 else None)
    return _t(audit, "text.summary", **parts) if why else parts["headline"]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text

