"""Tests of Stage 5 metrics (auditkit.metrics.communication)."""

import numpy as np
import pandas as pd
import pytest

from auditkit.metrics import communication as c


def s(values):
    """A pandas string-dtype column (ids, text, enums)."""
    return pd.array(values, dtype="string")


def row(table, breakdown, group):
    """The single row of a breakdown table as a Series."""
    hit = table[(table["breakdown"] == breakdown) & (table["group"] == group)]
    assert len(hit) == 1
    return hit.iloc[0]


# ---------------------------------------------------------------- lead response time


@pytest.fixture
def leads():
    # created 2024-01-01 10:00; response: a 0.5 h, b 23 h, c never, d -1 h (error), e 48 h
    return pd.DataFrame(
        {
            "lead_id": s(list("abcde")),
            "created_at": pd.to_datetime(["2024-01-01 10:00"] * 5),
            "source": s(["web", "web", "web", "ads", "ads"]),
            "deal_id": s(["d1", None, "d2", "d3", None]),
            "first_contact_at": pd.to_datetime(
                ["2024-01-01 10:30", "2024-01-02 09:00", None, "2024-01-01 09:00", "2024-01-03 10:00"]
            ),
        }
    )


def test_lead_response_time_hand_case(leads):
    t = c.lead_response_time(leads)
    assert list(t["breakdown"]) == ["overall", "source", "source"]
    assert t["breakdown"].dtype == "string" and t["group"].dtype == "string"
    assert t["n_leads"].dtype == "int64" and t["median_hours"].dtype == "float64"
    o = row(t, "overall", "all")
    # 5 leads, 1 negative -> 4 valid; contacted valid: 0.5, 23, 48 -> median 23
    assert (o.n_leads, o.n_negative, o.n_valid, o.n_contacted, o.n_not_contacted) == (5, 1, 4, 3, 1)
    assert o.median_hours == 23.0
    assert (o.n_within_1h, o.n_within_24h) == (1, 2)
    assert o.share_not_contacted == pytest.approx(1 / 4)
    assert o.share_within_1h_of_contacted == pytest.approx(1 / 3)
    assert o.share_within_1h_of_leads == pytest.approx(1 / 4)
    assert o.share_within_24h_of_contacted == pytest.approx(2 / 3)
    assert o.share_within_24h_of_leads == pytest.approx(2 / 4)
    web = row(t, "source", "web")
    # web: 0.5 h, 23 h, never -> median (0.5 + 23) / 2 = 11.75; 1 h: 1/2 contacted, 1/3 leads
    assert (web.n_leads, web.n_contacted, web.n_not_contacted) == (3, 2, 1)
    assert web.median_hours == 11.75
    assert web.share_within_1h_of_contacted == pytest.approx(1 / 2)
    assert web.share_within_1h_of_leads == pytest.approx(1 / 3)
    assert web.share_within_24h_of_contacted == 1.0
    assert web.share_within_24h_of_leads == pytest.approx(2 / 3)
    ads = row(t, "source", "ads")
    # ads: -1 h excluded, 48 h -> median 48, nothing within 24 h
    assert (ads.n_negative, ads.n_valid, ads.n_contacted, ads.median_hours) == (1, 1, 1, 48.0)
    assert ads.share_within_24h_of_leads == 0.0


def test_lead_response_time_threshold_is_inclusive_and_parametrised():
    leads = pd.DataFrame(
        {
            "lead_id": s(["a", "b"]),
            "created_at": pd.to_datetime(["2024-01-01 10:00"] * 2),
            "source": s(["web", "web"]),
            "first_contact_at": pd.to_datetime(["2024-01-01 12:00", "2024-01-01 12:01"]),
        }
    )
    t = c.lead_response_time(leads, thresholds_h=(2,))
    # 2 h exactly counts, 2 h 1 min does not -> 1 of 2
    assert row(t, "overall", "all").share_within_2h_of_contacted == 0.5
    assert "share_within_24h_of_leads" not in t.columns


def test_lead_response_time_not_available(leads):
    assert c.lead_response_time(None) is None
    assert c.lead_response_time(leads.iloc[0:0]) is None
    assert c.lead_response_time(leads.assign(first_contact_at=pd.NaT)) is None


