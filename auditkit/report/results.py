"""What a run writes besides the report: `results/<table id>.csv` for every table shown,
`results/metrics/<stage>.json` for every number (merged into `results/metrics.json`) and
`results/<report>_pages.json`, the page each chapter of the PDF starts on.

Client text reaches these files (manager, segment, lost reason, comment): a cell a spreadsheet
would run as a formula is written neutralised (`neutralised`), and JSON holds no Infinity or NaN.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pandas as pd

from auditkit.report.html import is_missing


def umask() -> int:
    """The process's file-creation mask (0o022 typically): files made private by mkstemp get the usual rights."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def finite(x):
    """`x` with every non-finite float, also inside lists and dicts, as None (JSON has no Infinity)."""
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return None if isinstance(x, float) and not math.isfinite(x) else x


def jsonable(x):
    """A scalar as JSON can hold it: None for missing, a plain number, an ISO date."""
    if is_missing(x):
        return None
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat()
    return finite(x)


# A text cell starting so is run as a formula by Excel, LibreOffice or Google Sheets (OWASP: CSV
# injection); a leading ' makes it text. A signed plain number ("-12", "+3.5%") is left as it is.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,\s]*(?:[eE][+-]?\d+)?%?")


def neutral_text(value):
    """`value` with a leading ' when it is text a spreadsheet would run as a formula; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralised(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells, headers and index labels are neutral_text; numbers,
    dates and missing values unchanged."""
    out = df.rename(columns=neutral_text, index=neutral_text)
    out.index.names = [neutral_text(n) for n in out.index.names]  # written as headers too
    out.columns.names = [neutral_text(n) for n in out.columns.names]
    for i, dtype in enumerate(out.dtypes):
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)):
            out.isetitem(i, out.iloc[:, i].map(neutral_text, na_action="ignore"))
    return out


def write_csv(run_dir: Path, table_id: str, df: pd.DataFrame) -> Path:
    path = Path(run_dir) / "results" / f"{table_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralised(df).to_csv(path, index=not isinstance(df.index, pd.RangeIndex))
    return path


def write_json(run_dir: Path, name: str, data: dict) -> Path:
    path = Path(run_dir) / "results" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8")
    return path


def write_stage_metrics(run_dir: Path, stage: str, metrics: dict) -> Path:
    path = Path(run_dir) / "results" / "metrics" / f"{stage}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(finite(metrics), ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False), encoding="utf-8")
    return path


def merge_metrics(run_dir: Path) -> dict:
    """Merge results/metrics/<stage>.json files into results/metrics.json."""
    merged = {}
    for part in sorted((Path(run_dir) / "results" / "metrics").glob("*.json")):
        merged.update(json.loads(part.read_text(encoding="utf-8")))
    (Path(run_dir) / "results" / "metrics.json").write_text(
        json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False), encoding="utf-8")
    return merged
