"""Run audits: one client's stage notebooks with papermill, then the report; or a batch of clients.

A run is built in a hidden `.<run-id>.partial` folder and renamed to `<run-id>` only when the
report is complete, so a failed or interrupted run never overwrites an earlier one. A failed run's
folder is kept as `<run-id>.failed` with the partially executed notebook. An interrupted run (Ctrl-C)
and a run that cannot write (a read-only or full disk) remove their `.partial` folder; one left by a
killed process (kill -9, a power cut) is removed by the next run of the client, and so are the kernel
socket files such a process leaves in the temporary folder.
"""
from __future__ import annotations

import datetime as dt
import errno
import multiprocessing
import os
import queue
import re
import secrets
import signal
import shutil
import tempfile
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import papermill as pm
import psutil
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync

from auditkit.errors import ParamsError
from auditkit.inputs.anonymise import anonymise_managers
from auditkit.inputs.cache import write_cache
from auditkit.inputs.params import load_params
from auditkit.inputs.provenance import write_provenance
from auditkit.inputs.read import load_inputs
from auditkit.inputs.validation import describe
from auditkit.report.export import KINDS, export_report
from auditkit.report.results import merge_metrics
from auditkit.stages import STAGES

# The repo's notebooks/, installed as the package auditkit.notebooks (editable or from the wheel)
NOTEBOOKS_DIR = Path(str(resources.files("auditkit.notebooks")))
EXPRESS_NOTEBOOK = "express_report.ipynb"  # not numbered: the stage runner ignores it
KERNEL_START_RETRIES = 2
STAGE_POLL_S = 0.5  # how often a batch passes on its workers' stage progress


@dataclass
class RunResult:
    """What happened to one client's run."""

    params_path: Path
    client: str = ""
    ok: bool = False
    run_dir: Path | None = None
    report_html: Path | None = None
    report_pdf: Path | None = None
    failure: str = ""  # one line: where and why
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False  # a batch found its latest complete run current and did not run it (auditkit.batch)


def stage_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The stage notebooks that exist, in audit order (01_… to 06_…)."""
    found = {p.stem.split("_", 1)[1]: p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb")}
    return [found[s] for s in STAGES if s in found]


def new_run_id() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


KERNEL_FILES = "auditkit-kernel-{pid}-{token}"  # in the temporary folder: the sockets and the connection file
KERNEL_FILE = re.compile(r"auditkit-kernel-(\d{1,9})-[0-9a-f]{16}(?:-\d+|\.json)")


class PrivateSocketKernelManager(AsyncKernelManager):
    """A kernel talking over Unix sockets with a unique name: parallel runs have no TCP ports to
    clash over (papermill #511); the sockets are removed when the kernel shuts down. Their names and
    the connection file's carry the process id, so that those of a killed process can be found."""

    def __init__(self, **kwargs):
        name = os.path.join(tempfile.gettempdir(), KERNEL_FILES.format(pid=os.getpid(), token=secrets.token_hex(8)))
        super().__init__(transport="ipc", ip=name, connection_file=f"{name}.json", **kwargs)


OWNER_FILE = "owner"  # in a .partial folder: "<pid> <process start time>" of the process building it


def _owner_alive(partial: Path) -> bool:
    """True while the process that made this `.partial` folder runs (the same pid and start time)."""
    try:
        pid, started = (partial / OWNER_FILE).read_text().split()
        return abs(psutil.Process(int(pid)).create_time() - float(started)) < 1
    except FileNotFoundError:  # the owner file is written right after the folder: a moment's grace
        return time.time() - partial.stat().st_mtime < 60
    except (ValueError, OSError, psutil.Error):
        return False


def remove_leftovers(client_dir: Path) -> list[Path]:
    """Remove what killed runs left: the client's `.partial` folders whose process is gone and the
    kernel socket and connection files of gone processes. Returns the folders removed."""
    removed = []
    for partial in client_dir.glob(".*.partial"):
        if partial.is_dir() and not _owner_alive(partial):
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial)
    for path in Path(tempfile.gettempdir()).glob(KERNEL_FILES.format(pid="*", token="*")):
        owner = KERNEL_FILE.fullmatch(path.name)
        if owner and not psutil.pid_exists(int(owner[1])):
            path.unlink(missing_ok=True)
    return removed


def _tidy(work: Path) -> None:
    """Remove the run's working files (the input cache, the owner file) before it is renamed."""
    shutil.rmtree(work / "cache", ignore_errors=True)
    (work / OWNER_FILE).unlink(missing_ok=True)


