"""Plain helpers of the tests (import them as `from helpers import ...`; fixtures live in conftest.py):
paths to the repo, its test fixture files and the shared real data sets, writing small input files,
running report sections outside a kernel, and tables shaped as the metrics receive them."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import yaml

from auditkit.inputs.read import load_inputs
from auditkit.inputs.params import load_params
from auditkit.report.context import Audit

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"  # fixture files kept in git (CRM export samples)
SHARED_DATA = REPO.parent / "shared" / "data"  # the real exports, beside the repo; see the shared_data fixture


def write_stage_notebook(path: Path, *code: str) -> Path:
    """A stand-in stage notebook at `path`: the runner's parameters cell (params_path, run_dir), then
    one code cell per `code`, on the python3 kernel."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('params_path = ""\nrun_dir = None', metadata={"tags": ["parameters"]}),
                *(nbformat.v4.new_code_cell(c) for c in code)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


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


def write_small_client(folder: Path) -> Path:
    """A hand-made client in `folder` (data/ and params.yaml, audit window 2024–2025) to narrow by
    segment, manager, channel and period; returns the parameter file's path.
    Clients: Retail C1, C3, C5 (no deals); Industry C2, C4. Managers M1 Anna Berg, M2 Boris Lind.
    Deals (won/lost, manager, channel): Retail D1 won M1 web, D3 won M2 web, D5 lost M1 web (2025);
    Industry D2 lost M2 expo, D4 lost M1 expo, D6 won M2 expo (2025): win rate 3/6, Retail 2/3,
    2024 alone 2/4. Orders O1 C1, O2 C3, O3 C4; leads L1, L2 web, L3 expo; costs web 500, expo 700."""
    d = folder / "data"
    write(d / "clients.csv", "client_id,name,segment\nC1,Alpha,Retail\nC2,Beta,Industry\nC3,Gamma,Retail\n"
                             "C4,Delta,Industry\nC5,Epsilon,Retail\n")
    write(d / "managers.csv", "manager_id,name\nM1,Anna Berg\nM2,Boris Lind\n")
    write(d / "deals.csv", """
        deal_id,created_at,status,amount,client_id,manager_id,channel,closed_at
        D1,2024-01-05,won,1000,C1,M1,web,2024-02-04
        D2,2024-01-10,lost,3000,C2,M2,expo,2024-03-10
        D3,2024-01-15,won,2000,C3,M2,web,2024-02-15
        D4,2024-02-01,lost,1000,C4,M1,expo,2024-03-01
        D5,2025-02-01,lost,1500,C3,M1,web,2025-03-01
        D6,2025-02-05,won,2500,C4,M2,expo,2025-03-05
    """)
    write(d / "stage_history.csv", "deal_id,stage,entered_at\nD1,new,2024-01-05\nD2,new,2024-01-10\n"
                                   "D3,new,2024-01-15\nD4,new,2024-02-01\nD5,new,2025-02-01\nD6,new,2025-02-05\n")
    write(d / "orders.csv", "order_id,client_id,date,amount\nO1,C1,2024-02-10,1000\nO2,C3,2024-03-11,2000\n"
                            "O3,C4,2025-03-12,2500\n")
    write(d / "leads.csv", "lead_id,created_at,source,channel,deal_id\nL1,2024-01-01,web,web,D1\n"
                           "L2,2024-01-02,web,web,\nL3,2024-01-03,expo,expo,D2\n")
    write(d / "marketing_costs.csv", "period,channel,cost\n2024-01,web,500\n2024-01,expo,700\n")
    return write(folder / "params.yaml", """
        client: Small Client
        period: {start: 2024-01-01, end: 2025-12-31}
        data_dir: data
    """)


CONTRACTS = yaml.safe_load((REPO / "auditkit" / "data" / "contracts.yaml").read_text())
_DTYPES = {"date": "datetime64[ns]", "period": "datetime64[ns]", "money": "float64",
           "number": "float64", "int": "float64", "bool": "boolean"}


def contract_frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A table as the metrics receive it: every contract column, contract dtypes, optional
    columns not given all-NA; extra (checklist item) columns kept as float64."""
    columns = CONTRACTS[table]["columns"]
    raw = pd.DataFrame(rows)
    out = pd.DataFrame(index=raw.index)
    for name, spec in columns.items():
        values = raw[name] if name in raw.columns else pd.Series(None, index=raw.index, dtype="object")
        out[name] = values.astype(_DTYPES.get(spec["type"], "str"))
    for name in raw.columns.difference(list(columns)):
        out[name] = raw[name].astype("float64")
    return out


ORDER_OPTIONAL = {"quantity": "float64", "unit_price": "float64", "cost": "float64",
                  "product": "string", "category": "string", "manager_id": "string",
                  "channel": "string"}


def make_orders(rows, columns=("order_id", "client_id", "date", "amount")):
    """Orders as the platform delivers them: every contract column, absent optional ones all-NA."""
    df = pd.DataFrame(rows, columns=list(columns))
    df["date"] = pd.to_datetime(df["date"], format="ISO8601").astype("datetime64[ns]")
    df["amount"] = df["amount"].astype(float)
    for col in ("order_id", "client_id"):
        df[col] = df[col].astype("string")
    for col, dtype in ORDER_OPTIONAL.items():
        df[col] = df[col].astype(dtype) if col in df else pd.Series(np.nan, index=df.index,
                                                                      dtype=dtype)
    return df


def make_clients(mapping, column="segment"):
    return pd.DataFrame({"client_id": list(mapping),
                         column: list(mapping.values())}).astype("string")


def fake_audit(out: Path, name: str, scorecard: dict[str, float], findings=(), industry: str | None = None,
               overall: float = 50.0, blocks: dict[str, float] | None = None) -> Path:
    """A complete earlier audit of a client as the portfolio reads it (results and the parameter file
    as run), pointed at by `<slug>/latest`; returns the run folder. No kernel is started."""
    slug = name.lower().replace(" ", "-")
    run = out / slug / "20250101-000000-abcd"
    (run / "results").mkdir(parents=True)
    (run / "provenance").mkdir()
    metrics = {"improvement_plan.overall_score": overall}
    metrics.update({f"improvement_plan.block.{b}.score": v for b, v in (blocks or {}).items()})
    (run / "results" / "metrics.json").write_text(json.dumps(metrics))
    (run / "results" / "audit.json").write_text(json.dumps({"client": name}))
    (run / "results" / "scorecard.csv").write_text("id,value\n" + "".join(f"{k},{v}\n" for k, v in scorecard.items()))
    (run / "results" / "findings.csv").write_text("rank,group\n" + "".join(f"{i},{g}\n" for i, g in enumerate(findings, 1)))
    (run / "provenance" / "params.yaml").write_text(f"client: {name}\n" + (f"industry: {industry}\n" if industry else ""))
    os.symlink(run.name, out / slug / "latest")
    return run
