"""A re-audit: what changed between an earlier audit (the baseline) and this one.

Every scorecard parameter measured in both audits is compared on its value; a change gets a
verdict ("improved" / "worse") only when it is beyond noise at ALPHA, otherwise "no_change" (no
measurable change); a change that cannot be tested is "not_tested" and gets no verdict:

- a rate: a two-proportion z-test on the underlying counts. metrics.json holds the rates; the
  number of cases each rate is a share of is taken from the count the stage recorded beside it
  ("z_test", e.g. won + lost deals for the win rate) or, where none is recorded, from a base count
  (per year × the audit's years, or one period's clients: "z_test_base", the report says so);
- a median with both audits' raw values at hand: a bootstrap interval of the difference
  ("bootstrap"), else not tested;
- a checklist answer: the answer itself changed (an interview answer is not a sample);
- a parameter whose definition changed between the two audits (its catalogue `revision` differs
  from the one the baseline recorded) is "not_comparable": two values of two formulas are never
  compared, so it gets no verdict and realises no money.

The money realised by a finding is the same formula as its money at stake (auditkit.plan.money),
priced from the earlier value to the new one (at most to the norm) with the new period's base
figures, applied in the same chains so a rouble is counted once.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from auditkit.inputs.baseline import Baseline
from auditkit.plan import money as mo
from auditkit.plan.assess import Assessment, derived_metrics
from auditkit.plan.catalogue import by_id

ALPHA = 0.05
DAYS_PER_YEAR = 365.25
BOOTSTRAP_ROUNDS = 2000

# parameter -> (metric ids whose sum is the number of cases the rate is a share of, how it is counted):
# "count" = recorded over the audit window; "per_year" = a yearly base (× the window's years);
# "per_period" = the clients of one retention period (the smallest honest base)
RATE_BASES: dict[str, tuple[tuple[str, ...], str]] = {
    "pr_win_rate": (("process.won_deals", "process.lost_deals"), "count"),
    "pr_lead_to_won": (("process.leads",), "count"),
    "pr_after_sales_contact": (("process.new_clients_measured",), "count"),
    "pr_repeat_rate": (("data_collection.buying_clients",), "count"),
    "co_response_within_1h": (("communication.leads",), "count"),
    "co_response_within_24h": (("communication.leads",), "count"),
    "co_csat": (("communication.csat_answers",), "count"),
    "co_post_sale_contact": (("communication.won_deals",), "count"),
    "co_first_order": (("communication.won_deals",), "count"),
    "te_share_with_activity": (("technology.deals",), "count"),
    "te_share_with_lead_source": (("technology.deals",), "count"),
    "te_share_with_stage_history": (("technology.deals",), "count"),
    "te_share_lost_with_reason": (("process.lost_deals",), "count"),
    "te_share_stale": (("technology.open_deals",), "count"),
    "te_share_overdue": (("technology.open_deals",), "count"),
    "pr_bottleneck_conversion": (("process.bottleneck_entered_per_year",), "per_year"),
    "co_lead_source_contacted": (("communication.worst_source_leads_per_year",), "per_year"),
    "dc_retention": (("data_collection.retention_base",), "per_period"),
    "pr_segment_retention": (("process.segment_retention_min_base",), "per_period"),
}
MEDIANS = ("pr_cycle",)  # medians whose raw values a section may pass as `samples`
VERDICTS = ("improved", "worse", "no_change", "not_tested", "not_comparable")


def two_proportion_z(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]:
    """(z, two-sided p) of the difference p2 − p1 of two proportions x/n, pooled standard error."""
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan
    p1, p2, pooled = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return (0.0, 1.0) if p1 == p2 else (math.inf, 0.0)
    z = (p2 - p1) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def bootstrap_median_diff(then: Sequence[float], now: Sequence[float], rounds: int = BOOTSTRAP_ROUNDS,
                          level: float = 1 - ALPHA, seed: int = 13) -> tuple[float, float]:
    """The `level` percentile interval of median(now) − median(then) over `rounds` resamples."""
    a, b = np.asarray(then, float), np.asarray(now, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    diffs = (np.median(rng.choice(b, (rounds, len(b))), axis=1) - np.median(rng.choice(a, (rounds, len(a))), axis=1))
    tail = (1 - level) / 2
    return float(np.quantile(diffs, tail)), float(np.quantile(diffs, 1 - tail))


def cases(pid: str, metrics: Mapping, days: float) -> float | None:
    """The number of cases a rate parameter is a share of, in one audit (see RATE_BASES)."""
    spec = RATE_BASES.get(pid)
    if not spec:
        return None
    values = [metrics.get(m) for m in spec[0]]
    if any(v is None or isinstance(v, (str, bool)) or not np.isfinite(float(v)) for v in values):
        return None
    n = float(sum(values))
    return n * days / DAYS_PER_YEAR if spec[1] == "per_year" else n


def _direction(pid: str) -> str:
    entry = by_id().get(pid)
    return entry.parameter.direction if entry else "higher_better"


def _better(pid: str, then: float, now: float, norm: float) -> bool:
    d = _direction(pid)
    if d == "lower_better":
        return now < then
    if d == "target":
        return abs(now - norm) < abs(then - norm)
    return now > then


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True)
class Window:
    """One audit's metrics and the length of its window in days."""

    metrics: Mapping
    days: float


