"""Load a client's exports, map them to the table contracts and validate them.

Every problem names the file, the row as it is numbered in the file (the header is row 1) and the
column as it is headed in the file. Problems are collected for all tables before anything is
decided, so the consultant sees them all at once.
"""
from __future__ import annotations

import codecs
import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit.inputs.coerce import FALSE_WORDS, TRUE_WORDS, parse_dates, parse_numbers, parse_periods
from auditkit.inputs.contracts import Column, Contract, contracts
from auditkit.inputs.currency import currencies
from auditkit.inputs.detect import best_preset
from auditkit.inputs.encoding import SAMPLE_BYTES, detect_encoding, is_utf8
from auditkit.inputs.keys import add_keys
from auditkit.inputs.params import TABLE_NAMES, AuditParams, Lookup, TableSource, outside
from auditkit.inputs.presets import load_preset
from auditkit.inputs.register import DELIMITERS, csv_layout, reheaded, without_totals
from auditkit.inputs.reshape import matches, reshape
from auditkit.inputs.scaffold import EXAMPLE_MARKS, TEMPLATE_NAME, column_hints
from auditkit.inputs.status import translate_column

MAX_ROWS_NAMED = 10


@dataclass(frozen=True)
class Problem:
    """One validation finding. `code` keys the translated message; `args` fill it."""

    severity: str  # "error" | "warning"
    table: str
    file: str
    code: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    count: int = 0
    args: dict = field(default_factory=dict)
    part: int | None = None  # the export's place in the table's list of exports (None: the table is one file)

    @property
    def key(self) -> str:
        """The table's key in the parameter file: `activities`, or `activities.1` for its second export."""
        return self.table if self.part is None else f"{self.table}.{self.part}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Part:
    """One file a table was read from (a table given as a list of exports has several): its label
    (the file name; `input_template.xlsx[orders]` for a sheet of the template), the preset it was read
    with and its rows after validation."""

    file: str
    preset: str | None
    rows: int


@dataclass
class AuditData:
    """The validated input tables of one client (None where a table is missing)."""

    tables: dict[str, pd.DataFrame | None]
    files: dict[str, str]
    provided: dict[str, list[str]]
    problems: list[Problem]
    notes: list[str]
    anonymised: bool = False  # managers are codes (auditkit/inputs/anonymise.py)
    currencies: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # table -> [(code, rows)] exported
    parts: dict[str, list[Part]] = field(default_factory=dict)  # table -> the files it was read from

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def missing(self) -> list[str]:
        return [t for t, df in self.tables.items() if df is None]

    def has(self, table: str, column: str | None = None) -> bool:
        """True when the table was given (and the column was provided, if named)."""
        if self.tables.get(table) is None:
            return False
        return column is None or column in self.provided.get(table, [])


class _Collector:
    """Collects problems of one table's file; `row_numbers[i]` is the file row of frame row i."""

    def __init__(self, table: str, file: str, row_numbers: np.ndarray | None = None, part: int | None = None):
        self.table, self.file, self.problems, self.part = table, file, [], part
        self.row_numbers = row_numbers
        self.currencies: list[tuple[str, int]] = []

    def add(self, severity, code, column=None, mask=None, **args):
        rows: tuple[int, ...] = ()
        count = 0
        if mask is not None:
            idx = np.flatnonzero(np.asarray(mask))
            if len(idx) == 0:
                return
            numbers = self.row_numbers if self.row_numbers is not None else np.arange(2, len(np.asarray(mask)) + 2)
            in_file = list(dict.fromkeys(int(numbers[i]) for i in idx))  # a reshaped row's file row once
            rows, count = tuple(in_file[:MAX_ROWS_NAMED]), len(in_file)
        self.problems.append(Problem(severity, self.table, self.file, code, column, rows, count, args, self.part))


def find_file(params: AuditParams, table: str) -> Path | None:
    """The file of a table: the override's `file`, else <table>.csv / .xlsx in data_dir, else the
    input template (input_template.xlsx in data_dir) when its sheet <table> holds data."""
    source = params.source(table)  # a table given as a list of exports: its first
    if source.file:
        return params.data_dir / source.file
    for ext in (".csv", ".xlsx", ".xls"):
        path = params.data_dir / f"{table}{ext}"
        if path.is_file() or path.is_symlink() or path.is_dir():  # a broken link or a folder is reported
            return path
    template = params.data_dir / TEMPLATE_NAME
    return template if _in_template(template, table, source) else None


def _in_template(path: Path, table: str, source: TableSource) -> bool:
    """True when the input template has a sheet `table` with rows besides the template's own; an
    unreadable workbook counts as having them, so that loading the table reports why."""
    if not path.is_file():
        return False
    try:
        with pd.ExcelFile(path, engine=_excel_engine(path)) as book:
            if table not in book.sheet_names:
                return False
        return not read_raw(path, source, table).empty
    except (ValueError, OSError, zipfile.BadZipFile, FileProblem):
        return True


def _template_rows(raw: pd.DataFrame, table: str) -> pd.Series:
    """Rows of the input template that are not data (see auditkit/scaffold.py): blank rows, the
    description row (every cell under a contract header empty or equal to the column's hint, at
    least one equal) and the example row (its first cell starts with "example:" / "пример:")."""
    if raw.columns.empty:
        return pd.Series(False, index=raw.index)
    hints = column_hints(table)
    cells = raw[[h for h in raw.columns if h.lower() in hints]]
    same = cells.eq(pd.Series({h: hints[h.lower()] for h in cells.columns}, dtype=object))
    description = (same | cells.isna()).all(axis=1) & same.any(axis=1)
    example = raw.iloc[:, 0].str.lower().str.startswith(EXAMPLE_MARKS, na=False)
    return raw.isna().all(axis=1) | description | example


