import numpy as np
import pandas as pd
import pytest

from auditkit.metrics.ltv import (
    BGNBDParams,
    GammaGammaParams,
    LTVModelError,
    bgnbd_expected_purchases,
    bgnbd_prob_alive,
    enough_history,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_value,
    predictive_ltv,
    rfm_summary,
)

CALIBRATION_END = "1997-09-30"
SUMMARY_COLS = ["frequency", "recency", "T", "monetary_value"]
PUBLISHED_BGNBD = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_GG = GammaGammaParams(p=6.25, q=3.74, v=15.44)


@pytest.fixture(scope="module")
def cdnow_sample(shared_data) -> pd.DataFrame:
    # customer id in the master file, id in the sample (= ID of the summaries), date, CDs, dollars
    tx = pd.read_csv(
        shared_data("cdnow") / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["master_id", "ID", "date", "cds", "value"], dtype={"date": str},
    )
    tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def cdnow_summary(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data("cdnow") / "cdnow_customers_summary.csv", index_col="ID")


@pytest.fixture(scope="module")
def cdnow_with_tx(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data("cdnow") / "cdnow_customers_summary_with_transactions.csv", index_col="ID")


def hand_transactions() -> pd.DataFrame:
    rows = [  # weeks are W-SUN: Jan 1-7 = w0, 8-14 = w1, 15-21 = w2, 22-28 = w3, ... Feb 12-18 = w6
        ("a", "2024-01-01", 100.0), ("a", "2024-01-03", 50.0),   # w0: 150
        ("a", "2024-01-10", 30.0),                                # w1: 30
        ("a", "2024-01-24", 60.0), ("a", "2024-01-24", -60.0),   # w3: net 0 -> no purchase
        ("a", "2024-02-07", 90.0),                                # w5: 90
        ("b", "2024-01-09", 40.0),                                # w1
        ("c", "2024-01-15", 20.0), ("c", "2024-01-21", 10.0),    # w2 (Mon and Sun)
        ("c", "2024-02-20", 500.0),                               # after observation_end
        ("d", "2024-01-08", -30.0),                               # a return only
        ("e", "2024-01-02", 10.0),                                # w0
        ("e", "2024-01-17", 25.0), ("e", "2024-01-17", np.nan),  # w2: 25 (NaN line = 0)
        ("e", "2024-01-31", -5.0),                                # w4: pure return
        (None, "2024-01-10", 70.0),                               # no customer
        ("a", None, 70.0),                                        # no date
    ]
    df = pd.DataFrame(rows, columns=["client_id", "date", "amount"])
    return df.assign(
        client_id=df["client_id"].astype("string"), date=pd.to_datetime(df["date"])
    )


def test_rfm_summary_hand_made_weekly():
    out = rfm_summary(hand_transactions(), "client_id", "date", "amount", "2024-02-14")
    # end 2024-02-14 is in w6.
    # a: purchase weeks w0, w1, w5 -> frequency 2, recency 5-0 = 5, T 6-0 = 6, mean(30, 90) = 60
    # b: w1 only -> 0, 0, T 6-1 = 5, 0;  c: w2 only (Feb 20 ignored) -> 0, 0, T 4, 0
    # d: never a positive period -> absent;  e: w0, w2 (w4 is a return) -> 1, 2, 6, 25
    expected = pd.DataFrame(
        {
            "frequency": [2.0, 0.0, 0.0, 1.0],
            "recency": [5.0, 0.0, 0.0, 2.0],
            "T": [6.0, 5.0, 4.0, 6.0],
            "monetary_value": [60.0, 0.0, 0.0, 25.0],
        },
        index=pd.Index(["a", "b", "c", "e"], dtype="string", name="client_id"),
    )
    pd.testing.assert_frame_equal(out, expected)


def test_rfm_summary_without_value_counts_every_period():
    out = rfm_summary(hand_transactions(), "client_id", "date", None, "2024-02-14")
    # every week with a line counts: a w0, w1, w3, w5 -> 3, 5, 6; d w1 -> 0, 0, 5;
    # e w0, w2, w4 -> 2, 4, 6; no monetary_value column
    assert list(out.columns) == ["frequency", "recency", "T"]
    assert out.index.tolist() == ["a", "b", "c", "d", "e"]
    assert out["frequency"].tolist() == [3.0, 0.0, 0.0, 0.0, 2.0]
    assert out["recency"].tolist() == [5.0, 0.0, 0.0, 0.0, 4.0]
    assert out["T"].tolist() == [6.0, 5.0, 4.0, 5.0, 6.0]


