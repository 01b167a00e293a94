"""The client's parameter file (params/*.yaml): schema, defaults and validation.

Every threshold and norm METHODOLOGY.md calls a parameter lives in `Norms` with its default;
a client's YAML overrides only what differs. Unknown keys, wrong types, a missing data folder or
an end date before the start are errors that name the file and the key.
"""
from __future__ import annotations

import codecs
import datetime as dt
import functools
import re
import zoneinfo
from pathlib import Path, PurePath
from types import UnionType
from typing import Annotated, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator
from slugify import slugify

from auditkit.errors import ParamsError, did_you_mean
from auditkit.inputs.presets import PRESET_KEYS, load_preset
from auditkit.inputs.reshape import check_reshape
from auditkit.stages import DataStage

TABLE_NAMES = (
    "orders", "clients", "deals", "stage_history", "leads", "activities", "plans",
    "marketing_costs", "managers", "surveys", "call_reviews", "mystery_shopper",
    "staff_assessment", "checklist",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """The audit window, both ends inclusive."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self):
        from auditkit.inputs.coerce import DATE_RANGE

        if self.end < self.start:
            raise ValueError(f"period.end ({self.end}) is before period.start ({self.start})")
        first, last = (d.date() for d in DATE_RANGE)
        if self.start < first or self.end > last:  # input dates beyond it are errors too
            raise ValueError(f"the period must lie within {first.year}–{last.year} (a typo in the year?)")
        return self


def _check_encoding(encoding: str | None) -> str | None:
    """The encoding unchanged when Python knows it (or it is "auto"); else ValueError with a fix."""
    if encoding is None or encoding == "auto":
        return encoding
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}{did_you_mean(encoding, KNOWN_ENCODINGS)}; use e.g. "
                         "utf-8, cp1251, latin-1, or auto (detected from the file)") from None
    return encoding


KNOWN_ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1251", "cp1250", "cp1252", "latin-1", "koi8-r", "utf-16",
                   "iso-8859-2", "cp866", "mac-cyrillic")


def _check_date_format(fmt: str | None) -> str | None:
    """The strftime format unchanged when pandas can parse dates with it; else ValueError."""
    if fmt is None or fmt in ("ISO8601", "mixed"):
        return fmt
    import pandas as pd

    sample = dt.datetime(2024, 3, 15, 13, 45, 30, tzinfo=dt.timezone.utc)
    try:
        text = sample.strftime(fmt)
        pd.to_datetime([text], format=fmt)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a usable date format {fmt!r} ({str(exc).splitlines()[0][:120]}); use strftime "
                         "directives, e.g. %d.%m.%Y or %Y-%m-%d %H:%M, or leave it out to guess it") from None
    if not re.search(r"%[dYyjFxc]", fmt):
        raise ValueError(f"date format {fmt!r} has no day or year directive (%d, %Y, %y); e.g. %d.%m.%Y")
    return fmt


class Lookup(_Strict):
    """Columns taken from a second file of the data folder, matched on a key (a left join):
    e.g. a deal's creation date from the lead file when the deals export lacks it."""

    file: str = Field(description="the other file, in the data folder (CSV or XLSX)")
    key: str | dict[str, str] = Field(description="key header in both files, or {header here: header there}")
    columns: dict[str, str] = Field(description="header in the other file -> header it gets here")
    encoding: str = Field("auto", description="the other file's encoding; auto detects it (charset-normalizer)")
    sep: str | None = Field(None, description="the other file's CSV separator; sniffed when empty")
    if_present: bool = Field(False, description="skip the lookup when this file has no key header (else an error)")
    unique: bool = Field(False, description="match only keys found once in the other file (a deal named by its "
                         "name: two deals of one name match neither, and the rows are reported)")
    rows: dict[str, str] = Field(default_factory=dict, description="header here -> regular expression: only rows "
                                 "whose cell matches it take the lookup (amoCRM events: the rows about a deal)")

    @field_validator("rows")
    @classmethod
    def _patterns(cls, rows):
        for pattern in rows.values():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from None
        return rows

    @field_validator("encoding")
    @classmethod
    def _encoding_known(cls, v):
        return _check_encoding(v)


class TableSource(_Strict):
    """How to read one exported table and map it to the contract."""

    preset: str | None = Field(None, description="a known export format (auditkit/data/presets/<name>.yaml)")
    file: str | None = None
    sheet: str | int | None = None
    sep: str | None = Field(None, description="CSV separator; sniffed when empty")
    encoding: str | None = Field(None, description="file encoding; utf-8 (with or without BOM) when empty; auto "
                                                   "detects it (charset-normalizer)")
    date_format: str | None = Field(None, description="strftime format, e.g. %d.%m.%Y; guessed when empty")
    decimal: Literal[".", ","] | None = None
    columns: dict[str, str | list[str]] = Field(
        default_factory=dict, description="export header -> contract column (or several)")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="contract column -> {export value: contract value}; '*' = any other value. "
        "Applied after the preset's logic, so they win: e.g. status: {\"Closed: abandoned\": lost}")
    lookup: list[Lookup] = Field(default_factory=list, description="columns taken from other files by a key")
    currency_column: list[str] = Field(
        default_factory=list, description="header(s) of the column with each row's currency (ISO code or name; the "
        "first present is read): amounts in other currencies than the report's are converted with fx")
    allow_empty: list[str] = Field(
        default_factory=list, description="required contract columns whose empty cells are a warning: the rows are "
        "kept (e.g. order lines without a client count in revenue, not in client metrics)")
    reshape: dict = Field(
        default_factory=dict, description="layout steps applied before mapping (footer, unpivot, blank, coalesce, "
                                          "flags, dates, numbers, sign); see auditkit/inputs/reshape.py. They replace "
                                          "the preset's steps of the same name, except blank, which adds to them")

    @field_validator("reshape")
    @classmethod
    def _reshape_steps(cls, spec):
        return check_reshape(spec)

    @field_validator("encoding")
    @classmethod
    def _encoding_known(cls, v):
        return _check_encoding(v)

    @field_validator("date_format")
    @classmethod
    def _date_format_usable(cls, v):
        return _check_date_format(v)


