"""Stage 6 money at stake: the yearly revenue gained if a parameter reached its norm, as a range.

Each estimate is one formula (a "kind") over the parameter's measured value v, its norm n and a few
base quantities the other stages recorded in results/metrics.json (named in the scorecard
catalogue, so the formula knows nothing about where they come from). An estimate is a range: the
low end closes half the gap to the norm, the high end all of it. Estimates of the same effect (a
`chain`, e.g. the won deals a stage conversion and the win rate both count) are applied in order,
each counting only what the earlier ones have not, so a rouble is counted once; a one-off gain (a
shorter cycle pulls revenue forward once) is kept apart from the yearly total. Amounts are money
per year, exact; `round_sig` gives the two significant figures the report shows.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Callable, Literal

CAP_SHARE_OF_REVENUE = 0.15  # an item above this share of yearly revenue is flagged and capped in the summary


@dataclass(frozen=True)
class MoneyAtStake:
    """Yearly revenue gained at the norm: `low` (half the gap closed) to `high` (all of it); None when
    it cannot be computed. `assumption` is the catalogue key of the formula's one-line explanation."""

    low: float | None
    high: float | None
    assumption: str
    values: dict = field(default_factory=dict)
    timing: Literal["yearly", "one_off"] = "yearly"
    chain: str | None = None
    order: int = 0

    @property
    def amount(self) -> float | None:
        """The full-gap estimate (the high end)."""
        return self.high

    @property
    def priced(self) -> bool:
        """An estimate with a positive amount (an estimate of 0 means no measurable effect)."""
        return self.high is not None and self.high > 0


def _gap(v: float, n: float, lower_is_better: bool = False) -> float:
    """How far the value is from the norm, in the direction of improvement (≥ 0)."""
    return max(0.0, (v - n) if lower_is_better else (n - v))


def rate_times_volume(v: float, n: float, volume_per_year: float, value_each: float) -> float:
    """(n − v) × volume per year × money per unit: a conversion, win or retention rate to norm.

    E.g. win rate: (norm − win rate) × closed deals per year × average won deal."""
    return _gap(v, n) * volume_per_year * value_each


def retained_clients(v: float, n: float, clients_per_period: float, periods_per_year: float,
                     revenue_per_client_year: float, kept_share_of_year: float = 0.5) -> float:
    """(n − v) × clients at risk per period × periods per year × yearly revenue per client × ½.

    A client kept instead of lost buys, on average, for half of the remaining year."""
    return _gap(v, n) * clients_per_period * periods_per_year * revenue_per_client_year * kept_share_of_year


def shorter_cycle(v: float, n: float, velocity_per_day: float) -> float:
    """Sales velocity (money per day) × 365 × (v / n − 1): the same pipeline closes v/n times faster.

    A one-off gain: revenue pulled forward once, not earned again every year."""
    return velocity_per_day * 365 * max(0.0, v / n - 1) if n > 0 else 0.0


def plan_gap(v: float, n: float, plan_per_year: float) -> float:
    """(n − v) × yearly plan: the revenue missing to reach the planned fulfilment."""
    return _gap(v, n) * plan_per_year


def faster_response(v: float, n: float, leads_per_year: float, conversion_fast: float,
                    conversion_slow: float, average_won_deal: float) -> float:
    """(n − v) × leads per year × (conversion of leads answered in time − of the others) × average won deal."""
    return _gap(v, n) * leads_per_year * max(0.0, conversion_fast - conversion_slow) * average_won_deal


def check_to_norm(v: float, n: float, orders_per_year: float) -> float:
    """(n − v) × orders per year: the average check at its norm."""
    return _gap(v, n) * orders_per_year