def test_lead_response_time_all_negative_gives_nan_shares(leads):
    t = c.lead_response_time(leads.iloc[[3]])
    o = row(t, "overall", "all")
    assert (o.n_valid, o.n_contacted) == (0, 0)
    assert np.isnan(o.median_hours) and np.isnan(o.share_within_1h_of_leads)


# ------------------------------------------------------------------------ lead -> won


@pytest.fixture
def deals():
    return pd.DataFrame(
        {
            "deal_id": s(["d1", "d2", "d3", "d4"]),
            "created_at": pd.to_datetime(["2024-01-01"] * 4),
            "status": s(["won", "won", "lost", "won"]),
            "amount": [1.0, 2.0, 3.0, 4.0],
            "client_id": s(["x", "y", "x", None]),
            "closed_at": pd.to_datetime(["2024-01-11 12:00", "2023-12-31 00:00", "2024-01-20 00:00", "2024-01-15 00:00"]),
        }
    )


def test_lead_time_to_win_hand_case(leads, deals):
    t = c.lead_time_to_win(leads, deals)
    # a -> d1 won 2024-01-11 12:00 - 2024-01-01 10:00 = 10 d 2 h = 10.0833 d
    # c -> d2 won 2023-12-31, before creation: data error; d -> d3 lost
    o = row(t, "overall", "all")
    assert (o.n_leads, o.n_won, o.n_negative) == (5, 2, 1)
    assert o.median_days == pytest.approx(10 + 2 / 24)
    assert o.p75_days == pytest.approx(10 + 2 / 24)
    ads = row(t, "source", "ads")
    assert (ads.n_leads, ads.n_won) == (2, 0) and np.isnan(ads.median_days)


def test_lead_time_to_win_not_available(leads, deals):
    assert c.lead_time_to_win(leads.assign(deal_id=s([None] * 5)), deals) is None
    assert c.lead_time_to_win(leads, None) is None
    assert c.lead_time_to_win(leads, deals.assign(closed_at=pd.NaT)) is None


def test_lead_time_to_win_on_olist_funnel(shared_data):
    folder = shared_data("olist_funnel")
    mql = pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv", dtype=str)
    won = pd.read_csv(folder / "olist_closed_deals_dataset.csv", dtype=str)
    mql["first_contact"] = pd.to_datetime(mql["first_contact_date"], format="%d-%m-%Y")
    mql["origin"] = mql["origin"].fillna("unknown")  # source is required by the contract
    won["won"] = pd.to_datetime(won["won_date"], format="%d-%m-%Y %H:%M")
    is_won = mql["mql_id"].isin(won["mql_id"])
    leads = pd.DataFrame(
        {
            "lead_id": s(mql["mql_id"]),
            "created_at": mql["first_contact"],
            "source": s(mql["origin"]),
            "deal_id": s(mql["mql_id"].where(is_won)),
            "first_contact_at": pd.Series(pd.NaT, index=mql.index, dtype="datetime64[us]"),
        }
    )
    first = mql.set_index("mql_id")["first_contact"]
    deals = pd.DataFrame(
        {
            "deal_id": s(won["mql_id"]),
            "created_at": won["mql_id"].map(first),
            "status": s(["won"] * len(won)),
            "client_id": s(won["seller_id"]),
            "closed_at": won["won"],
        }
    )
    t = c.lead_time_to_win(leads, deals)

    # independent: won_date - first_contact_date per won MQL, negatives dropped, median by origin
    joined = mql.merge(won, on="mql_id")
    days = (joined["won"] - joined["first_contact"]).dt.total_seconds() / 86400
    assert (days < 0).sum() == 1  # one won deal precedes its first contact in the export
    ok = joined.assign(days=days)[days >= 0]
    expected = ok.groupby("origin")["days"].median()
    by_source = t[t["breakdown"] == "source"].set_index("group")
    got = by_source["median_days"].dropna()
    assert len(expected) == 10
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False
    )
    o = row(t, "overall", "all")
    assert (o.n_leads, o.n_won, o.n_negative) == (8000, 842, 1)
    assert o.median_days == pytest.approx(ok["days"].median())
    assert o.p75_days == pytest.approx(ok["days"].quantile(0.75))
    # the response-time metric is not available: the export has no contact timestamp
    assert c.lead_response_time(leads) is None