# A table is one export (a mapping) or several exports of the same table (a list of parts, e.g.
# HubSpot calls, meetings and tasks for activities), each read with its own preset and concatenated.
TableEntry = Annotated[Union[Annotated[TableSource, Tag("one")], Annotated[list[TableSource], Tag("parts")]],
                       Discriminator(lambda v: "parts" if isinstance(v, list) else "one")]


def _parts_problems(table: str, parts: list[TableSource]) -> list[str]:
    """What is wrong with a table given as a list of exports: empty, a part without its file, a file
    given twice with the same preset, a table that is read from one file only."""
    from auditkit.inputs.contracts import contracts

    if table in contracts() and contracts()[table].one_file:
        return [f"tables.{table}: give one file (a mapping with file:), not a list: this table is read from one file"]
    if not parts:
        return [f"tables.{table}: an empty list; give the export as file: …, or list its parts, each with preset: "
                "and file:"]
    problems = [f"tables.{table}.{i}: a part needs file: (the export it reads), e.g. {{preset: hubspot_calls, "
                f"file: calls.csv}}" for i, part in enumerate(parts) if not part.file]
    files = [(part.file, part.preset) for part in parts if part.file]
    problems += [f"tables.{table}: {f!r} is listed twice with the same preset; list a file once per preset that "
                 "reads it (amoCRM's contacts list: once as amocrm_companies, once as amocrm_contacts)"
                 for f, _ in sorted({fp for fp in files if files.count(fp) > 1}, key=str)]
    return problems


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
    stage_probabilities: dict[str, float] = Field(
        default_factory=lambda: {"new": 0.1, "qualification": 0.2, "proposal": 0.4, "negotiation": 0.6, "contract": 0.8},
        description="stage -> win probability 0..1 for open deals that carry none (weighted pipeline)")
    stage_conversion: dict[str, float] = Field(
        default_factory=dict, description="stage -> norm share of deals reaching the next stage; empty = the median "
                                          "conversion of the to-be stages is every stage's norm")
    win_rate: float = Field(0.25, gt=0, le=1, description="norm win rate = won / (won + lost) of closed deals")
    mql_rate: float | None = Field(None, ge=0, le=1, description="norm MQL / leads; none = not assessed")
    sql_rate: float | None = Field(None, ge=0, le=1, description="norm SQL / MQL; none = not assessed")
    sql_to_won: float | None = Field(None, ge=0, le=1, description="norm won / SQL; none = not assessed")
    lead_to_won: float | None = Field(None, ge=0, le=1, description="norm won / leads; none = not assessed")
    cycle_days: float | None = Field(None, gt=0, description="norm median sales cycle, days; none = not assessed")
    coverage_horizon_months: int = Field(
        3, gt=0, description="months of plan after the audit end the open pipeline must cover; when the plans stop "
                             "at the end date, the plan of the last months of the window stands in")
    after_sales_contact_days: int = Field(14, gt=0, description="days after a new client's first order within which "
                                                                "the client should be contacted")
    after_sales_contact_share: float = Field(0.80, ge=0, le=1, description="norm share of new clients contacted in time")
    repeat_rate: float | None = Field(None, ge=0, le=1, description="norm share of buying clients with 2+ orders; "
                                                                   "none = not assessed")
    sleeping_days: int = Field(90, gt=0, description="days without an order after which an active client is sleeping")
    lost_days: int = Field(180, gt=0, description="days without an order after which a client is lost")
    new_client_days: int = Field(90, gt=0, description="a client whose first order is this recent is new")
    contact_cadence: dict[str, float] = Field(
        default_factory=lambda: {"A": 2.0, "B": 1.0, "C": 0.33},
        description="ABC class -> norm contacts (logged activities) per client per month")
    cross_up_sell_share: float | None = Field(None, ge=0, le=1, description="norm share of clients whose categories "
                                                                           "or average check grew; none = not assessed")

    @model_validator(mode="after")
    def _ordered(self):
        if self.lost_days <= self.sleeping_days:
            raise ValueError("lost_days must be above sleeping_days")
        return self


