"""Report-style exports (1C and other ERP registers): title rows above the header, totals at the end.

An ERP report saved as CSV or Excel starts with its title, period and organisation on rows of one
or two cells, maybe an empty row, then the header; it ends with a totals row ("Итого", "Total",
"Razem"). The header is the first of the first MAX_SCAN rows that fills at least half as many
cells as the widest of them (and two at least); the totals rows are the last rows whose first
filled cell says so.
"""
from __future__ import annotations

import csv
import math
import re

import pandas as pd

MAX_SCAN = 50
DELIMITERS = ",;\t|"
# a cell that heads a totals row, whole (after trimming ":" / "."), or the start of one in Russian
TOTALS = re.compile(r"(?:итого|всего|общий итог)\b.*|(?:total|totals|grand total|sum total|razem|suma|ogółem|"
                    r"suma końcowa|gesamt|summe|итог)[:.]?", re.IGNORECASE)


def header_offset(rows: list[list]) -> int:
    """Index of the header among `rows` (lists of cells, None / "" / NaN = empty)."""
    filled = [sum(1 for c in row if isinstance(c, str) and c.strip() and not c.startswith("Unnamed:"))
              for row in rows[:MAX_SCAN]]
    widest = max(filled, default=0)
    need = max(2, math.ceil(widest / 2))
    return next((i for i, n in enumerate(filled) if n >= need), 0)


def csv_layout(sample: str, sep: str | None) -> tuple[str, int]:
    """(separator, header line index) of a CSV from its first characters. The separator, unless
    given, is the one that splits the most lines after the title into the same number of fields."""
    lines = sample.splitlines()[:MAX_SCAN]
    if sep is None:
        def consistency(d):
            widths = [len(r) for r in csv.reader(lines, delimiter=d)]
            common = max(set(widths), key=widths.count, default=1)
            return (common > 1) * widths.count(common) * common
        sep = max(DELIMITERS, key=consistency)
    rows = list(csv.reader(lines, delimiter=sep))
    return sep, header_offset(rows)


def reheaded(raw: pd.DataFrame) -> pd.DataFrame:
    """A frame read with its first row as header, re-read with the header found below title rows
    (workbooks); its index keeps the frame's labels (the file's row numbers)."""
    rows = [list(raw.columns)] + raw.head(MAX_SCAN).astype(object).where(raw.head(MAX_SCAN).notna(), None) \
        .values.tolist()
    offset = header_offset(rows)
    if offset == 0:
        return raw
    header = raw.iloc[offset - 1]
    body = raw.iloc[offset:]
    names = [str(h).strip() if isinstance(h, str) and h.strip() else f"Unnamed: {i}" for i, h in enumerate(header)]
    body.columns = names
    return body.loc[:, [not (n.startswith("Unnamed: ") and body[c].isna().all()) for c, n in zip(body.columns, names)]]


def without_totals(raw: pd.DataFrame) -> pd.DataFrame:
    """`raw` without its trailing empty and totals rows (a totals row: its first filled cell says so)."""
    end = len(raw)
    while end > 0:
        row = raw.iloc[end - 1]
        first = next((c for c in row if isinstance(c, str) and c.strip()), None)
        if first is not None and not TOTALS.fullmatch(first.strip()):
            break
        end -= 1
    return raw.iloc[:end]
