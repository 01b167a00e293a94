"""Stage 4 — Technology: CRM discipline and checklist automation scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.metrics import technology as T
from helpers import contract_frame

START, END = "2024-01-01", "2024-01-31"


@pytest.fixture
def deals():
    return contract_frame(
        "deals",
        [
            {"deal_id": "d1", "manager_id": "m1", "status": "won", "amount": 100, "lead_source": "web",
             "created_at": "2024-01-05", "closed_at": "2024-01-20"},
            {"deal_id": "d2", "manager_id": "m1", "status": "lost", "amount": 0, "lead_source": "  ",
             "created_at": "2024-01-06", "lost_reason": "price"},
            {"deal_id": "d3", "manager_id": "m1", "status": "lost", "amount": 50,
             "created_at": "2024-01-07", "closed_at": "2024-01-25"},
            {"deal_id": "d4", "manager_id": "m1", "status": "open", "amount": 200, "lead_source": "ads",
             "created_at": "2024-01-08", "expected_close": "2024-01-30"},
            {"deal_id": "d5", "manager_id": "m2", "status": "open", "amount": 10,
             "created_at": "2023-11-01", "expected_close": "2024-02-15"},
            {"deal_id": "d6", "manager_id": "m2", "status": "open",
             "created_at": "2024-01-10", "expected_close": "2024-01-31"},
            {"deal_id": "d7", "manager_id": "m2", "status": "open", "amount": 300, "created_at": "2024-01-11"},
            {"deal_id": "d8", "status": "won", "amount": 10, "lead_source": "web",
             "created_at": "2024-01-12", "closed_at": "2024-01-13"},
            {"deal_id": "d9", "manager_id": "m1", "status": "open", "amount": 5, "created_at": "2024-02-01"},
        ],
    )


@pytest.fixture
def activities():
    return contract_frame(
        "activities",
        [
            {"activity_id": "a1", "manager_id": "m1", "type": "call", "date": "2024-01-20", "deal_id": "d4"},
            {"activity_id": "a2", "manager_id": "m1", "type": "call", "date": "2024-01-21", "deal_id": "d1"},
            {"activity_id": "a3", "manager_id": "m2", "type": "call", "date": "2023-12-31", "deal_id": "d5"},
            {"activity_id": "a4", "manager_id": "m2", "type": "meeting", "date": "2024-01-01 10:00", "deal_id": "d6"},
            {"activity_id": "a5", "manager_id": "m2", "type": "email", "date": "2024-02-05", "deal_id": "d7"},
            {"activity_id": "a6", "manager_id": "m3", "type": "call", "date": "2024-01-15"},
        ],
    )


@pytest.fixture
def managers():
    return contract_frame(
        "managers",
        [{"manager_id": "m1", "name": "a"}, {"manager_id": "m2", "name": "b", "hired_at": "2024-01-15"},
         {"manager_id": "m3", "name": "c"}],
    )


@pytest.fixture
def stage_history():
    return contract_frame(
        "stage_history",
        [{"deal_id": "d1", "stage": "qualified", "entered_at": "2024-01-06"},
         {"deal_id": "d1", "stage": "proposal", "entered_at": "2024-01-10"},
         {"deal_id": "d5", "stage": "qualified", "entered_at": "2023-11-02"}],
    )


def test_crm_discipline(deals, activities, managers, stage_history):
    res = T.crm_discipline(deals, START, END, activities=activities, stage_history=stage_history, managers=managers)
    pm = res.per_manager
    # d8 has no manager: its own row (NA) rather than only a part of the overall counts
    assert list(pm.index[:3]) == ["m1", "m2", "m3"] and pd.isna(pm.index[3])
    # m1 population d1-d4 (d9 created after the end): amount>0 d1,d3,d4 → 3/4; source d1,d4 → 2/4
    # (blank counts as missing); closed d1,d2,d3 with date d1,d3 → 2/3; lost d2,d3 with reason d2 → 1/2;
    # with activity d1,d4 → 2/4; stage history d1 → 1/4; open at end d4, overdue (Jan 30) → 1/1, stale 0
    m1 = pm.loc["m1"]
    assert m1[["deals", "closed_deals", "lost_deals", "open_deals"]].tolist() == [4, 3, 2, 1]
    np.testing.assert_allclose(
        m1[["share_with_amount", "share_with_lead_source", "share_closed_with_date", "share_lost_with_reason",
            "share_with_activity", "share_with_stage_history", "share_overdue", "share_stale"]],
        [3 / 4, 2 / 4, 2 / 3, 1 / 2, 2 / 4, 1 / 4, 1.0, 0.0],
    )
    # m2 population d6, d7 (d5 created in 2023): amount d7 → 1/2; no sources → 0; nothing closed → NaN;
    # activity d6 only (d7's is after the end) → 1/2; open d5, d6, d7: stale d5 (last Dec 31, 31 days)
    # and d7 (never) while d6's Jan 1 = exactly 30 days is not → 2/3; overdue none (d6 due on the end day)
    m2 = pm.loc["m2"]
    np.testing.assert_allclose(
        m2[["share_with_amount", "share_with_lead_source", "share_closed_with_date", "share_lost_with_reason",
            "share_with_activity", "share_stale", "share_overdue"]],
        [1 / 2, 0.0, np.nan, np.nan, 1 / 2, 2 / 3, 0.0],
    )
    # activities in the window: m1 a1, a2 / 17 days; m2 a4 / 13 (hired Jan 15); m3 a6 / 17
    assert pm["activities"].tolist() == [2, 1, 1, 0]
    np.testing.assert_allclose(pm["activities_per_day"], [2 / 17, 1 / 13, 1 / 17, np.nan])
    # the no-manager row d8: won with amount and source, closed with a date; its counts and the
    # managers' add up to the overall counts below
    assert pm.iloc[3][["deals", "with_amount", "closed_with_date"]].tolist() == [1, 1, 1]
    assert pm["deals"].sum() == res.overall["deals"]
    assert pm.loc["m3", "deals"] == 0 and np.isnan(pm.loc["m3", "share_with_amount"])
    # overall adds d8 (no manager): population 7; amount d1,d3,d4,d7,d8 → 5/7; source 3/7;
    # closed d1,d2,d3,d8 with date 3 → 3/4; activity 3/7; stage 1/7; open 4, stale 2, overdue 1
    o = res.overall
    np.testing.assert_allclose(
        o[["deals", "share_with_amount", "share_with_lead_source", "share_closed_with_date",
           "share_with_activity", "share_with_stage_history", "share_stale", "share_overdue", "activities_per_day"]],
        [7, 5 / 7, 3 / 7, 3 / 4, 3 / 7, 1 / 7, 2 / 4, 1 / 4, 4 / 47],  # 4 activities / (17+13+17)
    )
    assert res.has_stage_history and res.stage_history_share == pytest.approx(1 / 7)


def test_crm_discipline_stale_days_parameter(deals, activities):
    # with 31 days d5 (last activity Dec 31 = 31 days before Jan 31) is no longer stale → only d7
    res = T.crm_discipline(deals, START, END, activities=activities, stale_days=31)
    assert res.overall["stale_open_deals"] == 1


def test_crm_discipline_missing_inputs(deals, activities):
    assert T.crm_discipline(None, START, END) is None
    res = T.crm_discipline(deals, START, END)
    # no activities, no stage history: those measures are unknown, not zero
    for col in ("share_with_activity", "share_stale", "stale_open_deals", "activities_per_day",
                "share_with_stage_history"):
        assert np.isnan(res.overall[col]) and res.per_manager[col].isna().all()
    assert not res.has_stage_history and np.isnan(res.stage_history_share)
    # optional deal columns all-NA (not provided) → NaN, not 0
    bare = deals.assign(lead_source=pd.Series(pd.NA, index=deals.index, dtype="str"),
                        expected_close=pd.NaT, lost_reason=pd.Series(pd.NA, index=deals.index, dtype="str"))
    res = T.crm_discipline(bare, START, END, activities=activities)
    assert np.isnan(res.overall[["share_with_lead_source", "share_overdue", "share_lost_with_reason"]]).all()
    assert res.overall["share_with_amount"] == pytest.approx(5 / 7)
    # for the scorecard a field never kept over deals that should carry it is kept on 0% of them (lost
    # reasons: lost deals exist; stage history: no table); the overdue share (lower is better) stays unknown
    assert res.never_kept == {"share_with_lead_source", "share_lost_with_reason", "share_with_stage_history"}
    assert res.kept_share("share_lost_with_reason") == 0.0 and res.kept_share("share_with_stage_history") == 0.0
    assert res.kept_share("share_with_amount") == pytest.approx(5 / 7)
    # activities that cannot be linked to deals still give activities per day
    unlinked = activities.assign(deal_id=pd.Series(pd.NA, index=activities.index, dtype="str"))
    res = T.crm_discipline(deals, START, END, activities=unlinked)
    assert np.isnan(res.overall["share_with_activity"]) and res.overall["activities"] == 4
    empty = T.crm_discipline(deals.iloc[0:0], START, END, activities=activities.iloc[0:0])
    assert empty.per_manager.empty and empty.overall["deals"] == 0 and np.isnan(empty.overall["share_with_amount"])
    assert not empty.never_kept and np.isnan(empty.kept_share("share_with_stage_history"))  # no deals: nothing to say


def test_crm_discipline_maven(shared_data):
    pipeline = pd.read_csv(shared_data("maven_crm") / "sales_pipeline.csv")
    status = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
    deals = contract_frame(
        "deals",
        pipeline.rename(columns={"opportunity_id": "deal_id", "sales_agent": "manager_id", "engage_date": "created_at",
                                 "close_date": "closed_at", "close_value": "amount"})
        .assign(status=pipeline["deal_stage"].map(status))[["deal_id", "manager_id", "created_at", "closed_at",
                                                              "amount", "status"]]
        .to_dict("records"),
    )
    res = T.crm_discipline(deals, "2017-01-01", "2017-06-30")
    engage = pd.to_datetime(pipeline["engage_date"])
    created = pipeline[engage.between("2017-01-01", "2017-06-30")]
    # plain computation: amount filled = close_value > 0 (open deals have none, lost deals 0)
    by_agent = (created["close_value"] > 0).groupby(created["sales_agent"]).mean()
    np.testing.assert_allclose(res.per_manager["share_with_amount"].reindex(by_agent.index), by_agent)
    closed = created["deal_stage"].isin(["Won", "Lost"])
    assert res.overall["closed_deals"] == closed.sum()
    assert res.overall["share_closed_with_date"] == pytest.approx(created.loc[closed, "close_date"].notna().mean())


def test_automation_scores():
    checklist = contract_frame(
        "checklist",
        [{"parameter_id": "p1", "answer": "yes"}, {"parameter_id": "p2", "answer": "partly"},
         {"parameter_id": "p3", "answer": "0"}, {"parameter_id": "p4", "answer": "2"},
         {"parameter_id": "p5", "answer": "no"}, {"parameter_id": "p6", "answer": "1"}],
    )
    mapping = {"crm": ["p1", "p2"], "telephony": ["p3"], "email": ["p4", "p9"], "erp_integration": ["p9"],
               "funnel_stages": [], "custom": ["p5", "p6"]}
    res = T.automation_scores(checklist, mapping)
    a = res.per_aspect
    assert list(a.index) == [*T.AUTOMATION_ASPECTS, "custom"]
    # crm (100 + 50)/2 = 75; telephony 0; email only p4 answered → 100; custom (0 + 50)/2 = 25
    np.testing.assert_allclose(a["score"], [75, np.nan, 0, 100, np.nan, np.nan, np.nan, 25])
    assert a["n_parameters"].tolist() == [2, 0, 1, 2, 1, 0, 0, 2]
    assert a["n_answered"].tolist() == [2, 0, 1, 1, 0, 0, 0, 2]
    assert a["not_answered"].tolist() == [False, True, False, False, True, True, True, False]
    p = res.per_parameter.set_index(["aspect", "parameter_id"])
    assert np.isnan(p.loc[("email", "p9"), "score"]) and p.loc[("crm", "p2"), "score"] == 50
    none = T.automation_scores(None, mapping).per_aspect
    assert none["not_answered"].all() and none["score"].isna().all()


def test_completeness_gaps_and_stage_model_usage(deals, activities, managers, stage_history):
    res = T.crm_discipline(deals, START, END, activities=activities, stage_history=stage_history, managers=managers)
    per = res.per_manager.loc[["m1", "m2"]]
    gaps = T.completeness_gaps(per, ["share_with_amount", "share_with_lead_source"], 0.7)
    # m1: amount 3/4, source 2/4 → 1 field below 70%; m2: 1/2 and 0 → 2
    assert gaps.offenders.to_dict() == {"m2": 2, "m1": 1} and list(gaps.order) == ["m2", "m1"]
    assert gaps.below.loc["m1"].tolist() == [False, True]
    seen, source = T.deals_per_stage(stage_history, deals)
    assert source == "stage_history" and seen.to_dict() == {"proposal": 1, "qualified": 2}
    by_deal = T.deals_per_stage(None, deals.assign(stage=["won", "won", "lost", "Proposal", None, "new", "new",
                                                         "won", "new"]))
    assert by_deal[1] == "deals" and by_deal[0].to_dict() == {"Proposal": 1, "lost": 1, "new": 3, "won": 3}
    table = T.stage_model_usage(by_deal[0], ["new", "proposal", "contract"], ("won", "lost"))
    # case-insensitive: «Proposal» is the model's proposal; no stage outside the model
    assert table.to_dict("list") == {"stage": ["new", "proposal", "contract"], "in_model": [True, True, True],
                                     "deals": [3, 1, 0]}
    extra = T.stage_model_usage(pd.Series({"new": 2, "demo": 1, "Won": 4}), ["new"], ("won",))
    assert extra.to_dict("list") == {"stage": ["new", "demo"], "in_model": [True, False], "deals": [2, 1]}
    assert T.deals_per_stage(None, None) == (None, None)


def test_automation_summary():
    checklist = pd.DataFrame({"parameter_id": ["p1", "p2", "p3", "p4"], "answer": ["yes", "no", "partly", "yes"]})
    scores = T.automation_scores(checklist, {"crm": ["p1", "p3"], "telephony": ["p2"], "email": ["p4"]})
    out = T.automation_summary(scores)
    # crm (100 + 50) / 2 = 75, telephony 0, email 100; the other aspects unanswered → mean 175 / 3 %
    assert out["score"] == pytest.approx(175 / 300)
    assert out["not_automated"] == ["telephony"] and out["partly"] == ["crm"]
    assert set(out["not_answered"]) == set(T.AUTOMATION_ASPECTS) - {"crm", "telephony", "email"}
    assert out["answered_shares"].to_dict() == {"crm": 0.75, "telephony": 0.0, "email": 1.0}
