"""Loading, mapping and validating input tables: every problem names file, row and column."""
import numpy as np
import pandas as pd
import pytest

from auditkit.inputs.read import _Collector, load_inputs
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
    assert line == 'error: orders.csv, row 3, column “amount”: not a number: “abc” (for a decimal comma set tables.orders.decimal: ",")'


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
    assert unknown.args["seen"] == [("maybe", 1)] and unknown.rows == (4,)


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
    assert (problem.file, problem.rows, problem.column, problem.code) == ("orders.xlsx", (3,), "date", "date_placeholder")


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


# Hostile inputs (issue 12): each case is a kind of bad export, named after the failure, with the
# problem it must give: (file, code, column, rows) — never a traceback, never a silently wrong number.
O = "order_id,client_id,date,amount\n"
HOSTILE = {
    "orders_date_year_2999": (
        {"orders.csv": O + "O1,C1,2999-01-01,1\nO2,C1,9999-12-31,1\nO3,C1,2262-04-12,1\nO4,C1,-0001-01-01,1\n"},
        "", ("orders.csv", "date_out_of_range", "date", (2, 3, 4, 5))),
    "orders_date_1c_empty_0001": (
        {"orders.csv": O + "O1,C1,0001-01-01,1\nO2,C1,2024-01-01,1\n"},
        "", ("orders.csv", "empty_date_1c", "date", (2,))),
    "orders_date_zone_on_some_rows": (
        {"orders.csv": O + "O1,C1,2024-01-01T23:30:00+00:00,1\nO2,C1,2024-01-01 10:00,1\n"},
        "", ("orders.csv", "some_with_zone", "date", (2,))),
    "orders_decimal_comma_given_points": (
        {"orders.csv": "order_id;client_id;date;amount\nO1;C1;2024-01-01;4311.5\nO2;C1;2024-01-01;1.234,5\n"},
        "tables: {orders: {decimal: ','}}\n", ("orders.csv", "wrong_decimal", "amount", (2,))),
    "orders_amount_inf": (
        {"orders.csv": O + "O1,C1,2024-01-01,inf\nO2,C1,2024-01-01,-Infinity\nO3,C1,2024-01-01,1\n"},
        "", ("orders.csv", "not_finite", "amount", (2, 3))),
    "orders_amount_1e308": (
        {"orders.csv": O + "O1,C1,2024-01-01,1e308\nO2,C1,2024-01-01,2000000000000\n"},
        "", ("orders.csv", "too_large", "amount", (2, 3))),
    "deals_probability_0_1_and_0_100": (
        {"deals.csv": "deal_id,created_at,status,probability\nD1,2024-01-01,open,0.5\nD2,2024-01-01,open,50\n"},
        "", ("deals.csv", "mixed_scale", "probability", (2,))),
    "orders_unit_price_blank_without_amount": (
        {"orders.csv": "order_id,client_id,date,quantity,unit_price\nO1,C1,2024-01-01,2,\nO2,C1,2024-01-01,1,3\n"},
        "", ("orders.csv", "amount_not_computable", "unit_price", (2,))),
    "deals_closed_before_created": (
        {"deals.csv": "deal_id,created_at,status,closed_at\nD1,2024-02-01,won,2024-01-01\n"},
        "", ("deals.csv", "closed_before_created", "closed_at", (2,))),
    "orders_csv_dangling_symlink": (
        {"orders.csv": "->/nonexistent/orders.csv"}, "", ("orders.csv", "broken_link", None, ())),
    "orders_csv_is_a_folder": ({"orders.csv": "dir"}, "", ("orders.csv", "is_a_folder", None, ())),
    "orders_csv_links_out_of_data_dir": (
        {"orders.csv": "->../outside.csv"}, "", ("orders.csv", "outside_data_dir", None, ())),
    "clients_utf8_read_as_cp1251": (
        {"clients.csv": "client_id,name\nC1,Ромашка\n"}, "tables: {clients: {encoding: cp1251}}\n",
        ("clients.csv", "looks_utf8", None, ())),
    "orders_xlsx_corrupt_zip": ({"orders.csv": None, "orders.xlsx": b"PK\x03\x04" + b"broken" * 50}, "",
                                ("orders.xlsx", "corrupt_workbook", None, ())),
    "orders_xlsx_html_renamed": ({"orders.csv": None, "orders.xlsx": b"<html><table><tr><td>1</td></tr></table>"},
                                 "", ("orders.xlsx", "not_a_workbook", None, ())),
    "orders_xlsx_password_protected": (  # an encrypted xlsx is an OLE2 compound file with an EncryptedPackage stream
        {"orders.csv": None, "orders.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200)
         + "EncryptedPackage".encode("utf-16-le") + bytes(200)}, "", ("orders.xlsx", "password_protected", None, ())),
    "orders_xls_damaged": ({"orders.csv": None, "orders.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)}, "",
                           ("orders.xls", "corrupt_workbook", None, ())),
    "clients_lookup_in_the_wrong_encoding": (
        {"regions.csv": "key,region\nC1,Москва\n".encode("cp1251")},
        "tables: {clients: {lookup: [{file: regions.csv, key: {client_id: key}, columns: {region: region}, "
        "encoding: utf-8}]}}\n", ("regions.csv", "bad_encoding", None, ())),
    "clients_lookup_file_missing": (
        {}, "tables: {clients: {lookup: [{file: regions.csv, key: {client_id: key}, columns: {region: region}}]}}\n",
        ("regions.csv", "lookup_not_found", None, ())),
}


def _hostile_client(tmp_path, files, extra):
    data = tmp_path / "data"
    files = {"clients.csv": "client_id,name,segment\nC1,Alpha,Retail\n", "orders.csv": O + "O1,C1,2024-01-10,100\n",
             **files}
    for name, content in files.items():
        path = data / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content.startswith("->"):
            (tmp_path / "outside.csv").write_text(O + "O1,C1,2024-01-10,100\n")
            path.symlink_to(content[2:])
        elif content == "dir":
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content, encoding="utf-8")
    return write(tmp_path / "params.yaml", "client: Hostile\nperiod: {start: 2024-01-01, end: 2024-06-30}\n"
                                            "data_dir: data\n" + extra)


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_input_is_reported_by_file_row_and_column(tmp_path, case):
    files, extra, (file, code, column, rows) = HOSTILE[case]
    lines, _, data = validate(_hostile_client(tmp_path, files, extra))
    found = [(p.file, p.code, p.column, p.rows) for p in data.problems]
    assert (file, code, column, rows) in found, lines
    assert not any("Traceback" in line for line in lines)
    table = next(p.table for p in data.problems if p.code == code)
    assert not any(line.startswith(f"table {table}: not found") for line in lines)  # unusable, not "missing"


