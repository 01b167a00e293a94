"""Tests of the shared integer keys of the ids (auditkit.inputs.keys)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.inputs.keys import add_keys, shared_codes
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from helpers import REPO


def ids(*values) -> pd.Series:
    return pd.Series(values, dtype="string")


def test_the_same_id_has_the_same_key_in_every_table_and_the_ids_own_table_is_keyed_first():
    tables = {
        "activities": pd.DataFrame({"deal_id": ids("D3", None, "D1", "D9"), "client_id": ids("C2", "C2", None, "C1")}),
        "deals": pd.DataFrame({"deal_id": ids("D1", "D2", "D3"), "client_id": ids("C1", "C1", "C2")}),
        "clients": pd.DataFrame({"client_id": ids("C2", "C1")}),
        "managers": None,
        "costs": pd.DataFrame({"channel": ids("web")}),
    }
    add_keys(tables)
    # deals first: D1 0, D2 1, D3 2; then the activities' own D9 3; an empty id is -1
    assert tables["deals"]["deal_key"].tolist() == [0, 1, 2]
    assert tables["activities"]["deal_key"].tolist() == [2, -1, 0, 3]
    # clients first: C2 0, C1 1
    assert tables["clients"]["client_key"].tolist() == [0, 1]
    assert tables["deals"]["client_key"].tolist() == [1, 1, 0]
    assert tables["activities"]["client_key"].tolist() == [0, 0, -1, 1]
    assert tables["deals"]["deal_key"].dtype == np.int32
    assert list(tables["costs"].columns) == ["channel"] and tables["managers"] is None


def test_a_client_without_an_id_in_any_table_gets_no_key_for_it():
    tables = {"orders": pd.DataFrame({"order_id": ids("O1", "O1", "O2"), "client_id": ids("C1", "C1", "C2")})}
    add_keys(tables)
    assert list(tables["orders"].columns) == ["order_id", "client_id", "client_key", "order_key"]
    assert tables["orders"]["order_key"].tolist() == [0, 0, 1]
    assert shared_codes() == []


def test_loaded_tables_carry_keys_that_join_as_the_ids_do():
    data = load_inputs(load_params(REPO / "params" / "demo.yaml"))
    deals, acts, orders = data.tables["deals"], data.tables["activities"], data.tables["orders"]
    assert (deals["deal_key"].to_numpy() == np.arange(len(deals))).all()
    linked = acts["deal_key"].to_numpy() >= 0
    assert linked.any() and (acts["deal_key"] < 0).sum() == acts["deal_id"].isna().sum()
    known = acts.loc[linked & (acts["deal_key"] < len(deals)).to_numpy()]
    assert (deals["deal_id"].to_numpy()[known["deal_key"].to_numpy()] == known["deal_id"].to_numpy()).all()
    clients = data.tables["clients"]
    by_key = dict(zip(clients["client_key"], clients["client_id"]))
    assert all(by_key[k] == c for k, c in zip(orders["client_key"], orders["client_id"]) if k in by_key)