def _make_partial(client_dir: Path, run_id: str) -> Path:
    work = client_dir / f".{run_id}.partial"
    (work / "notebooks").mkdir(parents=True)
    (work / OWNER_FILE).write_text(f"{os.getpid()} {psutil.Process().create_time()}")
    return work


# errno of a disk that cannot take the run: full, over quota, read-only, not ours to write
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def _disk_problem(exc: BaseException) -> str | None:
    """The reason when `exc` is the disk refusing a write (also inside a notebook), else None."""
    if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
        return os.strerror(exc.errno)
    if isinstance(exc, pm.PapermillExecutionError):
        for code in DISK_ERRORS:
            if f"[Errno {code}]" in str(exc.evalue):
                return os.strerror(code)
    return None


def _interrupted(exc: BaseException) -> bool:
    """Ctrl-C in this process, or a cell interrupted in its kernel (KeyboardInterrupt there)."""
    return isinstance(exc, KeyboardInterrupt) or (
        isinstance(exc, pm.PapermillExecutionError) and exc.ename == "KeyboardInterrupt")


class KernelLane:
    """One kernel that executes several notebooks one after the other, so that starting a kernel
    and importing pandas, seaborn and auditkit are paid once per lane, not once per notebook.
    The notebooks of a run only share imported modules: each opens its own stage."""

    def __init__(self):
        self.km: PrivateSocketKernelManager | None = None
        self.killed = False  # by kill(): no retry, no next notebook

    def execute(self, notebook: Path, out: Path, parameters: dict) -> None:
        """Execute one notebook on this lane's kernel (started on first use; one retry when it fails to start)."""
        for attempt in range(KERNEL_START_RETRIES + 1):
            if self.killed:
                raise RuntimeError("the run was stopped: its kernel was killed")
            if self.km is None:
                self.km = PrivateSocketKernelManager(kernel_name="python3")
            try:
                # no cwd: papermill changes the process's directory for it, which is not thread-safe
                # (#473); the notebooks get absolute paths and do not depend on the kernel's directory
                pm.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name="python3",
                                    progress_bar=False, log_output=False, km=self.km)
                return
            except pm.PapermillExecutionError:
                raise
            except RuntimeError as exc:  # the kernel died or did not answer before the first cell
                self.close()
                if self.killed or attempt == KERNEL_START_RETRIES or "kernel" not in str(exc).lower():
                    raise

    def kill(self) -> None:
        """Kill the kernel now, from any thread: the notebook it executes fails at once. (A kernel runs
        in a session of its own, so Ctrl-C in a terminal does not reach it.)"""
        self.killed = True
        process = getattr(self.km and self.km.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()

    def close(self) -> None:
        if self.km is not None and self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None


def _failure_of(exc: Exception, notebook: Path) -> str:
    if isinstance(exc, pm.PapermillExecutionError):
        first_line = exc.source.strip().splitlines()[0][:60] if exc.source.strip() else ""
        # the position in the executed notebook (kernels are shared, so execution counts run on)
        return f"{notebook.name}, cell {exc.cell_index + 1} `{first_line}`: {exc.ename}: {exc.evalue}"
    return f"{notebook.name}: {type(exc).__name__}: {exc}"


def _execute_stages(notebooks: list[Path], work: Path, parameters: dict, jobs: int, result: RunResult,
                    client: str, on_stage=None) -> list[Path]:
    """Execute the stage notebooks on `jobs` kernel lanes: the data stages side by side (they only
    read the cached inputs), then the improvement plan (it reads what they wrote). Returns the
    executed paths in stage order; on a failure records which stage and cell in `result` and raises.
    `on_stage(stage, done, total)` is called as each stage starts and when the last one is done."""
    pairs = [(nb, work / "notebooks" / nb.name) for nb in notebooks]
    finished = []

    def report(nb: Path | None) -> None:
        if on_stage:
            on_stage(nb.stem.split("_", 1)[-1] if nb else "done", len(finished), len(pairs))
    last = [pair for pair in pairs if pair[0].stem.endswith("improvement_plan")]
    independent = [pair for pair in pairs if pair not in last]
    lanes = [KernelLane() for _ in range(max(1, min(jobs, len(independent))))]

    def run_lane(lane: KernelLane, assigned) -> None:
        for nb, out in assigned:
            report(nb)
            try:
                lane.execute(nb, out, parameters)
            except Exception as exc:  # noqa: BLE001 - any failure of a stage fails this client only
                result.failure = result.failure or f"{client}: {_failure_of(exc, nb)}"
                raise
            finished.append(nb)

    pool = ThreadPoolExecutor(max_workers=len(lanes))
    try:
        futures = [pool.submit(run_lane, lane, independent[i::len(lanes)]) for i, lane in enumerate(lanes)]
        for future in futures:
            future.result()
        run_lane(lanes[0], last)
        report(None)
    except BaseException:  # a stage failed, or Ctrl-C: the other lanes stop now instead of running on
        for lane in lanes:
            lane.kill()
        raise
    finally:
        pool.shutdown(wait=True)
        for lane in lanes:
            lane.close()
    return [out for _, out in pairs]


def run_client(params_path: str | Path, output: str | Path = "outputs",
               notebooks_dir: Path = NOTEBOOKS_DIR, notebook_jobs: int | None = None,
               kind: str = "full", on_stage=None) -> RunResult:
    """Run the full audit of one client. Never raises for a client's problem, whatever the
    exception: see RunResult (its `failure` always says why). Ctrl-C (KeyboardInterrupt) is raised
    on, after the run's `.partial` folder is removed.

    `notebook_jobs`: stage notebooks executed at the same time (default: the machine's cores).
    `kind="express"`: the express assessment instead — the express report notebook alone, from the
    checklist (the only table it needs), written as express.html / express.pdf.
    `on_stage(stage, done, total)`: progress of the stage notebooks (see `_execute_stages`)."""
    result = RunResult(Path(params_path))
    try:
        _run_client(result, output, notebooks_dir, notebook_jobs or os.cpu_count() or 1, kind, on_stage)
    except Exception as exc:  # noqa: BLE001 - an unforeseen failure fails this client only, with its reason
        result.ok = False
        result.failure = result.failure or f"{result.client or params_path}: {type(exc).__name__}: {exc}"
    return result


def _run_client(result: RunResult, output, notebooks_dir: Path, notebook_jobs: int, kind: str,
                on_stage=None) -> None:
    params_path = result.params_path
    try:
        params = load_params(params_path)
    except ParamsError as exc:
        result.failure, result.problems = f"{params_path}: parameters", exc.problems
        return
    result.client = params.client
    data = load_inputs(params, express=kind == "express")
    if kind == "express":
        if not data.errors and data.tables.get("checklist") is None:
            result.failure = f"{params_path}: the express assessment needs the checklist table"
            result.problems = [f"checklist: no checklist.csv / .xlsx in {params.data_dir} (answer it with "
                               "notebooks/express_checklist.ipynb)"]
            return
    if data.errors:
        result.failure = f"{params_path}: {len(data.errors)} input error(s)"
        result.problems = [describe(p, params.language) for p in data.errors]
        return
    if params.anonymise_managers:
        anonymise_managers(data)  # before the cache: the notebooks, results and appendix see codes only

    client_dir = Path(output) / params.client_slug
    run_id = new_run_id()
    work = client_dir / f".{run_id}.partial"
    try:
        client_dir.mkdir(parents=True, exist_ok=True)
        remove_leftovers(client_dir)
        work = _make_partial(client_dir, run_id)
        write_cache(data, work)
        notebooks = stage_notebooks(notebooks_dir) if kind == "full" else [notebooks_dir / EXPRESS_NOTEBOOK]
        write_provenance(work, run_id, params_path, params, notebooks)
        parameters = {"params_path": str(params_path.resolve()), "run_dir": str(work.resolve())}
        t0 = time.perf_counter()
        executed = _execute_stages(notebooks, work, parameters, notebook_jobs, result, params.client, on_stage)
        result.seconds["notebooks"] = time.perf_counter() - t0
        merge_metrics(work)
        t0 = time.perf_counter()
        try:
            export_report(work, params, executed, data, kind)
        except Exception as exc:
            result.failure = f"{params.client}: report export: {type(exc).__name__}: {exc}"
            raise
        result.seconds["export"] = time.perf_counter() - t0
        _tidy(work)
        final = client_dir / run_id
        os.replace(work, final)
        _point_latest(client_dir, run_id, "latest" if kind == "full" else f"latest-{kind}")
    except BaseException as exc:
        _after_failure(exc, result, work, client_dir / f"{run_id}.failed", client_dir, params.client)
        return
    result.ok, result.run_dir = True, final
    stem = KINDS[kind]["stem"]
    result.report_html, result.report_pdf = final / f"{stem}.html", final / f"{stem}.pdf"


def _after_failure(exc: BaseException, result: RunResult, work: Path, failed: Path, client_dir: Path,
                   client: str) -> None:
    """Clean up after a run that did not complete: an interrupted run or one the disk refused is
    removed (re-raising Ctrl-C); any other is kept as `<run-id>.failed` with failure.txt."""
    if _interrupted(exc):
        shutil.rmtree(work, ignore_errors=True)
        result.failure = f"{client}: interrupted (Ctrl-C); the unfinished run was removed"
        if isinstance(exc, KeyboardInterrupt):
            raise  # called in the handler of exc: re-raises it
        raise KeyboardInterrupt from exc
    disk = _disk_problem(exc)
    if disk is None:
        result.failure = result.failure or f"{client}: {type(exc).__name__}: {exc}"
        try:
            _tidy(work)
            os.replace(work, failed)
            (failed / "failure.txt").write_text(result.failure + "\n\n" + traceback.format_exc(), encoding="utf-8")
            result.run_dir = failed
            return
        except OSError as write_exc:  # the disk filled up while the failure was written down
            disk = _disk_problem(write_exc) or str(write_exc)
            work = failed if failed.exists() else work
    shutil.rmtree(work, ignore_errors=True)
    result.failure = (f"{client}: cannot write the run to {client_dir}: {disk}; free some space or make the folder "
                      "writable, or choose another with --output (the unfinished run was removed)")


def _point_latest(client_dir: Path, run_id: str, name: str = "latest") -> None:
    """Atomically point `<client>/latest` (`latest-express` for express runs) at the newest complete run."""
    tmp = client_dir / f".{name}-{run_id}"
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, client_dir / name)