def test_rfm_summary_days_as_weeks():
    out = rfm_summary(
        hand_transactions(), "client_id", "date", "amount", "2024-02-14", freq="D", freq_multiplier=7
    )
    # a: purchase days Jan 1, Jan 3, Jan 10, Feb 7 (Jan 24 nets to 0) -> frequency 3,
    # recency 37 days / 7, T 44 days / 7, monetary (50 + 30 + 90) / 3 = 56.666...
    a = out.loc["a"]
    assert a["frequency"] == 3.0
    assert a["recency"] == pytest.approx(37 / 7)
    assert a["T"] == pytest.approx(44 / 7)
    assert a["monetary_value"] == pytest.approx(170 / 3)


def test_rfm_summary_default_end_and_empty():
    tx = hand_transactions()
    out = rfm_summary(tx, "client_id", "date", "amount")
    # end = last date Feb 20 (w7): c now buys in w2 and w7 -> frequency 1, recency 5, T 5, 500
    assert out.loc["c"].tolist() == [1.0, 5.0, 5.0, 500.0]
    empty = rfm_summary(tx.iloc[0:0], "client_id", "date", "amount", "2024-02-14")
    assert empty.empty and list(empty.columns) == SUMMARY_COLS
    assert (empty.dtypes == "float64").all()


def test_rfm_summary_reproduces_published_cdnow_summary(cdnow_sample, cdnow_with_tx):
    # The sample file and the summaries hold the same 2,357 customers (sample id = ID);
    # the published summary counts distinct purchase days, in weeks of days / 7.
    assert set(cdnow_sample["ID"]) == set(cdnow_with_tx.index)
    published = cdnow_with_tx.rename(
        columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    )
    counted = rfm_summary(cdnow_sample, "ID", "date", None, CALIBRATION_END, "D", 7)
    assert len(counted) == 2357
    np.testing.assert_allclose(
        counted[["frequency", "recency", "T"]], published.loc[counted.index, ["frequency", "recency", "T"]],
        atol=0.006,  # published values are rounded to 2 decimals
    )
    valued = rfm_summary(cdnow_sample, "ID", "date", "value", CALIBRATION_END, "D", 7)
    # 8 customers whose only purchase was worth $0 are not buyers under the net > 0 rule
    calib = cdnow_sample[cdnow_sample["date"] <= CALIBRATION_END]
    zero_only = set(calib.groupby("ID")["value"].sum().loc[lambda s: s == 0].index)
    assert len(zero_only) == 8
    assert set(published.index) - set(valued.index) == zero_only
    np.testing.assert_allclose(
        valued[SUMMARY_COLS], published.loc[valued.index, SUMMARY_COLS], atol=0.0101
    )  # zbar is rounded half-up from x.xx5 values


