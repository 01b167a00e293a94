"""Table contracts (auditkit/data/contracts.yaml): which columns each input table has."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    negative_allowed: bool = False
    values: tuple[str, ...] = ()
    references: str | None = None
    min: float | None = None
    max: float | None = None
    description: str = ""
    breakdown: bool = False  # measures are broken down by it: empty cells are a row of their own
    free_text: bool = False  # typed by people: may name a manager (anonymise_managers replaces them)


@dataclass(frozen=True)
class Contract:
    table: str
    description: str
    columns: dict[str, Column]
    key: tuple[str, ...] = ()
    one_of_required: tuple[tuple[str, ...], ...] = ()
    references_strict: dict[str, str] = field(default_factory=dict)
    extra_numeric: bool = False
    one_file: bool = False  # given as one file only (not as a list of parts): the express form writes to it

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.required]

    def reference_of(self, column: str) -> tuple[str, str, bool] | None:
        """(table, column, strict) the column refers to, or None."""
        target = self.references_strict.get(column) or self.columns[column].references
        if not target:
            return None
        table, col = target.split(".")
        return table, col, column in self.references_strict


@cache
def contracts() -> dict[str, Contract]:
    """All table contracts, keyed by table name, in the order of the file."""
    raw = yaml.safe_load(resources.files("auditkit").joinpath("data/contracts.yaml").read_text("utf-8"))
    out = {}
    for table, spec in raw.items():
        cols = {
            name: Column(name=name, **{**c, "values": tuple(str(v) for v in c.get("values", ()))})
            for name, c in spec["columns"].items()
        }
        out[table] = Contract(
            table=table,
            description=spec.get("description", ""),
            columns=cols,
            key=tuple(spec.get("key", ())),
            one_of_required=tuple(tuple(g) for g in spec.get("one_of_required", ())),
            references_strict=spec.get("references_strict", {}),
            extra_numeric=bool(spec.get("extra_numeric", False)),
            one_file=bool(spec.get("one_file", False)),
        )
    return out
