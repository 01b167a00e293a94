"""The express-checklist form of notebooks/express_checklist.ipynb, and how its answers are saved.

During the 2–3 hour session the consultant answers the checklist (`data/checklist.yaml`) in
JupyterLab: yes / partly / no and a note per question, grouped by block, with the progress shown.
Save writes the client's `checklist` table — `<data_dir>/checklist.csv`, or the file named in
`tables.checklist.file` — so that no earlier answer is lost:

- answers already in the file fill the form in;
- only the questions changed in the form are written; every other row of the file (questions the
  form does not know, other columns) is kept as it is;
- the file is re-read just before writing, so answers saved by someone else meanwhile survive;
- the new file is written next to the old one and moved over it (`os.replace`): a crash leaves
  either the old or the new file, never half of one;
- an existing CSV keeps its separator, encoding and byte-order mark; a new one is UTF-8 with a
  byte-order mark (Excel then shows Cyrillic and Polish notes correctly).

The saving and merging are plain functions (`read_table`, `current_answers`, `merge_answers`,
`save_answers`); `ChecklistForm` only wires them to ipywidgets.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from auditkit.inputs.checklist import answers as answer_choices, canonical_answers, load_checklist
from auditkit.plan import scorecard as sc
from auditkit.inputs.contracts import contracts
from auditkit.i18n import Locale
from auditkit.inputs.read import _map_headers, _sniff_sep, find_file
from auditkit.inputs.params import AuditParams, TableSource, load_params
from auditkit.report.context import find_params
from auditkit.report.results import umask

COLUMNS = ("parameter_id", "answer", "note")


@dataclass(frozen=True)
class Update:
    """What the form sets for one question: an answer (yes/partly/no) and a note ('' = no note)."""

    answer: str
    note: str = ""


# --------------------------------------------------------------------------- the checklist file
def checklist_file(params: AuditParams) -> Path:
    """The client's checklist file: the one named in tables.checklist.file, an existing
    checklist.csv / .xlsx in data_dir, else data_dir/checklist.csv (created on the first save)."""
    return find_file(params, "checklist") or params.data_dir / "checklist.csv"


def _csv_format(path: Path, source: TableSource) -> tuple[str, str]:
    """(separator, encoding) to read and write a CSV the way the client's file is written."""
    encoding = source.encoding or "utf-8-sig"
    if path.is_file() and encoding in ("auto", "utf-8-sig", "utf-8"):
        head = path.read_bytes()[:65536]
        try:
            head.decode("utf-8")
            encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
        except UnicodeDecodeError as exc:  # a cut multi-byte character at the end is still UTF-8
            if encoding == "auto" and exc.start < len(head) - 4:
                encoding = "cp1251"
            else:
                encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    elif encoding == "auto":
        encoding = "utf-8"
    sep = source.sep or (_sniff_sep(path, encoding) if path.is_file() else ",")
    return sep, encoding