# ------------------------------------------------------------- won deal -> first order


@pytest.fixture
def orders():
    return pd.DataFrame(
        {
            "order_id": s(["o1", "o1", "o2", "o3", "o4"]),
            "client_id": s(["x", "x", "x", "y", "y"]),
            "date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-11", "2023-11-01", "2024-02-10"]),
            "amount": [10.0, -10.0, 5.0, 7.0, 3.0],
        }
    )


def test_won_deal_first_order_hand_case(deals, orders):
    t = c.won_deal_first_order(deals, orders)
    # d1 (x, won 2024-01-11 12:00): o1 nets to 0, o2 on the win day -> 0 days
    # d2 (y, won 2023-12-31): o3 is before, o4 on 2024-02-10 -> 41 days; d4 has no client
    assert list(t["deal_id"]) == ["d1", "d2"]
    assert list(t["first_order_date"]) == [pd.Timestamp("2024-01-11"), pd.Timestamp("2024-02-10")]
    assert list(t["days"]) == [0.0, 41.0]
    summary = c.won_to_first_order(deals, orders, within_days=30)
    assert summary == {
        "n_won": 2,
        "n_with_order": 2,
        "n_without_order": 0,
        "share_without_order": 0.0,
        "median_days": 20.5,  # (0 + 41) / 2
        "share_within_days_of_ordered": 0.5,
        "share_within_days_of_won": 0.5,
        "within_days": 30,
    }


def test_won_to_first_order_without_following_order(deals, orders):
    # y only ordered before its win -> d2 has no order; d1 0 days
    summary = c.won_to_first_order(deals, orders[orders["order_id"] != "o4"])
    assert (summary["n_won"], summary["n_with_order"], summary["n_without_order"]) == (2, 1, 1)
    assert summary["share_without_order"] == 0.5
    assert summary["median_days"] == 0.0
    assert summary["share_within_days_of_ordered"] == 1.0
    assert summary["share_within_days_of_won"] == 0.5
    per_deal = c.won_deal_first_order(deals, orders[orders["order_id"] != "o4"])
    assert per_deal["first_order_date"].isna().tolist() == [False, True]


def test_won_to_first_order_not_available(deals, orders):
    assert c.won_to_first_order(deals, None) is None
    assert c.won_to_first_order(None, orders) is None
    assert c.won_to_first_order(deals.assign(client_id=s([None] * 4)), orders) is None
    assert c.won_to_first_order(deals.assign(status=s(["lost"] * 4)), orders) is None


# ------------------------------------------------------------------- post-sale contact


def _activities(dates, clients, deal_ids):
    n = len(dates)
    return pd.DataFrame(
        {
            "activity_id": s([f"a{i}" for i in range(n)]),
            "manager_id": s(["m1"] * n),
            "type": s(["call"] * n),
            "date": pd.to_datetime(dates),
            "deal_id": s(deal_ids),
            "client_id": s(clients),
        }
    )


def test_post_sale_contact_hand_case(deals, orders):
    acts = _activities(
        # log spans 2023-12-01 .. 2024-03-30
        ["2023-12-01", "2024-01-11", "2024-01-25", "2024-01-14", "2024-03-30"],
        [None, "x", "x", "y", "y"],
        ["d1", None, None, None, None],
    )
    t = c.post_sale_contact(deals, orders, acts, days=14)
    assert list(t["event"]) == ["won_deal", "first_order"]
    assert t["event"].dtype == "string" and t["n_contacted"].dtype == "int64"
    won = t.iloc[0]
    # d1 (x, 2024-01-11): same-day call does not count, 2024-01-25 is day 14 -> contacted
    # d2 (y, 2023-12-31): 2024-01-14 is day 14 -> contacted
    assert (won.n_events, won.n_evaluated, won.n_contacted, won.share_contacted) == (2, 2, 2, 1.0)
    first = t.iloc[1]
    # first orders: x 2024-01-11 (o1 nets to 0) -> day 14 call, contacted;
    # y 2023-11-01 is before the log (window must lie inside it) -> not evaluated
    assert (first.n_events, first.n_evaluated, first.n_contacted, first.share_contacted) == (2, 1, 1, 1.0)

    t13 = c.post_sale_contact(deals, orders, acts, days=13)
    # with N = 13 the day-14 calls are too late; d1's window ends 2024-01-24 inside the log
    assert list(t13["n_contacted"]) == [0, 0]