def test_fit_bgnbd_published_cdnow(cdnow_summary):
    fit = fit_bgnbd(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    np.testing.assert_allclose(fit, PUBLISHED_BGNBD, rtol=0.01)


def test_fit_bgnbd_ignores_nan_rows(cdnow_summary):
    with_nan = pd.concat(
        [cdnow_summary, pd.DataFrame({"frequency": [np.nan], "recency": [1.0], "T": [np.nan]})]
    )
    fit = fit_bgnbd(with_nan["frequency"], with_nan["recency"], with_nan["T"])
    np.testing.assert_allclose(fit, PUBLISHED_BGNBD, rtol=0.01)


def test_fit_gamma_gamma_published_cdnow(cdnow_with_tx):
    repeat = cdnow_with_tx[cdnow_with_tx["x"] > 0]
    assert len(repeat) == 946
    fit = fit_gamma_gamma(cdnow_with_tx["x"], cdnow_with_tx["zbar"])  # x = 0 rows are dropped
    np.testing.assert_allclose(fit, PUBLISHED_GG, rtol=0.02)


def test_fits_raise_on_degenerate_data():
    t = np.arange(10.0, 50.0)
    with pytest.raises(LTVModelError):
        fit_bgnbd(np.zeros(40), np.zeros(40), t)  # nobody ever repeats
    with pytest.raises(LTVModelError):
        fit_bgnbd(t, t, t)  # everyone buys every period until today: p -> 0 has no optimum
    with pytest.raises(LTVModelError):
        fit_gamma_gamma([0, 0, 2], [0.0, 0.0, 0.0])  # no repeat buyer with a value
    with pytest.raises(LTVModelError):
        fit_gamma_gamma([1, 2, 3], [5.0, 5.0, 5.0])  # no spread in values: v, p -> infinity


def test_bgnbd_expected_purchases_published_example():
    # FHL's worked example: x = 2, t_x = 30.43, T = 38.86, next 39 weeks -> 1.226 purchases
    # (at the full-precision published parameters)
    params = BGNBDParams(r=0.242594, alpha=4.41358, a=0.792919, b=2.425895)
    assert bgnbd_expected_purchases(params, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)


def test_bgnbd_expected_purchases_matches_simulation():
    # A new customer (x = 0, t_x = 0, T = 0) gets the unconditional E[X(t)]. Simulate BG/NBD:
    # λ ~ Gamma(r, rate α), p ~ Beta(a, b), dropout after the J-th repeat purchase, J ~ Geom(p):
    # X(39) = min(Poisson(39 λ), J).
    params = PUBLISHED_BGNBD
    rng = np.random.default_rng(7)
    n = 400_000
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    sim = np.minimum(rng.poisson(39.0 * lam), rng.geometric(rng.beta(params.a, params.b, n)))
    se = sim.std() / np.sqrt(n)
    assert abs(float(bgnbd_expected_purchases(params, 39, 0, 0, 0)) - sim.mean()) < 4 * se


def test_bgnbd_prob_alive_hand_computed():
    # x = 2, t_x = 30.43, T = 38.86: 1 / (1 + a/(b+x-1) * ((α+T)/(α+t_x))^(r+x))
    # a/(b+1) = 0.793/3.426 = 0.23147; (43.274/34.844)^2.243 = 1.24194^2.243 = 1.62580
    # -> 1 / (1 + 0.23147 * 1.62580) = 1 / 1.37632 = 0.72658; x = 0 -> 1 (never seen dropping out)
    got = bgnbd_prob_alive(PUBLISHED_BGNBD, [2, 0], [30.43, 0.0], [38.86, 38.86])
    np.testing.assert_allclose(got, [0.72658, 1.0], atol=2e-5)


def test_gamma_gamma_expected_value_hand_computed():
    # x = 2, m = 22.35: 6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1) = 375.875 / 15.24 = 24.6637
    # x = 0 (m ignored): population mean 6.25 * 15.44 / 2.74 = 96.5 / 2.74 = 35.2190
    got = gamma_gamma_expected_value(PUBLISHED_GG, [2, 0], [22.35, 99.0])
    np.testing.assert_allclose(got, [24.6637, 35.2190], atol=1e-4)


def _hand_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": [2.0, 0.0], "recency": [30.43, 0.0], "T": [38.86, 38.86],
         "monetary_value": [22.35, 0.0]},
        index=pd.Index(["x", "y"], dtype="string", name="client_id"),
    )


def test_predictive_ltv_with_given_params():
    summary = _hand_summary()
    kw = {"bgnbd": PUBLISHED_BGNBD, "gamma_gamma": PUBLISHED_GG}
    out = predictive_ltv(summary, 2, margin=0.5, **kw)
    assert list(out.columns) == ["expected_purchases", "prob_alive", "expected_value", "ltv"]
    assert out.index.equals(summary.index) and (out.dtypes == "float64").all()
    e1, e2 = (bgnbd_expected_purchases(PUBLISHED_BGNBD, t, [2, 0], [30.43, 0], [38.86] * 2) for t in (1, 2))
    np.testing.assert_allclose(out["expected_purchases"], e2)
    np.testing.assert_allclose(out["expected_value"], [24.6637, 35.2190], atol=1e-4)  # as above
    np.testing.assert_allclose(out["ltv"], 0.5 * out["expected_value"] * e2)
    # discounting per period end: 1st period's purchases / 1.1, 2nd period's / 1.1^2
    disc = predictive_ltv(summary, 2, margin=0.5, discount_rate_per_period=0.1, **kw)
    np.testing.assert_allclose(
        disc["ltv"], 0.5 * out["expected_value"] * (e1 / 1.1 + (e2 - e1) / 1.21)
    )
    # a fractional horizon ends with a partial step: 1, then 1.5
    half = predictive_ltv(summary, 1.5, discount_rate_per_period=0.1, **kw)
    e15 = bgnbd_expected_purchases(PUBLISHED_BGNBD, 1.5, [2, 0], [30.43, 0], [38.86] * 2)
    np.testing.assert_allclose(half["ltv"], half["expected_value"] * (e1 / 1.1 + (e15 - e1) / 1.1**1.5))
    with pytest.raises(ValueError):
        predictive_ltv(summary, 0, **kw)


