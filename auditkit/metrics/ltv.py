"""Predictive customer lifetime value (METHODOLOGY.md §2 Stage 1, "Predictive LTV").

Two classic models, implemented with numpy/scipy:

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") for the number of
  future purchases: while alive a customer buys at Poisson rate λ ~ Gamma(r, α); after every
  purchase he drops out with probability p ~ Beta(a, b).
- Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value") for the value of a
  purchase: z ~ Gamma(p, ν), ν ~ Gamma(q, v); fitted on repeat buyers only.

Time is measured in "periods" (the unit of the RFM summary); money in the unit of the input values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from auditkit.metrics._common import DAYS_PER_MONTH, day_bounds, order_totals, ratio, upto


MIN_CUSTOMERS = 100
MIN_REPEAT_BUYERS = 30

# Log-parameters are searched in [-LOG_BOUND, LOG_BOUND] after the data are rescaled to unit
# median; an optimum on that bound means the likelihood has no interior maximum.
LOG_BOUND = 10.0


class LTVModelError(RuntimeError):
    """The LTV model cannot be fitted (too little history, no convergence, degenerate optimum)."""


class BGNBDParams(NamedTuple):
    """BG/NBD parameters: λ ~ Gamma(shape r, rate alpha) [alpha in periods]; p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


class GammaGammaParams(NamedTuple):
    """Gamma-Gamma parameters: z ~ Gamma(shape p, rate ν), ν ~ Gamma(shape q, rate v) [v in money]."""

    p: float
    q: float
    v: float


@dataclass(frozen=True)
class HistoryCheck:
    """Whether the summary has enough repeat history to fit the models.

    Rule: enough = customers >= min_customers and repeat_buyers >= min_repeat_buyers, where a
    repeat buyer has frequency > 0 and monetary_value > 0 (frequency alone without that column).
    """

    enough: bool
    customers: int
    repeat_buyers: int
    min_customers: int
    min_repeat_buyers: int


def rfm_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    value_col: str | None,
    observation_end: pd.Timestamp | str | None = None,
    freq: str = "W",
    freq_multiplier: float = 1.0,
) -> pd.DataFrame:
    """Per-customer RFM summary in the conventions of the `lifetimes` package (plus net > 0).

    Dates are bucketed into pandas periods of `freq` ("D", "W", "M", ...); transactions after
    `observation_end` (default: the last date) are ignored. Values are summed per customer and
    period; a period is a purchase when its net value is > 0 (returns netted; with
    `value_col=None` every period with a transaction is a purchase). Time unit = `freq` periods
    divided by `freq_multiplier` (freq="D", freq_multiplier=7 gives weeks of days/7, the
    convention of the published CDNOW summary).

    Returns a DataFrame indexed by customer (index named `customer_col`), float64 columns:
    frequency = purchase periods − 1 (repeat purchases); recency = last − first purchase;
    T = observation_end − first purchase; monetary_value = mean net value of the repeat purchase
    periods, 0 without repeat purchases (column absent when `value_col` is None).
    """
    has_value = value_col is not None
    tx = transactions.dropna(subset=[customer_col, date_col])
    end = tx[date_col].max() if observation_end is None else pd.Timestamp(observation_end)
    tx = tx[tx[date_col] <= end]
    periods = (
        pd.DataFrame(
            {
                customer_col: tx[customer_col],
                "_period": pd.PeriodIndex(tx[date_col], freq=freq).asi8,
                "_value": tx[value_col] if has_value else 1.0,
            }
        )
        .groupby([customer_col, "_period"], as_index=False)["_value"]
        .sum()
        .query("_value > 0")
    )
    by_customer = periods.groupby(customer_col)["_period"]
    first, last = by_customer.min(), by_customer.max()
    end_period = pd.PeriodIndex([end], freq=freq).asi8[0]
    out = pd.DataFrame(
        {
            "frequency": by_customer.size() - 1,
            "recency": (last - first) / freq_multiplier,
            "T": (end_period - first) / freq_multiplier,
        }
    ).astype("float64")
    if has_value:
        repeat = periods["_period"] > periods[customer_col].map(first)
        repeat_value = periods[repeat].groupby(customer_col)["_value"].mean()
        out["monetary_value"] = repeat_value.reindex(out.index, fill_value=0.0).astype("float64")
    out.index.name = customer_col
    return out


def enough_history(
    summary: pd.DataFrame,
    min_customers: int = MIN_CUSTOMERS,
    min_repeat_buyers: int = MIN_REPEAT_BUYERS,
) -> HistoryCheck:
    """Check the repeat history before fitting (rule in `HistoryCheck`)."""
    repeat = summary["frequency"] > 0
    if "monetary_value" in summary:
        repeat &= summary["monetary_value"] > 0
    customers, repeat_buyers = int(len(summary)), int(repeat.sum())
    return HistoryCheck(
        enough=customers >= min_customers and repeat_buyers >= min_repeat_buyers,
        customers=customers,
        repeat_buyers=repeat_buyers,
        min_customers=min_customers,
        min_repeat_buyers=min_repeat_buyers,
    )


