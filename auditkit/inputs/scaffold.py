"""`auditkit new-client`: a new client's commented parameter file and input template workbook.

Both are generated from the code's own schema, so they cannot drift from it: the parameter file
from the pydantic models of auditkit/inputs/params.py (field descriptions, defaults, allowed values), the
workbook from the table contracts (auditkit/data/contracts.yaml). Wording and example values live
in auditkit/data/scaffold.yaml.

The workbook (`input_template.xlsx` in the client's data folder) has a README sheet and one sheet
per table: row 1 the contract columns, row 2 a description of each column, row 3 an example row
whose first cell starts with "example:". The loader (auditkit/inputs/read.py) reads a table's sheet
when the data folder has no <table>.csv / .xlsx, and skips a row as the template's own only while
it is unchanged: the description row when every cell under a contract header is empty or equal to
`column_hints` (at least one equal), the example row when its first cell starts with one of
`EXAMPLE_MARKS` (any case). A sheet with nothing else is a table not provided.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import textwrap
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, get_args, get_origin

import yaml
from pydantic import BaseModel

from auditkit.inputs.contracts import Column, Contract, contracts
from auditkit.inputs.params import TABLE_NAMES, AuditParams, TableSource

TEMPLATE_NAME = "input_template.xlsx"
EXAMPLE_MARKS = ("example:", "пример:")
WIDTH = 100  # characters of a comment line in the parameter file
COLOURS = {"required": "#F8CBAD", "one_of": "#FFE699", "optional": "#DDEBF7"}


@cache
def _texts() -> dict:
    return yaml.safe_load(resources.files("auditkit").joinpath("data/scaffold.yaml").read_text("utf-8"))


# --- the parameter file --------------------------------------------------------------------------

def _flow(value) -> str:
    """A value as one line of YAML."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=math.inf)
    return text.removesuffix("...\n").strip()


