"""Loading, mapping and validating input tables: every problem names file, row and column."""
import pandas as pd
import pytest

from auditkit.inputs.read import load_inputs
from auditkit.inputs.params import load_params
from auditkit.inputs.validation import describe, validate
from helpers import write


def _load(params_path):
    return load_inputs(load_params(params_path))


def test_tiny_client_loads_with_types_and_nets_returns(tiny_client):
    data = _load(tiny_client)
    assert not data.errors
    orders = data.tables["orders"]
    assert orders["date"].dtype == "datetime64[ns]"
    assert orders["amount"].dtype == "float64"
    assert orders["client_id"].dtype == "string"
    assert orders["amount"].sum() == pytest.approx(100 + 250.5 + 80 - 20 + 40)
    assert data.tables["deals"] is None and "deals" in data.missing
    assert data.has("orders", "amount") and not data.has("orders", "cost")
    assert orders["cost"].isna().all()  # optional column not provided: present, all missing


def _bad_orders(tiny_client, text, **kw):
    write(tiny_client.parent.parent / "data" / "orders.csv", text, **kw)
    return _load(tiny_client)


def test_bad_cells_name_file_row_and_column(tiny_client):
    data = _bad_orders(tiny_client, """
        order_id,client_id,date,amount
        O1,C1,2024-01-10,100
        O2,C2,31.02.2024,abc
        O3,C1,2024-04-02,
        O4,C9,2024-05-20,40
    """)
    by_code = {p.code: p for p in data.errors}
    assert by_code["not_a_number"].rows == (3,) and by_code["not_a_number"].column == "amount"
    assert by_code["not_a_number"].file == "orders.csv"
    assert by_code["not_a_date"].rows == (3,) and by_code["not_a_date"].args["example"] == "31.02.2024"
    line = describe(by_code["not_a_number"])
    assert line == 'error: orders.csv, row 3, column “amount”: not a number: “abc” (for a decimal comma set tables.<table>.decimal: ",")'


def test_unknown_client_in_orders_is_an_error_with_its_row(tiny_client):
    data = _bad_orders(tiny_client, """
        order_id,client_id,date,amount
        O1,C1,2024-01-10,100
        O4,C9,2024-05-20,40
    """)
    (problem,) = data.errors
    assert (problem.code, problem.rows, problem.column, problem.args["example"]) == ("unknown_reference", (3,), "client_id", "C9")


def test_negative_amount_is_allowed_in_orders_but_not_in_deals(tiny_client):
    write(tiny_client.parent.parent / "data" / "deals.csv", """
        deal_id,created_at,status,amount
        D1,2024-01-01,won,100
        D2,2024-01-02,lost,-5
        D2,2024-01-03,maybe,5
    """)
    data = _load(tiny_client)
    codes = {(p.table, p.code, p.rows) for p in data.errors}
    assert ("deals", "negative", (3,)) in codes
    assert ("deals", "duplicate_key", (4,)) in codes
    unknown = next(p for p in data.errors if p.code == "unknown_value")
    assert unknown.args["seen"] == "maybe" and unknown.rows == (4,)


def test_missing_required_column_lists_headers_found(tiny_client):
    data = _bad_orders(tiny_client, """
        order_id,customer,date,amount
        O1,C1,2024-01-10,100
    """)
    (problem,) = data.errors
    assert problem.code == "missing_columns"
    assert problem.args["columns"] == "client_id"
    assert "customer" in problem.args["found"]


def test_mapping_separator_decimal_comma_date_format_and_encoding(tiny_client):
    root = tiny_client.parent.parent
    write(root / "data" / "export_1c.csv", """
        Документ;Контрагент;Дата;Количество;Цена
        A-1;C1;10.01.2024;2;1 000,50
        A-1;C1;10.01.2024;-1;1 000,50
        A-2;C2;11.02.2024;3;10,00
    """, encoding="cp1251")
    write(tiny_client, tiny_client.read_text() + """
tables:
  orders:
    file: export_1c.csv
    encoding: cp1251
    decimal: ","
    date_format: "%d.%m.%Y"
    columns: {Документ: order_id, Контрагент: client_id, Дата: date, Количество: quantity, Цена: unit_price}
""")
    data = _load(tiny_client)
    assert not data.errors
    orders = data.tables["orders"]
    assert orders["amount"].tolist() == [2001.0, -1000.5, 30.0]
    assert orders["date"].tolist() == [pd.Timestamp("2024-01-10")] * 2 + [pd.Timestamp("2024-02-11")]


