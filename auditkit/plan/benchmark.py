"""The portfolio as a benchmark: percentiles of a client's key metrics among the consultancy's other
audited clients, the distribution of each metric, and the findings most common across clients.

Percentile (0..100) = the share of the other clients a value is better than, ties counting half:
"better than 75% of the clients" — for a metric where lower is better (the sales cycle) a lower
value is the better one. Only the percentile and the number of clients reach a client's report,
never another client's value.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from auditkit.inputs.portfolio import PortfolioClient, settings
from auditkit.plan.catalogue import by_id

ALL, INDUSTRY = "all", "industry"  # the peers a client is compared with


def key_metrics() -> list[str]:
    return list(settings()["key_metrics"])


def lower_is_better(parameter_id: str) -> bool:
    return by_id()[parameter_id].parameter.direction == "lower_better"


def percentile(value: float, others, lower_better: bool = False) -> float:
    """Share of `others` that `value` is better than, ties half, in percent (0..100)."""
    others = np.asarray([o for o in others if o is not None and np.isfinite(o)], dtype=float)
    if not len(others) or value is None or not np.isfinite(value):
        return float("nan")
    worse = (others > value) if lower_better else (others < value)
    return float((worse.sum() + 0.5 * (others == value).sum()) / len(others) * 100)


@dataclass
class Peers:
    """The clients a client is compared with, and which: its industry (`INDUSTRY`) or all (`ALL`)."""

    clients: list[PortfolioClient]
    scope: str
    industry: str | None = None


def choose_peers(others: list[PortfolioClient], industry: str | None) -> Peers:
    """The same industry's clients where at least `min_industry_clients` exist, else all of them."""
    same = [c for c in others if industry and (c.industry or "").casefold() == industry.casefold()]
    if industry and len(same) >= settings()["min_industry_clients"]:
        return Peers(same, INDUSTRY, industry)
    return Peers(others, ALL)


def client_percentiles(values: dict[str, float], peers: Peers) -> pd.DataFrame:
    """One row per key metric the client has: id, value, percentile, peers (clients with a value).
    The percentile is left empty where fewer than `min_peers` clients have the metric."""
    rows = []
    for pid in key_metrics():
        value = values.get(pid)
        if value is None or not np.isfinite(value):
            continue
        others = [c.values[pid] for c in peers.clients if pid in c.values and np.isfinite(c.values[pid])]
        enough = len(others) >= settings()["min_peers"]
        rows.append({"id": pid, "value": value, "peers": len(others),
                     "percentile": percentile(value, others, lower_is_better(pid)) if enough else np.nan})
    return pd.DataFrame(rows, columns=["id", "value", "peers", "percentile"])


def metric_table(clients: list[PortfolioClient], blocks: tuple[str, ...]) -> pd.DataFrame:
    """One row per client: overall score, block scores (`block.<name>`) and key metrics (by id)."""
    rows = []
    for c in clients:
        row = {"client": c.client, "industry": c.industry or "", "overall": c.overall}
        row.update({f"block.{b}": c.blocks.get(b) for b in blocks})
        row.update({pid: c.values.get(pid) for pid in key_metrics()})
        rows.append(row)
    return pd.DataFrame(rows)


def common_findings(clients: list[PortfolioClient], top: int | None = None) -> pd.DataFrame:
    """The root causes found at the most clients: group, clients (count), share of all clients."""
    counts = Counter(g for c in clients for g in dict.fromkeys(c.findings))  # ties: in the order first found
    frame = pd.DataFrame(counts.most_common(top or settings()["common_findings"]), columns=["group", "clients"])
    frame["share"] = frame["clients"] / len(clients) if clients else np.nan
    return frame
