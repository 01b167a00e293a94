"""The action plan as an Excel workbook for the client (action_plan.xlsx): headers in the report's
language, a bold frozen header row, column widths, filters, dates and money in the report's
locale, empty status / progress / comment columns for the client to fill (a re-audit reads them
back), and a print setup: A4 landscape, the header row repeated, fitted to the page width."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from auditkit.plan.recommendations import label
from auditkit.report.results import neutralised, umask

COLUMNS = ("rank", "finding", "action", "kind", "owner", "phase", "effort", "start", "deadline", "kpi", "target",
           "money", "status", "progress", "comment")
WIDTHS = {"rank": 5, "finding": 34, "action": 60, "kind": 14, "owner": 16, "phase": 14, "effort": 10, "start": 12,
          "deadline": 12, "kpi": 30, "target": 24, "money": 16, "status": 16, "progress": 10, "comment": 30}
DATE_FORMATS = {"en": "d mmm yyyy", "ru": "dd.mm.yyyy", "pl": "dd.mm.yyyy"}
STATUSES = ("done", "in_progress", "not_started", "dropped")


def write_xlsx(actions: pd.DataFrame, path: Path, audit) -> Path:
    """Write the action plan atomically (a temporary file renamed into place). `actions` is
    auditkit.plan.actions.action_plan's frame with a `finding` column (the finding's title)."""
    loc = audit.loc
    headers = [audit.t(f"improvement_plan.xlsx.{c}") for c in COLUMNS]
    frame = pd.DataFrame({
        "rank": actions["rank"], "finding": actions["finding"], "action": actions["action"],
        "kind": ["" if p else audit.t("improvement_plan.xlsx.supporting") for p in actions["primary"]],
        "owner": [label(loc, "owner", o) for o in actions["owner"]],
        "phase": [audit.t(f"improvement_plan.phase.{p}") for p in actions["phase"]],
        "effort": [label(loc, "effort", e) for e in actions["effort"]],
        "start": pd.to_datetime(actions["start"]).dt.date, "deadline": pd.to_datetime(actions["deadline"]).dt.date,
        "kpi": actions["kpi"], "target": actions["target"], "money": actions["money_high"],
        "status": "", "progress": None, "comment": "",
    })[list(COLUMNS)]
    frame = neutralised(frame)  # client text (a finding names a segment) never runs as a formula
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        # strings stay strings: xlsxwriter would otherwise write "=…" as a formula and "http…" as a link
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": options}) as xl:
            sheet_name = audit.t("improvement_plan.xlsx.sheet")[:31]
            frame.to_excel(xl, sheet_name=sheet_name, index=False, header=headers)
            book, sheet = xl.book, xl.sheets[sheet_name]
            head = book.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                    "text_wrap": True, "valign": "top", "border": 1})
            wrap = book.add_format({"text_wrap": True, "valign": "top"})
            date = book.add_format({"num_format": DATE_FORMATS.get(audit.params.language, "yyyy-mm-dd"), "valign": "top"})
            money = book.add_format({"num_format": f'#,##0 "{loc.currency_symbol}"', "valign": "top"})
            for i, (col, title) in enumerate(zip(COLUMNS, headers)):
                fmt = date if col in ("start", "deadline") else money if col == "money" else wrap
                sheet.set_column(i, i, WIDTHS[col], fmt)
                sheet.write(0, i, title, head)
            status_col = COLUMNS.index("status")
            choices = [audit.t(f"improvement_plan.xlsx.status_{s}") for s in STATUSES]
            sheet.data_validation(1, status_col, max(len(frame), 1), status_col, {"validate": "list", "source": choices})
            progress_col = COLUMNS.index("progress")
            sheet.data_validation(1, progress_col, max(len(frame), 1), progress_col,
                                  {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100})
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(frame), 1), len(COLUMNS) - 1)
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.repeat_rows(0)
            sheet.fit_to_pages(1, 0)  # one page wide, as many long as needed
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it private (0600); the other outputs follow the umask
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
