"""A table given as several exports (issue 18): HubSpot calls + meetings + tasks as one activities
table, orders split by year. Each part is read with its own preset and validated on its own (its
problems name its file and its rows), then the parts are concatenated; a key in two parts is an
error naming both files. Expected values are read off the sample files by hand."""
from __future__ import annotations

import pytest

from auditkit.inputs.params import ParamsError, load_params
from auditkit.inputs.read import load_inputs
from auditkit.inputs.validation import describe, validate

from .test_presets import SAMPLES, TS, _load, _params

HUBSPOT = {"deals": {"preset": "hubspot_deals", "file": "hubspot_deals.csv"},
           "clients": {"preset": "hubspot_companies", "file": "hubspot_companies.csv"}}
ACTIVITY_PARTS = [{"preset": "hubspot_calls", "file": "hubspot_calls.csv"},
                  {"preset": "hubspot_meetings", "file": "hubspot_meetings.csv"},
                  {"preset": "hubspot_tasks", "file": "hubspot_tasks.csv"}]


def _files(*names, **content):
    return {**{n: SAMPLES / n for n in names}, **content}


def test_calls_meetings_and_tasks_are_one_activities_table(tmp_path):
    names = ("hubspot_deals.csv", "hubspot_companies.csv", "hubspot_calls.csv", "hubspot_meetings.csv",
             "hubspot_tasks.csv")
    data = _load(tmp_path, {**HUBSPOT, "activities": ACTIVITY_PARTS}, _files(*names))
    assert not data.errors, [describe(p) for p in data.errors]
    activities = data.tables["activities"]
    assert activities["type"].tolist() == ["call"] * 3 + ["meeting"] * 2 + ["email", "call", "task"]
    assert activities["activity_id"].tolist()[:4] == ["41230001", "41230002", "41230003", "52110001"]
    assert activities["date"].iloc[3] == TS("2024-01-22 14:30")  # the meeting's start, by its own preset
    assert [(p.file, p.preset, p.rows) for p in data.parts["activities"]] == [
        ("hubspot_calls.csv", "hubspot_calls", 3), ("hubspot_meetings.csv", "hubspot_meetings", 2),
        ("hubspot_tasks.csv", "hubspot_tasks", 3)]
    assert data.files["activities"] == "hubspot_calls.csv, hubspot_meetings.csv, hubspot_tasks.csv"


def test_validate_prints_each_part(tmp_path):
    names = ("hubspot_deals.csv", "hubspot_companies.csv", "hubspot_calls.csv", "hubspot_meetings.csv",
             "hubspot_tasks.csv")
    lines, ok, _ = validate(_params(tmp_path, {**HUBSPOT, "activities": ACTIVITY_PARTS}, _files(*names)))
    assert ok, lines
    assert ("activities: read from 3 files, 8 rows in all: hubspot_calls.csv (hubspot_calls, 3 rows), "
            "hubspot_meetings.csv (hubspot_meetings, 2 rows), hubspot_tasks.csv (hubspot_tasks, 3 rows)") in lines


def test_a_problem_in_one_part_names_that_file_and_its_own_row(tmp_path):
    bad = (SAMPLES / "hubspot_meetings.csv").read_bytes().replace(b"2024-01-18 10:00,,,Canceled",
                                                                 b"2024-01-18 25:00,,,Canceled")
    data = _load(tmp_path, {"activities": ACTIVITY_PARTS},
                 _files("hubspot_calls.csv", "hubspot_tasks.csv", **{"hubspot_meetings.csv": bad}))
    (error,) = data.errors
    assert (error.file, error.rows, error.column) == ("hubspot_meetings.csv", (3,), "Meeting start time")


def test_a_key_in_two_parts_names_both_files_and_rows(tmp_path):
    clash = (SAMPLES / "hubspot_tasks.csv").read_bytes().replace(b"63340002,", b"41230003,")
    data = _load(tmp_path, {"activities": ACTIVITY_PARTS},
                 _files("hubspot_calls.csv", "hubspot_meetings.csv", **{"hubspot_tasks.csv": clash}))
    (error,) = data.errors
    assert (error.code, error.file, error.rows, error.column) == ("duplicate_key_parts", "hubspot_tasks.csv", (3,),
                                                                  "Record ID")
    assert "the key “41230003” is also in hubspot_calls.csv (row 4)" in describe(error)


