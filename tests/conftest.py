"""Shared fixtures: a tiny valid client and the shared real data sets (plain helpers: helpers.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.register_assert_rewrite("helpers")  # its asserts (run_sections) explain themselves as in a test

from helpers import REPO, SHARED_DATA, write  # noqa: E402


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo client's whole audit (English), run once per test session (the e2e tests that read
    it are in the xdist group "demo", so that one worker runs them all); returns the RunResult."""
    from auditkit.runner import run_client

    result = run_client(REPO / "params" / "demo.yaml", tmp_path_factory.mktemp("demo"))
    assert result.ok, result.failure
    return result


@pytest.fixture(scope="session")
def shared_data():
    """A real data set of ../shared/data by folder name: `shared_data("maven_crm")` is its folder.
    The test is skipped, saying so, when the folder is absent: the exports are not in the repo."""
    def dataset(name: str) -> Path:
        folder = SHARED_DATA / name
        if not folder.is_dir():
            pytest.skip(f"../shared/data/{name} not found: the real exports live beside the repo in shared/data")
        return folder
    return dataset


@pytest.fixture
def tiny_client(tmp_path: Path) -> Path:
    """A valid minimal client (orders + clients) and its parameter file; returns the YAML path."""
    data = tmp_path / "data"
    write(data / "clients.csv", """
        client_id,name,segment
        C1,Alpha,Retail
        C2,Beta,Industry
        C3,"<script>alert(1)</script>",Retail
    """)
    write(data / "orders.csv", """
        order_id,client_id,date,amount
        O1,C1,2024-01-10,100
        O2,C2,2024-02-11,250.5
        O3,C1,2024-04-02,80
        O3,C1,2024-04-02,-20
        O4,C3,2024-05-20,40
    """)
    return write(tmp_path / "params" / "tiny.yaml", """
        client: Tiny Trading
        language: en
        currency: EUR
        period: {start: 2024-01-01, end: 2024-06-30}
        data_dir: ../data
    """)
