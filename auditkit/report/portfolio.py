"""The portfolio report for the consultancy (`auditkit portfolio outputs/`): portfolio.html and
portfolio.pdf from the latest complete audit of every client — scores and key metrics per client,
the distribution of each metric across clients (box and strip plots), the most common findings.
It names the clients: it is the consultancy's own document, never a client's."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from auditkit.i18n import Locale
from auditkit.inputs.portfolio import PortfolioClient
from auditkit.plan.benchmark import common_findings, key_metrics, metric_table
from auditkit.plan.catalogue import by_id, groups
from auditkit.plan.scorecard import BLOCKS
from auditkit.report import charts, html
from auditkit.report.export import TEMPLATES
from auditkit.report.pdf import write_pdf
from auditkit.report.html import esc

METRICS_PER_TABLE = 6  # key-metric columns per table, so that a table fits the A4 width
GRID_COLUMNS = 3


def metric_name(loc: Locale, pid: str) -> str:
    return loc.t(f"portfolio.metric.{pid}")


def metric_fmt(pid: str) -> str:
    return by_id()[pid].fmt


def distribution_figure(table: pd.DataFrame, loc: Locale):
    """Small multiples: one horizontal box with every client as a dot, per score and key metric."""
    columns = ["overall"] + [m for m in key_metrics() if table[m].notna().any()]
    rows = -(-len(columns) // GRID_COLUMNS)
    fig, axes = plt.subplots(rows, GRID_COLUMNS, figsize=(charts.WIDTH_IN, 1.4 * rows), layout="constrained",
                             squeeze=False)
    jitter = np.random.default_rng(0)
    for ax, col in zip(axes.flat, columns):
        values = pd.to_numeric(table[col], errors="coerce").dropna().to_numpy(float)
        ax.boxplot(values, orientation="horizontal", widths=0.5, showfliers=False,
                   medianprops={"color": charts.PALETTE[0]}, boxprops={"color": "#777"},
                   whiskerprops={"color": "#777"}, capprops={"color": "#777"})
        ax.scatter(values, 1 + jitter.uniform(-0.15, 0.15, len(values)), s=14, color=charts.PALETTE[1], zorder=3)
        fmt = "number" if col == "overall" else metric_fmt(col)
        title = loc.t("portfolio.columns.overall") if col == "overall" else metric_name(loc, col)
        ax.set_title(textwrap.fill(title, 30), fontsize=8, loc="left")
        ax.set_yticks([])
        low, high = values.min(), values.max()
        pad = max(high - low, 0.2 * max(abs(low), abs(high)), 1e-9) * 0.15
        if high - low < 0.05 * max(abs(low), abs(high), 1e-9):  # one client, or all alike: a readable span
            pad = 0.2 * max(abs(low), abs(high), 1e-9)
        ax.set_xlim(low - pad, high + pad)
        ax.xaxis.set_major_formatter(charts.Ticks(loc, "pct" if fmt == "pct" else "number", 0, 2))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(axis="x", labelsize=7.5)
        ax.grid(axis="y", visible=False)
    for ax in list(axes.flat)[len(columns):]:
        ax.set_visible(False)
    return fig


def portfolio_html(clients: list[PortfolioClient], loc: Locale, industry: str | None = None,
                   made: dt.date | None = None) -> str:
    """The portfolio report as one self-contained HTML document."""
    table = metric_table(clients, BLOCKS)
    n = len(clients)
    where = loc.t("portfolio.intro_industry", industry=industry) if industry else ""
    cover = (f'<section class="ak-cover"><p class="ak-kind">{esc(loc.t("portfolio.kind"))}</p>'
             f'<h1 class="ak-client">{esc(loc.t("portfolio.doc_title", n=n))}</h1><dl>'
             f'<dt>{esc(loc.t("portfolio.cover.clients"))}</dt><dd>{loc.number(n)}</dd>'
             f'<dt>{esc(loc.t("portfolio.cover.industry"))}</dt>'
             f'<dd>{esc(industry or loc.t("portfolio.cover.all_industries"))}</dd>'
             f'<dt>{esc(loc.t("portfolio.cover.made"))}</dt><dd>{esc(loc.date(made or dt.date.today()))}</dd>'
             f'</dl></section>')
    parts = [cover, f'<h1 class="ak-unnumbered" id="portfolio-scores">{esc(loc.t("portfolio.scores_title"))}</h1>',
             html.paragraph(esc(loc.t("portfolio.intro", n=n, industry=where)))]
    score_cols = {"client": "text", "industry": "text", "overall": "number"}
    score_cols.update({f"block.{b}": "number" for b in BLOCKS})
    heads = [loc.t("portfolio.columns.client"), loc.t("portfolio.columns.industry"),
             loc.t("portfolio.columns.overall")] + [loc.t(f"improvement_plan.block.{b}") for b in BLOCKS]
    parts.append(html.table(table, score_cols, heads, loc, max_rows=len(table)))
    parts.append(f'<h2 class="ak-section" id="portfolio-metrics">{esc(loc.t("portfolio.metrics_title"))}</h2>')
    metrics = key_metrics()
    for start in range(0, len(metrics), METRICS_PER_TABLE):
        chunk = metrics[start:start + METRICS_PER_TABLE]
        formats = {"client": "text", **{m: metric_fmt(m) for m in chunk}}
        parts.append(html.table(table, formats, [loc.t("portfolio.columns.client")] + [metric_name(loc, m) for m in chunk],
                                loc, max_rows=len(table), css="ak-portfolio-keep"))
    parts.append(f'<h1 class="ak-unnumbered" id="portfolio-distribution">{esc(loc.t("portfolio.distribution_title"))}</h1>')
    parts.append(html.figure(distribution_figure(table, loc), loc.t("portfolio.distribution_caption")))
    common = common_findings(clients)
    if len(common):
        titles = groups()
        common = common.assign(finding=[titles[g].text(loc.language) if g in titles else g for g in common["group"]])
        table_html = html.table(common, {"finding": "text", "clients": "number", "share": "pct"},
                                [loc.t(f"portfolio.columns.{c}") for c in ("finding", "clients", "share")], loc)
        parts.append(f'<section class="ak-portfolio-keep"><h2 class="ak-section" id="portfolio-findings">'
                     f'{esc(loc.t("portfolio.findings_title"))}</h2>'
                     f'{html.paragraph(esc(loc.t("portfolio.findings_intro")))}{table_html}</section>')
    css = (TEMPLATES / "auditkit_report" / "report.css").read_text(encoding="utf-8")
    return (f'<!DOCTYPE html>\n<html lang="{loc.language}"><head><meta charset="utf-8"/>'
            f'<title>{esc(loc.t("portfolio.doc_title", n=n))}</title><style>{css}</style></head>'
            f'<body><main class="ak-report">{"".join(parts)}</main></body></html>')


def write_portfolio(clients: list[PortfolioClient], out_dir: Path, language: str = "en",
                    industry: str | None = None) -> tuple[Path, Path]:
    """Write portfolio.html and portfolio.pdf into `out_dir`."""
    charts.use_theme(Locale(language))
    text = portfolio_html(clients, Locale(language), industry)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out_dir / "portfolio.html", out_dir / "portfolio.pdf"
    html_path.write_text(text, encoding="utf-8")
    write_pdf(text, pdf_path, out_dir, Locale(language).t("portfolio.title"))  # the title in the footers
    return html_path, pdf_path
