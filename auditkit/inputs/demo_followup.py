"""The demo client's follow-up year, for a re-audit demo (issue 13): data/demo-followup.

Built from the demo's generated tables (auditkit.inputs.demo): the last 12 months of the demo's
window (2025) are replayed one year later (2026-01-01 .. 2026-12-31: every date + 365 days, new
ids with the suffix "F", Igor Fedorov's work with Ekaterina Orlova, who took over his accounts;
the clients first won in 2025 keep buying and a new client of 2026 stands for each of them; plans
grow by GROWTH), and the earlier tables are kept as the history before the follow-up. Then what
the action plan changed, and what it did not, is planted:

- exhibition leads are answered within the hour (the lead-handling action worked);
- the proposal bottleneck is fixed: about half of the deals lost at the proposal stage now pass it
  and are won (with their stage history, a follow-up call and a first order);
- one problem got worse: lost reasons are no longer recorded for a third of the lost deals;
- the after-sales call action is reported "done", but its measure did not move (no effect yet).

With the first run's action_plan.xlsx, `write` also fills it as the client would and saves it as
action_plan_status.xlsx in the follow-up folder. Deterministic (one seeded generator).

    python -m auditkit.inputs.demo_followup [--demo data/demo] [--baseline outputs/demo/latest] [OUT_DIR]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20260101
SHIFT = pd.Timedelta(days=365)  # 2025-01-01 -> 2026-01-01 (neither year is a leap year)
FROM = pd.Timestamp("2025-01-01")  # the demo's last 12 months, replayed
SUFFIX = "F"
LEFT, SUCCESSOR = "M11", "M12"
GROWTH = 1.08  # plans of the follow-up year against the year before
PROPOSAL_FIX = 0.55  # share of the deals lost at the proposal stage that now pass it and are won
LOST_REASON_DROPPED = 0.35  # share of the lost deals of the follow-up year without a lost reason
STATUS = {  # finding group -> (status code, progress %, comment) as the client reports it
    "funnel": ("done", 100, "Exit criterion for the proposal stage and a weekly review of proposals since February"),
    "lead_handling": ("done", 100, "Exhibition leads go to the duty manager the same hour"),
    "after_sales": ("done", 100, "After-sales call script introduced in March"),
    "segment_at_risk": ("in_progress", 50, "Detractors called; the re-survey is planned"),
    "call_quality": ("in_progress", 30, ""),
    "pipeline_hygiene": ("not_started", 0, ""),
}


def _parse(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="mixed")


def _shift(values: pd.Series) -> pd.Series:
    """ISO dates (and date-times "YYYY-MM-DD HH:MM") one year later, in the same text form."""
    text = values.astype("string")
    when = _parse(text) + SHIFT
    long = text.str.len() > 10
    out = when.dt.strftime("%Y-%m-%d").where(~long, when.dt.strftime("%Y-%m-%d %H:%M"))
    return out.where(text.notna() & (text != ""), values)


def _shift_period(values: pd.Series) -> pd.Series:
    return (pd.PeriodIndex(values.astype(str), freq="M") + 12).strftime("%Y-%m")


def _ids(values: pd.Series, keep: set | None = None) -> pd.Series:
    """The replayed copy's ids (an empty id stays empty; with `keep`, ids outside it become empty)."""
    text = values.astype("string")
    out = text + SUFFIX
    if keep is not None:
        out = out.where(text.isin(keep))
    return out.where(text.notna() & (text != ""))


def _successor(frame: pd.DataFrame) -> pd.DataFrame:
    if "manager_id" in frame:
        frame = frame.assign(manager_id=frame["manager_id"].replace({LEFT: SUCCESSOR}))
    return frame


def _in_last_year(frame: pd.DataFrame, column: str) -> pd.Series:
    return _parse(frame[column].astype("string")) >= FROM


