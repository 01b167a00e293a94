"""Narrowing a client's tables to a segment, manager or channel (auditkit/inputs/subset.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.inputs.subset import choices, subset
from helpers import write_small_client


@pytest.fixture
def data(tmp_path: Path):
    loaded = load_inputs(load_params(write_small_client(tmp_path)))
    assert not loaded.errors
    return loaded


def ids(df, column):
    return sorted(df[column].astype(str))


def test_segment_narrows_through_clients_and_deals_and_keeps_tables_without_it(data):
    retail = subset(data, segment="Retail")
    t = retail.tables
    assert ids(t["clients"], "client_id") == ["C1", "C3", "C5"]
    assert ids(t["orders"], "order_id") == ["O1", "O2"]  # by client_id
    assert ids(t["deals"], "deal_id") == ["D1", "D3", "D5"]  # by client_id
    assert ids(t["stage_history"], "deal_id") == ["D1", "D3", "D5"]  # by deal_id -> client -> segment
    assert len(t["marketing_costs"]) == 2 and len(t["leads"]) == 3  # no segment: kept whole
    assert len(data.tables["clients"]) == 5  # the original is unchanged


def test_manager_and_channel_combine_and_accept_lists(data):
    t = subset(data, manager="M2", channel="web").tables
    assert ids(t["deals"], "deal_id") == ["D3"]
    assert ids(t["managers"], "manager_id") == ["M2"]
    assert ids(t["leads"], "lead_id") == ["L1", "L2"]  # leads by their own channel
    assert ids(t["marketing_costs"], "channel") == ["web"]
    both = subset(data, manager=["M1", "M2"]).tables
    assert ids(both["deals"], "deal_id") == ["D1", "D2", "D3", "D4", "D5", "D6"]


def test_no_filter_is_the_same_data_and_choices_are_ranked(data):
    assert subset(data) is data
    found = choices(data)
    assert found["segment"] == ["Retail", "Industry"]  # most frequent first
    assert set(found["manager"]) == {"M1", "M2"}
    assert found["channel"][0] == "web"
