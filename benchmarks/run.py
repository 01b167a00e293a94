"""Speed and memory of auditkit, printed as figures (no pass/fail: targets are read by people).

    .venv/bin/python benchmarks/run.py            # everything (several minutes)
    .venv/bin/python benchmarks/run.py demo floor # only some parts

Parts:
  demo      one full audit of the demo client (kernels, notebooks, HTML and PDF export)
  floor     the same work in one Python process: load, every stage notebook's code (computations
            and charts), the report HTML and its PDF — no kernel, no papermill
  byhand    the same notebooks run the way a user would: `papermill` per notebook, then `jupyter nbconvert`
  stage1    stage 1 on generated clients with 1,000,000 and 4,000,000 order lines: time and peak memory
  scale     stage 2 and 5 metrics at 1x and 4x of 200,000 deals, 1,000,000 stage-history rows, 1,000,000 activities
            (the shared id keys are made first, as loading a client makes them, and timed apart)
  rerun     an analyst's re-run of one section after changing a norm, tables already loaded
  batch     a batch of four clients (the demo and the three real-export examples): clients per minute on the
            local process pool and on a Dask LocalCluster with 1 and 2 workers; re-checking it when up to date
Every part runs in a fresh interpreter; "cpu" is the user + system time of that process and its
children (kernels included). On a shared machine compare cpu rather than wall, and read the load
average printed before and after.
Targets (issue #16): export <= 25% of the demo's wall time; demo <= 1.2x the floor; stage 1 on 1M
lines <= 20 s and < 1 GB, 4M lines <= 4.2x the time of 1M; stages 2 and 5 at 4x <= 4.2x of 1x;
the re-run < 2 s.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BIN = Path(PY).parent


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(code: str, *args: str) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON line of figures as its last line.
    Adds wall_s and cpu_s (the interpreter and everything it started)."""
    cpu, t = _cpu_children(), time.perf_counter()
    out = subprocess.run([PY, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"benchmark child failed:\n{out.stderr[-3000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return {**figures, "wall_s": time.perf_counter() - t, "cpu_s": _cpu_children() - cpu}


def _line(title: str, figures: dict, keys: list[str] | None = None) -> str:
    shown = {k: figures[k] for k in keys or figures if k in figures}
    return f"{title}: " + ", ".join(f"{k} {v:.1f}" for k, v in shown.items())


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


DEMO = """
import json, sys
from auditkit.runner import run_client
r = run_client("params/demo.yaml", sys.argv[1])
assert r.ok, r.failure
print(json.dumps({k + "_s": v for k, v in r.seconds.items()}))
"""


def demo(out: Path) -> dict:
    return _child(DEMO, str(out))


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
from auditkit.report.export import render_html
from auditkit.report.pdf import write_pdf
from auditkit.report.results import merge_metrics
import auditkit.report.context
t_import = time.perf_counter() - t0
params_path, stages, export = Path(sys.argv[1]).resolve(), sys.argv[2].split(","), sys.argv[3] == "export"
run_dir = Path(tempfile.mkdtemp())
t = time.perf_counter()
params = load_params(params_path)
data = load_inputs(params)
assert not data.errors, data.errors[:3]
write_cache(data, run_dir)
t_load = time.perf_counter() - t
t = time.perf_counter()
stage_seconds, executed, outputs = {}, [], []
show = lambda obj, *a, **k: outputs.append(nbformat.v4.new_output(
    "display_data", data={"text/html": obj.data, "text/plain": "<IPython.core.display.HTML object>"}))
(run_dir / "notebooks").mkdir()
with mock.patch.object(auditkit.report.context, "display", show):
    for nb_path in stage_notebooks():
        stage = nb_path.stem.split("_", 1)[1]
        if stages != ["all"] and stage not in stages:
            continue
        ts = time.perf_counter()
        nb = nbformat.read(nb_path, 4)
        ns = {"params_path": str(params_path), "run_dir": str(run_dir)}
        for cell in nb.cells:
            if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                outputs = cell.outputs = []
                exec(cell.source, ns)
        nbformat.write(nb, run_dir / "notebooks" / nb_path.name)
        executed.append(run_dir / "notebooks" / nb_path.name)
        stage_seconds[stage + "_s"] = time.perf_counter() - ts
t_sections = time.perf_counter() - t
figures = {"import_s": t_import, "load_validate_s": t_load, "sections_s": t_sections, **stage_seconds}
if export:
    merge_metrics(run_dir)
    t = time.perf_counter()
    html = render_html(params, executed, data)
    (run_dir / "report.html").write_text(html, encoding="utf-8")
    figures["html_s"] = time.perf_counter() - t
    t = time.perf_counter()
    write_pdf(html, run_dir / "report.pdf", run_dir, params.client)
    figures["pdf_s"] = time.perf_counter() - t
figures["total_s"] = time.perf_counter() - t0
figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(figures))
"""


def floor(params: str = "params/demo.yaml", stages: str = "all", export: bool = True) -> dict:
    """The demo's work in one Python process: no kernel, no papermill, the same export functions."""
    return _child(FLOOR, params, stages, "export" if export else "no-export")


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


ORDER_LINES = """
import sys, numpy as np, pandas as pd
from pathlib import Path
out, scale = Path(sys.argv[1]), int(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(1)
n, k, m = 1_000_000 * scale, 20_000 * scale, 250_000 * scale  # lines, clients, orders
clients = pd.DataFrame({"client_id": [f"C{i:06d}" for i in range(k)],
                        "segment": rng.choice(["Retail", "Industry", "HoReCa", "Wholesale"], k)})
order_no = np.sort(rng.integers(0, m, n))
day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 731, m), unit="D")
owner = rng.integers(0, k, m)
orders = pd.DataFrame({"order_id": np.char.add("O", order_no.astype(str)),
                       "client_id": clients["client_id"].to_numpy()[owner[order_no]],
                       "date": day[order_no].strftime("%Y-%m-%d"),
                       "amount": np.round(rng.lognormal(8, 1, n) * np.where(rng.random(n) < 0.01, -1, 1), 2),
                       "cost": 0.0})
orders["cost"] = (orders["amount"].abs() * 0.7).round(2)
orders.to_csv(out / "orders.csv", index=False)
clients.to_csv(out / "clients.csv", index=False)
(out.parent / "client.yaml").write_text(
    "client: Many Lines\\nperiod: {start: 2024-01-01, end: 2025-12-31}\\ndata_dir: data\\n")
print('{}')
"""


def stage1(work: Path, scale: int) -> dict:
    """Generate a client with scale x 1,000,000 order lines (scale x 20,000 clients), then stage 1
    (load, validation, every section with its charts) in one process, no export."""
    _child(ORDER_LINES, str(work / "data"), str(scale))
    return floor(str(work / "client.yaml"), "data_collection", export=False)


SCALE = """
import json, sys, time, resource
from auditkit.inputs.keys import add_keys  # auditkit first, as in the runner and its kernels: its numpy settings
from auditkit.metrics import process, communication
import numpy as np, pandas as pd
x = int(sys.argv[1])
rng = np.random.default_rng(2)
nd, ns, na, no = 200_000 * x, 1_000_000 * x, 1_000_000 * x, 300_000 * x
nc = 40_000 * x
start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")
created = start + pd.to_timedelta(rng.integers(0, 700, nd), unit="D")
status = rng.choice(["won", "lost", "open"], nd, p=[0.3, 0.5, 0.2])
closed = pd.Series(created + pd.to_timedelta(rng.integers(1, 120, nd), unit="D")).where(status != "open")
ids = pd.array([f"D{i}" for i in range(nd)], dtype="string")
deals = pd.DataFrame({"deal_id": ids, "created_at": created, "status": pd.array(status, dtype="string"),
    "amount": rng.lognormal(10, 1, nd), "client_id": pd.array([f"C{i}" for i in rng.integers(0, nc, nd)], dtype="string"),
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
    "deal_id": ids[rng.integers(0, nd, na)], "client_id": pd.array([f"C{i}" for i in rng.integers(0, nc, na)], dtype="string")})
orders = pd.DataFrame({"order_id": pd.array([f"O{i}" for i in range(no)], dtype="string"),
    "client_id": pd.array([f"C{i}" for i in rng.integers(0, nc, no)], dtype="string"),
    "date": start + pd.to_timedelta(rng.integers(0, 730, no), unit="D"), "amount": rng.lognormal(9, 1, no)})
c = time.process_time()  # made once when a client's tables are loaded (as auditkit.inputs.read does), not by a stage
add_keys({"deals": deals, "stage_history": sh, "activities": acts, "orders": orders})
ck = time.process_time() - c
t, c = time.perf_counter(), time.process_time()
process.win_rate(deals, start, end, by="manager_id"); process.sales_cycle(deals, start, end, by="channel")
process.open_pipeline(deals, end, by="stage"); process.lost_reasons(deals, start, end)
process.stage_analysis(sh, end, stages=list(stages), deals=deals)
process.activities_per_won_deal(acts, deals, start, end, by="channel")
t2, c2 = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
communication.post_sale_contact(deals, orders, acts, 14); communication.won_to_first_order(deals, orders)
t5, c5 = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"stage2_s": t2, "stage2_cpu_s": c2, "stage5_s": t5, "stage5_cpu_s": c5, "keys_cpu_s": ck,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


RERUN = """
import json, sys, tempfile, time
from pathlib import Path
from unittest import mock
import auditkit.report.context
from auditkit import open_stage
from auditkit.inputs.cache import write_cache
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.report.sections import data_collection as stage
params = load_params("params/demo.yaml")
run_dir = Path(tempfile.mkdtemp())
write_cache(load_inputs(params), run_dir)
with mock.patch.object(auditkit.report.context, "display", lambda *a, **k: None):
    audit = open_stage("data_collection", "params/demo.yaml", run_dir)  # the analyst's open notebook
    stage.retention(audit)
    norms = audit.params.norms.model_copy(update={"data_collection": audit.params.norms.data_collection.model_copy(
        update={"retention": 0.9, "retention_freq": "M"})})
    audit.params = audit.params.model_copy(update={"norms": norms})  # a norm and the period changed
    t, c = time.perf_counter(), time.process_time()
    stage.retention(audit)
print(json.dumps({"rerun_s": time.perf_counter() - t, "rerun_cpu_s": time.process_time() - c}))
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
    parts = parts or ["demo", "floor", "byhand", "stage1", "scale", "rerun", "batch"]
    work = Path(tempfile.mkdtemp(prefix="auditkit-bench-"))
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; {_load()}", flush=True)
    try:
        results = {}
        if "demo" in parts:
            results["demo"] = d = demo(work / "outputs")
            print(_line("demo audit (kernels, notebooks, export)", d), flush=True)
            print(f"  export share of the demo's wall time: {d['export_s'] / d['wall_s']:.0%} (target <= 25%)",
                  flush=True)
        if "floor" in parts:
            results["floor"] = f = floor()
            print(_line("floor (the same work in one process: load, sections, HTML, PDF)", f), flush=True)
        if "demo" in results and "floor" in results:
            d, f = results["demo"], results["floor"]
            print(f"demo / floor = {d['wall_s'] / f['wall_s']:.2f}x wall, {d['cpu_s'] / f['cpu_s']:.2f}x cpu "
                  "(target <= 1.2x)", flush=True)
        if "byhand" in parts:
            print(_line("by hand (papermill CLI per notebook + nbconvert CLI)", byhand(work / "byhand")), flush=True)
        if "stage1" in parts:
            one, four = stage1(work / "m1", 1), stage1(work / "m4", 4)
            for n, s in (("1,000,000", one), ("4,000,000", four)):
                print(f"stage 1 on {n} order lines: {s['wall_s']:.1f} s wall, {s['cpu_s']:.1f} s cpu (load+validate "
                      f"{s['load_validate_s']:.1f} s, sections {s['sections_s']:.1f} s), peak {s['peak_rss_mb']:.0f} MB",
                      flush=True)
            print(f"  4M / 1M = {four['wall_s'] / one['wall_s']:.2f}x wall, {four['cpu_s'] / one['cpu_s']:.2f}x cpu "
                  "(targets: 1M <= 20 s and < 1024 MB; 4M / 1M <= 4.2x)", flush=True)
        if "scale" in parts:
            s1, s4 = _child(SCALE, "1"), _child(SCALE, "4")
            for x, s in (("1x (200k deals, 1M stage rows, 1M activities)", s1), ("4x", s4)):
                print(f"stages 2 and 5 at {x}: stage 2 {s['stage2_s']:.1f} s ({s['stage2_cpu_s']:.1f} cpu), "
                      f"stage 5 {s['stage5_s']:.1f} s ({s['stage5_cpu_s']:.1f} cpu), peak {s['peak_rss_mb']:.0f} MB",
                      flush=True)
            print(f"  4x / 1x cpu: stage 2 {s4['stage2_cpu_s'] / s1['stage2_cpu_s']:.2f}x, stage 5 "
                  f"{s4['stage5_cpu_s'] / s1['stage5_cpu_s']:.2f}x (target <= 4.2x); the shared id keys, made "
                  f"once at load (not a stage's time): {s1['keys_cpu_s']:.2f} s -> {s4['keys_cpu_s']:.2f} s cpu "
                  f"({s4['keys_cpu_s'] / s1['keys_cpu_s']:.2f}x: hashing 800k distinct ids outgrows the caches that "
                  "200k fit)", flush=True)
        if "rerun" in parts:
            r = _child(RERUN)
            print(f"analyst's re-run of the retention section after a norm change (tables loaded): "
                  f"{r['rerun_s']:.2f} s wall, {r['rerun_cpu_s']:.2f} s cpu (target < 2 s)", flush=True)
        if "batch" in parts:
            b = batch(work / "batch")
            print(f"batch of {len(BATCH_CLIENTS)} clients, clients per minute: local pool 1 job "
                  f"{b['pool1_clients_per_min']:.1f}, 2 jobs {b['pool2_clients_per_min']:.1f}; Dask LocalCluster "
                  f"1 worker {b['local1_clients_per_min']:.1f}, 2 workers {b['local2_clients_per_min']:.1f}; "
                  f"re-checking the batch when up to date: {b['recheck_s']:.2f} s (no kernel started)", flush=True)
        print(_load())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