class PeopleNorms(_Strict):
    """Stage 3 parameters: workload, call quality and staff assessment norms."""

    activities_per_day: float = Field(
        20.0, gt=0, description="logged activities (calls, meetings, e-mails, tasks) per working day of a B2B sales "
        "manager who works both by phone and in the field: about 3 client meetings a week take 2-3 hours each with "
        "travel, and the other hours give 15-25 calls and e-mails a day, i.e. about 20 a day on average. Set 40-60 "
        "for an inside-sales (phone only) team and 4-6 for field-only reps")
    underlogging_share: float = Field(
        0.5, gt=0, lt=1, description="a manager logging fewer activities per working day than this share of the team "
        "median is flagged: the work is either not done or not recorded in the CRM")
    next_step_share: float = Field(
        0.80, gt=0, le=1, description="share of calls that end with an agreed next step (date and action); below it "
        "deals stall between contacts")
    call_item_threshold: float = Field(
        0.70, gt=0, le=1, description="a call-review checklist item scoring below this share of its maximum, "
        "team-wide, becomes a training need")
    mystery_item_threshold: float = Field(
        0.70, gt=0, le=1, description="the same threshold for the mystery-shopper criteria")
    call_item_scales: dict[str, float] = Field(
        default_factory=dict, description="item -> maximum points of a call-review item when the observed maximum "
        "understates it (inferred otherwise: 1, 2, 5 or 10)")
    mystery_item_scales: dict[str, float] = Field(
        default_factory=dict, description="criterion -> maximum points of a mystery-shopper criterion (as above)")
    assessment_threshold: float = Field(
        3.5, ge=1, le=5, description="staff assessment (1-5): competence or motivation at or above it is high")
    individual_gap: float = Field(
        0.25, gt=0, le=1, description="a manager's call-review or mystery-shopper item this far (share of the "
        "maximum) below the team's mean for that item, and below the item threshold, is an individual gap")


class TechnologyNorms(_Strict):
    """Stage 4 parameters: CRM data discipline norms."""

    stale_deal_days: int = Field(
        30, gt=0, description="an open deal with no logged activity in this many days before the audit end is stale")
    field_completeness: float = Field(
        0.90, gt=0, le=1, description="share of deals that must carry a field (amount, source, close date, lost "
        "reason when lost), have at least one logged activity and a stage history")
    stale_share_max: float = Field(
        0.10, ge=0, le=1, description="share of open deals that may be stale; above it the pipeline holds dead deals "
        "and its forecast is inflated")
    overdue_share_max: float = Field(
        0.10, ge=0, le=1, description="share of open deals whose expected close date has passed; above it close "
        "dates are not maintained and the forecast cannot be trusted")


