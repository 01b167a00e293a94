"""`auditkit new-client`: the generated parameter file and input template, and loading the template."""
import datetime as dt
import re

import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from auditkit.cli import main
from auditkit.inputs.contracts import contracts
from auditkit.inputs.read import load_inputs
from auditkit.inputs.params import TABLE_NAMES, AuditParams, Norms, TableSource, load_params
from auditkit.inputs.scaffold import TEMPLATE_NAME, column_hints, explanation, new_client
from helpers import REPO, write

TEXTS = yaml.safe_load((REPO / "auditkit" / "data" / "scaffold.yaml").read_text("utf-8"))


@pytest.fixture
def romashka(tmp_path):
    """(params path, data folder) of a new client made under tmp_path."""
    return new_client("ООО Ромашка", tmp_path / "params", tmp_path / "data")


def _uncommented(text: str, first: str) -> str:
    """The commented-out block that starts with the line `# <first>`, with "# " removed."""
    lines = text.splitlines()
    start = lines.index(f"# {first}")
    block = [lines[start]] + [ln for ln in _takewhile_indented(lines[start + 1:])]
    return "\n".join(ln.removeprefix("# ") for ln in block)


def _takewhile_indented(lines):
    for ln in lines:
        if not ln.startswith("#   "):
            return
        yield ln


def test_paths_slug_and_period(romashka, tmp_path):
    params_path, data_dir = romashka
    assert params_path == tmp_path / "params" / "ooo-romashka.yaml"
    assert data_dir == tmp_path / "data" / "ooo-romashka"
    assert (data_dir / TEMPLATE_NAME).is_file()
    params = load_params(params_path)  # loads as written
    year = dt.date.today().year
    assert (params.period.start, params.period.end) == (dt.date(year - 2, 1, 1), dt.date(year - 1, 12, 31))
    assert params.client == "ООО Ромашка" and params.client_slug == "ooo-romashka"
    assert params.data_dir == data_dir.resolve()
    assert "data_dir: ../data/ooo-romashka\n" in params_path.read_text("utf-8")
    assert params.norms == Norms() and params.tables == {}


def test_every_option_present_and_every_norm_listed_with_its_default(romashka):
    text = romashka[0].read_text("utf-8")
    top = yaml.safe_load(text)
    expected = [n for n, f in AuditParams.model_fields.items() if not f.exclude and n not in ("norms", "tables")]
    assert [k for k in top if k != "tables"] == expected and top["tables"] == {}
    norms = yaml.safe_load(_uncommented(text, "norms:"))["norms"]
    for stage, field in Norms.model_fields.items():
        assert list(norms[stage]) == list(field.annotation.model_fields), stage
    # uncommented as is, the block is valid and equals the defaults
    assert Norms.model_validate(norms) == Norms()


def test_example_table_override_is_valid(romashka):
    tables = yaml.safe_load(_uncommented(romashka[0].read_text("utf-8"), "tables:"))["tables"]
    params = AuditParams.model_validate({"client": "X", "period": {"start": "2024-01-01", "end": "2024-12-31"},
                                         "data_dir": ".", "tables": tables})
    assert params.tables["orders"].decimal == "," and params.tables["orders"].columns["Дата"] == "date"


def _models(model: type[BaseModel]):
    yield model
    for field in model.model_fields.values():
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                yield from _models(arg)


def test_every_option_is_explained():
    for model in set(_models(AuditParams)):
        for name, field in model.model_fields.items():
            if not field.exclude:
                assert explanation(model, name), f"{model.__name__}.{name} has no explanation"
    assert explanation(AuditParams, "language").endswith("one of: en | ru | pl")
    models = {m.__name__: m for m in _models(AuditParams)} | {"TableSource": TableSource}
    for key in TEXTS["params"]["fields"]:  # no explanation of an option that is gone
        model, name = key.split(".")
        assert name in models[model].model_fields, key


def test_refuses_to_overwrite(romashka, tmp_path):
    params_path, data_dir = romashka
    before = params_path.read_bytes()
    with pytest.raises(FileExistsError, match="ooo-romashka.yaml"):
        new_client("ООО Ромашка", tmp_path / "params", tmp_path / "data")
    assert params_path.read_bytes() == before
    params_path.unlink()  # the data folder alone also blocks, and nothing is written
    with pytest.raises(FileExistsError, match="ooo-romashka"):
        new_client("ООО Ромашка", tmp_path / "params", tmp_path / "data")
    assert not params_path.exists()