def _sniff_sep(path: Path, encoding: str) -> str:
    """The separator of a CSV (see _csv_layout)."""
    return _csv_layout(path, encoding, None)[0]


def _csv_layout(path: Path, encoding: str, sep: str | None) -> tuple[str, int]:
    """(separator, lines above the header) of a CSV: the separator as given, else sniffed (else the
    one that splits the most lines alike); title lines of a report-style export are skipped."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(65536)
    if sep is None:
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            sep = None
    sep, offset = csv_layout(sample, sep)
    return sep, offset


class FileProblem(Exception):
    """A problem that makes a file unusable, reported as Problem(code, args) of `file` (None = the table's file)."""

    def __init__(self, code: str, file: str | None = None, **args):
        super().__init__(code)
        self.code, self.file, self.details = code, file, args


UTF8_FAMILY = {"utf-8", "utf-8-sig"}


def _check_encoding(path: Path, encoding: str) -> None:
    """FileProblem when a file given as a single-byte encoding (cp1251, latin-1…) is UTF-8 with
    non-ASCII text: reading it so would turn every letter into mojibake (Р В Р’...)."""
    if codecs.lookup(encoding).name in UTF8_FAMILY or codecs.lookup(encoding).name.startswith("utf"):
        return
    with open(path, "rb") as fh:
        data = fh.read(SAMPLE_BYTES)
    if not data.isascii() and is_utf8(data):
        raise FileProblem("looks_utf8", encoding=encoding)


def _read_csv(path: Path, source: TableSource, encoding: str, found: dict | None = None) -> pd.DataFrame:
    """Read a CSV as text; encoding "auto" detects it (auto/encoding.py); `found["encoding"]`, when
    given, receives a detected encoding other than UTF-8."""
    if encoding == "auto":
        encoding = detect_encoding(path)
        if found is not None and encoding not in UTF8_FAMILY:
            found["encoding"] = encoding
    else:
        _check_encoding(path, encoding)
    sep, offset = _csv_layout(path, encoding, source.sep)
    if offset and found is not None:
        found["title_rows"] = offset
    return pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, keep_default_na=False,
                       na_values=[""], skipinitialspace=True, skiprows=offset)


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _excel_engine(path: Path) -> str:
    """The engine that reads this workbook; FileProblem when none can (password, corrupt, not Excel)."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE2:  # a compound file: a legacy .xls, or an xlsx encrypted with a password
        with open(path, "rb") as fh:
            if "EncryptedPackage".encode("utf-16-le") in fh.read(SAMPLE_BYTES * 8):
                raise FileProblem("password_protected")
        return "calamine"
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as book:
                broken = book.testzip()
                names = set(book.namelist())
        except (zipfile.BadZipFile, OSError, EOFError):
            raise FileProblem("corrupt_workbook") from None
        if broken is not None or "[Content_Types].xml" not in names:
            raise FileProblem("corrupt_workbook")
        return "openpyxl"
    raise FileProblem("not_a_workbook", suffix=path.suffix)


def _uncalculated(path: Path, sheet, header_row: list[str]) -> dict[str, list[int]]:
    """{header: file rows} of formula cells without a cached value (a workbook written by a program
    that does not calculate, e.g. openpyxl): they read as empty."""
    from openpyxl import load_workbook

    found: dict[str, list[int]] = {}
    values = load_workbook(path, read_only=True, data_only=True)
    formulas = load_workbook(path, read_only=True, data_only=False)
    try:
        name = sheet if isinstance(sheet, str) else formulas.sheetnames[sheet or 0]
        rows = zip(formulas[name].iter_rows(values_only=True), values[name].iter_rows(values_only=True))
        for number, (f_row, v_row) in enumerate(rows, start=1):
            if number == 1:
                continue
            for j, (f, v) in enumerate(zip(f_row, v_row)):
                if v is None and isinstance(f, str) and f.startswith("=") and j < len(header_row):
                    found.setdefault(header_row[j], []).append(number)
    finally:
        values.close()
        formulas.close()
    return found


def _read_excel(path: Path, sheet) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    engine = _excel_engine(path)
    try:
        raw = pd.read_excel(path, sheet_name=sheet, dtype=str, engine=engine)
    except ValueError:  # a sheet that is not there: its own message
        raise
    except Exception:  # noqa: BLE001 - the readers raise their own errors on a damaged workbook (CalamineError, KeyError…)
        raise FileProblem("corrupt_workbook") from None
    uncalculated = {}
    if engine == "openpyxl" and raw.isna().to_numpy().any():
        uncalculated = _uncalculated(path, sheet, [str(c).strip() for c in raw.columns])
    return raw, uncalculated


def read_raw(path: Path, source: TableSource, table: str | None = None,
             uncalculated: dict | None = None, found: dict | None = None) -> pd.DataFrame:
    """The file as text cells (NaN for empty), headers stripped; raises UnicodeDecodeError, FileProblem etc.
    In the input template, `table` names the default sheet and the template's own rows are dropped.
    `uncalculated`, when given, receives {header: rows} of formula cells without a value; `found`
    receives what was decided about the file: "encoding" (a detected one other than UTF-8),
    "chosen" (see `_prefer_filled`), "by_name" (see `_join`), "dropped" ({header: [(value, rows)]}
    of the rows a `select` step left out)."""
    template = table is not None and path.name == TEMPLATE_NAME
    if path.suffix.lower() in EXCEL_SUFFIXES:
        sheet = source.sheet if source.sheet is not None else table if template else 0
        raw, formulas = _read_excel(path, sheet)
        if uncalculated is not None:
            uncalculated.update(formulas)
    else:
        found = {} if found is None else found
        raw = _read_csv(path, source, source.encoding, found)
    raw = _clean(raw, first_row=2 + (found or {}).get("title_rows", 0))
    if not template:
        raw = without_totals(reheaded(raw))
    if template:
        raw = raw[~_template_rows(raw, table)]  # dropped by label: the others keep their row numbers
    by_name: list = []
    for lookup in source.lookup:
        raw = _join(raw, path.parent, lookup, by_name)
    raw, chosen = _prefer_filled(raw, source)
    if found is not None and chosen:
        found["chosen"] = chosen
    if found is not None and by_name:
        found["by_name"] = by_name
    dropped: dict = {}
    raw = reshape(raw, source, path.name, dropped)
    if found is not None and dropped:
        found["dropped"] = dropped
    return raw


def _prefer_filled(raw: pd.DataFrame, source: TableSource) -> tuple[pd.DataFrame, list[tuple]]:
    """`raw` without the mapped headers that are empty in every row while a later header mapped to the
    same column has data (Salesforce's empty Loss_Reason__c beside a filled LossReason__c), so that
    every step and the loader read the filled one; with [(column, header read, rows filled, headers
    dropped)]."""
    candidates: dict[str, list[str]] = {}
    for header, names in source.columns.items():
        if header in raw.columns:
            for name in [names] if isinstance(names, str) else names:
                candidates.setdefault(name, []).append(header)
    drop, chosen = set(), []
    for name, headers in candidates.items():
        filled = [int(raw[h].notna().sum()) for h in headers]
        first = next((i for i, n in enumerate(filled) if n), None)
        if first:  # neither None (all empty) nor 0 (the first header has data)
            empty = [h for h in headers[:first] if h not in drop]
            drop.update(headers[:first])
            chosen.append((name, headers[first], filled[first], ", ".join(empty or headers[:first])))
    return (raw.drop(columns=sorted(drop)) if drop else raw), chosen


def _clean(raw: pd.DataFrame, first_row: int = 2) -> pd.DataFrame:
    """Headers and cells stripped, empty cells NaN, the index = row numbers as in the file (the first
    data row is `first_row`: 2 below a header on row 1)."""
    raw.columns = [str(c).strip() for c in raw.columns]
    raw.index = pd.RangeIndex(first_row, len(raw) + first_row)
    return raw.apply(lambda s: s.str.strip()).replace("", np.nan)


def _join(raw: pd.DataFrame, folder: Path, lookup: Lookup, by_name: list | None = None) -> pd.DataFrame:
    """Add the lookup's columns from its file to `raw` by key (first match, or with `unique` only a key
    with one value there; with `rows`, only in the rows it is about; rows keep their numbers). Problems
    of the lookup file are FileProblems naming that file; `by_name`, when given, receives (lookup
    file, header here, keys with several values there, keys with one, rows) of a `unique` lookup."""
    here, there = next(iter(lookup.key.items())) if isinstance(lookup.key, dict) else (lookup.key, lookup.key)
    if lookup.if_present and here not in raw.columns:
        return raw
    path = folder / lookup.file
    if not path.is_file():
        raise FileProblem("lookup_not_found", lookup.file)
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            other = _clean(_read_excel(path, 0)[0])
        else:
            other = _clean(_read_csv(path, TableSource(sep=lookup.sep), lookup.encoding))
    except FileProblem as exc:
        exc.file = lookup.file
        raise
    except UnicodeDecodeError as exc:
        raise FileProblem("bad_encoding", lookup.file, encoding=lookup.encoding, position=exc.start,
                          detected=detect_encoding(path)) from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise FileProblem("unreadable", lookup.file, reason=str(exc).splitlines()[0][:200]) from None
    gone = [h for h in [there, *lookup.columns] if h not in other.columns]
    if gone:
        raise FileProblem("lookup_columns", lookup.file, columns=", ".join(gone),
                          found=_headers_shown(other))
    if here not in raw.columns:
        raise FileProblem("lookup_key", None, column=here, lookup=lookup.file)
    found = pd.DataFrame({new: other[old].to_numpy() for old, new in lookup.columns.items()},
                         index=other[there].to_numpy())
    if lookup.unique:  # a key given two values there (two deals of one name) matches neither
        distinct = found.reset_index(names="__key__").drop_duplicates()
        twice = distinct["__key__"].duplicated(keep=False)
        shared = set(distinct.loc[twice, "__key__"])
        found = distinct[~twice].set_index("__key__")
        if by_name is not None:
            by_name.append((lookup.file, here, shared, set(found.index), lookup.rows))
    found = found[~found.index.duplicated()]
    matched = found.reindex(raw[here].to_numpy()).set_axis(raw.index)
    for header, pattern in lookup.rows.items():  # only the rows the lookup is about
        about = matches(raw[header], pattern) if header in raw.columns else False
        matched = matched.where(about)
    return raw.join(matched)


def _headers_shown(raw: pd.DataFrame) -> str:
    """The headers of a file for an error message; nothing of a file that does not look like a table
    (one column, or a header line longer than a header), so that an error never shows the content
    of a file that is not a table (a key, a password file)."""
    headers = [str(h) for h in raw.columns]
    if len(headers) < 2 or not all(_looks_like_header(h) for h in headers):
        return "(no table headers: it does not look like a table)"
    return ", ".join(h[:40] for h in headers[:30])


# Not in a column header, but in a key, a password or a settings file: "KEY=value", "postgres://…",
# a long run of letters and digits without a space (a token or a hash)
NOT_A_HEADER = re.compile(r"=|://|(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{24,}")


def _looks_like_header(header: str) -> bool:
    return len(header) <= 60 and header.isprintable() and not NOT_A_HEADER.search(header)


def _map_headers(raw: pd.DataFrame, contract: Contract, source: TableSource) -> dict[str, str]:
    """contract column -> header in the file (the first mapped header found wins)."""
    mapped = {}
    by_lower = {h.lower(): h for h in raw.columns}
    for header, names in source.columns.items():
        if header in raw.columns:
            for name in [names] if isinstance(names, str) else names:
                mapped.setdefault(name, header)
    for name in contract.columns:
        if name not in mapped and name.lower() in by_lower:
            mapped[name] = by_lower[name.lower()]
    return mapped


def _coerce(col: Column, text: pd.Series, source: TableSource, out: _Collector, header: str, zone: str | None = None):
    """Parse one column of text cells by its contract type; record unparseable cells."""
    present = text.notna()
    if col.type in ("id", "text"):
        value = text.astype("string")
        if col.type == "id":  # an integer id that went through a float: 1234.0 -> 1234
            floaty = value.str.endswith(".0", na=False).to_numpy()
            if floaty.any():  # the pattern is matched on those cells only (a regex over a million ids costs ~1 s)
                value[floaty] = value[floaty].str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
        return value
    if col.type == "enum":
        value = text.str.lower().astype("string")
        bad = present & ~value.isin(col.values)
        if bad.any():
            seen = [(str(v), int(n)) for v, n in sorted(text[bad].value_counts().items(), key=lambda x: str(x[0]))]
            out.add("error", "unknown_value", header, bad, column_name=col.name, seen=seen,
                    allowed=", ".join(col.values), n_values=len(seen))
        return value
    if col.type == "bool":
        low = text.str.lower()
        value = pd.Series(pd.NA, index=text.index, dtype="boolean")
        value[low.isin(TRUE_WORDS)] = True
        value[low.isin(FALSE_WORDS)] = False
        out.add("error", "not_a_bool", header, present & value.isna(), example=_example(text, present & value.isna()))
        return value
    if col.type in ("date", "period"):
        parsed = (parse_periods if col.type == "period" else parse_dates)(text, source.date_format, zone)
        value = parsed.value
        odd = parsed.out_of_range | parsed.empty_1c | parsed.zone_needed
        bad = present & value.isna() & ~odd
        placeholder = bad & ~text.str.contains(r"\d", na=False)  # "не закрыта", "n/a": text where no date is
        formats = _preset_date_formats(source, col.name)
        out.add("error", "date_placeholder", header, placeholder, example=_example(text, placeholder),
                column_name=col.name)
        out.add("error", "not_a_date_preset" if formats else "not_a_date", header, bad & ~placeholder,
                example=_example(text, bad & ~placeholder), formats=", ".join(formats))
        out.add("error", "date_out_of_range", header, parsed.out_of_range, example=_example(text, parsed.out_of_range))
        out.add("warning", "empty_date_1c", header, parsed.empty_1c, example=_example(text, parsed.empty_1c))
        out.add("error", "zone_needed", header, parsed.zone_needed, example=_example(text, parsed.zone_needed))
        if parsed.with_zone.any() and not parsed.with_zone[present].all():
            out.add("warning", "some_with_zone", header, parsed.with_zone, example=_example(text, parsed.with_zone),
                    zone=zone or "")
        return value
    parsed = parse_numbers(text, source.decimal)
    value = parsed.value
    odd = parsed.not_finite | parsed.too_large | parsed.wrong_decimal
    bad = present & value.isna() & ~odd
    out.add("error", "not_a_number", header, bad, example=_example(text, bad))
    out.add("error", "wrong_decimal", header, parsed.wrong_decimal, example=_example(text, parsed.wrong_decimal))
    out.add("error", "not_finite", header, parsed.not_finite, example=_example(text, parsed.not_finite))
    out.add("error", "too_large", header, parsed.too_large, example=_example(text, parsed.too_large))
    if col.type == "money" and not col.negative_allowed:
        out.add("error", "negative", header, value < 0, example=_example(text, value < 0))
    if col.min is not None:
        out.add("error", "below_min", header, value < col.min, example=_example(text, value < col.min), limit=col.min)
    if col.max is not None:
        out.add("error", "above_max", header, value > col.max, example=_example(text, value > col.max), limit=col.max)
    if col.type == "int":
        frac = value.notna() & (value % 1 != 0)
        out.add("error", "not_an_integer", header, frac, example=_example(text, frac))
    return value


def _preset_date_formats(source: TableSource, name: str) -> list[str]:
    """The formats the source's `dates` reshape step reads column `name` with ([] without the step)."""
    dates = (source.reshape or {}).get("dates") or {}
    return list(dates.get("formats", [])) if name in dates.get("columns", []) and not source.date_format else []


