"""A client's validated tables narrowed to one segment, manager or channel (an analyst's filter).

A filter applies to a table through the first of: the table's own column (`segment`, `manager_id`,
`channel`, where the client's export provided it), its `client_id` (the client's segment, manager or
acquisition channel in `clients`), its `deal_id` (the deal's segment, manager or channel in
`deals`; not for leads, whose deal exists only when they converted: narrowing them to leads with
a deal would make every lead look converted). A row whose value cannot be told (empty, or a key
not found) is left out. A table that carries the dimension in none of these ways is kept whole
(e.g. marketing costs or leads for a segment).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

from auditkit.inputs.read import AuditData

# filter -> (the column of a table carrying it, the column of `clients` carrying it)
DIMENSIONS = {"segment": ("segment", "segment"), "manager": ("manager_id", "manager_id"),
              "channel": ("channel", "acquisition_channel")}


def _values(value) -> list[str]:
    items = [value] if isinstance(value, str) or not isinstance(value, Iterable) else list(value)
    return [str(v) for v in items]


def _lookup(data: AuditData, table: str, key: str, column: str) -> pd.Series | None:
    """key -> the column's value in `table` (None when the table or column was not provided)."""
    df = data.tables.get(table)
    if df is None or not data.has(table, column) or key not in df.columns:
        return None
    return df.drop_duplicates(key).set_index(key)[column]


def _dimension(data: AuditData, table: str, df: pd.DataFrame, name: str) -> pd.Series | None:
    """The value of dimension `name` for each row of `table`, or None when the table does not carry it."""
    own, of_client = DIMENSIONS[name]
    if data.has(table, own):
        return df[own]
    if table == "clients" and data.has(table, of_client):
        return df[of_client]
    by_client = _lookup(data, "clients", "client_id", of_client) if table != "clients" else None
    if by_client is not None and "client_id" in df.columns:
        return df["client_id"].map(by_client)
    if table not in ("deals", "leads") and "deal_id" in df.columns:
        deals = data.tables.get("deals")
        by_deal = _lookup(data, "deals", "deal_id", own)
        if by_deal is None and deals is not None and by_client is not None and "client_id" in deals.columns:
            by_deal = deals.drop_duplicates("deal_id").set_index("deal_id")["client_id"].map(by_client)
        if by_deal is not None:
            return df["deal_id"].map(by_deal)
    return None


def subset(data: AuditData, segment=None, manager=None, channel=None) -> AuditData:
    """The tables narrowed to rows of the given segment(s), manager id(s) and channel(s) (a value or
    a list; None = all). Returns a new AuditData; `data` is unchanged."""
    wanted = {name: _values(v) for name, v in (("segment", segment), ("manager", manager), ("channel", channel))
              if v is not None}
    if not wanted:
        return data
    tables = {}
    for table, df in data.tables.items():
        if df is None:
            tables[table] = None
            continue
        keep = pd.Series(True, index=df.index)
        for name, values in wanted.items():
            column = _dimension(data, table, df, name)
            if column is not None:
                keep &= column.astype("string").isin(values).fillna(False).astype(bool)
        tables[table] = df[keep].reset_index(drop=True) if not keep.all() else df
    return dataclasses.replace(data, tables=tables)


def choices(data: AuditData) -> dict[str, list]:
    """The values each filter can take in this client's data, most frequent first (segments of
    clients, managers of the managers table or of deals and orders, channels of deals, leads, orders)."""
    def ranked(series: list[pd.Series]) -> list:
        values = pd.concat([s.dropna().astype("string") for s in series]) if series else pd.Series(dtype="string")
        return list(values.value_counts().index)

    def present(pairs):
        return [data.tables[t][c] for t, c in pairs if data.has(t, c)]

    return {
        "segment": ranked(present([("clients", "segment")])),
        "manager": ranked(present([("managers", "manager_id")]) or present([("deals", "manager_id"),
                                                                          ("orders", "manager_id")])),
        "channel": ranked(present([("deals", "channel"), ("leads", "channel"), ("orders", "channel")])),
    }
