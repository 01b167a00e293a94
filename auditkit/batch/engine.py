"""Run a batch of clients, resumably: a client whose latest complete run is up to date is not run
again (unless `force`); the others run on the local process pool (default) or on a Dask cluster
(`scheduler`: "local" or a tcp:// address, see auditkit.batch.cluster)."""
from __future__ import annotations

from pathlib import Path

from auditkit.batch.cluster import run_on_cluster
from auditkit.batch.resume import remember, up_to_date_result
from auditkit.batch.state import UP_TO_DATE, client_state
from auditkit.runner import NOTEBOOKS_DIR, RunResult, run_batch as run_on_pool


def run_batch(params_paths: list[Path], output: Path, jobs: int, notebooks_dir: Path = NOTEBOOKS_DIR,
              on_done=None, kind: str = "full", force: bool = False, scheduler: str | None = None,
              on_stage=None, on_batch_stage=None) -> list[RunResult]:
    """Run the clients that are not up to date (all with `force`); results in the order given.
    `on_done(result)` is called as each client finishes (also for the ones found up to date);
    `on_stage(stage, done, total)`: stage progress of a client run in this process;
    `on_batch_stage(params path, stage, done, total)`: of the clients run by the pool's workers."""
    results: dict[Path, RunResult] = {}
    todo = []
    for path in params_paths:
        state = client_state(path, output, kind, notebooks_dir)
        if state.status == UP_TO_DATE and not force:
            results[path] = up_to_date_result(state)
            if on_done:
                on_done(results[path])
        else:
            todo.append(path)

    def finished(result: RunResult) -> None:
        remember(output, result)
        results[result.params_path] = result
        if on_done:
            on_done(result)

    if scheduler:
        run_on_cluster(todo, output, scheduler, notebooks_dir, finished, kind, force, workers=jobs)
    elif todo:
        run_on_pool(todo, output, jobs, notebooks_dir, on_done=finished, kind=kind, on_stage=on_stage,
                    on_batch_stage=on_batch_stage)
    return [results[p] for p in params_paths]