def test_dates_with_mixed_offsets_are_converted_to_the_clients_zone(tmp_path):
    params = _hostile_client(tmp_path, {"orders.csv": O + "O1,C1,2024-01-01T23:30:00+00:00,1\n"
                                                          "O2,C1,2024-01-02T01:30:00+03:00,1\n"}, "timezone: Europe/Warsaw\n")
    orders = _load(params).tables["orders"]
    # 23:30 UTC and 01:30 at UTC+3 (22:30 UTC) are 00:30 and 23:30 in Warsaw (UTC+1 in winter)
    assert orders["date"].tolist() == [pd.Timestamp("2024-01-02 00:30"), pd.Timestamp("2024-01-01 23:30")]


def test_formulas_without_a_cached_value_are_named_not_read_as_empty(tmp_path):
    from openpyxl import Workbook

    book = Workbook()  # openpyxl writes formulas without computing them, like many report generators
    book.active.append(["order_id", "client_id", "date", "amount"])
    book.active.append(["O1", "C1", "2024-01-10", 100])
    book.active.append(["O2", "C1", "2024-01-11", "=B2*2"])
    (tmp_path / "data").mkdir()
    book.save(tmp_path / "data" / "orders.xlsx")
    data = _load(_hostile_client(tmp_path, {"orders.csv": None}, ""))
    assert [(p.code, p.column, p.rows) for p in data.errors] == [("formula_without_value", "amount", (3,))]


