"""Shared integer keys for the ids that join and group a client's tables, made once when the tables
are loaded.

Every table with a ``deal_id`` column gets ``deal_key``, every table with a ``client_id`` column
``client_key`` and the order lines ``order_key`` (int32; −1 where the id is empty). The same id has
the same key in every table of the client, so a metric joins, groups and sorts on the keys instead
of hashing the id strings again. Hashing a string id costs more per row as the distinct ids outgrow
the processor's caches (200,000 deals fit, 800,000 do not: `benchmarks/run.py` prints it), so it is
done once, here.

The keys travel with their rows through any filter (an analyst's segment, the audit window); frames
made without them (a test's, a metric's own) are keyed when a metric needs it
(auditkit.metrics._common.keyed). The keys are not checked against the ids again: whoever edits an id
column of a loaded table (an analyst normalising client ids in a notebook) drops the key columns
too, and the metrics then key the edited ids afresh.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

KEYS = {"deal_id": "deal_key", "client_id": "client_key", "order_id": "order_key"}  # id column -> its key column
OWNER = {"deal_id": "deals", "client_id": "clients", "order_id": "orders"}  # the table each id belongs to: keyed first


def shared_codes(*columns: pd.Series) -> list[np.ndarray]:
    """The same integer code (int64, 0.. in order of first appearance; −1 = empty) for the same id
    in every one of ``columns``."""
    if not columns:
        return []
    codes, _ = pd.factorize(pd.concat([pd.Series(c, dtype="string") for c in columns], ignore_index=True))
    bounds = np.cumsum([0] + [len(c) for c in columns])
    return [codes[a:b].astype("int64") for a, b in zip(bounds[:-1], bounds[1:])]


def add_keys(tables: Mapping[str, pd.DataFrame | None]) -> None:
    """Add the key column of each id in KEYS to every table carrying the id (in place). The id's
    own table (deals, clients, orders) is keyed first, so its keys follow its rows: 0, 1, 2, …"""
    for column, key in KEYS.items():
        names = sorted((t for t, df in tables.items() if df is not None and column in df.columns),
                       key=lambda t: t != OWNER[column])
        for name, codes in zip(names, shared_codes(*(tables[t][column] for t in names))):
            tables[name][key] = codes.astype("int32")
