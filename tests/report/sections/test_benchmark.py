"""`benchmark: portfolio`: a client's report shows its key metrics' percentiles among the other
audited clients, and nothing by which another client could be recognised."""
import base64
import json
import re

import pytest

from auditkit.runner import run_client
from helpers import fake_audit, write

EMBEDDED_SVG = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


def readable(text: str) -> str:
    """The text with its embedded SVG charts decoded (their labels are text too)."""
    return EMBEDDED_SVG.sub(lambda m: base64.b64decode(m[1]).decode("utf-8", "replace"), text)


FAKES = {"Fakeworks Alpha": 0.8765, "Fakeworks Beta": 0.4321, "Fakeworks Gamma": 0.6543}  # top-20% revenue shares


@pytest.mark.e2e  # two audits of tiny clients
def test_two_clients_benchmarked_against_the_portfolio_see_no_other_client(tiny_client, tmp_path):
    out = tmp_path / "out"
    for name, top20 in FAKES.items():
        fake_audit(out, name, {"dc_top20_share": top20, "pr_win_rate": 0.3}, ["retention"], "Packaging")
    first = tiny_client.parent / "first.yaml"
    first.write_text(tiny_client.read_text() + "benchmark: portfolio\nindustry: Packaging\n")
    write(tmp_path / "zeta" / "clients.csv", "client_id,name,segment\nZ7,Quokka Holdings,Retail\nZ8,Wombat Stores,Retail\n")
    write(tmp_path / "zeta" / "orders.csv", "order_id,client_id,date,amount\nQ1,Z7,2024-01-03,900\nQ2,Z8,2024-03-05,70\n"
                                            "Q3,Z7,2024-05-06,310\n")
    second = write(tmp_path / "params" / "second.yaml", first.read_text().replace("Tiny Trading", "Zeta Wholesale")
                   .replace("../data", "../zeta"))
    a = run_client(first, out)
    b = run_client(second, out)
    assert a.ok and b.ok, (a.failure, b.failure)

    b_html = b.report_html.read_text(encoding="utf-8")
    assert "Compared with other audited companies" in b_html and "of 4" in b_html  # 3 earlier audits + the first
    b_metrics = json.loads((b.run_dir / "results" / "metrics.json").read_text())
    a_metrics = json.loads((a.run_dir / "results" / "metrics.json").read_text())
    assert "improvement_plan.benchmark.dc_top20_share.percentile" in b_metrics
    a_top20 = a_metrics["data_collection.top20_share"]
    forbidden = {b.run_dir: ["Tiny Trading", "tiny-trading", "Alpha", "Beta", repr(a_top20)[:6], *FAKES,
                             *(repr(v) for v in FAKES.values()), "fakeworks"],
                 a.run_dir: ["Zeta", "Quokka", "Wombat", *FAKES, *(repr(v) for v in FAKES.values()), "fakeworks"]}
    for run, words in forbidden.items():
        for path in run.rglob("*"):
            if path.is_file() and path.suffix != ".pdf" and path.parent.name != "provenance":
                text = readable(path.read_text(encoding="utf-8", errors="replace"))
                leaked = [w for w in words if w in text]
                assert not leaked, f"{path}: {leaked}"