def test_wrong_encoding_is_explained(tiny_client):
    write(tiny_client.parent.parent / "data" / "orders.csv",
          "order_id,client_id,date,amount\nЗаказ1,C1,2024-01-10,100\n", encoding="cp1251")
    (problem,) = _load(tiny_client).errors
    assert problem.code == "bad_encoding" and problem.file == "orders.csv"
    assert "cp1251" in describe(problem)


def test_value_mapping_translates_statuses(tiny_client):
    write(tiny_client.parent.parent / "data" / "deals.csv", """
        deal_id,created_at,status,amount,probability
        D1,2024-01-01,Won,100,100
        D2,2024-01-02,Engaging,5,40
    """)
    write(tiny_client, tiny_client.read_text() + "tables:\n  deals:\n    values: {status: {Won: won, Engaging: open}}\n")
    data = _load(tiny_client)
    assert not data.errors
    assert data.tables["deals"]["status"].tolist() == ["won", "open"]
    assert data.tables["deals"]["probability"].tolist() == [1.0, 0.4]


def test_crm_only_client_gets_orders_from_won_deals(tmp_path):
    write(tmp_path / "d" / "deals.csv", """
        deal_id,created_at,status,amount,closed_at,client_id
        D1,2024-01-01,won,100,2024-02-01,K1
        D2,2024-01-02,lost,50,2024-02-03,K2
        D3,2024-01-03,open,70,,
    """)
    params = write(tmp_path / "p.yaml", "client: C\nperiod: {start: 2024-01-01, end: 2024-12-31}\ndata_dir: d\n")
    data = _load(params)
    assert data.notes == ["orders_from_deals"]
    orders = data.tables["orders"]
    assert orders[["order_id", "client_id", "amount"]].values.tolist() == [["D1", "K1", 100.0]]
    assert orders["date"].iloc[0] == pd.Timestamp("2024-02-01")


def test_no_orders_and_no_deals_is_an_error(tmp_path):
    (tmp_path / "d").mkdir()
    params = write(tmp_path / "p.yaml", "client: C\nperiod: {start: 2024-01-01, end: 2024-12-31}\ndata_dir: d\n")
    lines, ok, _ = validate(params)
    assert not ok
    assert any("neither orders nor deals" in line for line in lines)


def test_xlsx_input_rows_are_numbered_as_in_the_sheet(tiny_client):
    root = tiny_client.parent.parent
    (root / "data" / "orders.csv").unlink()
    pd.DataFrame({"order_id": ["O1", "O2"], "client_id": ["C1", "C2"],
                  "date": [pd.Timestamp("2024-01-10"), "yesterday"], "amount": [10, 20]}).to_excel(
        root / "data" / "orders.xlsx", index=False)
    (problem,) = _load(tiny_client).errors
    assert (problem.file, problem.rows, problem.column, problem.code) == ("orders.xlsx", (3,), "date", "not_a_date")


def test_validate_reports_all_problems_of_all_tables_at_once(tiny_client):
    root = tiny_client.parent.parent
    write(root / "data" / "orders.csv", "order_id,client_id,date,amount\nO1,C1,bad,1\nO2,C2,2024-01-01,x\n")
    write(root / "data" / "managers.csv", "manager_id,name\nM1,Ann\nM1,Bob\n")
    lines, ok, _ = validate(tiny_client)
    assert not ok
    assert sum(line.startswith("error:") for line in lines) == 3
    assert any("managers.csv, row 3" in line for line in lines)


def test_allow_empty_keeps_rows_as_a_counted_warning(tiny_client):
    write(tiny_client.parent.parent / "data" / "orders.csv", """
        order_id,client_id,date,amount
        O1,C1,2024-01-10,100
        O2,,2024-02-11,50
        O3,,2024-02-12,25
    """)
    assert [p.code for p in _load(tiny_client).errors] == ["required_empty"]
    write(tiny_client, tiny_client.read_text() + "tables:\n  orders:\n    allow_empty: [client_id]\n")
    data = _load(tiny_client)
    assert not data.errors
    (warning,) = data.problems
    assert (warning.code, warning.rows, warning.count, warning.severity) == ("kept_empty", (3, 4), 2, "warning")
    assert data.tables["orders"]["amount"].sum() == 175


