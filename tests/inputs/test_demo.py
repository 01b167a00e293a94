"""Tests of the deterministic demo client (auditkit/inputs/demo.py).

Every planted problem is re-measured here with a short, independent pandas computation on the
generated tables (never with auditkit's metric code); docs/demo_client.md describes them.
"""

import re
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml

from auditkit.inputs import demo
from helpers import REPO

CONTRACTS = yaml.safe_load((REPO / "auditkit" / "data" / "contracts.yaml").read_text("utf-8"))
SEEDS = [demo.DEFAULT_SEED, 7]  # the planted problems must not depend on one lucky seed
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
MONTH = re.compile(r"^\d{4}-\d{2}$")
STAGES = ["new", "qualification", "proposal", "negotiation", "contract"]
QUALIFICATION_SKIPPERS = demo.QUALIFICATION_SKIPPERS


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def t(request):
    return demo.generate(request.param)


@pytest.fixture(scope="module")
def default():
    return demo.generate()


def ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="ISO8601")


def orders_dated(t, window_only: bool = False) -> pd.DataFrame:
    """Order lines with the date parsed as ``d``; ``window_only`` drops the 2023 history."""
    o = t["orders"].assign(d=ts(t["orders"]["date"]))
    return o[o["d"] >= "2024-01-01"] if window_only else o


# ------------------------------------------------------------------ determinism and format


def test_same_seed_same_tables_other_seed_other_data_and_fast():
    start = time.perf_counter()
    a = demo.generate()
    assert time.perf_counter() - start < 5
    b = demo.generate(demo.DEFAULT_SEED)
    assert list(a) == list(CONTRACTS) == list(demo.TABLES)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["orders"]["amount"].equals(demo.generate(1)["orders"]["amount"])


def test_written_files_are_byte_identical_and_reread_equal(tmp_path):
    first = demo.write(tmp_path / "a")
    subprocess.run([sys.executable, "-m", "auditkit.inputs.demo", str(tmp_path / "b")], check=True,
                   cwd=REPO)  # fmt: skip
    frames = demo.generate()
    assert [p.name for p in first] == [f"{name}.csv" for name in demo.TABLES]
    for path in first:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
        text = path.read_text("utf-8")
        assert "\r" not in text and text.splitlines()[0] == ",".join(frames[path.stem].columns)
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        expected = frames[path.stem].astype(object).where(frames[path.stem].notna(), "")
        expected = expected.map(lambda v: v if isinstance(v, str) else str(v)).astype(str)
        pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_columns_are_exactly_the_contract(default):
    for name, spec in CONTRACTS.items():
        cols = list(default[name].columns)
        assert cols[: len(spec["columns"])] == list(spec["columns"]), name
        extra = default[name][cols[len(spec["columns"]) :]]
        assert spec.get("extra_numeric") or extra.empty, name
        assert all(pd.api.types.is_integer_dtype(extra[c]) for c in extra), name


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_values_obey_the_contract(default, name):
    """Types, required, enums, ranges, keys as contracts.yaml states them."""
    df, spec = default[name], CONTRACTS[name]
    for col, c in spec["columns"].items():
        values = df[col].dropna()
        if c.get("required"):
            assert df[col].notna().all() and (values.astype(str) != "").all(), (name, col)
        kind = c["type"]
        if kind == "date":
            fmt = DAY_TIME if name in ("leads", "activities") else DAY
            assert values.str.fullmatch(fmt).all(), (name, col)
            assert ts(values).notna().all()
        elif kind == "period":
            assert values.str.fullmatch(MONTH).all(), (name, col)
        elif kind in ("money", "number", "int"):
            assert pd.api.types.is_numeric_dtype(df[col]), (name, col)
            if kind == "money" and not c.get("negative_allowed"):
                assert (values >= 0).all(), (name, col)
            assert values.between(c.get("min", -np.inf), c.get("max", np.inf)).all(), (name, col)
        elif kind == "enum":
            assert set(values) <= set(c["values"]), (name, col)
        elif kind == "bool":
            assert df[col].dtype == "boolean", (name, col)
    if "key" in spec:
        assert not df.duplicated(spec["key"]).any(), name