def compare_parameters(then: pd.DataFrame, now: pd.DataFrame, then_w: Window, now_w: Window,
                       samples: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
                       alpha: float = ALPHA, redefined: Sequence[str] = ()) -> pd.DataFrame:
    """One row per scorecard parameter assessed in both audits (scorecards as results/scorecard.csv
    writes them: id, block, stage, source, value, norm, score…): value and norm then → now, change,
    the test, its p-value or interval, and the verdict. `redefined`: parameters whose definition
    changed between the audits (see `redefined_parameters`): method "definition_changed", verdict
    "not_comparable"."""
    samples = samples or {}
    t = then.set_index("id")
    rows = []
    for r in now.itertuples():
        if r.id not in t.index:
            continue
        old = t.loc[r.id]
        v1, v2 = _num(old["value"]), _num(r.value)
        if not (np.isfinite(v1) and np.isfinite(v2)):
            continue
        n1_norm, n2_norm = _num(old["norm"]), _num(r.norm)
        entry = by_id().get(r.id)
        about = entry.detail if entry is not None else None  # a metric naming what the value is of
        d1 = then_w.metrics.get(about) if about else None
        d2 = now_w.metrics.get(about) if about else None
        row = {"id": r.id, "block": r.block, "stage": r.stage, "value_then": v1, "value_now": v2,
               "detail_then": d1, "detail_now": d2, "detail_changed": bool(about) and d1 != d2,
               "norm_then": n1_norm, "norm_now": n2_norm, "change": v2 - v1,
               "norm_changed": not (np.isfinite(n1_norm) and np.isfinite(n2_norm) and math.isclose(n1_norm, n2_norm,
                                                                                                 rel_tol=1e-9)),
               "method": "not_tested", "p_value": math.nan, "ci_low": math.nan, "ci_high": math.nan,
               "n_then": math.nan, "n_now": math.nan}
        better = _better(r.id, v1, v2, n2_norm)
        significant = None
        if r.id in redefined:
            row.update(method="definition_changed", verdict="not_comparable")
            rows.append(row)
            continue
        if str(r.source).startswith("checklist:"):
            row["method"] = "answer"
            significant = v1 != v2
        elif r.id in RATE_BASES:
            c1, c2 = cases(r.id, then_w.metrics, then_w.days), cases(r.id, now_w.metrics, now_w.days)
            if c1 and c2 and 0 <= v1 <= 1 and 0 <= v2 <= 1:
                _, p = two_proportion_z(v1 * c1, c1, v2 * c2, c2)
                row.update(method="z_test" if RATE_BASES[r.id][1] == "count" else "z_test_base", p_value=p,
                           n_then=c1, n_now=c2)
                significant = p < alpha
        elif r.id in samples:
            low, high = bootstrap_median_diff(*samples[r.id], level=1 - alpha)
            if np.isfinite(low):
                row.update(method="bootstrap", ci_low=low, ci_high=high,
                           n_then=len(samples[r.id][0]), n_now=len(samples[r.id][1]))
                significant = low > 0 or high < 0
        if v1 == v2:
            verdict = "no_change"
        elif significant is None:
            verdict = "not_tested"
        elif significant:
            verdict = "improved" if better else "worse"
        else:
            verdict = "no_change"
        row["verdict"] = verdict
        rows.append(row)
    cols = ["id", "block", "stage", "value_then", "value_now", "detail_then", "detail_now", "detail_changed",
            "norm_then", "norm_now", "change", "norm_changed",
            "method", "p_value", "ci_low", "ci_high", "n_then", "n_now", "verdict"]
    return pd.DataFrame(rows, columns=cols)