class CommunicationNorms(_Strict):
    """Stage 5 parameters: response to leads, the sale-to-service handover and the client's voice."""

    response_median_hours: float = Field(1.0, gt=0, description="norm of the median lead response time, hours")
    response_within_1h: float = Field(0.80, ge=0, le=1, description="norm share of leads first contacted within 1 hour")
    response_within_24h: float = Field(0.95, ge=0, le=1, description="norm share of leads first contacted within 24 hours")
    never_contacted_max: float = Field(0.05, ge=0, le=1, description="highest acceptable share of leads never contacted")
    first_order_days: int = Field(30, gt=0, description="days from a won deal within which the first order should follow")
    first_order_share: float = Field(0.80, ge=0, le=1, description="norm share of won deals followed by an order within first_order_days")
    post_sale_contact_days: int = Field(14, gt=0, description="days after a won deal within which the client should be contacted")
    post_sale_contact_share: float = Field(0.80, ge=0, le=1, description="norm share of won deals followed by a contact in time")
    nps: float = Field(30.0, ge=-100, le=100, description="NPS norm, points -100..+100")
    csat: float = Field(0.80, ge=0, le=1, description="CSAT norm: share of answers 4-5 on the 1-5 scale")
    rhythm_score: float = Field(100.0, ge=0, le=100, description="norm of the management-rhythm checklist score 0..100 (yes = 100)")
    min_answers: int = Field(5, gt=0, description="fewest survey answers for a segment's NPS / CSAT to be named in a finding")


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
    slug: str | None = Field(None, description="folder name of the client's outputs: letters, digits, . _ -")
    language: Literal["en", "ru", "pl"] = "en"
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    country: str = Field("RU", pattern=r"^[A-Z]{2}$", description="ISO country of the working calendar")
    timezone: str | None = Field(None, description="IANA time zone that dates with a UTC offset are converted to, "
                                                   "e.g. Europe/Moscow; default: the country's main zone")
    period: Period
    data_dir: Path
    consultant: str = ""
    audit_date: dt.date | None = None
    goals: list[str] = Field(default_factory=list)
    norms: Norms = Field(default_factory=Norms)
    anonymise_managers: bool = False
    scorecard_norms: dict[str, float] = Field(
        default_factory=dict, description="scorecard parameter id -> the client's own norm")
    focus_stages: list[DataStage] = Field(
        default_factory=list, description="stages the goals are about: their findings rank 1.5x higher")
    fx: dict[str, float] = Field(
        default_factory=dict, description="exchange rates: currency -> units of the report's currency per unit, "
        "e.g. {USD: 0.92} when currency is EUR; amounts of deals and orders in other currencies are converted with "
        "them (several currencies without rates are an error)")
    tables: dict[str, TableEntry] = Field(
        default_factory=dict, description="table -> how to read its export; or a list of exports of that table "
        "(parts: e.g. calls, meetings and tasks as activities), each with its own preset and file")
    baseline: str | None = Field(None, description="re-audit: the earlier run compared with, a run folder relative "
                                 "to this file or `previous` (see auditkit/inputs/baseline.py)")
    industry: str | None = Field(None, description="the client's industry: the portfolio groups and benchmarks "
                                 "clients by it (auditkit portfolio --industry)")
    benchmark: Literal["portfolio"] | None = Field(None, description="portfolio: show beside each key metric its "
                                                   "percentile among the consultancy's other audited clients")
    allow_outside_data_dir: bool = Field(False, description="let table and lookup files lie outside data_dir "
                                                             "(absolute paths, `..`, symlinks leading out)")
    draft: bool = Field(False, description="true in a file written by `auditkit new-client`: a batch glob skips it; "
                        "`auditkit validate` removes the mark once the parameters and tables pass")
    source_path: Path | None = Field(None, exclude=True)

    @field_validator("slug")
    @classmethod
    def _plain_slug(cls, slug):
        if slug is not None and (not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", slug) or ".." in slug):
            raise ValueError(f"{slug!r} is not a plain folder name: use letters, digits, '.', '_' and '-' (no '/', "
                             "'..' or absolute path), e.g. acme-trading")
        return slug

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone):
        if zone is not None and zone not in _zones():
            raise ValueError(f"unknown time zone {zone!r}{did_you_mean(zone, _zones())}; use an IANA name, "
                             "e.g. Europe/Moscow, Europe/Warsaw, UTC")
        return zone

    @field_validator("fx")
    @classmethod
    def _rates(cls, fx):
        bad = [f"{code}: {rate}" for code, rate in fx.items() if not re.fullmatch(r"[A-Z]{3}", code) or not rate > 0]
        if bad:
            raise ValueError(f"each rate must be a 3-letter ISO code with a positive number, e.g. USD: 0.92; not {bad}")
        return fx

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, tables):
        unknown = sorted(set(tables) - set(TABLE_NAMES))
        if unknown:
            raise ValueError("; ".join(f"unknown table {u!r}{did_you_mean(u, TABLE_NAMES)}" for u in unknown)
                             + f"; known: {', '.join(TABLE_NAMES)}")
        problems = [p for table, entry in tables.items() if isinstance(entry, list)
                    for p in _parts_problems(table, entry)]
        if problems:
            raise ValueError("; ".join(problems))
        for entry in tables.values():
            for source in entry if isinstance(entry, list) else [entry]:
                if source.preset:
                    try:
                        resolve(source)
                    except ValidationError as exc:
                        raise ValueError(f"preset {source.preset}: {exc}") from None
        return tables

    @property
    def client_slug(self) -> str:
        """Folder name of the client's outputs: `slug`, else the client name transliterated."""
        return self.slug or slugify(self.client) or "client"

    @property
    def zone(self) -> str | None:
        """The client's time zone: `timezone`, else the country's main zone (None when unknown)."""
        return self.timezone or country_zone(self.country)

    @property
    def report_date(self) -> dt.date:
        return self.audit_date or dt.date.today()

    def parts(self, table: str) -> list[TableSource]:
        """The table's entries as the parameter file gives them: one, several (a list of exports), or
        [] when the file does not name the table."""
        entry = self.tables.get(table)
        return [] if entry is None else list(entry) if isinstance(entry, list) else [entry]

    def own(self, table: str, part: int = 0) -> TableSource:
        """The parameter file's entry of `table` (its `part`-th export when it lists several); an
        empty source when the table is not named."""
        parts = self.parts(table)
        return parts[part] if parts else TableSource()

    def source(self, table: str, part: int = 0) -> TableSource:
        """How to read `table` (its `part`-th export when the parameter file lists several): the
        entry merged over its preset, with defaults filled, and the ids of other exports it holds read
        as their names (see `_ids_as_names`)."""
        own = self.own(table, part)
        extra = self._ids_as_names(table, own)
        if extra:
            update = {"columns": {**extra["columns"], **own.columns}, "lookup": [*own.lookup, *extra["lookup"]]}
            own = own.model_copy(update={k: v for k, v in update.items() if v})
        return resolve(own)

    def _ids_as_names(self, table: str, own: TableSource) -> dict:
        """{"lookup": [...], "columns": {...}} that read ids of another export as names: for each `ids`
        entry of a preset (e.g. an opportunity's AccountId -> the account's Name) whose target table is
        given here with the entry's preset and a file, this table looks the name up in that file (when
        it has the id header), and the target table reads its name column as its key (`target_column`),
        so both agree. The other way round, an export that names a deal (amoCRM's events list) reads
        the deal's ID: `unique` matches only a name found once, `rows` only the rows about a deal."""
        found: dict = {"lookup": [], "columns": {}}
        if own.preset and own.file:
            for entry in load_preset(own.preset).get("ids", []):
                target = next((t for t in self.parts(entry["table"]) if t.preset == entry["preset"] and t.file), None)
                if target is None or any(lookup.file == target.file for lookup in own.lookup):
                    continue  # not given, or the client's own lookup of that file wins
                named = entry.get("as") or f"{entry['header']} name"  # the header the looked-up name gets
                found["lookup"].append(Lookup(file=target.file, key={entry["header"]: entry["key"]},
                                              columns={entry["name"]: named}, if_present=True,
                                              unique=bool(entry.get("unique")), rows=entry.get("rows", {})))
                found["columns"][named] = entry["column"]
        for other in self.tables:
            for source in self.parts(other):
                if other == table or not source.preset or not source.file or not own.preset or not own.file:
                    continue
                for entry in load_preset(source.preset).get("ids", []):
                    if entry["table"] == table and entry["preset"] == own.preset and entry.get("target_column"):
                        found["columns"][entry["name"]] = entry["target_column"]
        return found


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# The zone most of the country's business runs in, where the country has several
MAIN_ZONES = {"RU": "Europe/Moscow", "US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney",
              "BR": "America/Sao_Paulo", "KZ": "Asia/Almaty", "UA": "Europe/Kyiv", "MX": "America/Mexico_City",
              "ID": "Asia/Jakarta", "CN": "Asia/Shanghai", "DE": "Europe/Berlin", "ES": "Europe/Madrid",
              "PT": "Europe/Lisbon", "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago",
              "NZ": "Pacific/Auckland", "UZ": "Asia/Tashkent", "MN": "Asia/Ulaanbaatar", "GB": "Europe/London",
              "FR": "Europe/Paris", "NL": "Europe/Amsterdam", "DK": "Europe/Copenhagen", "CY": "Asia/Nicosia",
              "EC": "America/Guayaquil", "MY": "Asia/Kuala_Lumpur", "CD": "Africa/Kinshasa"}