def followup(tables: dict[str, pd.DataFrame], seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The follow-up year's tables from the demo's (as `auditkit.inputs.demo.generate` returns or
    its CSVs read as text)."""
    rng = np.random.default_rng(seed)
    t = {k: v.copy() for k, v in tables.items()}
    out = dict(t)

    # the clients won in 2025 keep buying; a new client of the follow-up year stands for each of them
    orders = t["orders"]
    first = _parse(orders["date"].astype("string")).groupby(orders["client_id"]).min()
    newcomers = set(first.index[first >= FROM])
    clone = {c: f"{c}{SUFFIX}" for c in newcomers}
    clients = t["clients"]
    new_clients = clients[clients["client_id"].isin(newcomers)].copy()
    new_clients["client_id"] = new_clients["client_id"].map(clone)
    new_clients["created_at"] = _shift(new_clients["created_at"])
    out["clients"] = pd.concat([clients, _successor(new_clients)], ignore_index=True)

    def as_new(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(client_id=frame["client_id"].map(lambda c: clone.get(c, c)))

    # deals: the closed ones stay as history; those created in 2025 are replayed (open ones only there)
    deals = t["deals"]
    recent = _in_last_year(deals, "created_at")
    history = deals[deals["status"] != "open"]
    replay = as_new(_successor(deals[recent].copy()))
    shifted = set(replay["deal_id"])
    replay["deal_id"] = _ids(replay["deal_id"])
    for col in ("created_at", "closed_at", "expected_close"):
        replay[col] = _shift(replay[col])
    kept = set(history["deal_id"])

    sh = t["stage_history"]
    sh_replay = sh[sh["deal_id"].isin(shifted)].copy()
    sh_replay["deal_id"] = _ids(sh_replay["deal_id"])
    sh_replay["entered_at"] = _shift(sh_replay["entered_at"])

    # the proposal bottleneck fixed: deals lost at proposal pass it and are won
    last_stage = sh_replay[sh_replay["stage"] != "lost"].groupby("deal_id")["stage"].last()
    lost_at_proposal = replay.index[(replay["status"] == "lost")
                                    & replay["deal_id"].map(last_stage).eq("proposal").to_numpy()]
    flip = lost_at_proposal[rng.random(len(lost_at_proposal)) < PROPOSAL_FIX]
    entered = sh_replay[sh_replay["stage"] == "proposal"].set_index("deal_id")["entered_at"]
    end = pd.Timestamp("2026-12-31")
    new_history, new_activities, new_orders = [], [], []
    order_lines = t["orders"]
    for i in flip:
        deal = replay.loc[i]
        start = _parse(pd.Series([entered.get(deal["deal_id"])])).iloc[0]
        if pd.isna(start):
            continue
        steps = np.cumsum(rng.integers(6, 15, 3))  # proposal -> negotiation -> contract -> won
        won_at = start + pd.Timedelta(days=int(steps[2]))
        if won_at > end:
            continue
        days = [start + pd.Timedelta(days=int(s)) for s in steps]
        sh_replay = sh_replay[~((sh_replay["deal_id"] == deal["deal_id"]) & (sh_replay["stage"] == "lost"))]
        for stage, when in zip(("negotiation", "contract", "won"), days):
            new_history.append({"deal_id": deal["deal_id"], "stage": stage, "entered_at": when.strftime("%Y-%m-%d")})
        replay.loc[i, ["status", "stage", "closed_at", "probability", "lost_reason"]] = [
            "won", "won", won_at.strftime("%Y-%m-%d"), "100", pd.NA]
        for k, when in enumerate((days[0], won_at + pd.Timedelta(days=3))):
            new_activities.append({"activity_id": f"A{deal['deal_id']}{k}", "manager_id": deal["manager_id"],
                                   "type": "call", "date": (when + pd.Timedelta(hours=11)).strftime("%Y-%m-%d %H:%M"),
                                   "deal_id": deal["deal_id"], "client_id": deal["client_id"], "duration_min": 6,
                                   "outcome": "connected", "next_step": True})
        line = order_lines.iloc[int(rng.integers(len(order_lines)))]
        first = won_at + pd.Timedelta(days=int(rng.integers(5, 20)))
        if first <= end and isinstance(deal["client_id"], str) and deal["client_id"]:
            amount = float(deal["amount"])
            new_orders.append({**line.to_dict(), "order_id": f"SO-{deal['deal_id']}", "client_id": deal["client_id"],
                               "date": first.strftime("%Y-%m-%d"), "amount": amount, "quantity": 1,
                               "unit_price": amount, "cost": round(amount * 0.72, 2),
                               "manager_id": deal["manager_id"]})
    sh_replay = pd.concat([sh_replay, pd.DataFrame(new_history, columns=sh.columns)], ignore_index=True)

    # one problem got worse: lost reasons not recorded for a third of the lost deals
    lost = replay.index[replay["status"] == "lost"]
    replay.loc[lost[rng.random(len(lost)) < LOST_REASON_DROPPED], "lost_reason"] = pd.NA
    out["deals"] = pd.concat([history, replay], ignore_index=True)
    out["stage_history"] = pd.concat([sh[sh["deal_id"].isin(kept)], sh_replay], ignore_index=True).sort_values(
        ["deal_id", "entered_at"], kind="mergesort")

    # leads: history whose deal is kept; 2025 replayed with exhibition leads answered within the hour
    leads = t["leads"]
    lead_deal = leads["deal_id"].astype("string")
    lead_history = leads[lead_deal.isna() | (lead_deal == "") | lead_deal.isin(kept)]
    lr = leads[_in_last_year(leads, "created_at")].copy()
    lr["lead_id"] = _ids(lr["lead_id"])
    lr["deal_id"] = _ids(lr["deal_id"], shifted)
    for col in ("created_at", "mql_at", "sql_at", "first_contact_at"):
        lr[col] = _shift(lr[col])
    expo = (lr["channel"] == "exhibitions").to_numpy()
    created = _parse(lr["created_at"].astype("string"))
    answered = created + pd.to_timedelta(rng.integers(8, 55, len(lr)), unit="min")
    lr.loc[expo, "first_contact_at"] = answered[expo].dt.strftime("%Y-%m-%d %H:%M")
    out["leads"] = pd.concat([lead_history, lr], ignore_index=True)

    # activities: history on kept deals (or none); 2025 replayed
    acts = t["activities"]
    act_deal = acts["deal_id"].astype("string")
    act_history = acts[act_deal.isna() | (act_deal == "") | act_deal.isin(kept)]
    ar = as_new(_successor(acts[_in_last_year(acts, "date")].copy()))
    ar["activity_id"] = _ids(ar["activity_id"])
    ar["deal_id"] = _ids(ar["deal_id"], shifted)
    ar["date"] = _shift(ar["date"])
    out["activities"] = pd.concat([act_history, ar, pd.DataFrame(new_activities, columns=acts.columns)],
                                  ignore_index=True)

    # orders: 2025 replayed (the newcomers' by their new counterparts, and again by themselves);
    # plans grow; costs, surveys and reviews are replayed
    last = _successor(orders[_in_last_year(orders, "date")].copy())
    orr = as_new(last)
    orr["order_id"] = _ids(orr["order_id"])
    again = last[last["client_id"].isin(newcomers)].copy()
    again["order_id"] = again["order_id"].astype("string") + "G"
    orr = pd.concat([orr, again], ignore_index=True)
    orr["date"] = _shift(orr["date"])
    out["orders"] = pd.concat([orders, orr, pd.DataFrame(new_orders, columns=orders.columns)], ignore_index=True)
    plans = t["plans"]
    pr = plans[plans["period"].astype(str) >= "2025-01"]
    pr = pr[pr["manager_id"].astype("string").fillna("") != LEFT].copy()
    pr["period"] = _shift_period(pr["period"])
    pr["target"] = (pd.to_numeric(pr["target"]) * GROWTH).round(0)
    out["plans"] = pd.concat([plans, pr], ignore_index=True)
    costs = t["marketing_costs"]
    cr = costs[costs["period"].astype(str) >= "2025-01"].copy()
    cr["period"] = _shift_period(cr["period"])
    out["marketing_costs"] = pd.concat([costs, cr], ignore_index=True)
    surveys = t["surveys"]
    sr = as_new(surveys[_in_last_year(surveys, "date")].copy())
    sr["date"] = _shift(sr["date"])
    out["surveys"] = pd.concat([surveys, sr], ignore_index=True)
    for table in ("call_reviews", "mystery_shopper"):
        frame = _successor(t[table].copy())
        frame["date"] = _shift(frame["date"])
        if "review_id" in frame:
            frame["review_id"] = _ids(frame["review_id"])
        out[table] = frame
    return out


def fill_status(plan_xlsx: Path, out: Path) -> Path:
    """The earlier action_plan.xlsx with status, progress and comment filled as the client would
    (STATUS by finding; the rest not started), saved as `out`. The finding of each row comes from
    the run's results/action_plan.csv (same order as the workbook)."""
    book = pd.read_excel(plan_xlsx, dtype=object, engine="openpyxl")
    plan = pd.read_csv(Path(plan_xlsx).parent / "results" / "action_plan.csv")
    from auditkit.i18n import LANGUAGES, Locale

    loc = next((Locale(lang) for lang in LANGUAGES  # the workbook's language, as its status header says
                if Locale(lang).t("improvement_plan.xlsx.status") in book.columns), Locale("en"))
    headers = {c: loc.t(f"improvement_plan.xlsx.{c}") for c in ("status", "progress", "comment")}
    for i, (group, primary) in enumerate(zip(plan["group"], plan["primary"])):
        code, progress, comment = STATUS.get(group, ("not_started", 0, "")) if primary else ("", None, "")
        book.loc[i, headers["status"]] = loc.t(f"improvement_plan.xlsx.status_{code}") if code else ""
        book.loc[i, headers["progress"]] = progress
        book.loc[i, headers["comment"]] = comment
    book.to_excel(out, index=False)
    return out


def write(out_dir: str | Path, demo_dir: str | Path = "data/demo", baseline: str | Path | None = None,
          seed: int = SEED) -> Path:
    """Write the follow-up year's tables to `out_dir` (and action_plan_status.xlsx when `baseline`,
    the first demo run's folder, holds an action_plan.xlsx)."""
    out_dir, demo_dir = Path(out_dir), Path(demo_dir)
    tables = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""]) for p in demo_dir.glob("*.csv")}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in followup(tables, seed).items():
        frame.to_csv(out_dir / f"{name}.csv", index=False)
    if baseline is not None and (Path(baseline) / "action_plan.xlsx").is_file():
        fill_status(Path(baseline) / "action_plan.xlsx", out_dir / "action_plan_status.xlsx")
    return out_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="write the demo client's follow-up year (a re-audit demo)")
    parser.add_argument("out_dir", nargs="?", default="data/demo-followup")
    parser.add_argument("--demo", default="data/demo", help="the demo's tables (auditkit demo-data)")
    parser.add_argument("--baseline", default="outputs/demo/latest",
                        help="the first demo run, whose action_plan.xlsx is filled as the client's status")
    args = parser.parse_args(argv)
    path = write(args.out_dir, args.demo, args.baseline)
    print(f"demo follow-up written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
