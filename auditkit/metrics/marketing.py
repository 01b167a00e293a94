"""Marketing in the audit (seed 000: marketing and sales are audited together): one row per channel
bringing together what Stage 2 and Stage 5 measure — spend and its share, cost per lead, per MQL and
per new client (CAC), lead quality and the response the leads get from sales. Every figure comes
from the function that measures it (`process.cac_by_channel`, `process.acquisition`,
`communication.lead_response_time`); this module only joins them per channel and divides."""
from __future__ import annotations

import pandas as pd

from auditkit.metrics._common import available, in_window_rows, share
from auditkit.metrics.communication import OVERALL, lead_response_time
from auditkit.metrics.process import acquisition, cac_by_channel


def marketing_by_channel(costs: pd.DataFrame | None, leads: pd.DataFrame | None, deals: pd.DataFrame | None,
                         start, end, *, orders: pd.DataFrame | None = None,
                         clients: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Per channel (a channel with a cost row, a new client or a lead; channel NA = not recorded):
    cost (money in the window, NaN without a cost row), cost_share = cost / all cost, new_clients,
    cac = cost / new_clients; leads, mql, sql, won (leads created in the window, `acquisition` by
    channel; NaN where not tracked), cost_per_lead = cost / leads, cost_per_mql = cost / mql,
    sql_share = sql / leads, won_share = won / leads; response_median_hours and
    response_within_24h (share of the valid leads first contacted within 24 h) from
    `lead_response_time` over the channel. Sorted by cost, descending. None without costs or
    without a channel on deals or clients (`cac_by_channel`)."""
    cac = cac_by_channel(costs, deals, start, end, orders=orders, clients=clients)
    if cac is None:
        return None
    out = cac.set_index("channel")
    if available(leads, "channel"):
        funnel = acquisition(leads, deals, start, end, by="channel")
        out = out.join(funnel.set_index("channel")[["leads", "mql", "sql", "won"]], how="outer")
        window = in_window_rows(leads, "created_at", start, end)
        resp = lead_response_time(window.assign(source=window["channel"]))
        if resp is not None:
            rows = resp[resp["breakdown"] != OVERALL].set_index("group")
            out["response_median_hours"] = rows["median_hours"].reindex(out.index)
            out["response_within_24h"] = rows["share_within_24h_of_leads"].reindex(out.index)
    for col in ("leads", "mql", "sql", "won", "response_median_hours", "response_within_24h"):
        if col not in out.columns:
            out[col] = float("nan")
    out["new_clients"] = out["new_clients"].fillna(0).astype("int64")
    out["cost_share"] = out["cost"] / out["cost"].sum()
    out["cost_per_lead"] = share(out["cost"], out["leads"])
    out["cost_per_mql"] = share(out["cost"], out["mql"])
    out["sql_share"] = share(out["sql"], out["leads"])
    out["won_share"] = share(out["won"], out["leads"])
    columns = ["cost", "cost_share", "leads", "cost_per_lead", "mql", "cost_per_mql", "sql", "sql_share", "won",
               "won_share", "new_clients", "cac", "response_median_hours", "response_within_24h"]
    out = out[columns].sort_values("cost", ascending=False, na_position="last")
    return out.rename_axis("channel").reset_index().astype({"channel": "string"})