def _choices(annotation) -> tuple:
    """The values of the Literal inside an annotation (e.g. list[Literal[...]] or Literal[...] | None)."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    return next((c for arg in get_args(annotation) if (c := _choices(arg))), ())


def _nested(annotation) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def explanation(model: type[BaseModel], name: str) -> str:
    """What option `name` of `model` means: its schema description, else scaffold.yaml's, else the
    docstring of its model type; with the allowed values of a Literal."""
    field = model.model_fields[name]
    nested = _nested(field.annotation)
    text = (field.description or _texts()["params"]["fields"].get(f"{model.__name__}.{name}")
            or (nested.__doc__ if nested else "") or "").strip()
    values = _choices(field.annotation)
    if values:
        text += ("; " if text else "") + _texts()["params"]["choices"].format(values=" | ".join(map(str, values)))
    return text


def _comment(text: str, indent: str, hang: str = "") -> list[str]:
    """`text` as comment lines at `indent`, wrapped; continuation lines indented by `hang`."""
    return [f"{indent}# {line}" for para in text.splitlines()
            for line in textwrap.wrap(para, WIDTH - len(indent), subsequent_indent=hang) or [""]]


def _value(model: type[BaseModel], name: str, values: dict, indent: str) -> list[str]:
    """The YAML lines of option `name`: `values[name]`, else its default; a nested model as a block."""
    field = model.model_fields[name]
    value = values[name] if name in values else field.get_default(call_default_factory=True)
    nested = _nested(field.annotation)
    if not nested:
        return [f"{indent}{name}: {_flow(value)}"]
    return [f"{indent}{name}:", *_options(nested, value.model_dump() if isinstance(value, BaseModel) else value,
                                          indent + "  ")]


def _options(model: type[BaseModel], values: dict, indent: str) -> list[str]:
    """YAML lines of every option of `model`, each under a comment explaining it."""
    return [line for name, field in model.model_fields.items() if not field.exclude
            for line in _comment(explanation(model, name), indent) + _value(model, name, values, indent)]


def _commented(lines: list[str]) -> list[str]:
    """Lines commented out so that deleting "# " restores them."""
    return [f"# {line}" for line in lines]


def _tables_help() -> list[str]:
    """Comment lines explaining `tables:`: the options of one table and an example override."""
    from auditkit.inputs.presets import preset_names

    texts = _texts()["params"]
    lines = _comment(texts["tables"].format(tables=", ".join(TABLE_NAMES)), "")
    for name in TableSource.model_fields:
        text = explanation(TableSource, name)
        if name == "preset":
            text += "; " + texts["presets"].format(presets=", ".join(preset_names()))
        lines += _comment(f"  {name}: {text}", "", hang="    ")
    example = yaml.safe_dump({"tables": texts["tables_example_value"]}, allow_unicode=True, sort_keys=False,
                             default_flow_style=None, width=math.inf)
    return lines + _comment(texts["tables_example"], "") + _commented(example.splitlines())


def params_yaml(client: str, slug: str, data_dir: str, period: tuple[dt.date, dt.date], path: str) -> str:
    """The text of a new client's parameter file: every option of AuditParams with its value or
    default under an explanation; the norms of every stage commented out with their defaults;
    `tables:` explained with an example override."""
    texts = _texts()["params"]
    values = {"client": client, "slug": slug, "data_dir": data_dir,
              "period": {"start": period[0], "end": period[1]}, "draft": True}
    lines = _comment(texts["header"].format(client=client, today=dt.date.today(), path=path), "")
    for name, field in AuditParams.model_fields.items():
        if field.exclude:
            continue
        lines += ["", *_comment(explanation(AuditParams, name), "")]
        if name == "norms":
            lines += _comment(texts["norms"], "") + _commented(_value(AuditParams, name, values, ""))
        elif name == "tables":
            lines += _tables_help() + _value(AuditParams, name, values, "")
        else:
            lines += _value(AuditParams, name, values, "")
    return "\n".join(lines) + "\n"


# --- the input template workbook -----------------------------------------------------------------

NUM_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "period": "yyyy-mm", "text": "@",
               "money": "#,##0.00", "general": "General"}


def _has_time(value) -> bool:
    return isinstance(value, dt.datetime) and value.time() != dt.time(0)


def _kind(col: Column, example) -> str:
    """Cell kind of a column (a key of NUM_FORMATS): a date column with a timed example keeps the time."""
    if col.type == "date":
        return "datetime" if _has_time(example) else "date"
    return {"period": "period", "id": "text", "money": "money"}.get(col.type, "general")


def _one_of(contract: Contract) -> set[str]:
    """Columns of the one-of-required groups (orders: amount, or quantity and unit_price)."""
    return {c for alt in contract.one_of_required for c in alt}


def _status(contract: Contract, name: str) -> str:
    """required | one_of | optional (a key of COLOURS)."""
    return "required" if contract.columns[name].required else "one_of" if name in _one_of(contract) else "optional"


def _examples(table: str) -> dict:
    return _texts()["workbook"]["examples"].get(table, {})


@cache
def column_hints(table: str) -> dict[str, str]:
    """Row 2 of the table's template sheet: contract column -> "<type>; <required>; <description>
    (<reference>)", e.g. "date YYYY-MM-DD; REQUIRED; order, invoice or shipment date"."""
    contract, texts = contracts()[table], _texts()["workbook"]
    alternatives = " or ".join(" + ".join(alt) for alt in contract.one_of_required)
    hints = {}
    for name, col in contract.columns.items():
        kind = _kind(col, _examples(table).get(name))
        key = "money_negative" if col.type == "money" and col.negative_allowed else \
            "datetime" if kind == "datetime" else col.type
        label = texts["types"][key].format(values=", ".join(col.values))
        if col.min is not None:
            label += " " + (texts["range"] if col.max is not None else texts["at_least"]).format(min=col.min, max=col.max)
        status = {"required": texts["required"], "one_of": texts["one_of"].format(alternatives=alternatives),
                  "optional": ""}[_status(contract, name)]
        ref = contract.reference_of(name)
        described = col.description + (f" ({texts['references'].format(table=ref[0], column=ref[1])})" if ref else "")
        hints[name] = "; ".join(part for part in (label, status, described) if part)
    return hints


def _bounds(low: float | None, high: float | None) -> dict:
    if low is not None and high is not None:
        return {"criteria": "between", "minimum": low, "maximum": high}
    if low is not None:
        return {"criteria": ">=", "value": low}
    return {"criteria": "between", "minimum": -1e15, "maximum": 1e15}


def _validation(col: Column, name: str, hint: str) -> dict | None:
    """Excel data validation of a column: a list for enum/bool, a date, a number in its range (money
    >= 0 unless negative is allowed); its input message is the column's hint. None for ids and text."""
    if col.type in ("enum", "bool"):
        rule = {"validate": "list", "source": list(col.values) if col.type == "enum" else ["yes", "no"]}
    elif col.type in ("date", "period"):
        rule = {"validate": "date", "criteria": "between",
                "minimum": dt.date(1900, 1, 1), "maximum": dt.date(2100, 12, 31)}
    elif col.type in ("number", "money", "int"):
        low = 0 if col.type == "money" and not col.negative_allowed else col.min
        rule = {"validate": "integer" if col.type == "int" else "decimal", **_bounds(low, col.max)}
    else:
        return None
    return {**rule, "input_title": name[:32], "input_message": hint[:255], "error_type": "warning",
            "error_title": _texts()["workbook"]["error_title"][:32], "error_message": hint[:255]}