def test_sizes(t):
    n = {k: len(v) for k, v in t.items()}
    assert 800 <= n["clients"] <= 950
    assert 24_000 <= n["orders"] <= 36_000  # with the 2023 history
    assert 17_000 <= len(orders_dated(t, window_only=True)) <= 24_000
    assert 2_800 <= n["deals"] <= 3_300
    assert 40_000 <= n["activities"] <= 60_000
    assert 5_500 <= n["leads"] <= 7_500
    assert (n["managers"], n["marketing_costs"], n["surveys"]) == (12, 120, 400)
    assert (n["call_reviews"], n["mystery_shopper"], n["staff_assessment"]) == (300, 40, 11)
    questions = yaml.safe_load((REPO / "auditkit" / "data" / "checklist.yaml").read_text("utf-8"))
    assert t["checklist"]["parameter_id"].tolist() == [q["id"] for q in questions["questions"]]
    o = orders_dated(t, window_only=True)
    per_order = o.groupby("order_id")["amount"].sum()
    assert 40_000 <= per_order.mean() <= 120_000
    assert 2 <= len(o) / len(per_order) <= 3.5  # several lines per order
    assert 0.005 <= (o["amount"] < 0).mean() <= 0.02  # ~1% return lines
    assert o["category"].nunique() == 6 and o["cost"].notna().all()
    assert 4 <= t["clients"]["segment"].nunique() <= 5
    assert t["leads"]["channel"].nunique() == 5
    managers = t["managers"]
    assert (managers["role"] == "head").sum() == 1 and managers["left_at"].notna().sum() == 1
    assert {"revenue", "new_clients"} <= set(t["plans"]["metric"])
    assert t["plans"]["manager_id"].isna().any()  # company totals


def test_referential_integrity(t):
    """Every reference of the contract holds, not only the strict ones."""
    for name, spec in CONTRACTS.items():
        refs = {c: v["references"] for c, v in spec["columns"].items() if "references" in v}
        refs.update(spec.get("references_strict", {}))
        for col, target in refs.items():
            table, key = target.split(".")
            assert t[name][col].dropna().isin(t[table][key]).all(), (name, col)
    assert t["checklist"]["parameter_id"].is_unique


def test_amounts_and_dates_are_consistent(t):
    o = orders_dated(t)
    assert np.allclose(o["amount"], (o["quantity"] * o["unit_price"]).round(2))
    assert ((o["amount"] < 0) == (o["cost"] < 0)).all()
    assert o["d"].between("2023-01-01", "2025-12-31").all()
    window = {"deals": "created_at", "stage_history": "entered_at", "leads": "created_at",
              "activities": "date", "surveys": "date", "call_reviews": "date"}  # fmt: skip
    for table, col in window.items():  # only the orders carry history
        assert ts(t[table][col]).between("2024-01-01", "2026-01-01").all(), table
    first = o.groupby("client_id")["d"].min()
    created = ts(t["clients"].set_index("client_id")["created_at"])
    assert (first >= created.reindex(first.index)).all()  # no order before the account exists
    assert (o.groupby("order_id")["amount"].sum() > 0).mean() > 0.99
    le = t["leads"]
    stamps = [ts(le[c]) for c in ("created_at", "first_contact_at", "mql_at", "sql_at")]
    for earlier, later in zip(stamps, stamps[1:]):
        assert (later.dropna() >= earlier[later.notna()]).all()
    assert (le["deal_id"].notna() == le["sql_at"].notna()).all()
    deal_created = t["deals"].set_index("deal_id")["created_at"]
    linked = le.dropna(subset=["deal_id"])
    assert (linked["sql_at"].str[:10] == deal_created.reindex(linked["deal_id"]).to_numpy()).all()


def test_order_history_makes_new_clients_genuine(t):
    """Orders start in January 2023, so a client's first order ever (first order with a
    positive net amount) in 2024 marks a genuinely new client: a few a month, no burst in
    January 2024 from the window start (without the history it held ~300)."""
    o = orders_dated(t)
    orders = o.groupby("order_id").agg(client=("client_id", "first"), d=("d", "min"),
                                       net=("amount", "sum"))  # fmt: skip
    first = orders[orders["net"] > 0].groupby("client")["d"].min()
    assert first.min().strftime("%Y-%m") == "2023-01"
    assert o["d"].dt.to_period("M").nunique() == 36  # every month of 2023-2025 has orders
    first_2024 = first[first.dt.year == 2024]
    new = first_2024.dt.month.value_counts().reindex(range(1, 13), fill_value=0)
    assert new.max() < 40 and 60 <= new.sum() <= 250
    created = ts(t["clients"].set_index("client_id")["created_at"]).reindex(first_2024.index)
    assert (created >= "2023-12-01").mean() > 0.97  # won shortly before, not old accounts


def test_people_work_only_while_employed(t):
    m = t["managers"].set_index("manager_id")
    hired, left = ts(m["hired_at"]), ts(m["left_at"]).fillna(pd.Timestamp("2099-01-01"))
    for table, col in (("activities", "date"), ("orders", "date"), ("call_reviews", "date")):
        df = t[table]
        d = ts(df[col]).dt.normalize()
        ok = (d >= hired.reindex(df["manager_id"]).to_numpy()) & (
            d <= left.reindex(df["manager_id"]).to_numpy()
        )
        assert ok.all(), table
    head = m.index[m["role"] == "head"][0]
    assert head not in set(t["activities"]["manager_id"]) | set(t["deals"]["manager_id"])
    assert (ts(t["activities"]["date"]).dt.day_of_week < 5).all()


