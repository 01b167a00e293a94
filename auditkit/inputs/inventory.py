"""Data inventory (METHODOLOGY.md Stage 1): per table rows, period covered, missing values,
duplicates and orphans — what the audit could and could not rely on."""
from __future__ import annotations

import pandas as pd

from auditkit.inputs.contracts import contracts
from auditkit.inputs.read import AuditData

DUPLICATES = ("duplicate_key", "duplicate_rows")  # the problems load_inputs reports of repeated rows
DATE_COLUMN = {
    "orders": "date", "clients": "created_at", "deals": "created_at", "stage_history": "entered_at",
    "leads": "created_at", "activities": "date", "plans": "period", "marketing_costs": "period",
    "managers": "hired_at", "surveys": "date", "call_reviews": "date", "mystery_shopper": "date",
}


def table_inventory(data: AuditData) -> pd.DataFrame:
    """One row per contract table: provided (bool), file, rows, first/last date, duplicates (rows
    load_inputs reported as repeats: a key given twice, or a keyless row equal to an earlier one in
    every column), orphans, missing_share (share of empty cells over the provided optional columns, 0..1)."""
    rows = []
    for table in contracts():
        df = data.tables.get(table)
        if df is None or table not in data.files:
            rows.append({"table": table, "provided": False, "file": None, "rows": 0})
            continue
        provided = data.provided.get(table, [])
        dates = df[DATE_COLUMN[table]] if DATE_COLUMN.get(table) in provided else pd.Series(dtype="datetime64[ns]")
        problems = [p for p in data.problems if p.table == table]
        rows.append({
            "table": table, "provided": True, "file": data.files[table], "rows": len(df),
            "first_date": dates.min(), "last_date": dates.max(),
            "duplicates": sum(p.count for p in problems if p.code in DUPLICATES),
            "orphans": sum(p.count for p in problems if p.code == "unknown_reference"),
            "missing_share": float(df[provided].isna().to_numpy().mean()) if provided and len(df) else 0.0,
        })
    return pd.DataFrame(rows)


def column_missing(data: AuditData) -> pd.DataFrame:
    """Share of empty values per provided column (0..1), one row per table and column."""
    rows = [
        {"table": table, "column": col, "missing_share": float(df[col].isna().mean()) if len(df) else 0.0}
        for table, df in data.tables.items() if df is not None and table in data.files
        for col in data.provided.get(table, [])
    ]
    return pd.DataFrame(rows, columns=["table", "column", "missing_share"])