def _write_cell(sheet, row: int, col: int, value, style) -> None:
    if isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, style)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, col, value, style)
    elif value is not None:
        sheet.write_string(row, col, str(value), style)


def _table_sheet(sheet, contract: Contract, style) -> None:
    """One table's sheet: headers coloured by status, hints, the example row, formats, validation."""
    hints, example = column_hints(contract.table), _examples(contract.table)
    for i, (name, col) in enumerate(contract.columns.items()):
        value, kind = example.get(name), _kind(col, example.get(name))
        sheet.write_string(0, i, name, style(bold=True, border=1, bg_color=COLOURS[_status(contract, name)]))
        sheet.write_string(1, i, hints[name], style(italic=True, font_color="#595959", text_wrap=True, valign="top"))
        if i == 0:
            shown = value.strftime("%Y-%m" if kind == "period" else "%Y-%m-%d") if isinstance(value, dt.date) else value
            value = f"{EXAMPLE_MARKS[0]} {shown}"
        _write_cell(sheet, 2, i, value, style(italic=True, font_color="#7F7F7F", num_format=NUM_FORMATS[kind]))
        sheet.set_column(i, i, min(max(len(name), len(str(value or "")), 14) + 2, 40),
                         style(num_format=NUM_FORMATS[kind]))
        rule = _validation(col, name, hints[name])
        if rule:
            sheet.data_validation(2, i, 1_048_575, i, rule)
    sheet.set_row(1, 78)
    sheet.freeze_panes(3, 0)


def _readme_sheet(sheet, client: str, params_path: str, style) -> None:
    """The README sheet: how to fill the workbook (English, Russian, Polish), the colours, the sheets."""
    texts = _texts()["workbook"]["readme"]
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 60)
    sheet.write_string(0, 0, texts["title"].format(client=client), style(bold=True, font_size=14))
    row = 2
    for line in [*texts["en"], "", *texts["ru"], "", *texts["pl"]]:
        text = line.format(params=params_path)
        sheet.merge_range(row, 0, row, 2, text, style(text_wrap=True, valign="top"))
        sheet.set_row(row, 15 * max(1, math.ceil(len(text) / 120)))
        row += 1
    row += 1
    for status, colour in COLOURS.items():
        sheet.write_string(row, 0, texts["legend"][status], style(bold=True, border=1, bg_color=colour))
        row += 1
    row += 1
    for i, head in enumerate(texts["sheets"]):
        sheet.write_string(row, i, head, style(bold=True, bottom=1))
    for contract in contracts().values():
        row += 1
        needed = [c for c in contract.required] + \
            [" or ".join(" + ".join(alt) for alt in contract.one_of_required)] * bool(contract.one_of_required)
        for i, text in enumerate((contract.table, contract.description, ", ".join(needed))):
            sheet.write_string(row, i, text, style(text_wrap=True, valign="top"))


def write_template(path: str | Path, client: str, params_path: str) -> Path:
    """Write the input template workbook: a README sheet, then one sheet per contract table."""
    import xlsxwriter

    path = Path(path)
    book = xlsxwriter.Workbook(path)
    style = cache(lambda **props: book.add_format(props))
    _readme_sheet(book.add_worksheet(_texts()["workbook"]["readme_sheet"]), client, params_path, style)
    for table, contract in contracts().items():
        _table_sheet(book.add_worksheet(table), contract, style)
    book.close()
    return path


# --- the command ---------------------------------------------------------------------------------

def new_client(name: str, params_dir: str | Path = "params", data_root: str | Path = "data") -> tuple[Path, Path]:
    """Create `params_dir/<slug>.yaml` and the data folder `data_root/<slug>/` holding the input
    template; the slug is the client name transliterated (as AuditParams.client_slug). The period
    is the last two full calendar years. Raises FileExistsError when either already exists."""
    slug = AuditParams.model_construct(client=name).client_slug
    params_path, data_dir = Path(params_dir) / f"{slug}.yaml", Path(data_root) / slug
    existing = [str(p) for p in (params_path, data_dir) if p.exists()]
    if existing:
        raise FileExistsError(f"already exists, not overwritten: {', '.join(existing)}")
    year = dt.date.today().year
    relative = Path(os.path.relpath(data_dir.resolve(), params_path.parent.resolve())).as_posix()
    text = params_yaml(name, slug, relative, (dt.date(year - 2, 1, 1), dt.date(year - 1, 12, 31)), str(params_path))
    data_dir.mkdir(parents=True)
    params_path.parent.mkdir(parents=True, exist_ok=True)
    params_path.write_text(text, encoding="utf-8")
    write_template(data_dir / TEMPLATE_NAME, name, str(params_path))
    return params_path, data_dir