def _example(text: pd.Series, mask) -> str:
    """The first masked cell, as the message quotes it: at most 40 characters, control characters as �."""
    hit = text[np.asarray(mask)]
    return "" if hit.empty else "".join(c if c.isprintable() else "\ufffd" for c in str(hit.iloc[0])[:40])


def _preset_headers(preset: dict, columns: list[str]) -> str:
    """The headers a preset reads the contract `columns` from ("Create Date / createdate"), or its
    description of the wide columns it turns into rows; for a missing-columns message."""
    if preset.get("wide_columns") and any(c in (preset.get("reshape", {}).get("unpivot") or {}).values()
                                          for c in columns):
        return preset["wide_columns"]
    wanted = {c for column in columns for c in column.replace(" or ", " + ").split(" + ")}
    headers = [h for h, names in preset.get("columns", {}).items()
               if wanted & set([names] if isinstance(names, str) else names)]
    return " / ".join(f"“{h}”" for h in headers[:8])


def _translated(raw: pd.DataFrame, header: str, col: Column, source: TableSource, own: TableSource,
                stage: str | None, out: _Collector) -> tuple[pd.Series, str]:
    """(text, header shown in problems) of an enum column after the preset's and the client's value
    mappings and the status read from stage names (auditkit/inputs/status.py); reports what was
    inferred and stage names that contradict the export's flags."""
    preset_values = load_preset(source.preset).get("values", {}).get(col.name, {}) if source.preset else {}
    done = translate_column(raw, header, col.name, col.values, source, preset_values,
                            own.values.get(col.name, {}), stage)
    if done.inferred:
        out.add("warning", "status_inferred", done.basis_header, done.inferred_mask, values=done.inferred,
                column_name=col.name, n_values=len(done.inferred))
    if done.contradicted:
        out.add("warning", "stage_says_closed", done.basis_header, done.contradicted_mask,
                values=done.contradicted, column_name=col.name, n_values=len(done.contradicted))
    return done.text, done.basis_header