def read_table(path: Path, source: TableSource | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The checklist file as text cells, every row and column as in the file, and the header used
    for each of parameter_id / answer / note (contract names when the file does not exist yet).

    Raises ValueError when the file cannot be written back safely (a reshaped layout or a missing
    parameter_id / answer column)."""
    source = source or TableSource()
    if source.reshape:
        raise ValueError(f"{path.name} is reshaped by tables.checklist.reshape; the form cannot write it back")
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS}), {c: c for c in COLUMNS}
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raw = pd.read_excel(path, sheet_name=source.sheet if source.sheet is not None else 0, dtype=str, engine="openpyxl")
    else:
        sep, encoding = _csv_format(path, source)
        raw = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, keep_default_na=False, na_values=[""])
    raw = raw.astype("string")
    headers = _map_headers(raw.rename(columns=lambda c: str(c).strip()), contracts()["checklist"], source)
    stripped = {str(c).strip(): c for c in raw.columns}
    headers = {name: stripped[h] for name, h in headers.items()}
    missing = [c for c in ("parameter_id", "answer") if c not in headers]
    if missing:
        raise ValueError(f"{path.name}: no column for {', '.join(missing)} (found: {', '.join(map(str, raw.columns))})")
    if "note" not in headers:
        headers["note"] = "note"
        raw["note"] = pd.Series(pd.NA, index=raw.index, dtype="string")
    return raw, headers


def current_answers(table: pd.DataFrame, headers: dict[str, str], source: TableSource | None = None) -> dict[str, Update]:
    """Question id -> its saved answer and note (answers in any accepted spelling: yes/2, partly/1,
    no/0, or the export's own words mapped in tables.checklist.values.answer). Rows without a
    recognised answer are not returned (the form leaves those questions unanswered)."""
    source = source or TableSource()
    ids = table[headers["parameter_id"]].astype("string").str.strip()
    answers = table[headers["answer"]].astype("string").str.strip()
    mapping = source.values.get("answer", {})
    if mapping:
        exact = {k: v for k, v in mapping.items() if k != "*"}
        answers = answers.replace(exact)
    answers = answers.str.lower().map(dict(canonical_answers()))
    notes = table[headers["note"]].astype("string").fillna("").str.strip()
    out = {}
    for pid, answer, note in zip(ids, answers, notes):
        if pd.notna(pid) and isinstance(answer, str):
            out[str(pid)] = Update(answer, str(note))
    return out


def _export_value(answer: str, source: TableSource | None) -> str:
    """The answer as the file writes it: the export's own word when tables.checklist.values maps one."""
    mapping = (source.values.get("answer", {}) if source else {})
    for export, contract in mapping.items():
        if export != "*" and contract == answer:
            return export
    return answer


def merge_answers(table: pd.DataFrame, headers: dict[str, str], updates: dict[str, Update],
                  order: list[str] | None = None, source: TableSource | None = None) -> pd.DataFrame:
    """The file's rows with `updates` applied: a question already in the file gets the new answer and
    note in its row(s); a new question is appended (in `order`, the checklist order, when given).
    Every other row and column is kept unchanged."""
    out = table.copy()
    pid_col, ans_col, note_col = headers["parameter_id"], headers["answer"], headers["note"]
    ids = out[pid_col].astype("string").str.strip()
    new_rows = []
    rank = {q: i for i, q in enumerate(order or [])}
    for pid in sorted(updates, key=lambda q: (rank.get(q, len(rank)), q)):
        upd = updates[pid]
        if upd.answer not in answer_choices():
            raise ValueError(f"answer for {pid} must be one of {answer_choices()}, not {upd.answer!r}")
        value, note = _export_value(upd.answer, source), (upd.note.strip() or pd.NA)
        hit = (ids == pid).fillna(False).to_numpy()
        if hit.any():
            out.loc[hit, ans_col] = value
            out.loc[hit, note_col] = note
        else:
            new_rows.append({pid_col: pid, ans_col: value, note_col: note})
    if new_rows:
        out = pd.concat([out, pd.DataFrame(new_rows).astype("string")], ignore_index=True)
    return out


def write_atomic(frame: pd.DataFrame, path: Path, source: TableSource | None = None) -> None:
    """Write the table to a temporary file in the same folder, then move it over `path`."""
    source = source or TableSource()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix or ".csv", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            _write_sheet(frame, path, Path(tmp), source)
        else:
            sep, encoding = _csv_format(path, source)
            frame.to_csv(tmp, sep=sep, encoding=encoding, index=False, lineterminator="\n")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_sheet(frame: pd.DataFrame, path: Path, tmp: Path, source: TableSource) -> None:
    """Replace the checklist sheet of a workbook, keeping its other sheets."""
    from openpyxl import Workbook, load_workbook

    book = load_workbook(path) if path.is_file() else Workbook()
    if source.sheet is None:
        sheet = book.worksheets[0]
    elif isinstance(source.sheet, int):
        sheet = book.worksheets[source.sheet]
    else:
        sheet = book[source.sheet] if source.sheet in book.sheetnames else book.create_sheet(source.sheet)
    sheet.delete_rows(1, sheet.max_row)
    sheet.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([None if pd.isna(v) else str(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":  # a note typed as "=…" stays text, never a formula
                cell.data_type = "s"
    book.save(tmp)


def save_answers(path: Path, updates: dict[str, Update], source: TableSource | None = None,
                 order: list[str] | None = None) -> pd.DataFrame:
    """Re-read the checklist file, merge `updates` into it and write it atomically; returns what was written."""
    table, headers = read_table(path, source)
    merged = merge_answers(table, headers, updates, order, source)
    write_atomic(merged, path, source)
    return merged


# --------------------------------------------------------------------------- the widget form
class ChecklistForm:
    """The ipywidgets form of one client's checklist: ToggleButtons yes/partly/no and a note per
    question, an accordion of the four blocks, progress, current block scores and a Save button."""

    def __init__(self, params: AuditParams, path: Path | None = None, questions: list[dict] | None = None):
        import ipywidgets as w

        self.params = params
        self.loc = Locale(params.language, params.currency)
        self.path = Path(path) if path else checklist_file(params)
        self.source = params.source("checklist")
        checklist = load_checklist()
        self.questions = questions if questions is not None else checklist["questions"]
        self.order = [q["id"] for q in self.questions]
        lang = params.language
        labels = {a: spec["label"].get(lang) or spec["label"]["en"] for a, spec in checklist["answers"].items()}
        table, headers = read_table(self.path, self.source)
        self.saved = current_answers(table, headers, self.source)
        self.toggles: dict[str, w.ToggleButtons] = {}
        self.notes: dict[str, w.Text] = {}
        self.changed: set[str] = set()
        blocks = []
        for block in sc.BLOCKS:
            rows = []
            for q in [q for q in self.questions if q["block"] == block]:
                qid, saved = q["id"], self.saved.get(q["id"])
                number = self.order.index(qid) + 1
                text = q["text"].get(lang) or q["text"]["en"]
                toggle = w.ToggleButtons(options=[(labels[a], a) for a in answer_choices()],
                                         value=saved.answer if saved else None,
                                         style={"button_width": "90px"}, layout=w.Layout(width="auto"))
                note = w.Text(value=saved.note if saved else "", placeholder=self.t("form.note_placeholder"),
                              layout=w.Layout(flex="1 1 auto", min_width="260px"))
                toggle.observe(lambda change, qid=qid: self._on_change(qid), names="value")
                note.observe(lambda change, qid=qid: self._on_change(qid), names="value")
                self.toggles[qid], self.notes[qid] = toggle, note
                rows.append(w.VBox([w.HTML(f"<b>{number}.</b> {_html(text)}"), w.HBox([toggle, note])],
                                   layout=w.Layout(margin="0 0 8px 0")))
            blocks.append((block, w.VBox(rows)))
        self.blocks = [b for b, _ in blocks]
        self.accordion = w.Accordion(children=[box for _, box in blocks])
        self.progress = w.IntProgress(min=0, max=len(self.questions), value=0, layout=w.Layout(width="320px"))
        self.progress_label = w.Label()
        self.scores = w.HTML()
        self.status = w.HTML()
        self.save_button = w.Button(description=self.t("form.save"), button_style="primary", icon="save")
        self.save_button.on_click(lambda _: self.save())
        header = w.HTML(f"<h3>{_html(self.t('form.title', client=params.client))}</h3>"
                        f"<p>{_html(self.t('form.intro', file=self.path.name))}</p>")
        self.widget = w.VBox([header, w.HBox([self.progress, self.progress_label]), self.scores, self.accordion,
                              w.HBox([self.save_button, self.status])])
        self._refresh()

    def t(self, key: str, **values) -> str:
        return self.loc.t(f"express.{key}", **values)

    # state ----------------------------------------------------------------------------------
    def answers(self) -> dict[str, Update]:
        """Every question answered in the form (saved or not)."""
        return {qid: Update(t.value, self.notes[qid].value.strip()) for qid, t in self.toggles.items()
                if t.value is not None}

    def updates(self) -> dict[str, Update]:
        """The answers changed in this session and not saved yet (only these are written)."""
        current = self.answers()
        return {qid: current[qid] for qid in sorted(self.changed) if qid in current and current[qid] != self.saved.get(qid)}

    def waiting_notes(self) -> list[str]:
        """Questions with a note typed but no answer: not saved (the checklist needs an answer)."""
        return [qid for qid in self.order if self.toggles[qid].value is None and self.notes[qid].value.strip()]

    def _on_change(self, qid: str) -> None:
        self.changed.add(qid)
        self._refresh()

    def _refresh(self) -> None:
        """Progress bar and label, block titles with their answered counts, current block scores."""
        answers = self.answers()
        n, total = len(answers), len(self.questions)
        self.progress.value = n
        pending = len(self.updates())
        state = self.t("form.unsaved", n=pending) if pending else self.t("form.all_saved")
        self.progress_label.value = f"{self.t('form.progress', n=n, total=total, pct=self.loc.pct(n / total if total else 0, 0))} · {state}"
        for i, block in enumerate(self.blocks):
            ids = [q["id"] for q in self.questions if q["block"] == block]
            done = sum(qid in answers for qid in ids)
            self.accordion.set_title(i, f"{self.loc.t(f'improvement_plan.block.{block}')} — {done}/{len(ids)}")
        frame = pd.DataFrame({"parameter_id": list(answers), "answer": [a.answer for a in answers.values()]})
        blocks = sc.block_scores(sc.evaluate(sc.checklist_parameters(self.questions), {}, frame))
        parts = [f"{_html(self.loc.t(f'improvement_plan.block.{r.block}'))}: <b>{'—' if pd.isna(r.score) else self.loc.number(r.score)}</b>"
                 for r in blocks.itertuples()]
        self.scores.value = f"{_html(self.t('form.scores'))}: " + " · ".join(parts)

    # saving ---------------------------------------------------------------------------------
    def save(self) -> pd.DataFrame | None:
        """Write the changed answers to the client's checklist file (merged, atomic); show the outcome."""
        updates = self.updates()
        waiting = self.waiting_notes()
        messages = []
        written = None
        if not updates:
            messages.append(self.t("form.nothing"))
        else:
            try:
                written = save_answers(self.path, updates, self.source, self.order)
            except Exception as exc:  # noqa: BLE001 - shown to the consultant, nothing is lost in the form
                self.status.value = f'<span style="color:#b03a2e">{_html(self.t("form.error", error=str(exc)))}</span>'
                return None
            self.saved.update(updates)
            self.changed.clear()
            messages.append(self.t("form.saved", n=len(updates), file=self.path.name,
                                   time=dt.datetime.now().strftime("%H:%M:%S")))
        if waiting:
            messages.append(self.t("form.notes_waiting", ids=", ".join(waiting)))
        self.status.value = " ".join(_html(m) for m in messages)
        self._refresh()
        return written


def _html(text: str) -> str:
    import html

    return html.escape(str(text))


def show_form(params_path: str | Path) -> ChecklistForm:
    """Build the form for a client's parameter file and display it (the notebook's one call)."""
    from IPython.display import display

    form = ChecklistForm(load_params(find_params(params_path)))
    display(form.widget)
    return form
