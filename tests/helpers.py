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
