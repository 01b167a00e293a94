"""The action plan as an Excel workbook for the client (action_plan.xlsx): headers in the report's
language, a bold frozen header row, column widths, filters, dates and money formatted."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

COLUMNS = ("rank", "finding", "action", "owner", "horizon_label", "effort", "deadline", "kpi", "target", "money")
WIDTHS = {"rank": 5, "finding": 40, "action": 60, "owner": 18, "horizon_label": 16, "effort": 10,
          "deadline": 12, "kpi": 36, "target": 28, "money": 16}


def write_xlsx(actions: pd.DataFrame, path: Path, audit) -> Path:
    """Write the action plan atomically (a temporary file renamed into place)."""
    headers = [audit.t(f"improvement_plan.xlsx.{c}") for c in COLUMNS]
    frame = actions[list(COLUMNS)].copy()
    frame["deadline"] = pd.to_datetime(frame["deadline"]).dt.date
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    with pd.ExcelWriter(tmp, engine="xlsxwriter") as xl:
        sheet_name = audit.t("improvement_plan.xlsx.sheet")[:31]
        frame.to_excel(xl, sheet_name=sheet_name, index=False, header=headers)
        book, sheet = xl.book, xl.sheets[sheet_name]
        head = book.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                "text_wrap": True, "valign": "top", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        date = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        money = book.add_format({"num_format": f'#,##0 "{audit.loc.currency_symbol}"', "valign": "top"})
        for i, (col, title) in enumerate(zip(COLUMNS, headers)):
            fmt = date if col == "deadline" else money if col == "money" else wrap
            sheet.set_column(i, i, WIDTHS[col], fmt)
            sheet.write(0, i, title, head)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(frame), 1), len(COLUMNS) - 1)
    os.replace(tmp, path)
    return path