def compare_blocks(then_metrics: Mapping, now_blocks: pd.DataFrame, now_overall: float | None,
                   now_coverage: float) -> pd.DataFrame:
    """Block scores and coverage then → now (the earlier ones from its metrics.json), the overall last."""
    rows = []
    for r in now_blocks.itertuples():
        rows.append({"block": r.block, "score_then": _num(then_metrics.get(f"improvement_plan.block.{r.block}.score")),
                     "score_now": _num(r.score),
                     "coverage_then": _num(then_metrics.get(f"improvement_plan.block.{r.block}.coverage")),
                     "coverage_now": _num(r.coverage)})
    rows.append({"block": "overall", "score_then": _num(then_metrics.get("improvement_plan.overall_score")),
                 "score_now": _num(now_overall), "coverage_then": _num(then_metrics.get("improvement_plan.coverage")),
                 "coverage_now": _num(now_coverage)})
    out = pd.DataFrame(rows)
    out["change"] = out["score_now"] - out["score_then"]
    return out


def match_status(actions: pd.DataFrame, status: pd.DataFrame | None) -> tuple[pd.DataFrame, list[int]]:
    """The earlier plan's actions with the client's status, progress and comment: a status row
    belongs to the action of the same text (the workbook keeps the plan's order, so row i is
    tried against action i first), else to the action of the same rank and position. Returns the
    actions and the file rows that matched no action."""
    out = actions.copy()
    out["status"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["comment"] = pd.Series([""] * len(out), index=out.index, dtype=object)
    out["progress"], out["status_row"] = math.nan, math.nan
    if status is None or status.empty or actions.empty:
        return out, [] if status is None else list(status["row"])
    texts = [str(a).strip() for a in out["action"]]
    ranks = [_num(r) for r in out["rank"]]
    rows = list(status.itertuples())
    target: dict[int, int] = {}  # status row index -> action index
    used: set[int] = set()
    for i, s in enumerate(rows):  # the same text, at the same position first
        j = i if i < len(texts) and texts[i] == s.action else next(
            (j for j, t in enumerate(texts) if t == s.action and j not in used), None)
        if j is not None and j not in used:
            target[i] = j
            used.add(j)
    for i, s in enumerate(rows):  # an edited text: the same position and number, else the only action of that number
        if i in target:
            continue
        if i < len(texts) and i not in used and ranks[i] == _num(s.rank):
            j = i
        else:
            same = [j for j, r in enumerate(ranks) if r == _num(s.rank) and j not in used]
            j = same[0] if len(same) == 1 else None
        if j is not None:
            target[i] = j
            used.add(j)
    unmatched = [int(s.row) for i, s in enumerate(rows) if i not in target]
    for i, j in target.items():
        s = rows[i]
        out.iloc[j, out.columns.get_loc("status")] = s.status
        out.iloc[j, out.columns.get_loc("progress")] = s.progress
        out.iloc[j, out.columns.get_loc("comment")] = s.comment
        out.iloc[j, out.columns.get_loc("status_row")] = s.row
    return out, unmatched


def action_effects(actions: pd.DataFrame, parameters: pd.DataFrame) -> pd.DataFrame:
    """Each earlier action with its KPI parameter then → now and its effect: "effect" (its
    parameter improved beyond noise), "done_no_effect" (done, the parameter did not move or got
    worse), "done_not_tested" (done, the change cannot be tested), "moved" (not reported done but
    the parameter improved), "" otherwise."""
    p = parameters.set_index("id") if len(parameters) else pd.DataFrame(columns=["value_then", "value_now", "verdict"])
    out = actions.copy()
    out["value_then"] = [p["value_then"].get(x, math.nan) for x in out["parameter"]]
    out["value_now"] = [p["value_now"].get(x, math.nan) for x in out["parameter"]]
    out["verdict"] = [v if isinstance(v, str) else None for v in (p["verdict"].get(x) for x in out["parameter"])]

    def effect(status, verdict):
        if verdict == "improved":
            return "effect" if status == "done" else "moved"
        if status == "done":
            return "done_not_tested" if verdict in (None, "not_tested") else "done_no_effect"
        return ""

    out["effect"] = [effect(s, v) for s, v in zip(out["status"], out["verdict"])]
    return out


def money_realised(findings: pd.DataFrame, parameters: pd.DataFrame, now_metrics: Mapping,
                   priced_then: Sequence[str] | None = None, then_metrics: Mapping | None = None) -> pd.DataFrame:
    """Per earlier finding: the yearly money at stake then, and what the improved parameters
    realised (their money formula from the earlier value to the new one, at most the norm, with
    this period's base figures; chains applied in order). `priced_then`: the parameters the
    earlier audit priced (a parameter it did not price, e.g. for want of a client norm, is not
    priced now either); None = all. A parameter whose subject changed (the worst lead source then
    is not the worst now) is priced with the earlier base figures (`then_metrics`), which are those
    of the subject that moved."""
    p = parameters.set_index("id") if len(parameters) else None
    estimates = {}
    for pid in ([] if p is None else p.index):
        r, entry = p.loc[pid], by_id().get(pid)
        if r["verdict"] != "improved" or entry is None or not entry.money:
            continue
        if priced_then is not None and pid not in priced_then:
            continue
        reached = r["value_now"]
        if np.isfinite(r["norm_then"]):
            better_than_norm = _better(pid, r["norm_then"], reached, r["norm_then"])
            reached = r["norm_then"] if better_than_norm else reached
        base = then_metrics if then_metrics is not None and bool(r.get("detail_changed", False)) else now_metrics
        estimates[pid] = mo.money_at_stake(entry.money, r["value_then"], reached, base)
    estimates = mo.in_sequence(estimates)
    rows = []
    for f in findings.itertuples():
        params = _as_list(getattr(f, "parameters", []))
        items = [estimates[x] for x in params if x in estimates and estimates[x].priced and estimates[x].timing == "yearly"]
        rows.append({"rank": f.rank, "group": f.group, "title": getattr(f, "title", f.group),
                     "money_low_then": _num(f.money_low), "money_high_then": _num(f.money_high),
                     # the gain observed is one amount: the formula's full value (its "high" end) from then to now
                     "realised_low": sum(e.high for e in items) if items else math.nan,
                     "realised_high": sum(e.high for e in items) if items else math.nan,
                     "parameters_improved": [x for x in params if x in estimates]})
    return pd.DataFrame(rows, columns=["rank", "group", "title", "money_low_then", "money_high_then", "realised_low",
                                       "realised_high", "parameters_improved"])


def _as_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str) and value.startswith("["):
        return [x.strip(" '\"") for x in value.strip("[]").split(",") if x.strip(" '\"")]
    return []


