"""Where each client of a batch stands: up to date, stale (which input changed), failed (why) or
never run — read from the output folder without starting a kernel.

A client is up to date when its latest complete run recorded the fingerprint it would have now
(auditkit.inputs.fingerprint). Failures that leave no run folder (bad parameters or inputs) are
kept in `<output>/.failures/<slug>.json` until the client's next complete run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from auditkit.errors import ParamsError
from auditkit.inputs.fingerprint import changes, fingerprint, read_fingerprint
from auditkit.inputs.params import load_params
from auditkit.runner import EXPRESS_NOTEBOOK, NOTEBOOKS_DIR, new_run_id, stage_notebooks

UP_TO_DATE, STALE, FAILED, NEVER_RUN = "up to date", "stale", "failed", "never run"
FAILURES = ".failures"


@dataclass
class ClientState:
    """One parameter file's standing in the output folder."""

    params_path: Path
    status: str  # UP_TO_DATE, STALE, FAILED or NEVER_RUN
    client: str = ""
    slug: str = ""
    latest: Path | None = None  # the latest complete run
    details: list[str] = field(default_factory=list)  # what changed (stale) or why it failed


def notebooks_of(kind: str, notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    return stage_notebooks(notebooks_dir) if kind == "full" else [notebooks_dir / EXPRESS_NOTEBOOK]


def latest_run(client_dir: Path, kind: str = "full") -> Path | None:
    """The latest complete run of a client (what `latest` / `latest-express` points at)."""
    link = client_dir / ("latest" if kind == "full" else f"latest-{kind}")
    if not link.is_dir():
        return None
    run = link.resolve()
    return client_dir / run.name if run.parent == client_dir.resolve() else run  # as the batch names runs


def _failure_path(output: Path, slug: str) -> Path:
    return Path(output) / FAILURES / f"{slug}.json"


def record_failure(output: Path, slug: str, failure: str, problems: list[str]) -> None:
    """Remember a failure that left no run folder (bad parameters or inputs)."""
    path = _failure_path(output, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_id": new_run_id(), "failure": failure, "problems": problems},
                               ensure_ascii=False, indent=1), encoding="utf-8")


def clear_failure(output: Path, slug: str) -> None:
    _failure_path(output, slug).unlink(missing_ok=True)


def last_failure(output: Path, slug: str) -> tuple[str, list[str]] | None:
    """(run id, why) of the newest failure of a client: a `<run-id>.failed` folder or a recorded one."""
    found = []
    client_dir = Path(output) / slug
    if client_dir.is_dir():
        for run in client_dir.glob("*.failed"):
            try:
                text = (run / "failure.txt").read_text(encoding="utf-8").strip()
            except OSError:
                text = ""
            found.append((run.name.removesuffix(".failed"), [text.splitlines()[0] if text else "no failure.txt"]))
    try:
        ledger = json.loads(_failure_path(output, slug).read_text(encoding="utf-8"))
        found.append((ledger["run_id"], [ledger["failure"], *ledger.get("problems", [])[:5]]))
    except (OSError, ValueError, KeyError):
        pass
    return max(found) if found else None


def client_state(params_path: Path, output: Path, kind: str = "full",
                 notebooks_dir: Path = NOTEBOOKS_DIR) -> ClientState:
    """Compare a client's current fingerprint with its latest complete run (hashes files only)."""
    params_path = Path(params_path)
    try:
        params = load_params(params_path)
    except ParamsError as exc:
        return ClientState(params_path, FAILED, details=[f"{params_path}: parameters", *exc.problems[:5]])
    slug = params.client_slug
    state = ClientState(params_path, NEVER_RUN, params.client, slug, latest_run(Path(output) / slug, kind))
    now = fingerprint(params_path, params, notebooks_of(kind, notebooks_dir), runs_folder=Path(output) / slug)
    recorded = read_fingerprint(state.latest) if state.latest else None
    if recorded == now:
        state.status = UP_TO_DATE
        return state
    failure = last_failure(output, slug)
    if failure and (state.latest is None or failure[0] > state.latest.name):
        state.status, state.details = FAILED, failure[1]
    elif state.latest is not None:
        state.status, state.details = STALE, changes(recorded, now)
    return state