def _load_table(params: AuditParams, contract: Contract, path: Path, out: _Collector, part: int = 0):
    """Read, map and type one table (its `part`-th export when the parameter file lists several).
    Returns (frame, {contract column: file header}); (None, {}) when unusable, or when the file has
    headers but no data rows (a warning: the table counts as not given)."""
    source = params.source(contract.table, part)
    own = params.own(contract.table, part)
    uncalculated: dict[str, list[int]] = {}
    found: dict = {}
    try:
        raw = read_raw(path, source, contract.table, uncalculated, found)
    except FileProblem as exc:  # exc.file: a lookup file's problem names the lookup file
        out.problems.append(Problem("error", out.table, exc.file or out.file, exc.code, args=exc.details, part=out.part))
        return None, {}
    except UnicodeDecodeError as exc:
        out.add("error", "bad_encoding", None, encoding=source.encoding, position=exc.start,
                detected=detect_encoding(path))
        return None, {}
    except (ValueError, OSError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        out.add("error", "unreadable", None, reason=str(exc).splitlines()[0][:200])
        return None, {}
    if raw.empty:
        out.add("warning", "no_rows", None)
        return None, {}
    out.row_numbers = raw.index.to_numpy()
    if "encoding" in found:
        out.add("warning", "encoding_detected", None, encoding=found["encoding"])
    for header, dropped in found.get("dropped", {}).items():
        out.add("warning", "rows_not_kept", header, None, values=dropped, n=sum(n for _, n in dropped),
                n_values=len(dropped))
    for lookup_file, header, twice, once, about in found.get("by_name", []):
        _names_not_matched(raw, header, twice, once, about, lookup_file, out)
    for name, header, filled, empty in found.get("chosen", []):
        out.add("warning", "column_chosen", header, None, column_name=name, filled=filled, empty=empty)
    for header, rows in uncalculated.items():
        out.problems.append(Problem("error", out.table, out.file, "formula_without_value", header,
                                    tuple(rows[:MAX_ROWS_NAMED]), len(rows), part=out.part))
    raw = raw.reset_index(drop=True)
    headers = _map_headers(raw, contract, source)
    missing = [c for c in contract.required if c not in headers]
    alternatives = contract.one_of_required
    if alternatives and not any(all(c in headers for c in alt) for alt in alternatives):
        missing.append(" or ".join(" + ".join(alt) for alt in alternatives))
    if missing and source.preset:
        preset = load_preset(source.preset)
        named = [e for e in preset.get("ids", []) if e["column"] in missing and e["header"] in raw.columns]
        if named and {e["column"] for e in named} >= set(missing):  # read from another export, not given
            entry = named[0]
            out.add("error", "preset_needs_export", entry["header"], None, column_name=entry["column"],
                    preset=source.preset, other_preset=entry["preset"], other_table=entry["table"])
            return None, {}
        out.add("error", "preset_columns_missing", None, columns="; ".join(missing), found=_headers_shown(raw),
                n_columns=len(missing), system=preset["system"], preset=source.preset,
                expected=_preset_headers(preset, missing))
        return None, {}
    if missing:
        out.add("error", "missing_columns", None, columns="; ".join(missing), found=_headers_shown(raw),
                n_columns=len(missing))
        return None, {}
    frame = {}
    for name, col in contract.columns.items():
        header = headers.get(name)
        if header is None:
            frame[name] = _empty(col, raw.index)
            continue
        text, shown = raw[header], header
        if col.type == "enum" or name in source.values:
            text, shown = _translated(raw, header, col, source, own, headers.get("stage"), out)
        value = _coerce(col, text, source, out, shown, params.zone)
        if col.required:
            allowed = name in source.allow_empty
            out.add("warning" if allowed else "error", "kept_empty" if allowed else "required_empty", shown,
                    raw[header].isna(), column_name=name)
        elif col.breakdown and value.notna().any():
            out.add("warning", "breakdown_key_empty", header, value.isna())
        frame[name] = value
    df = pd.DataFrame(frame, index=raw.index)
    currency = next((h for h in source.currency_column if h in raw.columns), None)
    if currency is not None:
        counts = _convert_currency(df, raw[currency], currency, contract, headers, params, out)
        out.currencies = counts
    if contract.extra_numeric:
        used = set(headers.values())
        for header in raw.columns:
            if header not in used:
                df[header] = _coerce(Column(header, "number"), raw[header], source, out, header)
    if contract.key:
        dup = df.duplicated(list(contract.key), keep="first") & df[list(contract.key)].notna().all(axis=1)
        out.add("error", "duplicate_key", headers[contract.key[0]], dup,
                example=_example(df[contract.key[0]].astype("string"), dup))
    elif len(df):  # a table without a key: a row equal to an earlier one in every column is kept, and said
        out.add("warning", "duplicate_rows", mask=repeated_rows(df))
    _check_rows(contract.table, df, headers, source, out)
    return df, {c: h for c, h in headers.items() if c in contract.columns}


def repeated_rows(df: pd.DataFrame) -> np.ndarray:
    """Per row, whether it equals an earlier row in every column (bool; the first of equal rows is
    False). Rows are compared by a 64-bit hash of each row first, and only rows whose hash repeats
    are compared exactly: a whole-frame duplicated() groups every column and cost stage 1 half a
    gigabyte at 4M order lines."""
    out = np.zeros(len(df), dtype=bool)
    hashed = pd.util.hash_pandas_object(df, index=False)
    maybe = np.flatnonzero(hashed.duplicated(keep=False).to_numpy())
    if len(maybe):
        out[maybe] = df.iloc[maybe].duplicated(keep="first").to_numpy()
    return out


def _names_not_matched(raw: pd.DataFrame, header: str, twice: set, once: set, about: dict[str, str], other: str,
                       out: _Collector) -> None:
    """Warnings for the rows of a lookup by name (`unique`) that found no single record in the other
    file: a name two records share there, and a name not there at all; each name with its rows."""
    if header not in raw.columns:
        return
    about_rows = raw[header].notna()
    for column, pattern in about.items():
        about_rows &= matches(raw[column], pattern) if column in raw.columns else False
    for code, hit in (("lookup_ambiguous", about_rows & raw[header].isin(twice)),
                      ("name_not_found", about_rows & ~raw[header].isin(twice | once))):
        values = [(str(v), int(n)) for v, n in sorted(raw[header][hit].value_counts().items(), key=lambda x: str(x[0]))]
        out.add("warning", code, header, hit.to_numpy(), values=values, n_values=len(values), other=other)


def _convert_currency(df: pd.DataFrame, text: pd.Series, header: str, contract: Contract, headers: dict[str, str],
                      params: AuditParams, out: _Collector) -> list[tuple[str, int]]:
    """Money columns converted to the report's currency with `fx` (auditkit/inputs/currency.py);
    an error naming the currencies and their rows when several lack a rate, a warning for one.
    Returns [(currency, rows)] as exported."""
    found = currencies(text, params.currency, params.fx)
    if found.missing:
        several = len(found.counts) > 1
        out.add("error" if several else "warning", "currency_mixed" if several else "currency_other", header, None,
                currencies=found.counts, n_values=len(found.counts), report=params.currency,
                missing=", ".join(found.missing), example=", ".join(f"{c}: …" for c in found.missing))
    elif found.rates is not None:
        for name, col in contract.columns.items():
            if col.type == "money" and name in headers:
                df[name] = df[name] * found.rates.to_numpy()
        out.add("warning", "currency_converted", header, None, currencies=found.counts, report=params.currency,
                rates=", ".join(f"{c} = {params.fx[c]:g} {params.currency}" for c, _ in found.counts
                                if c != params.currency))
    return found.counts


def _check_rows(table: str, df: pd.DataFrame, headers: dict[str, str], source: TableSource, out: _Collector):
    """Rows that parse but cannot be right, found across columns of one table."""
    if table == "orders" and "amount" not in headers:
        # amount = quantity x unit_price: a line without either would silently count as no sale
        for name in ("unit_price", "quantity"):
            gone = df[name].isna()
            out.add("warning" if name in source.allow_empty else "error", "amount_not_computable",
                    headers[name], gone, other=headers["quantity" if name == "unit_price" else "unit_price"])
    if table == "deals":
        if "closed_at" in headers:
            early = df["closed_at"] < df["created_at"]
            out.add("warning", "closed_before_created", headers["closed_at"], early,
                    example=_example(df["closed_at"].dt.strftime("%Y-%m-%d"), early), created=headers["created_at"])
        if "probability" in headers:
            p = df["probability"]
            if (p > 1).any():  # a 0-100 column: fractions below 1 are on the other scale
                fraction = (p > 0) & (p < 1)
                out.add("error", "mixed_scale", headers["probability"], fraction,
                        example=_example(p.astype("string"), fraction))


DTYPES = {"date": "datetime64[ns]", "period": "datetime64[ns]", "bool": "boolean",
          "number": "float64", "money": "float64", "int": "float64"}


def _empty(col: Column, index: pd.Index) -> pd.Series:
    """An all-missing column of the contract type (an optional column the export lacks)."""
    dtype = DTYPES.get(col.type, "string")
    return pd.Series(pd.NaT if dtype.startswith("datetime") else np.nan if dtype == "float64" else pd.NA,
                     index=index, dtype=dtype)


@dataclass
class _Loaded:
    """One export of a table as loaded: its frame (None when unusable), {contract column: header},
    the file rows of its frame rows, and its problems."""

    label: str
    preset: str | None
    frame: pd.DataFrame | None
    headers: dict[str, str]
    rows: np.ndarray
    out: _Collector


def _check_references(data: AuditData, loaded: dict[str, list[_Loaded]]):
    """Ids that name no row of the table they refer to, reported per export with its own rows."""
    for table, contract in contracts().items():
        df = data.tables.get(table)
        if df is None:
            continue
        for name in contract.columns:
            ref = contract.reference_of(name)
            if not ref or name not in data.provided[table]:
                continue
            target_table, target_col, strict = ref
            target = data.tables.get(target_table)
            if target is None or target_col not in data.provided[target_table]:
                continue
            orphan = (df[name].notna() & ~df[name].isin(target[target_col].dropna())).to_numpy()
            start = 0
            for part in (p for p in loaded.get(table, []) if p.frame is not None):
                mine, start = orphan[start:start + len(part.frame)], start + len(part.frame)
                out = _Collector(table, part.label, part.rows, part.out.part)
                out.add("error" if strict else "warning", "unknown_reference", part.headers.get(name, name),
                        mine, example=_example(part.frame[name], mine), target=f"{target_table}.{target_col}")
                data.problems.extend(out.problems)


def _derive(data: AuditData):
    """Fill derived columns: order line amounts, probabilities as 0..1, orders from won deals."""
    orders, deals = data.tables.get("orders"), data.tables.get("deals")
    if orders is not None and "amount" not in data.provided["orders"]:
        orders["amount"] = orders["quantity"] * orders["unit_price"]
        data.provided["orders"].append("amount")
    if deals is not None and "probability" in data.provided["deals"]:
        if deals["probability"].max() > 1:
            deals["probability"] = deals["probability"] / 100
    if orders is None and deals is not None:
        won = deals[(deals["status"] == "won") & deals["amount"].notna()]
        date = won["closed_at"].fillna(won["created_at"])
        data.tables["orders"] = pd.DataFrame({
            "order_id": won["deal_id"], "client_id": won["client_id"].fillna(won["deal_id"]),
            "date": date, "amount": won["amount"], "quantity": np.nan, "unit_price": np.nan,
            "cost": np.nan, "product": pd.NA, "category": pd.NA,
            "manager_id": won["manager_id"], "channel": won["channel"],
        }).reset_index(drop=True).astype({"product": "string", "category": "string"})
        data.provided["orders"] = ["order_id", "client_id", "date", "amount", "manager_id", "channel"]
        data.files["orders"] = data.files["deals"]
        data.notes.append("orders_from_deals")


def _unusable(params: AuditParams, path: Path) -> tuple[str, dict] | None:
    """(problem code, args) when the table's path cannot be read as a file, else None."""
    if path.is_symlink() and not path.exists():
        return "broken_link", {"target": str(path.readlink())}
    if path.is_dir():
        return "is_a_folder", {}
    if not path.exists():
        return "file_not_found", {}
    why = None
    if not params.allow_outside_data_dir:
        try:
            why = outside(params.data_dir, path.relative_to(params.data_dir))
        except ValueError:
            why = "an absolute path"
    if why:
        return "outside_data_dir", {"why": why}
    if not path.is_file():
        return "not_a_file", {}
    return None


def _with_detected_preset(params: AuditParams, table: str, path: Path, out: _Collector, part: int = 0) -> AuditParams:
    """`params` with the preset that fits the table's file (auditkit/inputs/detect.py) when the table
    (or its `part`-th export) is given as `file:` without `preset:`; the choice and its reason are reported."""
    own = params.own(table, part)
    if not own.file or own.preset:
        return params
    try:
        found = best_preset(list(read_raw(path, own.model_copy(update={"encoding": own.encoding or "auto"})).columns),
                            table)
    except (FileProblem, UnicodeDecodeError, ValueError, OSError, zipfile.BadZipFile, pd.errors.ParserError):
        return params  # the file's own problem is reported when it is loaded
    if found is None:
        return params
    preset = load_preset(found.preset)
    out.add("warning", "preset_detected", None, preset=found.preset, system=preset["system"], n=found.score,
            headers=", ".join(f"“{h}”" for h in found.headers[:6]) + (", …" if found.score > 6 else ""))
    chosen = own.model_copy(update={"preset": found.preset})
    entry = params.tables[table]
    if isinstance(entry, list):
        chosen = [*entry[:part], chosen, *entry[part + 1:]]
    return params.model_copy(update={"tables": {**params.tables, table: chosen}})


def _table_paths(params: AuditParams, table: str) -> list[Path | None]:
    """The file of each export of `table`: one (see `find_file`; None when not given), or one per part
    when the parameter file lists several."""
    if isinstance(params.tables.get(table), list):
        return [params.data_dir / part.file for part in params.parts(table)]
    return [find_file(params, table)]


def _load_part(params: AuditParams, contract: Contract, path: Path, part: int) -> tuple[_Loaded, AuditParams]:
    """One export of a table loaded (its preset detected first when not named), with `params` as
    updated by the detection."""
    label = f"{path.name}[{contract.table}]" if path.name == TEMPLATE_NAME else path.name  # the template's sheet
    listed = isinstance(params.tables.get(contract.table), list)
    out = _Collector(contract.table, label, part=part if listed else None)
    params = _with_detected_preset(params, contract.table, path, out, part)
    df, headers = _load_table(params, contract, path, out, part)
    rows = out.row_numbers if out.row_numbers is not None else np.arange(2, 2 + (0 if df is None else len(df)))
    return _Loaded(label, params.own(contract.table, part).preset, df, headers, rows, out), params


def _key_clashes(contract: Contract, parts: list[_Loaded]) -> None:
    """A key given by two exports of one table: an error in the later one naming the earlier file and row."""
    usable = [p for p in parts if p.frame is not None]
    if not contract.key or len(usable) < 2:
        return
    keys = pd.concat([p.frame[list(contract.key)] for p in usable], ignore_index=True).astype("string")
    which = np.concatenate([np.full(len(p.frame), i) for i, p in enumerate(usable)])
    rows = np.concatenate([p.rows for p in usable])
    present = keys.notna().all(axis=1).to_numpy()
    joined = keys.fillna("").agg("\x1f".join, axis=1).to_numpy()
    first = pd.DataFrame({"key": joined, "which": which, "pos": np.arange(len(joined))})[present]
    first = first.drop_duplicates("key").set_index("key")
    owner = first["which"].reindex(joined).to_numpy()
    clash = present & (owner != which)
    start = 0
    for i, part in enumerate(usable):
        mask, start = clash[start:start + len(part.frame)], start + len(part.frame)
        if mask.any():
            hit = int(np.flatnonzero(mask)[0])
            earlier = int(first.loc[joined[start - len(part.frame) + hit], "pos"])
            part.out.add("error", "duplicate_key_parts", part.headers.get(contract.key[0], contract.key[0]), mask,
                         example=str(keys.iloc[start - len(part.frame) + hit, 0]),
                         other=usable[which[earlier]].label, other_row=int(rows[earlier]))


def _combined(parts: list[_Loaded]) -> tuple[pd.DataFrame | None, list[str]]:
    """The exports of one table as one frame (None when none is usable) and the contract columns
    any of them provided (each once, in the order the first part mapped them)."""
    frames = [p.frame for p in parts if p.frame is not None]
    if not frames:
        return None, []
    provided = list(dict.fromkeys(c for p in parts if p.frame is not None for c in p.headers))
    return (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)), provided


