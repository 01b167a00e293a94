"""A batch's progress on the terminal: one bar (clients done, failed and remaining, time left), one
line per finished client and a summary table at the end. The bar is drawn only on a terminal and
not with --quiet, which also drops the per-client lines; the summary is always printed."""
from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from auditkit.runner import RunResult

OK, UP_TO_DATE, FAILED = "ok", "up to date", "FAILED"


def outcome(result: RunResult) -> str:
    return UP_TO_DATE if result.up_to_date else OK if result.ok else FAILED


def _name(result: RunResult) -> str:
    return result.client or str(result.params_path)


class BatchProgress:
    """Call with each finished client's RunResult; `close()` when the batch is over."""

    def __init__(self, total: int, quiet: bool = False, stream=None, desc: str = "audit"):
        self.stream = stream or sys.stderr
        self.quiet, self.total = quiet, total
        self.done = self.failed = 0
        self.desc, self.stages = desc, {}  # clients under way in the workers -> "client: stage k/n"
        self.bar = tqdm(total=total, unit="client", desc=desc, file=self.stream, dynamic_ncols=True,
                        disable=quiet or total < 2 or not self.stream.isatty())

    def __call__(self, result: RunResult) -> None:
        self.done += result.ok
        self.failed += not result.ok
        self.bar.set_postfix_str(f"done {self.done}, failed {self.failed}, "
                                 f"remaining {self.total - self.done - self.failed}", refresh=False)
        self.bar.update(1)
        if not self.quiet:
            seconds = sum(result.seconds.values())
            took = f" ({seconds:.0f} s)" if seconds else ""
            self.bar.write(f"{outcome(result):<11} {_name(result)}{took}", file=sys.stdout)

    def stage(self, params_path, stage: str, done: int, total: int) -> None:
        """A worker's client reached a stage: the bar names the clients under way and their stage."""
        name = Path(params_path).stem
        if done >= total:
            self.stages.pop(name, None)
        else:
            self.stages[name] = f"{name}: {stage} {done + 1}/{total}"
        self.bar.set_description_str(", ".join(self.stages.values()) or self.desc, refresh=True)

    def close(self) -> None:
        self.bar.close()


def summary_table(results: list[RunResult]) -> str:
    """One row per client: name, outcome, seconds, and the report (or the failure)."""
    rows = [("client", "result", "time", "report / failure")]
    for r in results:
        seconds = sum(r.seconds.values())
        rows.append((_name(r), outcome(r), f"{seconds:.0f} s" if seconds else "—",
                     str(r.report_html) if r.ok else r.failure))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 16)
    counts = {k: sum(outcome(r) == k for r in results) for k in (OK, UP_TO_DATE, FAILED)}
    lines.append(f"{len(results)} client(s): {counts[OK]} run, {counts[UP_TO_DATE]} up to date, "
                 f"{counts[FAILED]} failed")
    return "\n".join(lines)
