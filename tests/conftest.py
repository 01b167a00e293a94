"""Shared fixtures: paths to the repo, the shared real data sets, and a tiny valid client."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditkit.inputs.read import load_inputs
from auditkit.inputs.params import load_params
from auditkit.report.context import Audit

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def run_sections(params_path: Path, run_dir: Path | None, stage_module, sections) -> Audit:
    """Run section functions of a stage module through a real Audit (outside a kernel); returns
    the audit with `shown` = the HTML it displayed, besides its metrics and results."""
    params = load_params(params_path)
    data = load_inputs(params)
    assert not data.errors, data.errors[:3]
    audit = Audit(stage_module.__name__.rsplit(".", 1)[-1], params, data, run_dir=run_dir)
    shown: list[str] = []
    audit.show = shown.append
    for section in sections:
        getattr(stage_module, section)(audit)
    audit.shown = "\n".join(shown)
    return audit


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding=encoding)
    return path


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
