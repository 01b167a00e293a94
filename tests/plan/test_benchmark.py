"""The portfolio as a benchmark: percentiles, peers by industry, common findings (hand-computed)."""
import math
from pathlib import Path

import pytest

from auditkit.inputs.portfolio import PortfolioClient
from auditkit.plan.benchmark import ALL, INDUSTRY, choose_peers, client_percentiles, common_findings, percentile


def client(name, industry=None, findings=(), **values):
    return PortfolioClient(slug=name.lower(), client=name, run_dir=Path("."), industry=industry, values=values,
                           findings=list(findings))


def test_percentile_is_the_share_of_others_beaten_ties_half():
    assert percentile(5, [1, 5, 9, 10]) == 37.5  # beats 1, ties 5: (1 + 0.5) / 4
    assert percentile(5, [1, 5, 9, 10], lower_better=True) == 62.5  # fewer days is better: beats 9 and 10
    assert percentile(11, [1, 5, 9, 10]) == 100.0
    assert math.isnan(percentile(5, []))


def test_peers_are_the_industry_when_it_has_five_clients_else_everyone():
    others = [client(f"P{i}", "Packaging") for i in range(4)] + [client("F1", "Food")]
    assert choose_peers(others, "packaging").scope == ALL  # 4 of the industry: too few
    others.append(client("P9", "Packaging"))
    peers = choose_peers(others, "Packaging")
    assert peers.scope == INDUSTRY and len(peers.clients) == 5 and peers.industry == "Packaging"
    assert choose_peers(others, None).scope == ALL and len(choose_peers(others, None).clients) == 6


def test_client_percentiles_need_three_peers_and_follow_the_direction():
    peers = choose_peers([client("A", pr_win_rate=0.2, pr_cycle=30), client("B", pr_win_rate=0.3, pr_cycle=60),
                          client("C", pr_win_rate=0.4)], None)
    table = client_percentiles({"pr_win_rate": 0.35, "pr_cycle": 45.0, "co_nps": 10.0}, peers).set_index("id")
    assert table.loc["pr_win_rate", "percentile"] == pytest.approx(200 / 3) and table.loc["pr_win_rate", "peers"] == 3
    assert math.isnan(table.loc["pr_cycle", "percentile"]) and table.loc["pr_cycle", "peers"] == 2
    assert table.loc["co_nps", "peers"] == 0


def test_common_findings_count_each_client_once():
    found = common_findings([client("A", findings=["funnel", "funnel", "retention"]), client("B", findings=["funnel"]),
                             client("C", findings=["lead_response"])], top=2)
    assert list(found["group"]) == ["funnel", "retention"] and list(found["clients"]) == [2, 1]
    assert list(found["share"]) == [2 / 3, 1 / 3]