def country_zone(country: str) -> str | None:
    """The main IANA time zone of an ISO country (None when the country has several and none is known)."""
    zone = MAIN_ZONES.get(country)
    if zone is None:
        from babel.core import get_global

        zones = get_global("territory_zones").get(country, [])
        zone = zones[0] if len(zones) == 1 else None
    if zone == "Europe/Kyiv" and zone not in _zones():
        zone = "Europe/Kiev"
    return zone if zone in _zones() else None


def resolve(source: TableSource) -> TableSource:
    """The effective source: preset settings overlaid by the client's own; defaults filled.

    columns: the client's headers first (they win over the preset's when both are present);
    values: merged per contract column; reshape: the client's steps replace the preset's (null = off)."""
    merged = {}
    if source.preset:
        merged = {k: v for k, v in load_preset(source.preset).items() if k in PRESET_KEYS and v is not None}
    own = source.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in own.items():
        base = merged.get(key)
        if key == "columns" and base:
            merged[key] = {**value, **{h: c for h, c in base.items() if h not in value}}
        elif key == "values" and base:
            merged[key] = {**base, **{col: {**base.get(col, {}), **m} for col, m in value.items()}}
        elif key == "reshape" and base:
            blank = {**base.get("blank", {}), **value.get("blank", {})} if value.get("blank") else None
            merged[key] = {**base, **value, **({"blank": blank} if blank else {})}
        else:
            merged[key] = value
    merged.setdefault("encoding", "utf-8-sig")
    merged.setdefault("decimal", ".")
    return TableSource(**merged)


