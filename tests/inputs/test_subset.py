"""Narrowing a client's tables to a segment, manager or channel (auditkit/inputs/subset.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.inputs.subset import choices, subset
from helpers import write


@pytest.fixture
def data(tmp_path: Path):
    d = tmp_path / "data"
    write(d / "clients.csv", "client_id,name,segment\nC1,Alpha,Retail\nC2,Beta,Industry\nC3,Gamma,Retail\n")
    write(d / "managers.csv", "manager_id,name\nM1,Anna Berg\nM2,Boris Lind\n")
    write(d / "deals.csv", """
        deal_id,created_at,status,amount,client_id,manager_id,channel,closed_at
        D1,2024-01-05,won,1000,C1,M1,web,2024-02-04
        D2,2024-01-10,lost,3000,C2,M2,expo,2024-03-10
        D3,2024-01-15,won,2000,C3,M2,web,2024-02-15
    """)
    write(d / "stage_history.csv", "deal_id,stage,entered_at\nD1,new,2024-01-05\nD2,new,2024-01-10\nD3,new,2024-01-15\n")
    write(d / "orders.csv", "order_id,client_id,date,amount\nO1,C1,2024-02-10,100\nO2,C2,2024-03-11,250\nO3,C3,2024-04-02,80\n")
    write(d / "leads.csv", "lead_id,created_at,source,channel,deal_id\nL1,2024-01-01,web,web,D1\nL2,2024-01-02,web,web,\n"
                           "L3,2024-01-03,expo,expo,D2\n")
    write(d / "marketing_costs.csv", "period,channel,cost\n2024-01,web,500\n2024-01,expo,700\n")
    params = write(tmp_path / "params.yaml", """
        client: Subset Test
        period: {start: 2024-01-01, end: 2024-06-30}
        data_dir: data
    """)
    loaded = load_inputs(load_params(params))
    assert not loaded.errors
    return loaded


def ids(df, column):
    return sorted(df[column].astype(str))


def test_segment_narrows_through_clients_and_deals_and_keeps_tables_without_it(data):
    retail = subset(data, segment="Retail")
    t = retail.tables
    assert ids(t["clients"], "client_id") == ["C1", "C3"]
    assert ids(t["orders"], "order_id") == ["O1", "O3"]  # by client_id
    assert ids(t["deals"], "deal_id") == ["D1", "D3"]  # by client_id
    assert ids(t["stage_history"], "deal_id") == ["D1", "D3"]  # by deal_id -> client -> segment
    assert len(t["marketing_costs"]) == 2 and len(t["leads"]) == 3  # no segment: kept whole
    assert len(data.tables["clients"]) == 3  # the original is unchanged


def test_manager_and_channel_combine_and_accept_lists(data):
    t = subset(data, manager="M2", channel="web").tables
    assert ids(t["deals"], "deal_id") == ["D3"]
    assert ids(t["managers"], "manager_id") == ["M2"]
    assert ids(t["leads"], "lead_id") == ["L1", "L2"]  # leads by their own channel
    assert ids(t["marketing_costs"], "channel") == ["web"]
    both = subset(data, manager=["M1", "M2"]).tables
    assert ids(both["deals"], "deal_id") == ["D1", "D2", "D3"]


def test_no_filter_is_the_same_data_and_choices_are_ranked(data):
    assert subset(data) is data
    found = choices(data)
    assert found["segment"] == ["Retail", "Industry"]  # most frequent first
    assert set(found["manager"]) == {"M1", "M2"}
    assert found["channel"][0] == "web"
