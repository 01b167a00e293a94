"""Speed and memory of auditkit, printed as figures (no pass/fail: targets are read by people).

    .venv/bin/python benchmarks/run.py            # everything (a few minutes)
    .venv/bin/python benchmarks/run.py demo floor # only some parts

Parts:
  demo      one full audit of the demo client: notebook execution and export, wall time
  floor     the same computations and charts (the stage notebooks' code) in one Python process
  byhand    the same notebooks run the way a user would: `papermill` per notebook, then `jupyter nbconvert`
  million   stage 1 on a generated client with 1,000,000 order lines: time and peak memory
  scale     stage 2 and 5 metrics on 200,000 deals, 1,000,000 stage-history rows, 1,000,000 activities
  batch     a batch of four clients (the demo and the three real-export examples): clients per minute on the
            local process pool and on a Dask LocalCluster with 1 and 2 workers; re-checking it when up to date
Targets (issue): demo within 1.5x of the floor; stage 1 on a million lines within 20 s and 2 GB.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BIN = Path(PY).parent


def _child(code: str, *args: str) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON line of figures as its last line."""
    out = subprocess.run([PY, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def demo(out: Path) -> dict:
    code = """
import json, sys, time
from auditkit.runner import run_client
t = time.perf_counter()
r = run_client("params/demo.yaml", sys.argv[1])
assert r.ok, r.failure
print(json.dumps({"total_s": time.perf_counter() - t, **{k + "_s": v for k, v in r.seconds.items()}}))
"""
    return _child(code, str(out))


FLOOR = """
import json, sys, time, resource, tempfile
from pathlib import Path
t0 = time.perf_counter()
from unittest import mock
import nbformat
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.inputs.cache import write_cache
from auditkit.runner import stage_notebooks
import auditkit.report.context
t_import = time.perf_counter() - t0
params_path, stages = Path(sys.argv[1]).resolve(), sys.argv[2].split(",")
run_dir = Path(tempfile.mkdtemp())
t = time.perf_counter()
data = load_inputs(load_params(params_path))
assert not data.errors, data.errors[:3]
write_cache(data, run_dir)
t_load = time.perf_counter() - t
t = time.perf_counter()
with mock.patch.object(auditkit.report.context, "display", lambda *a, **k: None):
    for nb in stage_notebooks():
        if stages != ["all"] and nb.stem.split("_", 1)[1] not in stages:
            continue
        ns = {"params_path": str(params_path), "run_dir": str(run_dir)}
        for cell in nbformat.read(nb, 4).cells:
            if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                exec(cell.source, ns)
t_sections = time.perf_counter() - t
print(json.dumps({"import_s": t_import, "load_validate_s": t_load, "sections_s": t_sections,
                  "total_s": time.perf_counter() - t0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def floor(params: str = "params/demo.yaml", stages: str = "all") -> dict:
    """The stage notebooks' code run directly in one Python process, without kernels or export."""
    return _child(FLOOR, params, stages)


def byhand(out: Path) -> dict:
    """papermill CLI per stage notebook, then the nbconvert CLI on each (what a user would type)."""
    from auditkit.runner import stage_notebooks

    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    executed = []
    for nb in stage_notebooks():
        target = out / nb.name
        subprocess.run([str(BIN / "papermill"), str(nb), str(target), "-p", "params_path",
                        str(ROOT / "params/demo.yaml"), "--cwd", str(nb.parent), "--no-progress-bar"],
                       check=True, capture_output=True)
        executed.append(target)
    t_exec = time.perf_counter() - t
    t = time.perf_counter()
    for target in executed:
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(target)],
                       check=True, capture_output=True)
    return {"papermill_cli_s": t_exec, "nbconvert_cli_s": time.perf_counter() - t,
            "total_s": t_exec + time.perf_counter() - t, "notebooks": len(executed)}