def test_stage_history_matches_deals(t):
    d = t["deals"].set_index("deal_id")
    h = t["stage_history"].assign(e=lambda x: ts(x["entered_at"]))
    g = h.groupby("deal_id", sort=False)
    assert set(h["deal_id"]) == set(d.index)
    assert (g["e"].diff().dropna() > pd.Timedelta(0)).all()  # strictly increasing
    first, last = g.head(1).set_index("deal_id"), g.tail(1).set_index("deal_id")
    assert (first["stage"] == "new").all()
    assert (first["entered_at"] == d["created_at"].reindex(first.index)).all()
    # each stage is first entered in the process order (the planted skips and loops aside: see below)
    seq = h[h["stage"].isin(STAGES)].drop_duplicates(["deal_id", "stage"])
    pos = seq["stage"].map({s: i for i, s in enumerate(STAGES)})
    assert (pos.groupby(seq["deal_id"], sort=False).diff().dropna() > 0).all()
    closed = d["status"] != "open"
    assert (last["stage"] == d["stage"].reindex(last.index)).all()
    assert (d.loc[closed, "stage"] == d.loc[closed, "status"]).all()
    assert (last.loc[closed[closed].index, "entered_at"] == d.loc[closed, "closed_at"]).all()
    assert d.loc[~closed, "closed_at"].isna().all() and d.loc[closed, "closed_at"].notna().all()
    assert set(d.loc[~closed, "stage"]) <= set(STAGES)
    won = d.index[d["status"] == "won"]
    skipped = h[h["deal_id"].isin(won)].groupby("deal_id")["stage"].nunique() == 5  # no qualification
    assert (h[h["deal_id"].isin(won)].groupby("deal_id")["stage"].nunique() >= 5).all() and skipped.mean() < 0.2
    assert d.loc[d["status"] == "lost", "lost_reason"].notna().mean() > 0.85
    assert d.loc[d["status"] != "lost", "lost_reason"].isna().all()


# ---------------------------------------------------------------------- planted problems


def test_planted_stage_bottleneck_at_proposal(t):
    """Share of deals leaving a stage that enter the next one, and median days in stage."""
    h = t["stage_history"].assign(e=lambda x: ts(x["entered_at"]))
    h["next"] = h.groupby("deal_id")["stage"].shift(-1)
    h["days"] = (h.groupby("deal_id")["e"].shift(-1) - h["e"]).dt.days
    left = h[h["next"].notna() & h["stage"].isin(STAGES)]
    target = dict(zip(STAGES, STAGES[1:] + ["won"]))
    rate = (left["next"] == left["stage"].map(target)).groupby(left["stage"]).mean()
    days = left.groupby("stage")["days"].median()
    others = rate.drop("proposal")
    assert rate["proposal"] < 0.5 and rate["proposal"] < others.min() - 0.25
    assert days.idxmax() == "proposal" and days["proposal"] >= 2 * days.drop("proposal").max()


def test_planted_skipped_qualification_and_loops_back(t):
    """Two SMB reps skip "qualification" on most deals that reach "proposal", nobody else does;
    some negotiations go back to "proposal" and return, no other step goes back."""
    d = t["deals"].set_index("deal_id")
    h = t["stage_history"]
    entered = h.groupby("deal_id")["stage"].agg(set)
    reached = entered[entered.map(lambda s: "proposal" in s)]
    skipped = reached.map(lambda s: "qualification" not in s)
    by_rep = skipped.groupby(d["manager_id"].reindex(reached.index)).mean()
    assert (by_rep[list(QUALIFICATION_SKIPPERS)] > 0.4).all()
    assert (by_rep.drop(list(QUALIFICATION_SKIPPERS)) == 0).all()
    moves = pd.DataFrame({"from": h["stage"], "to": h.groupby("deal_id")["stage"].shift(-1)}).dropna()
    back = moves[moves["to"].map({s: i for i, s in enumerate(STAGES)}) < moves["from"].map({s: i for i, s in enumerate(STAGES)})]
    assert set(zip(back["from"], back["to"])) == {("negotiation", "proposal")}
    negotiations = (h["stage"] == "negotiation").groupby(h["deal_id"]).sum()
    assert 0.04 < (negotiations == 2).sum() / (negotiations >= 1).sum() < 0.15