def test_a_reference_problem_names_the_part_and_its_row(tmp_path):
    orphan = (SAMPLES / "hubspot_tasks.csv").read_bytes().replace(b"Anna Schmidt,,Acme GmbH", b"Anna Schmidt,,Nobody Inc")
    data = _load(tmp_path, {**HUBSPOT, "activities": ACTIVITY_PARTS},
                 _files("hubspot_deals.csv", "hubspot_companies.csv", "hubspot_calls.csv", "hubspot_meetings.csv",
                        **{"hubspot_tasks.csv": orphan}))
    (warning,) = [p for p in data.problems if p.code == "unknown_reference" and p.table == "activities"]
    assert (warning.file, warning.rows, warning.column) == ("hubspot_tasks.csv", (4,), "Associated Company")


ORDERS_2023 = "Invoice,Date,Customer,Amount\nA-1,2023-03-01,Acme,100\nA-2,2023-11-15,Borealis,250.5\n"
ORDERS_2024 = "Title row of the report\n\nInvoice,Date,Customer,Amount\nB-1,2024-02-01,Acme,300\nB-2,2024-13-01,Acme,5\n"


def test_orders_split_by_year_without_a_preset(tmp_path):
    part = {"columns": {"Invoice": "order_id", "Date": "date", "Customer": "client_id", "Amount": "amount"}}
    tables = {"orders": [{**part, "file": "orders_2023.csv"}, {**part, "file": "orders_2024.csv"}]}
    data = _load(tmp_path, tables, {"orders_2023.csv": ORDERS_2023.encode(), "orders_2024.csv": ORDERS_2024.encode()})
    (error,) = data.errors  # the 2024 file's own row 5 (a title line and a blank one above its header)
    assert (error.code, error.file, error.rows) == ("not_a_date", "orders_2024.csv", (5,))
    fixed = ORDERS_2024.replace("2024-13-01", "2024-12-01").encode()
    data = _load(tmp_path / "fixed", tables, {"orders_2023.csv": ORDERS_2023.encode(), "orders_2024.csv": fixed})
    assert not data.errors
    assert data.tables["orders"]["amount"].tolist() == [100, 250.5, 300, 5]


@pytest.mark.parametrize("tables,message", [
    ({"activities": []}, "tables: tables.activities: an empty list"),
    ({"activities": [{"preset": "hubspot_calls"}]}, "tables.activities.0: a part needs file:"),
    ({"activities": [{"file": "a.csv"}, {"file": "a.csv"}]}, "'a.csv' is listed twice with the same preset"),
    ({"checklist": [{"file": "a.csv"}, {"file": "b.csv"}]}, "tables.checklist: give one file"),
    ({"activities": [{"file": "a.csv", "presett": "x"}]}, "tables.activities.0.presett: unknown key (did you mean "
                                                           "`preset`?)"),
    ({"activities": [{"file": "a.csv", "preset": "hubspot_cals"}]}, "unknown preset 'hubspot_cals'"),
    ({"activities": "calls.csv"}, "tables.activities: expected the export's settings (preset:, file:, …), or a list"),
])
def test_a_list_of_exports_in_the_parameter_file_is_checked(tmp_path, tables, message):
    with pytest.raises(ParamsError) as err:
        load_params(_params(tmp_path, tables, {}))
    assert any(message in p for p in err.value.problems), err.value.problems


def test_a_part_outside_the_data_folder_is_named_by_its_place_in_the_list(tmp_path):
    with pytest.raises(ParamsError) as err:
        load_params(_params(tmp_path, {"activities": [{"file": "a.csv"}, {"file": "../b.csv"}]}, {}))
    assert any(p.startswith("tables.activities.1.file: '../b.csv' is a path with '..'") for p in err.value.problems)


