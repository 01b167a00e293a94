"""A client's key metrics against the consultancy's portfolio (`benchmark: portfolio` in the
parameters), in the executive summary: beside each key metric, the share of the other audited
clients (of the same industry where at least `min_industry_clients` exist) this client does better
than. Anonymised: only the percentile and the number of clients are shown, never another client's
name, id or value (auditkit.plan.benchmark)."""
from __future__ import annotations

import pandas as pd

from auditkit.inputs.portfolio import portfolio_clients, settings
from auditkit.plan.benchmark import INDUSTRY, choose_peers, client_percentiles
from auditkit.plan.catalogue import by_id
from auditkit.report import html
from auditkit.report.context import Audit, esc


def portfolio_benchmark(audit: Audit, scorecard: pd.DataFrame) -> None:
    """Show the benchmark box (nothing unless the parameters ask for it and the run has an output folder)."""
    if audit.params.benchmark != "portfolio" or audit.run_dir is None:
        return
    client_dir = audit.run_dir.resolve().parent
    peers = choose_peers(portfolio_clients(client_dir.parent, exclude=client_dir), audit.params.industry)
    values = dict(zip(scorecard["id"], pd.to_numeric(scorecard["value"], errors="coerce")))
    table = client_percentiles(values, peers)
    # a subhead: the summary's headings are not numbered and stay out of the table of contents
    audit.show(f'<h3 class="ak-subhead" id="benchmark-portfolio">{esc(audit.t("benchmark.title"))}</h3>')
    shown = table[table["percentile"].notna()]
    if shown.empty:
        audit.show(html.paragraph(esc(audit.t("benchmark.too_few", n=len(peers.clients), min=settings()["min_peers"])),
                                  "ak-note"))
        return
    n = int(shown["peers"].max())
    intro = (audit.t("benchmark.intro_industry", n=n, industry=peers.industry, consultancy=audit.t("benchmark.consultancy"))
             if peers.scope == INDUSTRY else audit.t("benchmark.intro_all", n=n, consultancy=audit.t("benchmark.consultancy")))
    audit.show(html.paragraph(esc(intro), "ak-note"))
    for row in shown.itertuples():
        audit.record(f"benchmark.{row.id}.percentile", row.percentile)
    shown = shown.assign(
        metric=[audit.t(f"portfolio.metric.{pid}") for pid in shown["id"]],
        shown_value=[audit.loc.value(v, by_id()[pid].fmt) for pid, v in zip(shown["id"], shown["value"])],
        better=[audit.t("benchmark.better_than", pct=audit.loc.pct(p / 100, 0), n=k)
                for p, k in zip(shown["percentile"], shown["peers"])])
    audit.table("portfolio_benchmark", shown, {"metric": "text", "shown_value": "text", "better": "text"},
                labels={c: audit.t(f"benchmark.columns.{k}") for c, k in
                        (("metric", "metric"), ("shown_value", "value"), ("better", "percentile"))},
                csv=shown[["id", "value", "percentile", "peers"]], css="ak-compact")
