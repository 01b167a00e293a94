"""Stage 4 — Technology (METHODOLOGY.md §2 Stage 4).

CRM discipline measured from the data (field completeness, activity logging, stale and overdue
open deals, stage history) and the automation level from the checklist answers.

Shares are fractions 0..1; checklist scores are 0..100; the audit window [start, end] is
inclusive of whole days (see `auditkit.metrics._common.in_window`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from auditkit.metrics._common import DAY, available, day_bounds, in_window, open_at_end, share
from auditkit.metrics.people import manager_roster, manager_working_days
from auditkit.inputs.checklist import answer_scores

AUTOMATION_ASPECTS = (
    "crm",
    "funnel_stages",
    "telephony",
    "email",
    "erp_integration",
    "automated_reports",
    "task_assignment",
)

# share column → (numerator count, denominator count, deal columns it needs)
_SHARES = {
    "share_with_amount": ("with_amount", "deals", ("amount",)),
    "share_with_lead_source": ("with_lead_source", "deals", ("lead_source",)),
    "share_closed_with_date": ("closed_with_date", "closed_deals", ("closed_at",)),
    "share_lost_with_reason": ("lost_with_reason", "lost_deals", ("lost_reason",)),
    "share_with_activity": ("with_activity", "deals", ()),
    "share_with_stage_history": ("with_stage_history", "deals", ()),
    "share_stale": ("stale_open_deals", "open_deals", ()),
    "share_overdue": ("overdue_open_deals", "open_deals", ("expected_close",)),
}
# the shares of deals that carry a field (more is better): a field the data never keep scores 0
KEPT_SHARES = ("share_with_amount", "share_with_lead_source", "share_closed_with_date", "share_lost_with_reason",
               "share_with_stage_history")


def _filled(values: pd.Series) -> pd.Series:
    """True where a text value is present and not blank."""
    return values.notna() & values.astype("str").str.strip().ne("")


@dataclass(frozen=True)
class CrmDiscipline:
    """CRM discipline per manager and overall; deals without a manager are a row of their own
    (index NA) in per_manager, so the rows add up to the overall counts."""

    per_manager: pd.DataFrame  # index manager_id; the columns of `overall`, all float64
    overall: pd.Series  # counts (float64 here), shares 0..1, activities_per_day
    has_stage_history: bool
    stage_history_share: float  # share of the window's deals with any stage_history row
    never_kept: frozenset[str] = frozenset()  # KEPT_SHARES the data cannot tell (column or table absent) over deals

    def kept_share(self, name: str) -> float:
        """The overall share `name` as the scorecard scores it: 0.0 for a field the data never keep
        (its column or the stage history absent) while there are deals to carry it — 0% of the deals
        carry it in the data given; otherwise the measured share (NaN for an empty population)."""
        return 0.0 if name in self.never_kept else float(self.overall[name])


def _deal_flags(deals, start, end, activities, stage_history, stale_days) -> tuple[pd.DataFrame, set[str]]:
    """(flags, unknown): one row per deal with one bool column per counted condition (see
    `crm_discipline`), and the names of the counts the data cannot measure (a needed column
    all-NA, activities without deal_id, stage history missing)."""
    first, stop = day_bounds(end, end)
    created = in_window(deals["created_at"], start, end)
    open_ = open_at_end(deals, end)
    lost = created & (deals["status"] == "lost")
    closed = created & deals["status"].isin(("won", "lost"))
    flags = pd.DataFrame(
        {
            "deals": created,
            "with_amount": created & (deals["amount"] > 0),
            "with_lead_source": created & _filled(deals["lead_source"]),
            "closed_deals": closed,
            "closed_with_date": closed & deals["closed_at"].notna(),
            "lost_deals": lost,
            "lost_with_reason": lost & _filled(deals["lost_reason"]),
            "open_deals": open_,
            "overdue_open_deals": open_ & (deals["expected_close"] < first),
            "with_stage_history": created & deals["deal_id"].isin(
                stage_history["deal_id"] if stage_history is not None else []
            ),
        }
    )
    unknown = {num for num, _, needs in _SHARES.values() if not all(available(deals, c) for c in needs)}
    if stage_history is None:
        unknown.add("with_stage_history")
    if available(activities, "deal_id"):
        logged = activities[activities["date"] < stop]
        last_by_deal = logged.groupby("deal_id")["date"].max()
    else:
        last_by_deal = pd.Series(dtype="datetime64[ns]")
        unknown |= {"with_activity", "stale_open_deals"}
    last_day = last_by_deal.dt.normalize().reindex(deals["deal_id"])
    last = pd.Series(last_day.to_numpy(), index=deals.index)
    flags["with_activity"] = created & last.notna()
    flags["stale_open_deals"] = open_ & ~(last >= first - stale_days * DAY)
    return flags, unknown


def _rates(counts: pd.DataFrame, unknown: set[str]) -> pd.DataFrame:
    """Summed flag counts plus the share columns (`_SHARES`) as float64; the unknown counts and
    the shares built on them are NaN."""
    out = counts.astype("float64")
    for name, (num, den, _) in _SHARES.items():
        out[name] = share(out[num], out[den])
    blank = [c for c in out.columns if c in unknown]
    blank += [name for name, (num, _, _) in _SHARES.items() if num in unknown]
    out[blank] = float("nan")
    return out


def crm_discipline(
    deals: pd.DataFrame | None,
    start,
    end,
    *,
    activities: pd.DataFrame | None = None,
    stage_history: pd.DataFrame | None = None,
    managers: pd.DataFrame | None = None,
    stale_days: int = 30,
    country: str = "RU",
) -> CrmDiscipline | None:
    """CRM discipline of the deals created in the window (the completeness population) and of
    the deals open at ``end`` (`open_at_end`).

    Counts: deals, with_amount (amount > 0), with_lead_source, closed_deals / closed_with_date,
    lost_deals / lost_with_reason, with_activity (≥ 1 linked activity up to ``end``),
    with_stage_history, open_deals, stale_open_deals (no linked activity within ``stale_days``
    days before ``end``, i.e. last activity day < end − stale_days; never touched = stale),
    overdue_open_deals (expected_close before ``end``), activities (logged in the window).
    Shares: share_* = count / its population (`_SHARES`); NaN when the population is empty or
    the data cannot tell (column all-NA, activities without deal_id, table missing).
    activities_per_day = activities / working days employed in the window (overall: summed).
    Returns None without deals."""
    if deals is None:
        return None
    flags, unknown = _deal_flags(deals, start, end, activities, stage_history, stale_days)
    by_manager = flags.groupby(deals["manager_id"].rename("manager_id"), dropna=False).sum()
    relevant = by_manager[(by_manager["deals"] > 0) | (by_manager["open_deals"] > 0)]
    if activities is None:
        unknown |= {"activities", "activities_per_day"}
        logged = pd.Series(dtype="int64")
    else:
        logged = activities.loc[in_window(activities["date"], start, end), "manager_id"].value_counts()
    index = manager_roster(managers, start, end).union(relevant.index).union(logged.index)
    counts = by_manager.reindex(index, fill_value=0).assign(activities=logged.reindex(index, fill_value=0))
    days = manager_working_days(managers, start, end, country, ids=index).reindex(index)
    totals = flags.sum().to_frame().T.assign(activities=logged.sum())
    per_manager = counts.assign(activities_per_day=share(counts["activities"], days))
    overall = totals.assign(activities_per_day=share(totals["activities"], pd.Series([days.sum()])))
    per_manager, overall = _rates(per_manager, unknown), _rates(overall, unknown).iloc[0]
    per_manager.index.name = "manager_id"
    return CrmDiscipline(
        per_manager=per_manager,
        overall=overall.rename("overall"),
        has_stage_history=stage_history is not None and not stage_history.empty,
        stage_history_share=float(overall["share_with_stage_history"]),
        never_kept=frozenset(name for name in KEPT_SHARES
                             if pd.isna(overall[name]) and overall[_SHARES[name][1]] > 0),
    )


@dataclass(frozen=True)
class CompletenessGaps:
    """Which managers miss the completeness norm on which fields (see `completeness_gaps`)."""

    below: pd.DataFrame  # manager × share column: True when below the norm
    offenders: pd.Series  # manager → fields below the norm (> 0 only), most first
    order: pd.Index  # managers by their weakest share, lowest first


def completeness_gaps(per_manager: pd.DataFrame, shares: Sequence[str], norm: float) -> CompletenessGaps:
    """The share columns ``shares`` of `CrmDiscipline.per_manager` rows against ``norm``."""
    below = per_manager[list(shares)].lt(norm)
    offenders = below.sum(axis=1).sort_values(ascending=False, kind="stable")
    order = per_manager[list(shares)].min(axis=1).sort_values(kind="stable").index
    return CompletenessGaps(below=below, offenders=offenders[offenders > 0], order=order)


def deals_per_stage(stage_history: pd.DataFrame | None, deals: pd.DataFrame | None) -> tuple[pd.Series | None, str | None]:
    """Deals per stage as the CRM keeps them: distinct deals that entered each stage of
    stage_history when given ("stage_history"), else deals per current stage ("deals"); (None,
    None) when neither is available."""
    if stage_history is not None:
        return stage_history.groupby("stage")["deal_id"].nunique(), "stage_history"
    if available(deals, "stage"):
        return deals.groupby("stage")["deal_id"].nunique(), "deals"
    return None, None


def stage_model_usage(seen: pd.Series, model: Sequence[str], terminal: Sequence[str]) -> pd.DataFrame:
    """The CRM's stages against the to-be model: one row per model stage (in_model True; deals
    that entered it, stage names compared stripped and case-insensitive), then one per stage used
    outside the model (in_model False); terminal stages (won / lost …) are left out.
    Columns: stage, in_model (bool), deals (int)."""
    norm = pd.Index(seen.index.astype("str")).str.strip().str.lower()
    used = seen[~norm.isin([t.lower() for t in terminal])]
    key = pd.Index(used.index.astype("str")).str.strip().str.lower()
    per_key = pd.Series(used.to_numpy(), index=key).groupby(level=0).sum()
    model_keys = {m.strip().lower() for m in model}
    rows = [{"stage": st, "in_model": True, "deals": int(per_key.get(st.strip().lower(), 0))} for st in model]
    rows += [{"stage": st, "in_model": False, "deals": int(n)} for st, k, n in zip(used.index, key, used)
             if k not in model_keys]
    return pd.DataFrame(rows, columns=["stage", "in_model", "deals"])


@dataclass(frozen=True)
class AutomationScores:
    """Automation level from the checklist (scores 0..100)."""

    per_aspect: pd.DataFrame  # index aspect: score, n_parameters, n_answered, not_answered
    per_parameter: pd.DataFrame  # aspect, parameter_id, answer, score (NaN = not answered)


def automation_scores(
    checklist: pd.DataFrame | None, mapping: Mapping[str, Sequence[str]]
) -> AutomationScores:
    """Score every mapped checklist parameter yes/"2" = 100, partly/"1" = 50, no/"0" = 0 (any
    other or missing answer = not answered, NaN); aspect score = mean over its answered
    parameters. Aspects: AUTOMATION_ASPECTS (always listed) then any other mapping keys;
    not_answered is True when none of an aspect's parameters has an answer."""
    pairs = [(aspect, pid) for aspect, ids in mapping.items() for pid in ids]
    params = pd.DataFrame(pairs, columns=["aspect", "parameter_id"]).astype("str")
    answers = pd.Series(dtype="str")
    if checklist is not None:
        answers = checklist.set_index("parameter_id")["answer"].astype("str").str.strip().str.lower()
    params["answer"] = params["parameter_id"].map(answers).astype("str")
    params["score"] = params["answer"].map(dict(answer_scores())).astype("float64")
    aspects = list(dict.fromkeys([*AUTOMATION_ASPECTS, *mapping]))
    grouped = params.groupby("aspect")
    per_aspect = pd.DataFrame(
        {
            "score": grouped["score"].mean(),
            "n_parameters": grouped.size(),
            "n_answered": grouped["score"].count(),
        }
    ).reindex(pd.Index(aspects, name="aspect"))
    per_aspect[["n_parameters", "n_answered"]] = (
        per_aspect[["n_parameters", "n_answered"]].fillna(0).astype("int64")
    )
    per_aspect["not_answered"] = per_aspect["n_answered"] == 0
    return AutomationScores(per_aspect=per_aspect, per_parameter=params)


def automation_summary(scores: AutomationScores) -> dict:
    """Headline numbers of `automation_scores`. Keys: score (share 0..1: mean of the answered
    aspects' scores / 100; NaN when none is answered), not_automated (aspects scored 0), partly
    (scored above 0 and below 100), not_answered (aspects without an answer) — lists of aspects;
    answered_shares (aspect → score / 100 of the answered aspects)."""
    aspects = scores.per_aspect
    answered = aspects[~aspects["not_answered"]]
    return {
        "score": float(answered["score"].mean() / 100) if len(answered) else float("nan"),
        "not_automated": answered.index[answered["score"] == 0].tolist(),
        "partly": answered.index[(answered["score"] > 0) & (answered["score"] < 100)].tolist(),
        "not_answered": aspects.index[aspects["not_answered"]].tolist(),
        "answered_shares": answered["score"] / 100,
    }
