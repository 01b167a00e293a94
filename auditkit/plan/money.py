"""Stage 6 money at stake: the yearly revenue gained if a parameter reached its norm.

Each estimate is one formula (a "kind") over the parameter's measured value v, its norm n and a few
base quantities the other stages recorded in results/metrics.json (named in the scorecard
catalogue, so the formula knows nothing about where they come from). Every estimate returns the
amount (money per year) and the assumption to print beside it; when an input is missing the
estimate is None and the report says it cannot be computed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping


@dataclass(frozen=True)
class MoneyAtStake:
    """Yearly revenue gained at the norm (None when it cannot be computed) and its assumption key."""

    amount: float | None
    assumption: str
    values: dict = field(default_factory=dict)


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
    """Sales velocity (money per day) × 365 × (v / n − 1): the same pipeline closes v/n times faster."""
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


KINDS: dict[str, Callable[..., float]] = {
    "rate_times_volume": rate_times_volume,
    "retained_clients": retained_clients,
    "shorter_cycle": shorter_cycle,
    "plan_gap": plan_gap,
    "faster_response": faster_response,
    "check_to_norm": check_to_norm,
}


def money_at_stake(kind: str | None, value: float, norm: float, inputs: Mapping[str, str],
                   metrics: Mapping[str, float]) -> MoneyAtStake:
    """Evaluate one estimate: `inputs` maps the formula's argument names to metric ids.

    Returns amount None with assumption "money.not_computable" when the parameter has no formula,
    and "money.missing_inputs" when a base quantity is missing."""
    if not kind:
        return MoneyAtStake(None, "money.not_computable")
    values = {arg: metrics.get(metric_id) for arg, metric_id in inputs.items()}
    if any(x is None or (isinstance(x, float) and math.isnan(x)) for x in (value, norm, *values.values())):
        return MoneyAtStake(None, "money.missing_inputs", values)
    amount = KINDS[kind](float(value), float(norm), **{k: float(x) for k, x in values.items()})
    return MoneyAtStake(amount, f"money.{kind}", values)
