"""The revenue bridge section (auditkit.report.sections.growth) on a hand-made client (every number
of the text by hand), on shorter histories, and on the demo client in English, Russian and Polish."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from auditkit.metrics import growth as m
from auditkit.report.sections import growth as stage
from helpers import REPO, run_sections, write

# As tests/test_metrics_growth.py, without the orders lacking a client (the platform requires one):
# 2025 against 2024: new D 250, returning F 120, lost C −150, volume +40, check +130, other G +40.
ORDERS = """
    order_id,client_id,date,amount
    o1,A,2023-01-10,100
    o2,C,2023-03-01,100
    o3,F,2023-05-05,80
    o4,G,2023-06-01,60
    o5,A,2024-02-01,100
    o6,A,2024-06-01,100
    o7,B,2024-03-01,200
    o8,C,2024-04-01,150
    o9,E,2024-05-01,50
    o10,E,2024-07-01,70
    o11,G,2024-02-01,-40
    o13,A,2025-02-01,100
    o14,A,2025-05-01,100
    o15,A,2025-09-01,100
    o16,B,2025-11-20,350
    o16,B,2026-01-10,-50
    o17,D,2025-04-01,250
    o18,E,2025-06-01,90
    o19,F,2025-07-01,120
    o21,A,2026-01-15,100
"""
CLIENTS = """
    client_id,name,segment
    A,Alpha,Retail
    B,Beta,Retail
    C,Gamma,Industry
    D,Delta,Industry
    E,Epsilon,
    F,Phi,Retail
    G,Gimel,Industry