def test_workbook_sheets_headers_hints_and_validation(romashka):
    book = openpyxl.load_workbook(romashka[1] / TEMPLATE_NAME)
    assert book.sheetnames == ["README", *TABLE_NAMES]
    for table, contract in contracts().items():
        sheet = book[table]
        rows = list(sheet.iter_rows(min_row=1, max_row=3, values_only=True))
        assert list(rows[0]) == list(contract.columns), table
        assert list(rows[1]) == [column_hints(table)[c] for c in contract.columns]
        assert str(rows[2][0]).startswith("example: ")
        assert sheet.freeze_panes == "A4"
        rules = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
        for i, (name, col) in enumerate(contract.columns.items(), start=1):
            rule = rules.get(f"{get_column_letter(i)}3")
            kind = {"enum": "list", "bool": "list", "date": "date", "period": "date"}.get(col.type)
            if kind:
                assert rule is not None and rule.type == kind, (table, name)
                assert str(rule.sqref).endswith("1048576")
            if col.type == "enum":
                assert rule.formula1 == '"' + ",".join(col.values) + '"'
            if col.type == "money" and not col.negative_allowed:
                assert (rule.type, rule.operator, rule.formula1) == ("decimal", "greaterThanOrEqual", "0")
        required = {c.name for c in contract.columns.values() if c.required}
        fills = {cell.value: cell.fill.fgColor.rgb for cell in sheet[1]}
        assert len({fills[c] for c in required}) <= 1 and not {fills[c] for c in required} & \
            {fills[c] for c in contract.columns if c not in required}
    assert column_hints("deals")["status"].startswith("one of: open, won, lost; REQUIRED")
    readme = [c for row in book["README"].iter_rows(values_only=True) for c in row if c]
    assert any("Row 2 describes" in c for c in readme) and any("Строка 2" in c for c in readme)
    assert any("Wiersz 2" in c for c in readme)  # and in Polish


def test_untouched_template_has_no_tables(romashka):
    data = load_inputs(load_params(romashka[0]))
    assert [p.code for p in data.problems] == ["no_orders_or_deals"]
    assert data.missing == list(TABLE_NAMES)


def test_example_rows_are_valid_data(romashka):
    """With the "example: " marks removed, every example row is data that loads without a problem
    (ids refer to each other across sheets)."""
    template = romashka[1] / TEMPLATE_NAME
    book = openpyxl.load_workbook(template)
    for table in TABLE_NAMES:
        assert set(TEXTS["workbook"]["examples"][table]) <= set(contracts()[table].columns), table
        cell = book[table]["A3"]
        cell.value = cell.value.removeprefix("example: ")
    book.save(template)
    data = load_inputs(load_params(romashka[0]))
    assert data.problems == [] and not data.missing
    assert all(len(df) == 1 for df in data.tables.values())
    assert data.tables["leads"]["first_contact_at"].iloc[0] == dt.datetime(2025, 1, 28, 9, 40)


def _fill(path, table, rows, first_row=4):
    book = openpyxl.load_workbook(path)
    for r, values in enumerate(rows, start=first_row):
        for c, value in enumerate(values, start=1):
            book[table].cell(row=r, column=c).value = value
    book.save(path)


@pytest.fixture
def filled(romashka):
    """The template with 3 order lines (row 5 has a bad date) and 2 clients below the example row."""
    template = romashka[1] / TEMPLATE_NAME
    _fill(template, "orders", [["SO-1", "C1", dt.datetime(2025, 1, 10), 100.5],
                               ["SO-2", "C2", "31.02.2025", 200],
                               ["SO-2", "C2", dt.datetime(2025, 2, 11), -20]])
    _fill(template, "clients", [["C1", "Alpha"], ["C2", "Beta"]])
    return romashka[0], template


def test_filled_template_names_the_sheet_row_and_column(filled):
    data = load_inputs(load_params(filled[0]))
    (problem,) = data.problems
    assert (problem.code, problem.file, problem.rows, problem.column) == (
        "not_a_date", "input_template.xlsx[orders]", (5,), "date")
    orders, clients = data.tables["orders"], data.tables["clients"]
    assert orders["amount"].sum() == pytest.approx(100.5 + 200 - 20)  # rows 4-6; rows 2-3 skipped
    assert orders["order_id"].tolist() == ["SO-1", "SO-2", "SO-2"]
    assert clients["name"].tolist() == ["Alpha", "Beta"]
    assert data.tables["deals"] is None


def test_template_rows_are_data_once_changed(filled):
    params_path, template = filled
    _fill(template, "orders", [["SO-0", "C1", "2025-01-05", 10]], first_row=3)  # the example overwritten
    _fill(template, "clients", [[None, "my own note"]], first_row=2)  # the description row edited
    data = load_inputs(load_params(params_path))
    assert data.tables["orders"]["order_id"].tolist() == ["SO-0", "SO-1", "SO-2", "SO-2"]
    found = {(p.table, p.code, p.column): p.rows for p in data.problems}
    assert found[("clients", "required_empty", "client_id")] == (2,)
    assert found[("clients", "date_placeholder", "created_at")] == (2,)  # the edited row's other cells are data too
    assert found[("orders", "not_a_date", "date")] == (5,)


def test_marks_in_other_language_and_case_and_a_file_wins_over_the_sheet(filled):
    params_path, template = filled
    _fill(template, "clients", [["Пример: C-0117"], ["EXAMPLE: C-1"]], first_row=4)  # both template rows now
    data = load_inputs(load_params(params_path))
    assert data.tables["clients"] is None  # only template rows left: not provided
    write(template.parent / "orders.csv", "order_id,client_id,date,amount\nO1,C1,2025-01-10,5\n")
    data = load_inputs(load_params(params_path))
    assert data.files["orders"] == "orders.csv" and data.tables["orders"]["amount"].tolist() == [5.0]


def test_cli_prints_paths_and_next_steps(tmp_path, capsys):
    args = ["new-client", "Bar good", "--params-dir", str(tmp_path / "p"), "--data-dir", str(tmp_path / "d")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "p" / "bar-good.yaml") in out and str(tmp_path / "d" / "bar-good") in out
    assert re.search(r"auditkit validate \S+bar-good\.yaml", out)
    with pytest.raises(SystemExit, match="already exists"):
        main(args)