def findings_change(then: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """Root causes then and now: "resolved" (only then), "new" (only now), "remaining" (both), with ranks."""
    old = dict(zip(then.get("group", []), then.get("rank", []))) if len(then) else {}
    new = dict(zip(now["group"], now["rank"])) if len(now) else {}
    rows = [{"group": g, "rank_then": old.get(g, math.nan), "rank_now": new.get(g, math.nan),
             "change": "remaining" if g in old and g in new else "resolved" if g in old else "new"}
            for g in list(old) + [g for g in new if g not in old]]
    return pd.DataFrame(rows, columns=["group", "rank_then", "rank_now", "change"])


def _flatten(tree, prefix: str = "") -> dict:
    if not isinstance(tree, Mapping):
        return {prefix.rstrip("."): tree}
    out = {}
    for k, v in tree.items():
        out.update(_flatten(v, f"{prefix}{k}."))
    return out


def definition_revisions() -> dict[str, int]:
    """The revision of each measured parameter's definition (data/scorecard.yaml `revision`), as a
    run records it in results/audit.json under "definitions"."""
    return {e.id: e.revision for e in by_id().values() if e.parameter.source_kind == "metric"}


def redefined_parameters(then_info: Mapping, now_info: Mapping) -> list[str]:
    """The parameters whose definition revision differs between the baseline and this audit (a
    baseline that recorded no revisions predates them: none can be named)."""
    then, now = then_info.get("definitions") or {}, now_info.get("definitions") or {}
    return sorted(pid for pid in set(then) & set(now) if then[pid] != now[pid])


def definition_changes(then_info: Mapping, now_info: Mapping) -> list[tuple[str, object, object]]:
    """What differs between the two audits' definitions: (what, then, now) for the auditkit version,
    each norm of the parameters, each client scorecard norm and each parameter's definition
    revision ("definitions.<parameter id>"). Empty when the earlier run did not record them (then
    nothing can be said) or nothing differs."""
    out = []
    if then_info.get("auditkit_version") != now_info.get("auditkit_version") and then_info.get("auditkit_version"):
        out.append(("auditkit_version", then_info.get("auditkit_version"), now_info.get("auditkit_version")))
    for pid in redefined_parameters(then_info, now_info):
        out.append((f"definitions.{pid}", then_info["definitions"][pid], now_info["definitions"][pid]))
    for key in ("norms", "scorecard_norms"):
        if key not in then_info:
            continue
        a, b = _flatten(then_info.get(key) or {}, f"{key}."), _flatten(now_info.get(key) or {}, f"{key}.")
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                out.append((k, a.get(k), b.get(k)))
    return out


@dataclass
class Progress:
    """This audit compared with its baseline."""

    baseline: Baseline
    blocks: pd.DataFrame
    parameters: pd.DataFrame
    actions: pd.DataFrame
    money: pd.DataFrame
    findings: pd.DataFrame
    definitions: list
    status_given: bool
    problems: list = field(default_factory=list)  # of the status file (auditkit.inputs.read.Problem)
    unmatched_rows: list = field(default_factory=list)

    def count(self, verdict: str) -> int:
        """How many parameters compared got `verdict` ("improved", "worse"…)."""
        return int((self.parameters["verdict"] == verdict).sum()) if len(self.parameters) else 0

    @property
    def primary_actions(self) -> pd.DataFrame:
        """The earlier plan's actions, one per root cause (its supporting actions left out)."""
        return self.actions[self.actions["primary"].astype(bool)] if len(self.actions) else self.actions

    @property
    def actions_done(self) -> int:
        """The earlier plan's primary actions the client reports done."""
        primary = self.primary_actions
        return int((primary["status"] == "done").sum()) if len(primary) else 0

    @property
    def money_totals(self) -> dict[str, float]:
        """Σ over the earlier findings (money, a year): realised_low, realised_high (by the improved
        parameters), stake_low, stake_high (at stake then); NaN where no finding has the figure."""
        m = self.money
        columns = {"realised_low": "realised_low", "realised_high": "realised_high",
                   "stake_low": "money_low_then", "stake_high": "money_high_then"}
        return {k: float(m[c].sum(min_count=1)) if c in m else math.nan for k, c in columns.items()}


def window_days(start, end) -> float:
    """Days of an audit window, both days whole."""
    return float((pd.Timestamp(end) - pd.Timestamp(start)).days + 1)


def compare(base: Baseline, now: Assessment, now_metrics: Mapping, now_info: Mapping, now_days: float,
            status: pd.DataFrame | None = None, problems: Sequence = ()) -> Progress:
    """This audit (its assessment, the stages' metrics, its results/audit.json `now_info`, its window
    of `now_days`) compared with the baseline: blocks and parameters (a baseline of unknown period
    counts as long as this one), the earlier actions with the client's `status` (None: not given;
    `problems`: of its file) and their effect, the money realised, the findings resolved and new,
    and the definitions that changed."""
    then_days = window_days(*base.period) if base.period else now_days
    then_samples = base.info.get("samples") or {}
    samples = {pid: (then_samples[pid], now_info["samples"][pid]) for pid in MEDIANS
               if then_samples.get(pid) and now_info["samples"].get(pid)}
    now_metrics = derived_metrics(now_metrics)
    parameters = compare_parameters(base.scorecard, now.scorecard, Window(base.metrics, then_days),
                                    Window(now_metrics, now_days), samples,
                                    redefined=redefined_parameters(base.info, now_info))
    blocks = compare_blocks(base.metrics, now.blocks, now.overall_score, now.coverage)
    actions, unmatched = match_status(base.actions, status)
    actions = action_effects(actions, parameters)
    priced = (list(base.scorecard.loc[pd.to_numeric(base.scorecard["money"], errors="coerce") > 0, "id"])
              if "money" in base.scorecard else None)
    money = (money_realised(base.findings, parameters, now_metrics, priced, base.metrics) if len(base.findings)
             else pd.DataFrame())
    return Progress(base, blocks, parameters, actions, money, findings_change(base.findings, now.findings),
                    definition_changes(base.info, now_info), status is not None, list(problems), unmatched)