@pytest.mark.parametrize("secret", [
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n",
    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
    "SECRET_KEY=abc123supersecret,DB_URL=postgres://user:pw@host/db\nA=1,B=2\n",
    "token,ghp_16C7e42F292c6912E7710c838347Ae178B4a\nx,y\n",
])
def test_an_error_never_echoes_a_file_that_is_not_a_table(tmp_path, secret):
    params = _hostile_client(tmp_path, {"orders.csv": secret}, "")
    lines, ok, _ = validate(params)
    words = {w for w in secret.replace(",", " ").replace(":", " ").split() if len(w) > 3}
    assert not ok and not [w for w in words for line in lines if w in line]


def test_header_only_orders_and_deals_are_not_given_and_named(tmp_path):
    params = _hostile_client(tmp_path, {"orders.csv": O, "deals.csv": "deal_id,created_at,status\n"}, "")
    data = _load(params)
    assert [(p.file, p.code) for p in data.problems] == [("orders.csv", "no_rows"), ("deals.csv", "no_rows"),
                                                         ("orders.csv", "no_orders_or_deals")]


def test_an_unknown_client_is_reported_beside_the_other_errors_of_every_table(tmp_path):
    params = _hostile_client(tmp_path, {
        "orders.csv": O + "O1,C9,not a date,1\nO2,C1,2024-01-01,x\n",
        "clients.csv": "client_id,name\nC1,A\nC1,B\n",
        "deals.csv": "deal_id,created_at,status\nD1,yesterday,won\n"}, "")
    found = {(p.file, p.code, p.rows) for p in _load(params).errors}
    assert found == {("orders.csv", "date_placeholder", (2,)), ("orders.csv", "not_a_number", (3,)),
                     ("clients.csv", "duplicate_key", (3,)), ("deals.csv", "date_placeholder", (2,)),
                     ("orders.csv", "unknown_reference", (2,))}


def test_a_control_character_in_a_cell_is_not_echoed(tmp_path):
    params = _hostile_client(tmp_path, {"orders.csv": O + "O1,C1,2024-01-01,1\x00\x1b[31m\n"}, "")
    (problem,) = _load(params).errors
    assert problem.args["example"] == "1\ufffd\ufffd[31m"


def test_a_file_row_reshaped_into_several_rows_is_named_and_counted_once():
    """A wide export (HubSpot's "Date entered" columns) makes several table rows of one file row: a
    problem on them names that file row once, and counts file rows."""
    out = _Collector("stage_history", "deals.csv", row_numbers=np.array([2, 2, 2, 3, 3, 5]))
    out.add("warning", "unknown_reference", "Record ID", np.array([True, True, True, True, False, True]))
    assert out.problems[0].rows == (2, 3, 5) and out.problems[0].count == 3


def test_a_row_repeating_an_earlier_one_in_a_table_without_a_key_is_kept_and_said(tiny_client):
    """Order lines have no key: a line equal to an earlier one in every column is a warning naming its
    row (both count), and the data inventory counts it as the duplicate; lines that differ (O3: 80 and
    −20) or share only the order and date are not duplicates."""
    from auditkit.inputs.inventory import table_inventory

    orders = tiny_client.parent.parent / "data" / "orders.csv"
    orders.write_text(orders.read_text() + "O1,C1,2024-01-10,100\n")
    data = load_inputs(load_params(tiny_client))
    found = [p for p in data.problems if p.code == "duplicate_rows"]
    assert [(p.severity, p.table, p.rows) for p in found] == [("warning", "orders", (7,))]
    assert "both are kept" in describe(found[0], "en")
    inventory = table_inventory(data).set_index("table")
    assert inventory.loc["orders", "duplicates"] == 1 and inventory.loc["clients", "duplicates"] == 0
    assert len(data.tables["orders"]) == 6


def test_repeated_rows_are_those_pandas_calls_duplicated_empty_cells_included():
    from auditkit.inputs.read import repeated_rows

    df = pd.DataFrame({"a": pd.array(["x", "y", "x", None, None, "x"], dtype="string"),
                       "b": [1.0, 2.0, 1.0, np.nan, np.nan, 3.0]})
    assert repeated_rows(df).tolist() == df.duplicated().tolist() == [False, False, True, False, True, False]
    assert repeated_rows(df.iloc[:0]).tolist() == []