def _keys_at(loc: tuple) -> list[str]:
    """The keys allowed where the last part of `loc` stands (a key of which model)."""
    model, is_key = AuditParams, False
    for part in loc[:-1]:
        if is_key:  # a key of a dict or an index of a list: the model stays
            is_key = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return []
        model = model.model_fields[part].annotation
        while get_origin(model) in (dict, list, Union, UnionType, Annotated):  # dict[str, X] / list[X] / X | None
            if get_origin(model) is Annotated:
                model = get_args(model)[0]
                continue
            is_key = is_key or get_origin(model) in (dict, list)
            args = [a for a in get_args(model) if a is not type(None)]
            args = [get_args(a)[0] if get_origin(a) is Annotated else a for a in args]
            model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)),
                         args[-1] if args else None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [k for k, f in model.model_fields.items() if not f.exclude]
    return []


def _format_error(err: dict) -> str:
    loc = tuple(err["loc"])
    keys_loc = loc
    if len(loc) > 2 and loc[0] == "tables" and loc[2] in ("one", "parts"):  # the union's tag: not a key
        loc = loc[:2] + loc[3:]
        keys_loc = loc[:2] + loc[3:] if loc[2:3] and isinstance(loc[2], int) else loc
    where = ".".join(str(p) for p in loc) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key" + did_you_mean(loc[-1], _keys_at(keys_loc))
    elif err["type"] == "model_type" and loc[:1] == ("tables",):
        msg = ("expected the export's settings (preset:, file:, …), or a list of them, one per file: "
               "[{preset: hubspot_calls, file: calls.csv}, …]")
    return f"{where}: {msg}"


