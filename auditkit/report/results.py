"""What a run writes besides the report: `results/<table id>.csv` for every table shown,
`results/metrics/<stage>.json` for every number (merged into `results/metrics.json`) and
`results/<report>_pages.json`, the page each chapter of the PDF starts on."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from auditkit.report.html import is_missing


def jsonable(x):
    """A scalar as JSON can hold it: None for missing, a plain number, an ISO date."""
    if is_missing(x):
        return None
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat()
    return x


def write_csv(run_dir: Path, table_id: str, df: pd.DataFrame) -> Path:
    path = Path(run_dir) / "results" / f"{table_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=not isinstance(df.index, pd.RangeIndex))
    return path


def write_json(run_dir: Path, name: str, data: dict) -> Path:
    path = Path(run_dir) / "results" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_stage_metrics(run_dir: Path, stage: str, metrics: dict) -> Path:
    path = Path(run_dir) / "results" / "metrics" / f"{stage}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return path


def merge_metrics(run_dir: Path) -> dict:
    """Merge results/metrics/<stage>.json files into results/metrics.json."""
    merged = {}
    for part in sorted((Path(run_dir) / "results" / "metrics").glob("*.json")):
        merged.update(json.loads(part.read_text(encoding="utf-8")))
    (Path(run_dir) / "results" / "metrics.json").write_text(
        json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return merged
