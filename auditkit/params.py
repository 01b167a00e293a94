"""The client's parameter file (params/*.yaml): schema, defaults and validation.

Every threshold and norm METHODOLOGY.md calls a parameter lives in `Norms` with its default;
a client's YAML overrides only what differs. Unknown keys, wrong types, a missing data folder or
an end date before the start are errors that name the file and the key.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from slugify import slugify

TABLE_NAMES = (
    "orders", "clients", "deals", "stage_history", "leads", "activities", "plans",
    "marketing_costs", "managers", "surveys", "call_reviews", "mystery_shopper",
    "staff_assessment", "checklist",
)


class ParamsError(ValueError):
    """A parameter file that cannot be used; `problems` lists every problem found."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """The audit window, both ends inclusive."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"period.end ({self.end}) is before period.start ({self.start})")
        return self


class TableSource(_Strict):
    """How to read one exported table and map it to the contract."""

    preset: str | None = Field(None, description="a known export format (auditkit/data/presets/<name>.yaml)")
    file: str | None = None
    sheet: str | int | None = None
    sep: str | None = Field(None, description="CSV separator; sniffed when empty")
    encoding: str | None = Field(None, description="file encoding; utf-8 (with or without BOM) when empty")
    date_format: str | None = Field(None, description="strftime format, e.g. %d.%m.%Y; guessed when empty")
    decimal: Literal[".", ","] | None = None
    columns: dict[str, str | list[str]] = Field(
        default_factory=dict, description="export header -> contract column (or several)")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="contract column -> {export value: contract value}; '*' = any other value")


class DataCollectionNorms(_Strict):
    """Stage 1 parameters (defaults as in METHODOLOGY.md)."""

    dynamics_freq: Literal["M", "Q"] = "M"
    retention_freq: Literal["M", "Q"] = "Q"
    abc_a: float = Field(0.80, gt=0, lt=1)
    abc_b: float = Field(0.95, gt=0, lt=1)
    xyz_x: float = Field(0.5, gt=0)
    xyz_y: float = Field(1.0, gt=0)
    ltv_cac: float = Field(3.0, gt=0)
    plan_fulfilment: float = Field(1.0, gt=0, description="share of plan, 1 = 100%")
    retention: float = Field(0.80, gt=0, le=1, description="share of last period's clients kept")
    top20_share_max: float = Field(0.80, gt=0, le=1, description="revenue share of the top 20% clients above which dependence is a risk")
    gross_margin: float | None = Field(None, description="target gross margin, share; none = not assessed")
    ltv_horizon_months: int = Field(12, gt=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.abc_b <= self.abc_a:
            raise ValueError("abc_b must be above abc_a")
        if self.xyz_y <= self.xyz_x:
            raise ValueError("xyz_y must be above xyz_x")
        return self


class ProcessNorms(_Strict):
    """Stage 2 parameters: the to-be sales process and its norms."""

    stages: list[str] = Field(default_factory=lambda: ["new", "qualification", "proposal", "negotiation", "contract"],
                              description="the to-be stage sequence of an open deal, in order")
    stage_probabilities: dict[str, float] = Field(default_factory=dict, description="stage -> win probability 0..1 when deals carry none")
    stage_conversion: dict[str, float] = Field(default_factory=dict, description="stage -> norm share reaching the next stage")


class PeopleNorms(_Strict):
    """Stage 3 parameters."""


class TechnologyNorms(_Strict):
    """Stage 4 parameters."""


class CommunicationNorms(_Strict):
    """Stage 5 parameters."""


class Norms(_Strict):
    """Thresholds and norms of the methodology, one group per audit stage (defaults as in METHODOLOGY.md)."""

    data_collection: DataCollectionNorms = Field(default_factory=DataCollectionNorms)
    process: ProcessNorms = Field(default_factory=ProcessNorms)
    people: PeopleNorms = Field(default_factory=PeopleNorms)
    technology: TechnologyNorms = Field(default_factory=TechnologyNorms)
    communication: CommunicationNorms = Field(default_factory=CommunicationNorms)


class AuditParams(_Strict):
    """One client's audit parameters, as validated from params/<client>.yaml."""

    client: str = Field(min_length=1)
    slug: str | None = None
    language: Literal["en", "ru", "pl"] = "en"
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    country: str = Field("RU", pattern=r"^[A-Z]{2}$", description="ISO country of the working calendar")
    period: Period
    data_dir: Path
    consultant: str = ""
    audit_date: dt.date | None = None
    goals: list[str] = Field(default_factory=list)
    norms: Norms = Field(default_factory=Norms)
    anonymise_managers: bool = False
    tables: dict[str, TableSource] = Field(default_factory=dict)
    source_path: Path | None = Field(None, exclude=True)

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, tables):
        from .presets import load_preset

        unknown = sorted(set(tables) - set(TABLE_NAMES))
        if unknown:
            raise ValueError(f"unknown table(s) {unknown}; known: {', '.join(TABLE_NAMES)}")
        for source in tables.values():
            if source.preset:
                load_preset(source.preset)
        return tables

    @property
    def client_slug(self) -> str:
        """Folder name of the client's outputs: `slug`, else the client name transliterated."""
        return self.slug or slugify(self.client) or "client"

    @property
    def report_date(self) -> dt.date:
        return self.audit_date or dt.date.today()

    def source(self, table: str) -> TableSource:
        """How to read `table`: its override merged over its preset, with defaults filled."""
        from .presets import resolve

        return resolve(self.tables.get(table) or TableSource())


def _format_error(err: dict) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    return f"{where}: {msg}"


def load_params(path: str | Path) -> AuditParams:
    """Read and validate a parameter file; `data_dir` is resolved relative to the file."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(path, ["file not found"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(path, [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise ParamsError(path, ["expected a mapping of keys at the top level"])
    try:
        params = AuditParams.model_validate({**raw, "source_path": path.resolve()})
    except ValidationError as exc:
        raise ParamsError(path, [_format_error(e) for e in exc.errors()]) from None
    data_dir = (path.parent / params.data_dir).resolve()
    if not data_dir.is_dir():
        raise ParamsError(path, [f"data_dir: folder not found: {data_dir}"])
    return params.model_copy(update={"data_dir": data_dir})