class _Loader(yaml.SafeLoader):
    """Safe YAML with dates left as text: pydantic parses them and names the key of a bad one
    (PyYAML itself raises a bare ValueError on 2024-13-45)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
MAX_DEPTH = 32  # a parameter file needs 5 levels; deeper is a mistake (or an attack on the parser)


def _too_deep(node, depth: int = 0, where: str = "") -> str | None:
    """The key path at which `node` nests deeper than MAX_DEPTH, else None."""
    stack = [(node, depth, where)]
    while stack:
        item, level, key = stack.pop()
        if level > MAX_DEPTH:
            return key or "(top level)"
        children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for k, v in children:
            stack.append((v, level + 1, f"{key}.{k}" if key else str(k)))
    return None


def _read_yaml(path: Path):
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParamsError(path, [f"cannot be read: {exc.strerror or exc}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from charset_normalizer import from_bytes

        guess = from_bytes(data).best()
        looks = f"; it looks like {guess.encoding}" if guess is not None else ""
        raise ParamsError(path, [f"not UTF-8 text (byte {exc.start}{looks}): save the file as UTF-8 (in an editor: "
                                 "Save as, encoding UTF-8)"]) from None
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ParamsError(path, [f"not valid YAML: {exc}"]) from None
    except RecursionError:
        raise ParamsError(path, [f"nested too deeply: a parameter file needs at most {MAX_DEPTH} levels"]) from None
    deep = _too_deep(raw)
    if deep:
        raise ParamsError(path, [f"{deep}: nested too deeply (more than {MAX_DEPTH} levels); a parameter file needs "
                                 "about 5"])
    return raw


def outside(data_dir: Path, name: str | Path) -> str | None:
    """Why the file `name` (relative to `data_dir`) is not inside the data folder, or None when it is."""
    pure = PurePath(name)
    if pure.is_absolute():
        return "an absolute path"
    if ".." in pure.parts:
        return "a path with '..'"
    target = (data_dir / pure).resolve()
    if target != data_dir and data_dir not in target.parents:
        return f"a link leading out of data_dir (to {target})"
    return None


def _outside_problems(params: AuditParams) -> list[str]:
    problems = []
    for table, entry in params.tables.items():
        for number, source in enumerate(params.parts(table)):
            at = f"tables.{table}.{number}" if isinstance(entry, list) else f"tables.{table}"
            named = [("file", source.file)] + [(f"lookup.{i}.file", lk.file) for i, lk in enumerate(source.lookup)]
            for key, name in named:
                why = name and outside(params.data_dir, name)
                if why:
                    problems.append(f"{at}.{key}: {name!r} is {why}; table files must lie in data_dir "
                                    f"({params.data_dir}): copy the file there, or set allow_outside_data_dir: true")
    return problems


def load_params(path: str | Path, overrides: dict | None = None) -> AuditParams:
    """Read and validate a parameter file; `data_dir` is resolved relative to the file. `overrides`:
    top-level keys that replace the file's (a notebook run as `papermill … -f <params>.yaml` gets the
    keys injected; see auditkit.report.context.open_stage)."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(path, ["file not found" + (" (it is a folder)" if path.is_dir() else "")])
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ParamsError(path, ["expected a mapping of keys at the top level"])
    raw = {**raw, **(overrides or {})}
    try:
        params = AuditParams.model_validate({**raw, "source_path": path.resolve()})
    except ValidationError as exc:
        raise ParamsError(path, [_format_error(e) for e in exc.errors()]) from None
    except RecursionError:
        raise ParamsError(path, ["nested too deeply"]) from None
    data_dir = (path.parent / params.data_dir).resolve()
    if not data_dir.is_dir():
        raise ParamsError(path, [f"data_dir: folder not found: {data_dir}"])
    if params.baseline and params.baseline != "previous" and not (path.parent / params.baseline).is_dir():
        raise ParamsError(path, [f"baseline: folder not found: {(path.parent / params.baseline).resolve()}"])
    params = params.model_copy(update={"data_dir": data_dir})
    if not params.allow_outside_data_dir:
        problems = _outside_problems(params)
        if problems:
            raise ParamsError(path, problems)
    return params
