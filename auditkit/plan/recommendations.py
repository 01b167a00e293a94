"""The recommendation catalogue (METHODOLOGY.md §2 Stage 6): data, not code, translatable.

Every YAML file of ``auditkit/data/recommendations/`` holds a list under the top key
``recommendations:``; each entry says what to do about one scorecard parameter that is below its
norm. ``checklist.yaml`` covers the express-checklist questions; recommendations for metric-based
parameters go into further files of the same folder (one per stage, say) and are loaded together.

Fields of an entry (all required):

    id          unique over all files (a checklist recommendation uses the question id)
    parameter   the scorecard parameter it addresses (``Parameter.id``)
    owner       owner | head_of_sales | marketing | it | hr          (who carries it out)
    horizon     quick_win (≤ 1 month) | 3_months | 1_year | 3_years
    effort      low | medium | high
    action      {en, ru, pl}   what to do, as an instruction
    kpi         {en, ru, pl}   the indicator that shows it is done
    target      {en, ru, pl}   the value of the KPI to reach

Display names of owners, horizons and efforts are catalogue texts ``recommendation.owner.<x>``,
``recommendation.horizon.<x>`` and ``recommendation.effort.<x>`` (see :func:`label`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

OWNERS = ("owner", "head_of_sales", "marketing", "it", "hr")
HORIZONS = ("quick_win", "3_months", "1_year", "3_years")
EFFORTS = ("low", "medium", "high")
LANGUAGES = ("en", "ru", "pl")
TEXT_FIELDS = ("action", "kpi", "target")
FOLDER = "data/recommendations"


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """One catalogue entry; texts are mappings language -> text."""

    id: str
    parameter: str
    owner: str
    horizon: str
    effort: str
    action: Mapping[str, str]
    kpi: Mapping[str, str]
    target: Mapping[str, str]
    source: str = ""  # the file it came from (for error messages)

    def text(self, field: str, language: str) -> str:
        """``action``, ``kpi`` or ``target`` in ``language`` (English when that language is missing)."""
        texts = getattr(self, field)
        return texts.get(language) or texts["en"]

    @property
    def horizon_rank(self) -> int:
        """0 for a quick win … 3 for three years (for sorting)."""
        return HORIZONS.index(self.horizon)


class CatalogueError(ValueError):
    """A recommendation file that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("recommendation catalogue: " + "; ".join(problems))


def _problems_of(record, where: str) -> list[str]:
    if not isinstance(record, Mapping):
        return [f"{where}: expected a mapping, got {type(record).__name__}"]
    rid = record.get("id")
    where = f"{where} ({rid})" if rid else where
    fields = {f.name for f in dataclasses.fields(Recommendation)} - {"source"}
    problems = [f"{where}: missing {k}" for k in sorted(fields - set(record))]
    problems += [f"{where}: unknown key {k}" for k in sorted(set(record) - fields)]
    for key in ("id", "parameter"):
        if key in record and not (isinstance(record[key], str) and record[key].strip()):
            problems.append(f"{where}: {key} must be a non-empty text")
    for key, allowed in (("owner", OWNERS), ("horizon", HORIZONS), ("effort", EFFORTS)):
        if key in record and record[key] not in allowed:
            problems.append(f"{where}: {key} {record[key]!r} not in {', '.join(allowed)}")
    for key in TEXT_FIELDS:
        texts = record.get(key)
        if key not in record:
            continue
        if not isinstance(texts, Mapping):
            problems.append(f"{where}: {key} must map languages to texts")
            continue
        missing = [lang for lang in LANGUAGES if not (isinstance(texts.get(lang), str) and texts[lang].strip())]
        if missing:
            problems.append(f"{where}: {key} has no text in {', '.join(missing)}")
        extra = sorted(set(texts) - set(LANGUAGES))
        if extra:
            problems.append(f"{where}: {key} has unknown languages {extra}")
    return problems


def parse(records: Iterable, source: str) -> tuple[list[Recommendation], list[str]]:
    """Entries of one file and the problems found in them."""
    out, problems = [], []
    for i, record in enumerate(records, start=1):
        found = _problems_of(record, f"{source} #{i}")
        problems += found
        if not found:
            out.append(Recommendation(**{k: (v.strip() if isinstance(v, str) else v) for k, v in record.items()},
                                      source=source))
    return out, problems


def load_folder(folder: str | Path) -> dict[str, Recommendation]:
    """All recommendations of every ``*.yaml`` file of ``folder``, by id, in file then entry order.

    Raises :class:`CatalogueError` listing every problem (missing fields, unknown owner/horizon/
    effort, a text missing in a language, an id used twice)."""
    folder = Path(folder)
    by_id: dict[str, Recommendation] = {}
    seen: dict[str, str] = {}  # id -> file, over every entry (also the invalid ones)
    problems = []
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        records = raw.get("recommendations") if isinstance(raw, Mapping) else None
        if not isinstance(records, list):
            problems.append(f"{path.name}: expected a list under the top key 'recommendations'")
            continue
        found, bad = parse(records, path.name)
        problems += bad
        for record in records:
            rid = record.get("id") if isinstance(record, Mapping) else None
            if isinstance(rid, str):
                if rid in seen:
                    problems.append(f"id {rid!r} is used twice ({seen[rid]}, {path.name})")
                seen.setdefault(rid, path.name)
        for rec in found:
            by_id.setdefault(rec.id, rec)
    if problems:
        raise CatalogueError(problems)
    return by_id


@cache
def catalogue() -> Mapping[str, Recommendation]:
    """The packaged catalogue (``auditkit/data/recommendations/*.yaml``), by id."""
    return load_folder(Path(str(resources.files("auditkit").joinpath(FOLDER))))


def by_parameter(recommendations: Mapping[str, Recommendation] | None = None) -> dict[str, list[Recommendation]]:
    """parameter id -> its recommendations, quickest horizon first."""
    recs = catalogue() if recommendations is None else recommendations
    out: dict[str, list[Recommendation]] = {}
    for rec in recs.values():
        out.setdefault(rec.parameter, []).append(rec)
    for items in out.values():
        items.sort(key=lambda r: r.horizon_rank)
    return out


def label(loc, kind: str, value: str) -> str:
    """Display name of an owner, horizon or effort: ``label(loc, "owner", "head_of_sales")``."""
    return loc.t(f"recommendation.{kind}.{value}")