def test_planted_low_activity_manager_m07(t):
    """Activities per working day (Mon-Fri inside employment and window) vs the team median."""
    a, m = t["activities"], t["managers"].set_index("manager_id")
    rate = {}
    for mid, n in a["manager_id"].value_counts().items():
        first = max(pd.Timestamp(m.at[mid, "hired_at"]), pd.Timestamp("2024-01-01"))
        last = pd.Timestamp(m.at[mid, "left_at"]) if pd.notna(m.at[mid, "left_at"]) else None
        rate[mid] = n / len(pd.bdate_range(first, last or pd.Timestamp("2025-12-31")))
    rate = pd.Series(rate)
    ratio = rate["M07"] / rate.drop("M07").median()
    assert 0.25 <= ratio <= 0.45 and rate.idxmin() == "M07"
    deals = t["deals"]
    assert ((deals["manager_id"] == "M07") & (deals["status"] == "won")).sum() >= 10


def test_planted_slow_exhibition_leads(t):
    le = t["leads"]
    hours = (ts(le["first_contact_at"]) - ts(le["created_at"])).dt.total_seconds() / 3600
    median = hours.groupby(le["channel"]).median()
    never = hours.isna().groupby(le["channel"]).mean()
    assert median["exhibitions"] > 48 and never["exhibitions"] > 0.25
    assert (median.drop("exhibitions") < 6).all() and (never.drop("exhibitions") < 0.1).all()


def test_planted_retail_chains_churn(t):
    """Mean quarterly retention |A(q-1) & A(q)| / |A(q-1)| per segment, A = clients with a
    positive line in the quarter."""
    o = orders_dated(t)
    o = o[o["amount"] > 0].merge(t["clients"][["client_id", "segment"]], on="client_id")
    active = o.groupby(["segment", o["d"].dt.to_period("Q")])["client_id"].apply(frozenset)
    retention = {}
    for seg, sets in active.groupby(level=0):
        s = sets.to_list()
        retention[seg] = np.mean([len(p & c) / len(p) for p, c in zip(s, s[1:])])
    retention = pd.Series(retention)
    gap = retention.drop("Retail chains").mean() - retention["Retail chains"]
    assert 0.12 <= gap <= 0.32 and retention.idxmin() == "Retail chains"


def test_planted_seasonality(t):
    o = orders_dated(t)
    month = o.groupby(o["d"].dt.to_period("M"))["amount"].sum()
    for year in (2023, 2024, 2025):
        y = month[month.index.year == year]
        assert len(y) == 12
        assert y.iloc[0] < 0.9 * y.median() and y.iloc[7] < 0.85 * y.median()  # Jan, Aug
        assert y.iloc[7] < min(y.iloc[6], y.iloc[8])
        quarters = y.groupby(y.index.quarter).sum()
        assert quarters.idxmax() == 4


def test_planted_growth_and_concentration(t):
    """Revenue growth 2025 / 2024 ~1.10 (slower than 2024 / 2023); concentration and margin
    in the audit window."""
    o = orders_dated(t)
    year = o.groupby(o["d"].dt.year)["amount"].sum()
    assert 1.08 <= year[2025] / year[2024] <= 1.12 < year[2024] / year[2023]
    o = o[o["d"].dt.year >= 2024]
    per_client = o.groupby("client_id")["amount"].sum().sort_values(ascending=False)
    per_client = per_client[per_client > 0]
    top = per_client.iloc[: int(np.ceil(0.2 * len(per_client)))].sum() / per_client.sum()
    assert 0.65 <= top <= 0.75
    margin = 1 - o["cost"].sum() / o["amount"].sum()
    assert 0.12 <= margin <= 0.30


def test_planted_weakest_call_items(t):
    r = t["call_reviews"]
    items = r.drop(columns=["manager_id", "date", "review_id"])
    share = (items / items.max()).mean()  # each item normalised to its maximum score
    assert set(share.nsmallest(2).index) == {"objection_handling", "next_step_agreed"}
    assert set(items.max()) == {1, 2}


def test_planted_low_nps_in_retail_chains(t):
    s = t["surveys"].merge(t["clients"][["client_id", "segment"]], on="client_id")
    nps = s.groupby("segment")["nps"].apply(lambda x: 100 * ((x >= 9).mean() - (x <= 6).mean()))
    assert nps.idxmin() == "Retail chains"
    assert nps["Retail chains"] < nps.drop("Retail chains").min() - 30
    churned = s[s["respondent"] == "churned"]["nps"]
    assert churned.mean() < s[s["respondent"] == "loyal"]["nps"].mean() - 1.5


def test_planted_channel_economics(t):
    """Lead -> won conversion differs by channel; marketplace has the highest CAC
    (= channel spend / clients won from its leads)."""
    won = t["deals"].loc[t["deals"]["status"] == "won", "deal_id"]
    le = t["leads"].assign(won=lambda x: x["deal_id"].isin(won))
    conversion = le.groupby("channel")["won"].mean()
    assert conversion.max() >= 3 * conversion.min()
    cac = t["marketing_costs"].groupby("channel")["cost"].sum() / le.groupby("channel")["won"].sum()
    assert cac.idxmax() == "marketplace"
    assert cac["marketplace"] > 1.5 * cac.drop("marketplace").max()
