"""Managers as codes (M01, M02…) for a client who asked for anonymity: applied to the validated
tables before any stage computes, so the report, results and action plan never see a name."""
from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.inputs.read import AuditData


def manager_codes(managers: pd.DataFrame) -> dict[str, str]:
    """Stable codes M01, M02, … (wider when there are ≥ 100) in manager_id order, keyed by both
    manager_id and name (when given) so either can be replaced."""
    table = managers.dropna(subset=["manager_id"]).drop_duplicates("manager_id")
    table = table.sort_values("manager_id", kind="stable")
    width = max(2, len(str(len(table))))
    codes = "M" + pd.Series(np.arange(1, len(table) + 1), index=table.index).astype("str").str.zfill(width)
    mapping = dict(zip(table["manager_id"], codes))
    if "name" in table.columns:
        named = table["name"].notna()
        mapping.update(zip(table.loc[named, "name"], codes[named]))
    return mapping


def anonymise_managers(data: AuditData) -> None:
    """Replace manager ids and names by stable codes (M01, M02… in manager_id order) in every table,
    for the client report and results of a client who asked for it."""
    managers = data.tables.get("managers")
    ids = set()
    for df in data.tables.values():
        if df is not None and "manager_id" in df.columns:
            ids |= set(df["manager_id"].dropna())
    roster = managers if managers is not None else pd.DataFrame({"manager_id": sorted(ids), "name": pd.NA})
    extra = sorted(ids - set(roster["manager_id"]))
    if extra:
        roster = pd.concat([roster, pd.DataFrame({"manager_id": extra})], ignore_index=True)
    codes = manager_codes(roster)
    for df in data.tables.values():
        if df is not None and "manager_id" in df.columns:
            df["manager_id"] = df["manager_id"].map(codes, na_action="ignore").astype("string")
    if managers is not None:
        managers["name"] = managers["manager_id"]