def million(work: Path) -> dict:
    """Generate a client with 1,000,000 order lines (20,000 clients), then stage 1 in one process."""
    code = """
import sys, numpy as np, pandas as pd
from pathlib import Path
out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(1)
n, k = 1_000_000, 20_000
clients = pd.DataFrame({"client_id": [f"C{i:05d}" for i in range(k)],
                        "segment": rng.choice(["Retail", "Industry", "HoReCa", "Wholesale"], k)})
order_no = np.sort(rng.integers(0, 250_000, n))
day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 731, 250_000), unit="D")
owner = rng.integers(0, k, 250_000)
orders = pd.DataFrame({"order_id": np.char.add("O", order_no.astype(str)),
                       "client_id": clients["client_id"].to_numpy()[owner[order_no]],
                       "date": day[order_no].strftime("%Y-%m-%d"),
                       "amount": np.round(rng.lognormal(8, 1, n) * np.where(rng.random(n) < 0.01, -1, 1), 2),
                       "cost": 0.0})
orders["cost"] = (orders["amount"].abs() * 0.7).round(2)
orders.to_csv(out / "orders.csv", index=False)
clients.to_csv(out / "clients.csv", index=False)
(out.parent / "million.yaml").write_text(
    "client: Million Lines\\nperiod: {start: 2024-01-01, end: 2025-12-31}\\ndata_dir: data\\n")
print('{}')
"""
    _child(code, str(work / "data"))
    t = time.perf_counter()
    figures = floor(str(work / "million.yaml"), "data_collection")
    figures["wall_s"] = time.perf_counter() - t
    return figures


SCALE = """
import json, time, resource, numpy as np, pandas as pd
from auditkit.metrics import process, communication
rng = np.random.default_rng(2)
nd, ns, na = 200_000, 1_000_000, 1_000_000
start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")
created = start + pd.to_timedelta(rng.integers(0, 700, nd), unit="D")
status = rng.choice(["won", "lost", "open"], nd, p=[0.3, 0.5, 0.2])
closed = pd.Series(created + pd.to_timedelta(rng.integers(1, 120, nd), unit="D")).where(status != "open")
ids = pd.array([f"D{i}" for i in range(nd)], dtype="string")
deals = pd.DataFrame({"deal_id": ids, "created_at": created, "status": pd.array(status, dtype="string"),
    "amount": rng.lognormal(10, 1, nd), "client_id": pd.array([f"C{i}" for i in rng.integers(0, 40_000, nd)], dtype="string"),
    "manager_id": pd.array([f"M{i:02d}" for i in rng.integers(0, 30, nd)], dtype="string"),
    "lead_source": pd.array(rng.choice(["web", "expo", "cold", "partner"], nd), dtype="string"),
    "channel": pd.array(rng.choice(["web", "expo", "cold", "partner"], nd), dtype="string"),
    "stage": pd.array(rng.choice(["new", "qualification", "proposal", "negotiation"], nd), dtype="string"),
    "closed_at": closed, "expected_close": created + pd.Timedelta(days=60), "probability": np.nan,
    "lost_reason": pd.array(np.where(status == "lost", rng.choice(["price", "timing"], nd), None), dtype="string")})
stages = np.array(["new", "qualification", "proposal", "negotiation", "contract"])
sh_deal = np.sort(rng.integers(0, nd, ns))
sh = pd.DataFrame({"deal_id": ids[sh_deal], "stage": pd.array(stages[rng.integers(0, 5, ns)], dtype="string"),
    "entered_at": created[sh_deal] + pd.to_timedelta(rng.integers(0, 90, ns), unit="D")})
acts = pd.DataFrame({"activity_id": pd.array([f"A{i}" for i in range(na)], dtype="string"),
    "manager_id": pd.array([f"M{i:02d}" for i in rng.integers(0, 30, na)], dtype="string"),
    "type": pd.array(rng.choice(["call", "email", "meeting"], na), dtype="string"),
    "date": start + pd.to_timedelta(rng.integers(0, 730, na), unit="D"),
    "deal_id": ids[rng.integers(0, nd, na)], "client_id": pd.array([f"C{i}" for i in rng.integers(0, 40_000, na)], dtype="string")})
orders = pd.DataFrame({"order_id": pd.array([f"O{i}" for i in range(300_000)], dtype="string"),
    "client_id": pd.array([f"C{i}" for i in rng.integers(0, 40_000, 300_000)], dtype="string"),
    "date": start + pd.to_timedelta(rng.integers(0, 730, 300_000), unit="D"), "amount": rng.lognormal(9, 1, 300_000)})
t = time.perf_counter()
process.win_rate(deals, start, end, by="manager_id"); process.sales_cycle(deals, start, end, by="channel")
process.open_pipeline(deals, end, by="stage"); process.lost_reasons(deals, start, end)
process.stage_analysis(sh, end, stages=list(stages), deals=deals)
process.activities_per_won_deal(acts, deals, start, end, by="channel")
t2 = time.perf_counter() - t
t = time.perf_counter()
communication.post_sale_contact(deals, orders, acts, 14); communication.won_to_first_order(deals, orders)
t5 = time.perf_counter() - t
print(json.dumps({"stage2_s": t2, "stage5_s": t5, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


BATCH = """
import json, sys, time
from pathlib import Path
from auditkit.batch.engine import run_batch
paths = [Path(p) for p in sys.argv[3].split(",")]
if sys.argv[2] == "recheck":  # every client is up to date: no kernel may start
    from auditkit import runner
    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started for an up-to-date client")
    runner.KernelLane.execute = no_kernel
    scheduler, jobs = None, 2