def test_the_provenance_lists_every_part_with_its_own_rows(tmp_path):
    from auditkit.inputs.fingerprint import input_files
    from auditkit.report.provenance import input_rows

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "hubspot_tasks.csv").write_bytes((SAMPLES / "hubspot_tasks.csv").read_bytes())
    parts = [*ACTIVITY_PARTS[:2], {"preset": "hubspot_tasks", "file": str(outside / "hubspot_tasks.csv")}]
    params = load_params(_params(tmp_path, {"activities": parts}, _files("hubspot_calls.csv", "hubspot_meetings.csv"),
                                 allow_outside_data_dir=True))
    assert set(input_files(params)) == {"hubspot_calls.csv", "hubspot_meetings.csv", str(outside / "hubspot_tasks.csv")}
    rows = input_rows(load_inputs(params, express=True))
    assert rows == {"hubspot_calls.csv": ("activities", 3), "hubspot_meetings.csv": ("activities", 2),
                    "hubspot_tasks.csv": ("activities", 3)}


# ------------------------------------------------------------------ new-client --from writes the parts


def _folder(tmp_path, files: dict[str, bytes]):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def test_new_client_from_lists_calls_meetings_and_tasks_as_parts_that_validate(tmp_path):
    import yaml

    from auditkit.inputs.onboard import new_client_from

    names = ("hubspot_deals.csv", "hubspot_companies.csv", "hubspot_calls.csv", "hubspot_meetings.csv",
             "hubspot_tasks.csv")
    path = new_client_from("Acme", _folder(tmp_path, {n: (SAMPLES / n).read_bytes() for n in names}),
                           tmp_path / "params")
    text = path.read_text("utf-8")
    assert yaml.safe_load(text)["tables"]["activities"] == ACTIVITY_PARTS
    assert "# the 3 exports above are parts of one table" in text
    lines, ok, data = validate(path)
    assert ok, lines
    assert data.tables["activities"]["type"].tolist() == ["call"] * 3 + ["meeting"] * 2 + ["email", "call", "task"]


def test_new_client_from_lists_one_export_per_year_and_leaves_out_a_copy(tmp_path):
    import yaml

    from auditkit.inputs.onboard import new_client_from

    sample = (SAMPLES / "pipedrive_activities.csv").read_bytes()
    earlier = sample.replace(b"\n900", b"\n800").replace(b"2024-", b"2023-")  # other ids, a year before
    folder = _folder(tmp_path, {"activities_2023.csv": earlier, "activities_2024.csv": sample,
                                "activities_2024_copy.csv": sample})
    text = new_client_from("Acme", folder, tmp_path / "params").read_text("utf-8")
    assert yaml.safe_load(text)["tables"]["activities"] == [
        {"preset": "pipedrive_activities", "file": "activities_2023.csv"},
        {"preset": "pipedrive_activities", "file": "activities_2024.csv"}]
    assert ("activities_2024_copy.csv is left out of activities: its rows repeat those of activities_2024.csv"
            in text.replace("\n  # ", " "))


def test_new_client_from_keeps_one_of_two_exports_of_the_same_records_in_other_layouts(tmp_path):
    import yaml

    from auditkit.inputs.onboard import new_client_from

    names = ("salesforce_opportunities_api.csv", "salesforce_opportunities_report.csv",
             "salesforce_opportunity_history.csv")
    text = new_client_from("Acme", _folder(tmp_path, {n: (SAMPLES / n).read_bytes() for n in names}),
                           tmp_path / "params").read_text("utf-8")
    tables = yaml.safe_load(text)["tables"]
    assert tables["deals"] == {"preset": "salesforce_opportunities", "file": "salesforce_opportunities_api.csv"}
    assert tables["stage_history"]["file"] == "salesforce_opportunity_history.csv"