def fit_bgnbd(frequency, recency, T) -> BGNBDParams:
    """Maximum-likelihood BG/NBD fit (FHL 2005 eq. 6) on per-customer (x, t_x, T) in periods.

    Times are rescaled by their median T for the search; alpha is returned in periods.
    Raises LTVModelError when the optimiser does not converge or ends on the search bound.
    """
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    ok = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & (T > 0)
    x, t_x, T = x[ok], t_x[ok], T[ok]
    if len(x) == 0 or not (x > 0).any():
        raise LTVModelError("bgnbd_no_repeat_purchases")
    scale = float(np.median(T))

    def negll(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        return -float(np.mean(_bgnbd_loglik(r, alpha, a, b, x, t_x / scale, T / scale)))

    r, alpha, a, b = _fit_log_params(negll, 4, "bgnbd")
    return BGNBDParams(r=r, alpha=alpha * scale, a=a, b=b)


def bgnbd_prob_alive(params: BGNBDParams, frequency, recency, T) -> np.ndarray:
    """P(customer still alive at T | x, t_x, T) (FHL 2005 eq. 13); 1 for x = 0."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    return np.exp(-_log_dead_odds_term(params, x, t_x, T))


def bgnbd_expected_purchases(params: BGNBDParams, t, frequency, recency, T) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005 eq. 10); t in periods (broadcasts).

    = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))]
      / [1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)]
    """
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    t = np.asarray(t, dtype="float64")
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    bracket = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    return (a + b + x - 1.0) / (a - 1.0) * bracket * np.exp(-_log_dead_odds_term(params, x, t_x, T))


def fit_gamma_gamma(frequency, monetary_value) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma fit on repeat buyers (frequency > 0, monetary_value > 0).

    Per-customer likelihood of the mean repeat value m over x purchases (Fader & Hardie 2013):
    Γ(px+q)/(Γ(px)Γ(q)) · v^q · m^(px−1) · x^(px) / (v + x m)^(px+q).
    Values are rescaled by their median for the search; v is returned in money units.
    """
    x, m = (np.asarray(v, dtype="float64") for v in (frequency, monetary_value))
    keep = np.isfinite(x) & np.isfinite(m) & (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) == 0:
        raise LTVModelError("gamma_gamma_no_repeat_buyers")
    scale = float(np.median(m))
    m = m / scale

    def negll(log_params: np.ndarray) -> float:
        p, q, v = np.exp(log_params)
        px = p * x
        ll = (
            gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
            + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * np.log(v + x * m)
        )
        return -float(np.mean(ll))

    p, q, v = _fit_log_params(negll, 3, "gamma_gamma")
    if q <= 1.0:
        raise LTVModelError("gamma_gamma_q_not_above_1")
    return GammaGammaParams(p=p, q=q, v=v * scale)


def gamma_gamma_expected_value(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """E[value of a purchase | x, m] = p (v + x m) / (p x + q − 1) (money); x = 0 gives the
    population mean p v / (q − 1)."""
    p, q, v = params
    x, m = (np.asarray(val, dtype="float64") for val in (frequency, monetary_value))
    m = np.where(x > 0, m, 0.0)
    return p * (v + x * m) / (p * x + q - 1.0)


def predictive_ltv(
    summary: pd.DataFrame,
    horizon_periods: float,
    margin: float = 1.0,
    discount_rate_per_period: float = 0.0,
    bgnbd: BGNBDParams | None = None,
    gamma_gamma: GammaGammaParams | None = None,
) -> pd.DataFrame:
    """Per-customer predictive LTV over the next `horizon_periods` periods.

    ltv = margin · expected_value · Σ_k ΔE[Y(t_k)] / (1 + d)^t_k over period ends
    t_k = 1, 2, …, horizon (last step may be fractional); with d = 0 this is
    margin · expected_value · expected_purchases. Models not passed are fitted on `summary`
    (BG/NBD on all customers, Gamma-Gamma on repeat buyers); when fitting, too little history
    (see `enough_history`) raises LTVModelError("not_enough_history").

    Returns a DataFrame on summary's index with float64 columns expected_purchases (count),
    prob_alive (0..1), expected_value (money per purchase), ltv (money).
    """
    if horizon_periods <= 0:
        raise ValueError("horizon_periods must be > 0")
    if (bgnbd is None or gamma_gamma is None) and not enough_history(summary).enough:
        raise LTVModelError("not_enough_history")
    x, t_x, T = (summary[c].to_numpy("float64") for c in ("frequency", "recency", "T"))
    if bgnbd is None:
        bgnbd = fit_bgnbd(x, t_x, T)
    if gamma_gamma is None:
        gamma_gamma = fit_gamma_gamma(x, summary["monetary_value"])
    steps = np.append(np.arange(1.0, np.ceil(horizon_periods)), float(horizon_periods))
    cumulative = bgnbd_expected_purchases(
        bgnbd, steps[None, :], x[:, None], t_x[:, None], T[:, None]
    )
    increments = np.diff(cumulative, axis=1, prepend=0.0)
    discounted = (increments / (1.0 + discount_rate_per_period) ** steps).sum(axis=1)
    value = gamma_gamma_expected_value(gamma_gamma, x, summary["monetary_value"].to_numpy("float64"))
    return pd.DataFrame(
        {
            "expected_purchases": cumulative[:, -1],
            "prob_alive": bgnbd_prob_alive(bgnbd, x, t_x, T),
            "expected_value": value,
            "ltv": margin * value * discounted,
        },
        index=summary.index,
        dtype="float64",
    )


@dataclass(frozen=True)
class ClientForecast:
    """Predictive LTV of a client base (see `forecast_clients`)."""

    per_client: pd.DataFrame | None  # `predictive_ltv` per client; None when not fitted
    mean_ltv: float  # money per client over the horizon; NaN when not fitted
    margin_rate: float  # (revenue − cost) / revenue of the counted orders, 1.0 without full cost
    check: HistoryCheck


def forecast_clients(orders: pd.DataFrame, end, horizon_months: float = 12.0) -> ClientForecast:
    """Predictive LTV per client over the next `horizon_months` months from the counted orders
    (`order_totals`, net > 0) dated on or before the end day: RFM summary in weeks observed up to
    `end`, BG/NBD + Gamma-Gamma fitted when `enough_history`, horizon = months × 30.4375 / 7
    weeks; value = margin_rate × expected spend, margin_rate = (Σ amount − Σ cost) / Σ amount when
    every counted order has a cost, else 1 (revenue). Too little history or a model that does not
    fit gives per_client None and mean_ltv NaN."""
    totals = order_totals(orders)
    totals = totals[totals["counted"] & upto(totals["date"], end)]
    last_moment = day_bounds(end, end)[1] - pd.Timedelta(1, "ns")  # the whole end day is observed
    summary = rfm_summary(totals, "client_id", "date", "amount", observation_end=last_moment, freq="W")
    check = enough_history(summary)
    revenue = float(totals["amount"].sum())
    cost_known = bool(totals["cost"].notna().all()) and revenue > 0
    margin = ratio(revenue - float(totals["cost"].sum()), revenue) if cost_known else 1.0
    if not check.enough:
        return ClientForecast(None, np.nan, margin, check)
    try:
        pred = predictive_ltv(summary, horizon_months * DAYS_PER_MONTH / 7, margin=margin)
    except LTVModelError:
        return ClientForecast(None, np.nan, margin, check)
    return ClientForecast(pred, float(pred["ltv"].mean()), margin, check)


def _bgnbd_loglik(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood, log-sum-exp form (no overflow for large x)."""
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = _log_term(a, b, r, x, np.log(alpha + t_x), 0.0)
    return a1 + a2 + np.logaddexp(a3, a4)


def _log_dead_odds_term(params: BGNBDParams, x, t_x, T) -> np.ndarray:
    """log(1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), the shared BG/NBD denominator."""
    r, alpha, a, b = params
    return np.logaddexp(0.0, _log_term(a, b, r, x, np.log(alpha + t_x), np.log(alpha + T)))


def _log_term(a, b, r, x, log_alpha_tx, log_alpha_T) -> np.ndarray:
    """log[a/(b+x−1)] − (r+x)(log(α+t_x) − log(α+T)) for x > 0, −inf for x = 0."""
    has_repeat = x > 0
    safe = np.where(has_repeat, b + x - 1.0, 1.0)
    value = np.log(a) - np.log(safe) - (r + x) * (log_alpha_tx - log_alpha_T)
    return np.where(has_repeat, value, -np.inf)


def _fit_log_params(
    negll: Callable[[np.ndarray], float], n_params: int, model: str
) -> tuple[float, ...]:
    """Minimise a mean negative log-likelihood over log-parameters (L-BFGS-B, start at 1)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        res = minimize(
            negll, np.zeros(n_params), method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * n_params,
        )
    if not res.success or not np.isfinite(res.fun):
        raise LTVModelError(f"{model}_no_convergence")
    if np.any(np.abs(res.x) >= LOG_BOUND - 1e-6):
        raise LTVModelError(f"{model}_degenerate_optimum")
    return tuple(float(v) for v in np.exp(res.x))