def _merged_counts(parts: list[_Loaded]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for part in parts:
        for code, n in part.out.currencies:
            counts[code] = counts.get(code, 0) + n
    return sorted(counts.items(), key=lambda item: -item[1])


def load_inputs(params: AuditParams, express: bool = False) -> AuditData:
    """Load, map and validate every table of the contract for one client.

    A table given as a list of exports is read part by part, each with its own preset and its own
    problems (named by its file and rows), and then concatenated; a key in two parts is an error.
    `express`: for the express assessment, which needs only the checklist, a client without
    orders and deals is no error; every table that is present is still validated."""
    data = AuditData(tables={}, files={}, provided={}, problems=[], notes=[])
    loaded: dict[str, list[_Loaded]] = {}
    for table, contract in contracts().items():
        parts: list[_Loaded] = []
        listed = isinstance(params.tables.get(table), list)
        for number, path in enumerate(_table_paths(params, table)):
            why_not = path is not None and _unusable(params, path)
            if path is None or why_not:
                if why_not:
                    code, args = why_not
                    data.problems.append(Problem("error", table, path.name, code, args=args,
                                                 part=number if listed else None))
                continue
            part, params = _load_part(params, contract, path, number)
            parts.append(part)
        _key_clashes(contract, parts)
        for part in parts:
            data.problems.extend(part.out.problems)
        if not parts:
            data.tables[table] = None
            continue
        loaded[table] = parts
        data.tables[table], data.provided[table] = _combined(parts)
        data.files[table] = ", ".join(p.label for p in parts)
        data.parts[table] = [Part(p.label, p.preset, 0 if p.frame is None else len(p.frame)) for p in parts]
        if any(p.out.currencies for p in parts):
            data.currencies[table] = _merged_counts(parts)
    if data.tables.get("orders") is None and data.tables.get("deals") is None and not data.errors and not express:
        data.problems.append(Problem("error", "orders", "orders.csv", "no_orders_or_deals"))
    _check_references(data, loaded)  # also when other tables have errors: all of them are shown at once
    if not data.errors:
        _derive(data)
        add_keys(data.tables)
    return data


assert set(TABLE_NAMES) == set(contracts()), "params.TABLE_NAMES and contracts.yaml disagree"