def test_predictive_ltv_fits_cdnow(cdnow_sample):
    summary = rfm_summary(cdnow_sample, "ID", "date", "value", CALIBRATION_END, "D", 7)
    out = predictive_ltv(summary, 39)
    # customer 1 is FHL's worked example (x = 2, t_x = 30.43, T = 38.86): 1.226 purchases
    assert out.loc[1, "expected_purchases"] == pytest.approx(1.226, rel=0.01)
    assert out["ltv"].notna().all() and (out["ltv"] >= 0).all()


def test_enough_history_rule():
    # 100 customers, 30 of them repeat buyers with a value, 5 repeat with value 0 -> just enough
    n = 100
    summary = pd.DataFrame(
        {"frequency": [1.0] * 35 + [0.0] * 65, "monetary_value": [10.0] * 30 + [0.0] * 70}
    )
    check = enough_history(summary)
    assert (check.enough, check.customers, check.repeat_buyers) == (True, n, 30)
    assert not enough_history(summary.iloc[1:]).enough  # 99 customers, 29 repeat buyers
    assert not enough_history(summary, min_repeat_buyers=31).enough
    # without monetary_value, frequency alone counts: 35 repeat buyers
    assert enough_history(summary[["frequency"]]).repeat_buyers == 35
    assert enough_history(summary.iloc[0:0]).customers == 0


def test_predictive_ltv_refuses_short_history():
    with pytest.raises(LTVModelError, match="not_enough_history"):
        predictive_ltv(_hand_summary(), 10)


def test_forecast_clients_of_an_order_table(cdnow_sample):
    from auditkit.metrics.ltv import forecast_clients

    # a thin history (three clients) is not modelled: no per-client table, mean NaN
    orders = pd.DataFrame({
        "order_id": pd.array(["o1", "o2", "o3", "o4"], dtype="string"),
        "client_id": pd.array(["a", "a", "b", "c"], dtype="string"),
        "date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-01-10", "2024-03-01"]),
        "amount": [100.0, 50.0, 80.0, 70.0], "cost": [60.0, 30.0, 48.0, 42.0],
        "manager_id": pd.array([None] * 4, dtype="string"),
    })
    thin = forecast_clients(orders, "2024-03-31", 12)
    assert thin.per_client is None and np.isnan(thin.mean_ltv)
    assert (thin.check.customers, thin.check.repeat_buyers) == (3, 1)
    # margin rate of the counted orders: (300 − 180) / 300 = 0.4
    assert thin.margin_rate == pytest.approx(0.4)
    assert forecast_clients(orders.assign(cost=[60.0, np.nan, 48.0, 42.0]), "2024-03-31").margin_rate == 1.0
    # CDNOW: the forecast is the model's mean over the clients, horizon 12 months = 52.18 weeks
    tx = cdnow_sample.assign(order_id=[f"t{i}" for i in range(len(cdnow_sample))],
                             client_id=cdnow_sample["ID"].astype("string"), amount=cdnow_sample["value"],
                             cost=np.nan, manager_id=pd.NA)
    fc = forecast_clients(tx, CALIBRATION_END, 12)
    summary = rfm_summary(tx[tx["amount"] > 0], "client_id", "date", "amount",
                          pd.Timestamp(CALIBRATION_END) + pd.Timedelta(hours=23), "W")
    expected = predictive_ltv(summary, 12 * 30.4375 / 7)["ltv"].mean()
    assert fc.mean_ltv == pytest.approx(expected, rel=1e-6) and fc.margin_rate == 1.0