def test_post_sale_contact_client_from_deal(deals):
    # the only follow-up of d1 has no client_id but is logged on deal d1 (client x)
    acts = _activities(["2024-01-01", "2024-01-12", "2024-03-01"], [None, None, "z"], [None, "d1", None])
    t = c.post_sale_contact(deals, None, acts)
    # d1 (2024-01-11) -> 2024-01-12 via deal: contacted; d2 (2023-12-31) window starts before the log
    assert list(t["event"]) == ["won_deal"]
    assert (t.iloc[0].n_events, t.iloc[0].n_evaluated, t.iloc[0].n_contacted) == (2, 1, 1)


def test_post_sale_contact_not_available(deals, orders):
    acts = _activities(["2024-01-12"], ["x"], [None])
    assert c.post_sale_contact(deals, orders, None) is None
    assert c.post_sale_contact(None, None, acts) is None
    no_client = _activities(["2024-01-12"], [None], [None])
    assert c.post_sale_contact(deals, orders, no_client) is None


def test_post_sale_contact_one_million_activities():
    # 100,000 won clients x 10 activities; win days spread over 300 days.
    # Even clients have a call 14 days after the win, odd ones none in days 1..14.
    n_clients = 100_000
    ids = np.char.add("c", np.arange(n_clients).astype(str))
    win = pd.Timestamp("2023-06-01") + pd.to_timedelta(np.arange(n_clients) % 300, unit="D")
    even = np.array([-5, 0, 14, 15, 20, 30, 40, 50, 60, 400])
    odd = np.array([-400, -5, 0, 15, 20, 30, 40, 50, 60, 400])
    offsets = np.where((np.arange(n_clients) % 2 == 0)[:, None], even, odd).ravel()
    n = offsets.size
    acts = pd.DataFrame(
        {
            "activity_id": s(np.arange(n).astype(str)),
            "manager_id": s(np.full(n, "m1")),
            "type": s(np.full(n, "call")),
            "date": np.repeat(win.to_numpy(), 10) + pd.to_timedelta(offsets, unit="D").to_numpy(),
            "deal_id": s(np.full(n, None)),
            "client_id": s(np.repeat(ids, 10)),
        }
    )
    deals = pd.DataFrame(
        {
            "deal_id": s(ids),
            "created_at": win,
            "status": s(np.full(n_clients, "won")),
            "client_id": s(ids),
            "closed_at": win + pd.Timedelta(hours=15),
        }
    )
    t = c.post_sale_contact(deals, None, acts)
    assert n == 1_000_000
    assert (t.iloc[0].n_evaluated, t.iloc[0].n_contacted) == (n_clients, n_clients // 2)


# ----------------------------------------------------------------------- NPS and CSAT


@pytest.fixture
def surveys():
    return pd.DataFrame(
        {
            "client_id": s(list("abcdef")),
            "date": pd.to_datetime(["2024-05-01"] * 6),
            "nps": [10.0, 9.0, 8.0, 7.0, 6.0, 0.0],
            "csat": [5.0, 4.0, 3.0, np.nan, 1.0, 2.0],
            "reasons": s(["Price; slow delivery ", None, "price", "", None, "Slow delivery;;"]),
            "comment": s(["Too  slow", "too slow ", None, "OK", "  ", "Call me back"]),
            "respondent": s(["loyal", "loyal", "loyal", "churned", "churned", "churned"]),
        }
    )


@pytest.fixture
def clients():
    return pd.DataFrame(
        {
            "client_id": s(list("abcdef")),
            "name": s(list("ABCDEF")),
            "segment": s(["big", "big", "small", "small", None, "small"]),
        }
    )


def test_nps_hand_case(surveys, clients):
    t = c.nps(surveys, clients)
    o = row(t, "overall", "all")
    # [10, 9, 8, 7, 6, 0]: promoters 2, passives 2, detractors 2 -> (2 - 2) / 6 = 0 points
    assert (o.n, o.n_promoters, o.n_passives, o.n_detractors) == (6, 2, 2, 2)
    assert o.nps == 0.0 and o.pct_promoters == pytest.approx(100 / 3)
    # big: a 10, b 9 -> +100; small: c 8, d 7, f 0 -> (0 - 1) / 3 = -33.3; no segment: e 6 -> -100
    assert row(t, "segment", "big").nps == 100.0
    assert row(t, "segment", "small").nps == pytest.approx(-100 / 3)
    na_segment = t[(t["breakdown"] == "segment") & t["group"].isna()]
    assert na_segment["nps"].tolist() == [-100.0]
    # loyal 10, 9, 8 -> (2 - 0) / 3 = +66.7; churned 7, 6, 0 -> (0 - 2) / 3 = -66.7
    assert row(t, "respondent", "loyal").nps == pytest.approx(200 / 3)
    assert row(t, "respondent", "churned").nps == pytest.approx(-200 / 3)
    assert t["n_promoters"].dtype == "int64" and t["nps"].dtype == "float64"


def test_nps_skips_missing_answers_and_breakdowns(surveys):
    answers = surveys.assign(nps=[10.0, np.nan, np.nan, 3.0, 9.0, np.nan], respondent=s([None] * 6))
    t = c.nps(answers)  # no clients table, no respondent type -> overall only
    assert list(t["breakdown"]) == ["overall"]
    # 10, 3, 9 -> (2 - 1) / 3 = 33.3 points
    assert t.iloc[0].n == 3 and t.iloc[0].nps == pytest.approx(100 / 3)


def test_nps_segment_column_empty(surveys, clients):
    t = c.nps(surveys, clients.assign(segment=s([None] * 6)))
    assert "segment" not in set(t["breakdown"])


@pytest.mark.parametrize("metric", [c.nps, c.csat])
def test_scores_not_available(metric, surveys):
    assert metric(None) is None
    assert metric(surveys.iloc[0:0]) is None
    assert metric(surveys.assign(nps=np.nan, csat=np.nan)) is None


def test_csat_hand_case(surveys, clients):
    t = c.csat(surveys, clients)
    o = row(t, "overall", "all")
    # answers 5, 4, 3, 1, 2 (one NaN): 4-5 -> 2 of 5 = 40 %
    assert (o.n, o.n_satisfied, o.csat_pct) == (5, 2, 40.0)
    # big: 5, 4 -> 100 %; small: 3, 2 (d has none) -> 0 %
    assert row(t, "segment", "big").csat_pct == 100.0
    assert (row(t, "segment", "small").n, row(t, "segment", "small").csat_pct) == (2, 0.0)
    # loyal 5, 4, 3 -> 66.7 %
    assert row(t, "respondent", "loyal").csat_pct == pytest.approx(200 / 3)


# ------------------------------------------------------------ dissatisfaction structure


def test_dissatisfaction_reasons_pareto(surveys):
    t = c.dissatisfaction_reasons(surveys)
    # mentions: price, slow delivery | price | slow delivery (empty parts dropped) -> 4
    assert t["reason"].tolist() == ["price", "slow delivery"]
    assert t["count"].tolist() == [2, 2]
    assert t["share"].tolist() == [0.5, 0.5]
    assert t["cumulative_share"].tolist() == [0.5, 1.0]
    assert t["reason"].dtype == "string" and t["count"].dtype == "int64"


def test_dissatisfaction_reasons_order_and_empty(surveys):
    answers = surveys.assign(reasons=s(["b;a", "a", " A ;c", None, None, None]))
    t = c.dissatisfaction_reasons(answers)
    # a 3, b 1, c 1 (ties by name) -> shares 3/5, 1/5, 1/5; cumulative 0.6, 0.8, 1.0
    assert t["reason"].tolist() == ["a", "b", "c"]
    assert t["cumulative_share"].tolist() == pytest.approx([0.6, 0.8, 1.0])
    assert c.dissatisfaction_reasons(surveys.assign(reasons=s([" ; "] * 6))) is None
    assert c.dissatisfaction_reasons(surveys.assign(reasons=s([None] * 6))) is None
    assert c.dissatisfaction_reasons(None) is None


def test_top_complaints(surveys):
    t = c.top_complaints(surveys, top=2)
    # comments: "too slow" x2 (case/whitespace variants), "ok", "call me back"; blank dropped
    assert t["complaint"].tolist() == ["too slow", "call me back"]
    assert t["count"].tolist() == [2, 1]
    assert t["share"].tolist() == [0.5, 0.25]
    assert t["example"].tolist() == ["Too  slow", "Call me back"]
    assert c.top_complaints(surveys.assign(comment=s([" "] * 6))) is None
    assert c.top_complaints(None) is None


# ----------------------------------------------------------------- management rhythm


def test_checklist_answers():
    checklist = pd.DataFrame(
        {
            "parameter_id": s(["plan_brought", "plan_fact_meetings", "control", "crm"]),
            "answer": s(["yes", "1", "no", "2"]),
            "note": s([None] * 4),
        }
    )
    t = c.checklist_answers(checklist, ["plan_fact_meetings", "plan_brought", "missing", "control"])
    assert t["parameter_id"].tolist() == ["plan_fact_meetings", "plan_brought", "missing", "control"]
    # "1" -> 50, yes -> 100, not answered -> NaN, no -> 0
    assert t["score"].tolist()[:2] == [50.0, 100.0]
    assert np.isnan(t["score"].iloc[2]) and t["score"].iloc[3] == 0.0
    assert t["answered"].tolist() == [True, True, False, True]
    assert t["answer"].isna().tolist() == [False, False, True, False]
    empty = c.checklist_answers(None, ["a", "b"])
    assert empty["answered"].tolist() == [False, False] and empty["score"].isna().all()


def test_post_sale_contact_window_includes_its_last_day():
    # won on 1 Mar at 16:00; the only follow-up is on day 14 (15 Mar) at 18:30, the last day of the log:
    # the window 2–15 Mar lies inside the log (its last day included) and the call counts
    deals = pd.DataFrame({"deal_id": s(["d1"]), "created_at": pd.to_datetime(["2024-02-01"]), "status": s(["won"]),
                          "amount": [1.0], "client_id": s(["x"]), "closed_at": pd.to_datetime(["2024-03-01 16:00"])})
    acts = _activities(["2024-02-20 08:00", "2024-03-15 18:30"], ["x", "x"], [None, None])
    t = c.post_sale_contact(deals, None, acts, days=14)
    assert (t.iloc[0].n_evaluated, t.iloc[0].n_contacted) == (1, 1)
    # day 15 is outside a 14-day window; a log ending on day 13 cannot evaluate it
    late = _activities(["2024-02-20 08:00", "2024-03-16 09:00"], ["x", "x"], [None, None])
    assert c.post_sale_contact(deals, None, late, days=14).iloc[0].n_contacted == 0
    short = _activities(["2024-02-20 08:00", "2024-03-14 09:00"], ["x", "x"], [None, None])
    assert c.post_sale_contact(deals, None, short, days=14).iloc[0].n_evaluated == 0


def test_response_money_base_and_buckets():
    leads = pd.DataFrame({
        "lead_id": s([f"l{i}" for i in range(6)]),
        "created_at": pd.to_datetime(["2024-01-01 09:00"] * 6),
        "source": s(["web", "web", "web", "expo", "expo", "expo"]),
        "channel": s([None] * 6),
        # web: 0.5 h, 2 h, never; expo: 0.5 h, 30 h, 3 h
        "first_contact_at": pd.to_datetime(["2024-01-01 09:30", "2024-01-01 11:00", None,
                                            "2024-01-01 09:30", "2024-01-02 15:00", "2024-01-01 12:00"]),
        "deal_id": s(["w1", "w2", None, "e1", "e2", "e3"]),
    })
    deals = pd.DataFrame({"deal_id": s(["w1", "w2", "e1", "e2", "e3"]), "status": s(["won", "lost", "lost", "won", "won"]),
                          "created_at": pd.to_datetime(["2024-01-02"] * 5), "amount": [100.0, 0.0, 0.0, 300.0, 200.0],
                          "closed_at": pd.to_datetime(["2024-01-10", "2024-01-10", "2024-01-10", "2024-01-20", "2024-01-25"])})
    resp = c.lead_response_time(leads)
    web = row(resp, "source", "web")
    buckets = c.response_buckets(resp[resp["breakdown"] == "source"]).set_index("group")
    # web: 1 within 1 h, 1 within 24 h, never 1 of 3; expo: 1 within 1 h, 1 later (30 h), 1 within 24 h
    assert buckets.loc["web", ["b1", "b24", "later", "never"]].tolist() == pytest.approx([1 / 3, 1 / 3, 0, 1 / 3])
    assert buckets.loc["expo", ["b1", "b24", "later", "never"]].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 0])
    assert web.n_valid == 3
    base = c.response_money_base(leads, deals, "2024-01-01", "2024-12-31", fast_hours=1)
    # 6 leads in 2024 (366 days) → 6 / (366 / 365.25) a year; sources of ≥ 10 leads: none → no worst source
    assert base["leads_per_year"] == pytest.approx(6 * 365.25 / 366) and base["worst_source"] is None
    # within 1 h: web w1 won (1/1), expo e1 lost (0/1); later: web w2 lost (0/1), expo e2, e3 won (2/2);
    # weighted by contacted leads (web 2, expo 3): within (1×2 + 0×3)/5 = 0.4, after (0×2 + 1×3)/5 = 0.6
    assert base["conversion_within_1h"] == pytest.approx(0.4) and base["conversion_after_1h"] == pytest.approx(0.6)
    assert c.response_money_base(leads.assign(first_contact_at=pd.NaT), deals, "2024-01-01", "2024-12-31") is None