else:
    scheduler, jobs = (None, int(sys.argv[2][4:])) if sys.argv[2].startswith("pool") else ("local", int(sys.argv[2][5:]))
t = time.perf_counter()
results = run_batch(paths, Path(sys.argv[1]), jobs, scheduler=scheduler)
took = time.perf_counter() - t
assert all(r.ok for r in results), [r.failure for r in results if not r.ok]
print(json.dumps({"s": took, "clients": len(results), "up_to_date": sum(r.up_to_date for r in results)}))
"""
BATCH_CLIENTS = ["params/demo.yaml", "params/examples/maven_crm.yaml", "params/examples/olist_funnel.yaml",
                 "params/examples/online_retail.yaml"]


def batch(work: Path) -> dict:
    """Batch throughput (clients per minute) of the same four clients: the local process pool with 1 and
    2 jobs, a Dask LocalCluster with 1 and 2 workers; then the time to re-check the batch when every
    client is up to date (fingerprints only: a started kernel fails it)."""
    clients = ",".join(BATCH_CLIENTS)
    figures = {}
    for engine in ("pool1", "pool2", "local1", "local2"):
        run = _child(BATCH, str(work / engine), engine, clients)
        figures[f"{engine}_clients_per_min"] = run["clients"] / run["s"] * 60
    figures["recheck_s"] = _child(BATCH, str(work / "local2"), "recheck", clients)["s"]
    return figures


def main(parts: list[str]) -> None:
    parts = parts or ["demo", "floor", "byhand", "million", "scale", "batch"]
    work = Path(tempfile.mkdtemp(prefix="auditkit-bench-"))
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    try:
        results = {}
        if "demo" in parts:
            results["demo"] = demo(work / "outputs")
            print("demo audit (papermill in-process, notebooks + export): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in results["demo"].items()))
        if "floor" in parts:
            results["floor"] = floor()
            print("floor (all stage notebooks' code in one process, no kernel, no export): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in results["floor"].items()))
        if "demo" in results and "floor" in results:
            print(f"demo / floor = {results['demo']['total_s'] / results['floor']['total_s']:.2f}x (target <= 1.5x)")
        if "byhand" in parts:
            results["byhand"] = byhand(work / "byhand")
            print("by hand (papermill CLI per notebook + nbconvert CLI): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in results["byhand"].items()))
        if "million" in parts:
            results["million"] = million(work / "million")
            m = results["million"]
            print(f"stage 1 on 1,000,000 order lines: {m['wall_s']:.1f} s wall (load+validate "
                  f"{m['load_validate_s']:.1f} s, sections {m['sections_s']:.1f} s), peak {m['peak_rss_mb']:.0f} MB "
                  "(target 20 s, 2048 MB)")
        if "scale" in parts:
            s = _child(SCALE)
            print(f"stages 2 and 5 on 200k deals / 1M stage rows / 1M activities: stage 2 {s['stage2_s']:.1f} s, "
                  f"stage 5 {s['stage5_s']:.1f} s, peak {s['peak_rss_mb']:.0f} MB")
        if "batch" in parts:
            b = batch(work / "batch")
            print(f"batch of {len(BATCH_CLIENTS)} clients, clients per minute: local pool 1 job "
                  f"{b['pool1_clients_per_min']:.1f}, 2 jobs {b['pool2_clients_per_min']:.1f}; Dask LocalCluster "
                  f"1 worker {b['local1_clients_per_min']:.1f}, 2 workers {b['local2_clients_per_min']:.1f}; "
                  f"re-checking the batch when up to date: {b['recheck_s']:.2f} s (no kernel started)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