def test_lookup_takes_columns_from_a_second_file_by_key(tiny_client):
    data_dir = tiny_client.parent.parent / "data"
    write(data_dir / "won.csv", """
        mql,won_date,seller
        L1,2024-03-01,C1
        L3,2024-04-01,C3
    """)
    write(data_dir / "leads_export.csv", """
        mql,first_contact,origin
        L1,2024-01-05,web
        L2,2024-01-06,expo
        L3,2024-01-07,web
    """)
    write(tiny_client, tiny_client.read_text() + """
tables:
  deals:
    file: won.csv
    lookup:
      - {file: leads_export.csv, key: mql, columns: {first_contact: lead_created, origin: lead_origin}}
    columns: {mql: deal_id, lead_created: created_at, won_date: [closed_at, status], seller: client_id,
              lead_origin: lead_source}
    values: {status: {"*": won}}
  leads:
    file: leads_export.csv
    lookup:
      - {file: won.csv, key: mql, columns: {mql: won_deal}}
    columns: {mql: lead_id, first_contact: created_at, origin: source, won_deal: deal_id}
""")
    data = _load(tiny_client)
    assert not data.problems
    deals = data.tables["deals"]
    assert deals["created_at"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-07")]
    assert deals["lead_source"].tolist() == ["web", "web"] and deals["status"].tolist() == ["won", "won"]
    assert data.tables["leads"]["deal_id"].tolist() == ["L1", pd.NA, "L3"]


def test_lookup_of_a_missing_column_is_explained(tiny_client):
    write(tiny_client.parent.parent / "data" / "other.csv", "key,x\nC1,1\n")
    write(tiny_client, tiny_client.read_text() + """
tables:
  clients:
    lookup: [{file: other.csv, key: {client_id: key}, columns: {y: region}}]
""")
    (problem,) = _load(tiny_client).errors  # the problem is the lookup file's, and names it
    assert (problem.code, problem.file, problem.args["columns"]) == ("lookup_columns", "other.csv", "y")
    assert describe(problem) == ('error: other.csv: not found in the lookup file: y. '
                                 'It has: key, x')


def test_rows_without_a_breakdown_key_are_a_data_quality_warning(tiny_client):
    # C2 has no segment: it is a row of its own in every breakdown by segment, and the appendix says so
    write(tiny_client.parent.parent / "data" / "clients.csv", """
        client_id,name,segment
        C1,Alpha,Retail
        C2,Beta,
        C3,Gamma,Retail
    """)
    data = _load(tiny_client)
    assert not data.errors
    (warning,) = data.problems
    assert (warning.code, warning.column, warning.rows, warning.severity) == (
        "breakdown_key_empty", "segment", (3,), "warning")
    assert "own" in describe(warning)
    # a column left empty in every row is not provided: no breakdown by it, no warning
    write(tiny_client.parent.parent / "data" / "clients.csv", "client_id,name,segment\nC1,A,\nC2,B,\nC3,C,\n")
    assert not _load(tiny_client).problems


def test_integer_ids_that_went_through_a_float_lose_their_point_zero_and_others_keep_it(tiny_client):
    write(tiny_client.parent.parent / "data" / "clients.csv", """
        client_id,name
        1234.0,Alpha
        -7.0,Beta
        A.0,Gamma
        12.05,Delta
    """)
    data = _bad_orders(tiny_client, """
        order_id,client_id,date,amount
        101.0,1234.0,2024-01-10,100
        O2.0,-7.0,2024-02-11,250
        12.50,A.0,2024-03-01,10
        ,12.05,2024-03-02,5
    """)
    orders = data.tables["orders"]
    assert orders["order_id"].tolist()[:3] == ["101", "O2.0", "12.50"] and orders["order_id"].isna().tolist()[3]
    assert orders["client_id"].tolist() == ["1234", "-7", "A.0", "12.05"]
    assert orders["client_id"].dtype == "string"