def test_complaints_reasons_core_and_rhythm_score():
    surveys = pd.DataFrame({"nps": [9, 5, None, 10], "csat": [5, None, 2, 4], "reasons": [None, None, None, "price"]})
    assert c.complaints(surveys).tolist() == [False, True, True, True]
    pareto = pd.DataFrame({"reason": s(["a", "b", "c"]), "count": [6, 3, 1]})
    core, core_share, mentions = c.reasons_core(pareto)
    # a: nothing before it; b: 60% before it (< 80%); c: 90% before it → core a, b = 90% of 10 mentions
    assert core["reason"].tolist() == ["a", "b"] and core_share == pytest.approx(0.9) and mentions == 10
    answers = c.checklist_answers(pd.DataFrame({"parameter_id": ["p1", "p2"], "answer": ["yes", "partly"]}),
                                  ["p1", "p2", "p3"])
    # (100 × 2 + 50 × 1) / 3; p3 is not answered
    assert c.rhythm_score(answers, [2, 1, 5]) == pytest.approx(250 / 3)


def test_a_first_order_without_a_date_leaves_the_clients_dated_first_order():
    """Client c1's order o1 has no date (an empty date kept with a warning); its first dated order
    is o2 on 2025-02-10, followed by a contact on 02-15: evaluated and contacted."""
    orders = pd.DataFrame({"order_id": s(["o1", "o2"]), "client_id": s(["c1", "c1"]),
                           "date": pd.to_datetime([None, "2025-02-10"]), "amount": [5.0, 6.0]})
    acts = pd.DataFrame({"activity_id": s(["a0", "a1", "a2"]), "deal_id": s([None] * 3),
                         "client_id": s(["c2", "c1", "c2"]),
                         "date": pd.to_datetime(["2025-01-01", "2025-02-15", "2025-06-30"])})
    t = c.post_sale_contact(None, orders, acts, 14)
    assert t[["event", "n_events", "n_evaluated", "n_contacted"]].values.tolist() == [["first_order", 1, 1, 1]]