def reallocated_spend(v: float, n: float, spend_per_year: float, clients_per_cost_from: float, cac_to: float,
                      average_won_deal: float) -> float:
    """(v − n) × yearly marketing spend × (1 / CAC it moves to − new clients per unit of spend where it
    was) × average won deal: the spend on the channels to cut (a share of all spend, lower is better)
    moved to channels at the CAC (blended) brings that many more new clients, each worth a won deal."""
    gained = max(0.0, 1 / cac_to - clients_per_cost_from) if cac_to > 0 else 0.0
    return _gap(v, n, lower_is_better=True) * spend_per_year * gained * average_won_deal


KINDS: dict[str, Callable[..., float]] = {
    "rate_times_volume": rate_times_volume,
    "retained_clients": retained_clients,
    "shorter_cycle": shorter_cycle,
    "plan_gap": plan_gap,
    "faster_response": faster_response,
    "check_to_norm": check_to_norm,
    "reallocated_spend": reallocated_spend,
}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def money_at_stake(spec: Mapping | None, value: float, norm: float, metrics: Mapping[str, float],
                   norm_is_set: bool = True) -> MoneyAtStake:
    """Evaluate one estimate of the catalogue: `spec` = {kind, inputs: {argument: metric id},
    timing?, chain?: {name, order}}. The low end is the formula at half the gap (v + (n − v) / 2).

    Assumption keys: "money.not_computable" (no formula), "money.missing_inputs" (a base figure is
    missing), "money.no_client_norm" (the formula needs a norm the client's parameters do not set)."""
    if not spec or not spec.get("kind"):
        return MoneyAtStake(None, None, "money.not_computable")
    chain = spec.get("chain") or {}
    common = {"timing": spec.get("timing", "yearly"), "chain": chain.get("name"), "order": int(chain.get("order", 0))}
    if not norm_is_set:
        return MoneyAtStake(None, None, "money.no_client_norm", **common)
    values = {arg: metrics.get(metric_id) for arg, metric_id in spec.get("inputs", {}).items()}
    if any(_missing(x) for x in (value, norm, *values.values())):
        return MoneyAtStake(None, None, "money.missing_inputs", values, **common)
    v, n, args = float(value), float(norm), {k: float(x) for k, x in values.items()}
    formula = KINDS[spec["kind"]]
    return MoneyAtStake(formula(v, v + (n - v) / 2, **args), formula(v, n, **args), f"money.{spec['kind']}",
                        values, **common)


def in_sequence(estimates: Mapping[str, MoneyAtStake]) -> dict[str, MoneyAtStake]:
    """Estimates of one chain applied in order: each keeps only what exceeds the earlier ones of
    its chain (low and high ends alike), so an effect counted by two parameters is counted once."""
    out = dict(estimates)
    chains: dict[str, list[str]] = {}
    for key, est in estimates.items():
        if est.chain and est.high is not None:
            chains.setdefault(est.chain, []).append(key)
    for keys in chains.values():
        keys.sort(key=lambda k: (estimates[k].order, k))
        low_before = high_before = 0.0
        for key in keys:
            est = estimates[key]
            out[key] = replace(est, low=max(0.0, est.low - low_before), high=max(0.0, est.high - high_before))
            low_before += est.low
            high_before += est.high
    return out


def total(estimates: Iterable[MoneyAtStake], timing: str = "yearly") -> tuple[float, float]:
    """(low, high) sum of the priced estimates of one timing; the items never overlap after `in_sequence`."""
    priced = [e for e in estimates if e.priced and e.timing == timing]
    return sum(e.low for e in priced), sum(e.high for e in priced)


def capped(amount: float, yearly_revenue: float | None) -> tuple[float, bool]:
    """(the amount, at most CAP_SHARE_OF_REVENUE of yearly revenue; whether it was above that)."""
    if yearly_revenue is None or _missing(yearly_revenue) or yearly_revenue <= 0:
        return amount, False
    cap = CAP_SHARE_OF_REVENUE * yearly_revenue
    return (cap, True) if amount > cap else (amount, False)


def round_sig(x: float, digits: int = 2) -> float:
    """`x` rounded to `digits` significant figures (18 437 912 → 18 000 000)."""
    if x == 0 or _missing(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))
