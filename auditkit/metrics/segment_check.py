"""Average check by client segment (METHODOLOGY.md §2 Stage 1: average check = revenue / orders, by
segment, year over year; seed 000: "the difference in average check between client segments").

The revenue and orders are those of the dynamics (`metrics.data_collection.dynamics_by`: net revenue,
returns netted on their date, counted orders), so a segment's check agrees with every other figure."""
from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.metrics._common import ratio
from auditkit.metrics.data_collection import dynamics_by

MIN_ORDERS = 30  # orders a segment needs (in each year compared) for its check to be compared


def average_check_by_segment(orders: pd.DataFrame, clients: pd.DataFrame | None, by: str = "segment",
                             start=None, end=None) -> pd.DataFrame | None:
    """Per value of the clients column `by` (missing = its own group), over the audit window:
    orders (int, counted), revenue (net), avg_check = revenue / orders, vs_average = avg_check /
    the whole base's average check − 1; and over the last 12 months of the window against the 12
    before: orders_12m, avg_check_12m, orders_prior_12m, avg_check_prior_12m, change_12m =
    avg_check_12m / avg_check_prior_12m − 1 (NaN when the window is shorter than 24 months or a
    year has no order). Sorted by revenue, descending. None without the clients column."""
    dyn = dynamics_by(orders, clients, by, "MS", start, end)
    if dyn is None or dyn.empty:
        return None
    key = dyn[by].astype("object").where(dyn[by].notna(), None)
    dyn = dyn.assign(**{by: key})
    out = dyn.groupby(by, dropna=False, sort=False)[["orders", "revenue"]].sum()
    out["avg_check"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["vs_average"] = out["avg_check"] / ratio(out["revenue"].sum(), out["orders"].sum()) - 1
    # the 24 months ending with the window's last month (the data's last month without a window); the
    # months of a window before the data start are not in `dyn`, so the window is measured by its dates
    last_month = (pd.Timestamp(end) if end is not None else dyn["period"].max()).to_period("M").to_timestamp()
    months = pd.date_range(end=last_month, periods=24, freq="MS")
    first = pd.Timestamp(start) if start is not None else dyn["period"].min()
    if first <= months[0]:
        last, prior = months[12:], months[:12]
        for suffix, months in (("12m", last), ("prior_12m", prior)):
            part = dyn[dyn["period"].isin(months)].groupby(by, dropna=False, sort=False)[["orders", "revenue"]].sum()
            out[f"orders_{suffix}"] = part["orders"].reindex(out.index).fillna(0).astype("int64")
            out[f"avg_check_{suffix}"] = (part["revenue"] / part["orders"].where(part["orders"] > 0)).reindex(out.index)
        out["change_12m"] = out["avg_check_12m"] / out["avg_check_prior_12m"] - 1
    else:
        for col in ("orders_12m", "avg_check_12m", "orders_prior_12m", "avg_check_prior_12m", "change_12m"):
            out[col] = np.nan
    out["orders"] = out["orders"].astype("int64")
    return out.sort_values("revenue", ascending=False).rename_axis(by).reset_index()


def segment_check_summary(table: pd.DataFrame, by: str = "segment", min_orders: int = MIN_ORDERS) -> dict | None:
    """Between the segments with a value and at least `min_orders` orders: highest / lowest (segment)
    and their checks, spread = highest check / lowest check (times); weakest (the segment whose
    check fell most, or rose least, year over year, among those with `min_orders` in both years) and
    its change_12m (NaN when none can be compared). None with fewer than two such segments."""
    big = table[table[by].notna() & (table["orders"] >= min_orders) & table["avg_check"].notna()]
    if len(big) < 2:
        return None
    hi, lo = big.loc[big["avg_check"].idxmax()], big.loc[big["avg_check"].idxmin()]
    yoy = big[(big["orders_12m"] >= min_orders) & (big["orders_prior_12m"] >= min_orders) & big["change_12m"].notna()]
    weakest = yoy.loc[yoy["change_12m"].idxmin()] if len(yoy) else None
    return {"highest": hi[by], "highest_check": float(hi["avg_check"]), "lowest": lo[by],
            "lowest_check": float(lo["avg_check"]), "spread": float(hi["avg_check"] / lo["avg_check"]),
            "weakest": None if weakest is None else weakest[by],
            "weakest_change": float("nan") if weakest is None else float(weakest["change_12m"]),
            "segments": int(len(big))}
