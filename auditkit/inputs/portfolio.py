"""The consultancy's portfolio of audits, read from an output folder: the latest complete run of
every client (`<output>/<slug>/latest`), with its scorecard values, block scores, findings and
industry (the `industry:` of the parameter file as run)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from auditkit.inputs.baseline import is_complete
from auditkit.inputs.provenance import FOLDER, PARAMS_FILE


@cache
def settings() -> dict:
    """auditkit/data/portfolio.yaml: key metrics, minimum peer counts, findings listed."""
    return yaml.safe_load(resources.files("auditkit").joinpath("data/portfolio.yaml").read_text("utf-8"))


@dataclass
class PortfolioClient:
    """One client's latest complete audit, as the portfolio uses it."""

    slug: str
    client: str
    run_dir: Path
    industry: str | None = None
    values: dict[str, float] = field(default_factory=dict)  # scorecard parameter id -> value
    blocks: dict[str, float] = field(default_factory=dict)  # block -> score 0..100
    overall: float | None = None
    findings: list[str] = field(default_factory=list)  # root-cause group ids


def _industry(run: Path) -> str | None:
    try:
        raw = yaml.safe_load((run / FOLDER / PARAMS_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = raw.get("industry") if isinstance(raw, dict) else None
    return str(value).strip() or None if value is not None else None


def read_client(run: Path) -> PortfolioClient:
    """A complete run folder as a portfolio client."""
    results = run / "results"
    metrics = json.loads((results / "metrics.json").read_text(encoding="utf-8"))
    info_path = results / "audit.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    scorecard = pd.read_csv(results / "scorecard.csv")
    values = pd.to_numeric(scorecard.set_index("id")["value"], errors="coerce").dropna()
    findings_path = results / "findings.csv"
    try:
        groups = list(pd.read_csv(findings_path)["group"].dropna().astype(str)) if findings_path.is_file() else []
    except (pd.errors.EmptyDataError, KeyError):
        groups = []
    prefix = "improvement_plan.block."
    blocks = {k[len(prefix):-len(".score")]: v for k, v in metrics.items()
              if k.startswith(prefix) and k.endswith(".score") and v is not None}
    return PortfolioClient(slug=run.parent.name, client=info.get("client") or run.parent.name, run_dir=run,
                           industry=_industry(run), values=values.to_dict(), blocks=blocks,
                           overall=metrics.get("improvement_plan.overall_score"), findings=groups)


def portfolio_clients(output: Path, industry: str | None = None, exclude: Path | None = None) -> list[PortfolioClient]:
    """The latest complete full audit of every client under `output` (sorted by client name), of
    `industry` only when given; `exclude`: a client folder left out (the client being reported)."""
    found = []
    for client_dir in sorted(Path(output).iterdir()) if Path(output).is_dir() else []:
        if client_dir.name.startswith(".") or not client_dir.is_dir() or (exclude and client_dir.resolve() == Path(exclude).resolve()):
            continue
        link = client_dir / "latest"
        run = link.resolve() if link.is_dir() else None
        if run is None or not is_complete(run):
            continue
        client = read_client(run)
        if industry is None or (client.industry or "").casefold() == industry.casefold():
            found.append(client)
    return sorted(found, key=lambda c: c.client.casefold())
