"""Run a batch's clients on a Dask distributed cluster: `scheduler` is a scheduler's address
(tcp://HOST:8786, as dask-jobqueue, Kubernetes and SSH clusters expose it) or "local" for a
LocalCluster on this machine. Every worker must see the parameter files, the data folders and the
output folder at the same paths (a shared folder). Each client is one task that first checks its
fingerprint (auditkit.batch.engine.run_if_stale), so a batch submitted again is idempotent. A worker
that dies fails only the client it was running, which is submitted once more.
"""
from __future__ import annotations

from pathlib import Path

from auditkit.batch.resume import run_if_stale
from auditkit.runner import NOTEBOOKS_DIR, RunResult

LOCAL = "local"
RETRIES = 1  # resubmissions of a client whose worker died


def _cluster(scheduler: str, workers: int):
    """(address or cluster to connect to, the LocalCluster started here or None)."""
    if scheduler != LOCAL:
        return scheduler, None
    import dask
    from dask.distributed import LocalCluster

    # a worker's death fails its task at once (KilledWorker): the batch resubmits it itself, once
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None)
    return cluster, cluster


def run_on_cluster(params_paths: list[Path], output: Path, scheduler: str, notebooks_dir: Path = NOTEBOOKS_DIR,
                   on_done=None, kind: str = "full", force: bool = False, workers: int = 2) -> list[RunResult]:
    """Run each client as one task on the cluster; `on_done(result)` as each finishes. `workers`: the
    LocalCluster's worker processes (scheduler "local" only)."""
    from dask.distributed import Client, as_completed

    if not params_paths:
        return []
    target, cluster = _cluster(scheduler, workers)
    output = Path(output).resolve()
    folder = None if Path(notebooks_dir) == NOTEBOOKS_DIR else Path(notebooks_dir).resolve()  # workers' own by default
    results = []
    try:
        with Client(target) as client:
            def submit(path: Path):
                return client.submit(_task, Path(path).resolve(), output, folder, kind, force, pure=False)

            futures = {submit(p): (p, 0) for p in params_paths}
            pending = as_completed(list(futures))
            for future in pending:
                path, tries = futures.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - the worker died or the task could not run
                    if tries < RETRIES:
                        again = submit(path)
                        futures[again] = (path, tries + 1)
                        pending.add(again)
                        continue
                    result = RunResult(path, failure=f"{path}: worker failed twice: {type(exc).__name__}: {exc}")
                result.params_path = path
                results.append(result)
                if on_done:
                    on_done(result)
    finally:
        if cluster is not None:
            cluster.close()
    return results


def _task(params_path: Path, output: Path, notebooks_dir: Path | None, kind: str, force: bool) -> RunResult:
    """One client on a worker, its stage notebooks on one kernel (the worker's slot is one core), with
    the worker's own installed notebooks unless others were given."""
    return run_if_stale(params_path, output, notebooks_dir or NOTEBOOKS_DIR, 1, kind, force)