def test_salesforce_tasks_and_events_exported_apart_by_data_loader(tmp_path):
    tables = {"managers": {"preset": "salesforce_users", "file": "salesforce_users.csv"},
              "clients": {"preset": "salesforce_accounts", "file": "salesforce_accounts.csv"},
              "activities": [{"preset": "salesforce_activities", "file": "salesforce_tasks.csv"},
                             {"preset": "salesforce_activities", "file": "salesforce_events.csv"}]}
    data = _load(tmp_path, tables, _files("salesforce_users.csv", "salesforce_accounts.csv", "salesforce_tasks.csv",
                                          "salesforce_events.csv"))
    assert not [p for p in data.errors if p.code != "no_orders_or_deals"], [describe(p) for p in data.errors]
    activities = data.tables["activities"]
    assert activities["type"].tolist()[-2:] == ["meeting", "meeting"]
    assert activities["duration_min"].tolist()[-2:] == [60, 45]
    # the ids of both parts are read as the names in the users and accounts exports beside them
    assert activities["manager_id"].tolist()[-2:] == ["Anna Schmidt", "Ben Miller"]
    assert set(activities["client_id"].dropna()) == {"Acme GmbH", "Borealis Ltd"}
    assert not [p for p in data.problems if p.code == "unknown_reference" and p.table == "activities"]


@pytest.mark.parametrize("reshape,message", [
    ({"select": {"header": "Событие", "values": {"call": "(звонок"}}}, "not a valid regular expression '(звонок'"),
    ({"select": {"header": "Событие"}}, "select.values: Field required"),
    ({"row_id": ["activity_id"]}, "row_id: Input should be a valid string"),
])
def test_a_bad_select_or_row_id_step_is_a_parameter_error(tmp_path, reshape, message):
    with pytest.raises(ParamsError) as err:
        load_params(_params(tmp_path, {"activities": {"file": "a.csv", "reshape": reshape}}, {}))
    assert any(message in p for p in err.value.problems), err.value.problems


def test_new_client_from_writes_the_stages_of_each_part(tmp_path):
    import yaml

    from auditkit.inputs.onboard import new_client_from

    sample = (SAMPLES / "amocrm_leads_real.csv").read_text("utf-8")
    earlier = sample.replace("\n310", "\n210").replace(".2024 ", ".2023 ").replace("Отказ клиента", "Отложено")
    folder = _folder(tmp_path, {"deals_2023.csv": earlier.encode(), "deals_2024.csv": sample.encode()})
    path = new_client_from("Acme", folder, tmp_path / "params")
    parts = yaml.safe_load(path.read_text("utf-8"))["tables"]["deals"]
    assert [(p["file"], p["values"]["status"]) for p in parts] == [
        ("deals_2023.csv", {"Отложено": "open", "Первичный контакт": "open", "Переговоры": "open"}),
        ("deals_2024.csv", {"Отказ клиента": "lost", "Первичный контакт": "open", "Переговоры": "open"})]
    lines, ok, _ = validate(path)
    assert ok, lines


def test_each_provided_column_is_listed_once(tmp_path):
    data = _load(tmp_path, {"activities": ACTIVITY_PARTS},
                 _files("hubspot_calls.csv", "hubspot_meetings.csv", "hubspot_tasks.csv"))
    provided = data.provided["activities"]
    assert len(provided) == len(set(provided))
    assert {"activity_id", "date", "type", "outcome", "deal_id", "client_id", "manager_id"} <= set(provided)


def test_new_client_from_says_how_to_add_another_layout_of_the_same_export(tmp_path):
    from auditkit.inputs.onboard import new_client_from

    names = ("salesforce_tasks.csv", "salesforce_events.csv")
    text = new_client_from("Acme", _folder(tmp_path, {n: (SAMPLES / n).read_bytes() for n in names}),
                           tmp_path / "params").read_text("utf-8").replace("\n  # ", " ")
    assert ("salesforce_events.csv is another salesforce_activities export of activities, with other headers than "
            "salesforce_tasks.csv, which was taken") in text
    assert "list both files under activities, each with preset: salesforce_activities" in text


def test_a_hint_names_the_part_of_the_list_it_is_about(tmp_path):
    empty = (SAMPLES / "hubspot_meetings.csv").read_bytes().replace(b",Ben Miller,", b",,")
    data = _load(tmp_path, {"activities": ACTIVITY_PARTS},
                 _files("hubspot_calls.csv", "hubspot_tasks.csv", **{"hubspot_meetings.csv": empty}))
    (error,) = data.errors
    assert (error.file, error.part, error.key) == ("hubspot_meetings.csv", 1, "activities.1")
    assert "tables.activities.1.allow_empty" in describe(error)
