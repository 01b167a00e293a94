"""The action plan: one action per root cause, sequenced (METHODOLOGY.md §2 Stage 6).

Each finding gets the action of its cause (the group's `action` in data/findings.yaml, else the
recommendation of its highest-ranked parameter); the recommendations of its other parameters
follow as supporting actions (in action_plan.xlsx). Actions are scheduled in finding order, in
whole months from the plan's start:
- an action starts after the actions of the causes it depends on (`after`) are due;
- no owner starts more than MAX_STARTS_PER_OWNER_MONTH actions in one month (the later, lower-ranked
  ones move to the next month);
- its deadline is its start plus its horizon (quick win 1 month, 3 months, 1 year, 3 years);
- its phase is where the deadline falls: the next 30 days, 90 days, the first year, three years.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pandas as pd

from auditkit.plan.catalogue import Group
from auditkit.plan.recommendations import Recommendation

HORIZON_MONTHS = {"quick_win": 1, "3_months": 3, "1_year": 12, "3_years": 36}
PHASES = ((1, "30_days"), (3, "90_days"), (12, "1_year"), (36, "3_years"))  # deadline month -> phase
MAX_STARTS_PER_OWNER_MONTH = 4
COLUMNS = ["rank", "group", "primary", "recommendation", "parameter", "owner", "horizon", "effort", "start_month",
           "deadline_month", "start", "deadline", "phase", "action", "kpi", "target", "money_low", "money_high"]


def phase(deadline_month: int) -> str:
    return next((name for months, name in PHASES if deadline_month <= months), PHASES[-1][1])


def _choices(finding, evidence: pd.DataFrame, group: Group, recs: Mapping[str, list[Recommendation]],
             by_id: Mapping[str, Recommendation]) -> list[tuple[Recommendation, str]]:
    """(recommendation, parameter) for a finding: its cause's action first, then the supporting ones."""
    params = list(evidence.loc[evidence["group"] == finding.group, "id"])
    chosen = []
    if group.action and group.action in by_id:
        chosen.append((by_id[group.action], by_id[group.action].parameter))
    for pid in params:
        for rec in recs.get(pid, [])[:1]:
            if all(rec.id != c.id for c, _ in chosen):
                chosen.append((rec, pid))
    return chosen


def action_plan(findings: pd.DataFrame, evidence: pd.DataFrame, groups: Mapping[str, Group],
                recs: Mapping[str, list[Recommendation]], start: pd.Timestamp, language: str) -> pd.DataFrame:
    """All actions, primary (one per finding) first in finding order, then the supporting ones;
    with start and deadline (dates and months from `start`), phase, and the finding's money range."""
    by_id = {r.id: r for rs in recs.values() for r in rs}
    start = pd.Timestamp(start).normalize()
    planned = {f.group: _choices(f, evidence, groups[f.group], recs, by_id) for f in findings.itertuples()}
    due: dict[str, int] = {}  # group -> the month its primary action is due
    starts: Counter = Counter()  # (owner, month) -> actions starting then
    rows = []

    def schedule(rec: Recommendation, earliest: int) -> tuple[int, int]:
        month = earliest
        while starts[(rec.owner, month)] >= MAX_STARTS_PER_OWNER_MONTH:
            month += 1
        starts[(rec.owner, month)] += 1
        return month, month + HORIZON_MONTHS[rec.horizon]

    def add(f, rec: Recommendation, parameter: str, primary: bool, earliest: int) -> int:
        first, last = schedule(rec, earliest)
        rows.append({"rank": f.rank, "group": f.group, "primary": primary, "recommendation": rec.id,
                     "parameter": parameter, "owner": rec.owner, "horizon": rec.horizon, "effort": rec.effort,
                     "start_month": first, "deadline_month": last,
                     "start": start + pd.DateOffset(months=first), "deadline": start + pd.DateOffset(months=last),
                     "phase": phase(last), "action": rec.text("action", language), "kpi": rec.text("kpi", language),
                     "target": rec.text("target", language),
                     "money_low": f.money_low if primary else float("nan"),
                     "money_high": f.money_high if primary else float("nan")})
        return last

    pending = list(findings.itertuples())
    ranks = {f.group: f for f in pending}

    def place(f, visiting: Sequence[str] = ()) -> int:
        if f.group in due:
            return due[f.group]
        earliest = 0
        for before in groups[f.group].after:
            if before in ranks and before not in visiting:
                earliest = max(earliest, place(ranks[before], (*visiting, f.group)))
        choices = planned[f.group]
        due[f.group] = add(f, *choices[0], True, earliest) if choices else earliest
        return due[f.group]

    for f in pending:
        place(f)
    for f in pending:  # supporting actions after every cause has its primary action
        for rec, parameter in planned[f.group][1:]:
            add(f, rec, parameter, False, 0)
    plan = pd.DataFrame(rows, columns=COLUMNS).astype({"primary": bool, "start_month": int, "deadline_month": int})
    return plan.sort_values(["primary", "rank", "start_month"], ascending=[False, True, True],
                            kind="mergesort").reset_index(drop=True)