_STAGES = None  # in a batch's worker: the queue its clients' stage progress goes to (see run_batch)


def _run_in_worker(*args) -> RunResult:
    """run_client in a batch's worker process: Ctrl-C stops the run it is doing (cleaned up) and is
    ignored while the worker waits, so that the batch stops without a traceback per worker. With a
    stage queue, each stage's progress goes to it as (parameter file, stage, done, total)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    on_stage = None
    if _STAGES is not None:
        def on_stage(stage, done, total, _path=args[0]):
            _STAGES.put((str(_path), stage, done, total))
    try:
        return run_client(*args, on_stage=on_stage)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _init_worker(stages=None) -> None:
    global _STAGES
    _STAGES = stages
    _ignore_interrupts()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _drain(stages, on_batch_stage) -> None:
    """Pass on the stage progress the workers queued since the last call."""
    while stages is not None:
        try:
            on_batch_stage(*stages.get_nowait())
        except queue.Empty:
            return


def run_batch(params_paths: list[Path], output: Path, jobs: int, notebooks_dir: Path = NOTEBOOKS_DIR,
              on_done=None, kind: str = "full", on_stage=None, on_batch_stage=None) -> list[RunResult]:
    """Run several clients in parallel processes; one failing client does not stop the others,
    whatever its exception (with jobs=1 too). Ctrl-C stops the batch: the runs under way remove
    their `.partial` folders, the clients not started are not run, and KeyboardInterrupt is raised.
    `on_stage`: stage progress of clients run in this process (one at a time); `on_batch_stage(params
    path, stage, done, total)`: stage progress of the clients run by worker processes."""
    if jobs <= 1 or len(params_paths) == 1:
        results = []
        for p in params_paths:
            results.append(run_client(p, output, notebooks_dir, kind=kind, on_stage=on_stage))
            if on_done:
                on_done(results[-1])
        return results
    results = []
    stages = multiprocessing.get_context().Queue() if on_batch_stage else None
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(stages,))
    try:
        per_client = max(1, (os.cpu_count() or 1) // jobs)
        futures = {pool.submit(_run_in_worker, p, output, notebooks_dir, per_client, kind): p for p in params_paths}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=STAGE_POLL_S, return_when=FIRST_COMPLETED)
            _drain(stages, on_batch_stage)
            for fut in finished:
                try:
                    res = fut.result()
                except KeyboardInterrupt:
                    raise
                except Exception as exc:  # noqa: BLE001 - a crashed worker is that client's failure
                    res = RunResult(futures[fut], failure=f"{futures[fut]}: {type(exc).__name__}: {exc}")
                results.append(res)
                if on_done:
                    on_done(res)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C: the runs under way clean up first
    order = {p: i for i, p in enumerate(params_paths)}
    return sorted(results, key=lambda r: order[r.params_path])
