"""auditkit's exceptions: one base, and the two kinds a user can fix (parameters, inputs).

Each carries every problem found, so a user fixes them all in one go; a name that is not known
(a parameter key, a table, a preset) comes with the closest known one.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class AuditkitError(Exception):
    """Base of every error auditkit raises on purpose."""


class ParamsError(AuditkitError, ValueError):
    """A parameter file that cannot be used; `problems` lists every problem found (key: message)."""

    def __init__(self, path: str | Path, problems: list[str]):
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(f"{path}: " + "; ".join(self.problems))


class InputsError(AuditkitError, ValueError):
    """Input tables with errors; `problems` are one line each, naming the file, rows and column."""

    def __init__(self, params_path: str | Path | None, problems: list[str]):
        self.path = Path(params_path) if params_path else None
        self.problems = list(problems)
        hint = f"; run `auditkit validate {params_path}`" if params_path else ""
        super().__init__(f"{len(self.problems)} input error(s){hint}:\n" + "\n".join(self.problems))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean `x`?)' for the known name closest to `name`, or '' when none is close."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.75)
    return f" (did you mean `{close[0]}`?)" if close else ""