"""


def client(tmp_path: Path, orders: str = ORDERS, language: str = "en") -> Path:
    write(tmp_path / "data" / "clients.csv", CLIENTS)
    write(tmp_path / "data" / "orders.csv", orders)
    return write(tmp_path / "params" / "bridge.yaml", f"""
        client: Bridge Test
        language: {language}
        currency: EUR
        period: {{start: 2024-01-01, end: 2025-12-31}}
        data_dir: ../data
    """)


def run(params_path: Path, run_dir: Path | None = None):
    return run_sections(params_path, run_dir, stage, ["revenue_bridge"])


def text_of(audit) -> str:
    """The paragraphs shown, without tags."""
    return " ".join(re.sub(r"<[^>]+>", "", p) for p in re.findall(r'<p class="ak-text[^"]*">.*?</p>', audit.shown))


def test_the_section_by_hand(tmp_path):
    audit = run(client(tmp_path), tmp_path / "run")
    got = audit.metrics
    assert got["growth.revenue.2023"] == 340 and got["growth.revenue.2024"] == 630
    assert got["growth.revenue.2025"] == 1060
    assert got["growth.revenue_change.2025"] == 430 and got["growth.revenue_change.2024"] == 290
    assert got["growth.growth_rate.2025"] == pytest.approx(1060 / 630 - 1)
    assert (got["growth.new_clients.2025"], got["growth.reactivated_clients.2025"], got["growth.lost_clients.2025"],
            got["growth.volume.2025"], got["growth.avg_check.2025"], got["growth.other.2025"]) == \
        pytest.approx((250, 120, -150, 40, 130, 40))
    assert got["growth.new_clients_count.2025"] == 1 and got["growth.existing_clients_count.2025"] == 3
    assert got["growth.growth_rate.2025.no_segment"] == pytest.approx(90 / 120 - 1)
    assert got["growth.latest_year"] == 2025 and got["growth.full_years"] == 3
    text = text_of(audit)
    assert "In 2025, revenue grew by 68.3% (€430), after growth of 85.3% in 2024." in text
    # 430 − 290 = +140: check +80 and new with returning (370 − 320) +50 lead; volume −60 works against
    assert ("Revenue added €140 more than in 2024, mainly because the average check of existing clients "
            "added €80 more and new and returning clients brought €50 more.") in text
    assert "Partly offsetting this, the number of orders from existing clients added €60 less." in text
    assert "Left out as not full calendar years in the data: 2026." in text
    assert "no orders before 2023" in text


def test_the_html_has_the_figure_and_the_segment_table(tmp_path):
    audit = run(client(tmp_path), tmp_path / "run")
    html = audit.shown
    assert 'id="growth-revenue_bridge"' in html and "Why growth changed" in html
    assert html.count('<figure class="ak-figure') == 1 and "data:image/svg+xml;base64," in html
    table = re.search(r'<table class="ak-table[^"]* ak-compact">.*?</table>', html).group(0)
    rows = [re.sub(r"<[^>]+>", "|", r).strip("|").split("||") for r in re.findall(r"<tr>.*?</tr>", table)[1:]]
    # the total first, the segments by revenue of 2024 (Retail 400, Industry 110), no segment (150) last
    assert [r[0] for r in rows] == ["All clients", "Retail", "Industry", "No segment"]
    # EUR thousands would be too coarse: amounts in the currency itself, one decimal
    assert rows[0][1:] == ["630.0", "250.0", "120.0", "−150.0", "40.0", "130.0", "40.0", "1,060.0", "68.3%"]
    assert "Returning clients" in table and "Other" in table  # both have values
    results = tmp_path / "run" / "results"
    for name in ("revenue_bridge", "revenue_bridge_by_segment", "revenue_years"):
        assert (results / f"{name}.csv").is_file()
    assert len(pd.read_csv(results / "revenue_bridge.csv")) == 2 * 4 * len(m.COMPONENTS)


def test_one_year_pair_gives_the_composition(tmp_path):
    later = "\n".join(line for line in ORDERS.splitlines() if ",2023-" not in line)
    text = text_of(run(client(tmp_path, later)))
    # 2024 is the first year: F (back in 2025) is new; 2025: new 250 + 120, lost 150, existing 40 + 130
    assert "In 2025, revenue grew by 68.3% (€430)." in text
    assert ("New clients brought +€370, lost clients took away €150, and existing clients gave +€170: "
            "+€40 from the number of orders and +€130 from the average check.") in text
    assert "Late returns and orders without a client: +€40." in text


def test_without_two_full_years_it_says_so(tmp_path):
    only_2024 = "\n".join(line for line in ORDERS.splitlines() if ",2025-" not in line and ",2026-" not in line
                          and ",2023-" not in line)
    audit = run(client(tmp_path, only_2024))
    # 2024 alone, from February to July: not even one full year
    assert "needs two consecutive full calendar years of orders" in audit.shown and "hold 0 full years" in audit.shown
    assert "ak-figure" not in audit.shown and audit.metrics == {"growth.full_years": 0}


@pytest.mark.parametrize("language, words", [("en", "Revenue added"), ("ru", "Прирост выручки"),
                                             ("pl", "Przyrost przychodów")])
def test_demo_renders_in_every_language(tmp_path, language, words):
    params = yaml.safe_load((REPO / "params" / "demo.yaml").read_text("utf-8"))
    params.update(language=language, data_dir=str(REPO / "data" / "demo"))
    path = tmp_path / f"demo_{language}.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    audit = run(path, tmp_path / "run")
    assert words in audit.shown and "ak-figure" in audit.shown and "ak-compact" in audit.shown
    got = audit.metrics
    bridge = m.bridge_wide(m.revenue_bridge(audit.data.tables["orders"], audit.data.tables["clients"]))
    for row in bridge[bridge["scope"] == "total"].itertuples():
        assert got[f"growth.revenue_change.{row.year}"] == pytest.approx(row.change)
        parts = sum(got[f"growth.{k}.{row.year}"] for k in ("new_clients", "reactivated_clients", "lost_clients",
                                                             "volume", "avg_check", "other"))
        assert parts == pytest.approx(row.change, abs=0.005)
    # the demo's story: growth slowed from 16% (2024) to 10% (2025)
    assert got["growth.growth_rate.2024"] == pytest.approx(0.16, abs=0.005)
    assert got["growth.growth_rate.2025"] == pytest.approx(0.10, abs=0.005)


# --------------------------------------------------------------------------- the waterfall chart

def _chart(language: str, start: float, steps: dict, currency: str = "RUB"):
    from auditkit.i18n import Locale
    from auditkit.report import charts

    loc = Locale(language, currency)
    charts.use_theme(loc)
    names = pd.Series(steps, dtype=float)
    fig = charts.waterfall(start, names, loc, "Revenue bridge 2024 → 2025", f"Revenue, {loc.currency_symbol}",
                           "Revenue 2024", "Revenue 2025")
    fig.canvas.draw()
    return fig, loc


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
def test_waterfall_labels_are_inside_and_apart(language):
    from auditkit.i18n import Locale

    loc = Locale(language, "RUB")
    steps = {loc.t(f"growth.components.{c}"): v for c, v in
             zip(m.COMPONENTS, (34.9e6, 2.1e6, -20.3e6, 1.5e6, 13.8e6, -0.2e6))}
    fig, _ = _chart(language, 299.1e6, steps)
    ax = fig.axes[0]
    values = [t for t in ax.texts]
    assert len(values) == 8 and len(ax.patches) >= 8
    assert values[0].get_text() == loc.money_short(299.1e6)
    assert values[1].get_text() == "+" + loc.money_short(34.9e6)
    assert values[3].get_text() == "−" + loc.money_short(20.3e6)
    assert values[-1].get_text() == loc.money_short(299.1e6 + sum(steps.values()))
    box = ax.get_window_extent()
    texts = [t.get_window_extent() for t in values]
    assert all(box.y0 <= t.y0 and t.y1 <= box.y1 for t in texts), "a value label is cut"
    assert not any(a.overlaps(b) for i, a in enumerate(texts) for b in texts[i + 1:])
    ticks = [t.get_window_extent() for t in ax.get_xticklabels()]
    assert all(a.x1 < b.x0 for a, b in zip(ticks, ticks[1:])), "category names collide"
    assert ax.get_ylim()[0] > 0  # the steps are small against revenue: the axis is cut
    shown = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(shown) == len(set(shown))


def test_waterfall_keeps_dollars_plain_and_zero_based_when_steps_are_large():
    fig, _ = _chart("en", 500e3, {"New clients": 120e3, "Lost clients": -480e3}, currency="USD")
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0
    assert [t.get_text() for t in ax.texts] == ["$500 k", "+$120 k", "−$480 k", "$140 k"]
    svg = io.StringIO()
    fig.savefig(svg, format="svg")  # two '$' in a title would fail here as mathtext, or print in italics
    assert "$500 k" in svg.getvalue() and "\\$" not in svg.getvalue()
