"""One client of a resumable batch: run it unless its latest complete run is up to date, and keep a
failure that left no run folder for `auditkit status` (auditkit.batch.state)."""
from __future__ import annotations

from pathlib import Path

from auditkit.batch.state import UP_TO_DATE, clear_failure, client_state, record_failure
from auditkit.errors import ParamsError
from auditkit.inputs.params import load_params
from auditkit.report.export import KINDS
from auditkit.runner import NOTEBOOKS_DIR, RunResult, run_client


def up_to_date_result(state) -> RunResult:
    """The result a batch reports for a client it did not run: its latest complete run."""
    stem = next(spec["stem"] for spec in KINDS.values() if (state.latest / f"{spec['stem']}.html").is_file())
    return RunResult(state.params_path, state.client, ok=True, run_dir=state.latest, up_to_date=True,
                     report_html=state.latest / f"{stem}.html", report_pdf=state.latest / f"{stem}.pdf")


def remember(output: Path, result: RunResult) -> None:
    """Keep a failure that left no run folder for `auditkit status`; forget it after a complete run."""
    try:
        slug = load_params(result.params_path).client_slug
    except ParamsError:
        slug = Path(result.params_path).stem
    if result.ok:
        clear_failure(output, slug)
    elif result.run_dir is None:
        record_failure(output, slug, result.failure, result.problems)


def run_if_stale(params_path: Path, output: Path, notebooks_dir: Path = NOTEBOOKS_DIR, notebook_jobs: int | None = None,
                 kind: str = "full", force: bool = False) -> RunResult:
    """Run one client unless its latest complete run is up to date (then return that run). Idempotent:
    a batch submitted again (to a cluster) does not redo the clients it has finished."""
    state = client_state(params_path, output, kind, notebooks_dir)
    if state.status == UP_TO_DATE and not force:
        return up_to_date_result(state)
    result = run_client(params_path, output, notebooks_dir, notebook_jobs, kind)
    remember(output, result)
    return result
