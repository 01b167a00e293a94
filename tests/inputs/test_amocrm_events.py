"""amoCRM's events list (issue 18): one export, no row id, calls and notes mixed with field and
stage changes, deals named rather than numbered. Read as activities (amocrm_events) and as the
stage history (amocrm_stage_changes). Expected values are read off tests/data/presets/amocrm_events.csv
(Windows-1251) and amocrm_leads_real.csv by hand."""
from __future__ import annotations

import pandas as pd

from auditkit.inputs.validation import describe

from .test_presets import SAMPLES, TS, _load

EVENTS = "amocrm_events.csv"
DEALS = {"preset": "amocrm_leads", "file": "amocrm_leads_real.csv"}
COMPANIES = {"preset": "amocrm_companies", "file": "amocrm_companies.csv"}


def _events(tmp_path, with_deals=True, deals: bytes | None = None, **tables):
    files = {EVENTS: SAMPLES / EVENTS, "amocrm_companies.csv": SAMPLES / "amocrm_companies.csv",
             "amocrm_leads_real.csv": deals if deals is not None else SAMPLES / "amocrm_leads_real.csv"}
    given = {"deals": DEALS} if with_deals else {}
    return _load(tmp_path, {**given, "activities": {"preset": "amocrm_events", "file": EVENTS}, **tables}, files,
                 currency="RUB")


def test_only_contacts_with_clients_are_read_and_typed(tmp_path):
    data = _events(tmp_path)
    activities = data.tables["activities"]
    assert activities["type"].tolist() == ["call", "call", "note", "email", "task", "call"]
    assert activities["outcome"].tolist()[:2] == ["Исходящий звонок", "Входящий звонок"]
    assert activities["manager_id"].tolist()[-1] == "Борис Смирнов"
    assert activities["date"].iloc[0] == TS("2024-01-15 10:40")


def test_rows_that_are_not_activities_are_counted_not_dropped_silently(tmp_path):
    (left_out,) = [p for p in _events(tmp_path).problems if p.code == "rows_not_kept"]
    assert (left_out.severity, left_out.column, left_out.count) == ("warning", "Событие", 0)
    assert left_out.args["n"] == 7
    assert describe(left_out).endswith(
        "7 rows left out, of kinds this preset does not read as activities: “Изменение этапа продажи” (3 rows), "
        "“Входящее сообщение в чате” (1 row), “Изменение поля «Бюджет»” (1 row), “Новая задача” (1 row), "
        "“Смена ответственного” (1 row)")


def test_the_row_id_is_made_from_the_file_and_row_number(tmp_path):
    ids = _events(tmp_path).tables["activities"]["activity_id"].tolist()
    assert ids == [f"amocrm_events.csv:{row}" for row in (2, 5, 6, 7, 8, 9)]


def test_the_deal_named_in_an_event_is_read_as_its_id(tmp_path):
    data = _events(tmp_path, clients=COMPANIES)
    assert not data.errors, [describe(p) for p in data.errors]
    activities = data.tables["activities"]
    deals = [None if pd.isna(v) else v for v in activities["deal_id"]]
    assert deals == ["3101", "3102", "3102", "3103", "3103", None]  # the last: an event of a company
    assert activities["client_id"].iloc[-1] == "ООО «Ромашка»"
    assert not [p for p in data.problems if p.code == "unknown_reference" and p.table == "activities"]


def test_a_deal_name_two_deals_share_is_left_empty_with_a_warning(tmp_path):
    deals = (SAMPLES / "amocrm_leads_real.csv").read_bytes() + \
        "3106;Тендер;10 000;Анна Иванова;20.01.2024 12:00:00;не закрыта;Переговоры;Продажи;ООО «Луч»;\n".encode()
    data = _events(tmp_path, deals=deals)
    activities = data.tables["activities"]
    assert activities["deal_id"].isna().tolist() == [False, False, False, True, True, True]
    (warning,) = [p for p in data.problems if p.code == "lookup_ambiguous"]
    assert (warning.file, warning.rows, warning.column) == (EVENTS, (7, 8), "Название")
    assert "“Тендер” (2 rows)" in describe(warning) and "amocrm_leads_real.csv" in describe(warning)


def test_without_the_deals_export_the_events_still_load(tmp_path):
    data = _events(tmp_path, with_deals=False)
    assert [p.code for p in data.errors] == ["no_orders_or_deals"]  # the events themselves are fine
    assert data.tables["activities"]["deal_id"].isna().all()


def test_stage_changes_of_the_same_export_are_the_stage_history(tmp_path):
    data = _events(tmp_path, stage_history={"preset": "amocrm_stage_changes", "file": EVENTS})
    assert not data.errors, [describe(p) for p in data.errors]
    history = data.tables["stage_history"]
    assert history["deal_id"].tolist() == ["3101", "3102", "3101"]
    assert history["stage"].tolist() == ["Переговоры", "Закрыто и не реализовано", "Успешно реализовано"]
    assert history["entered_at"].tolist() == [TS("2024-01-15 10:45"), TS("2024-02-02 12:00"), TS("2024-02-20 16:40")]
    (left_out,) = [p for p in data.problems if p.code == "rows_not_kept" and p.table == "stage_history"]
    assert left_out.args["n"] == 10


def test_stage_changes_without_the_deals_export_say_what_to_give(tmp_path):
    data = _events(tmp_path, with_deals=False, stage_history={"preset": "amocrm_stage_changes", "file": EVENTS})
    (error,) = data.errors
    assert (error.code, error.column) == ("preset_needs_export", "Название")
    assert describe(error).endswith("the preset amocrm_stage_changes reads it from the amocrm_leads export beside "
                                    "it. Add that export to the parameter file as tables.deals (preset: "
                                    "amocrm_leads, file: …)")


def test_new_client_from_without_the_deals_export_leaves_the_stage_changes_out_and_says_why(tmp_path):
    import yaml

    from auditkit.inputs.onboard import new_client_from

    folder = tmp_path / "exports"
    folder.mkdir()
    for name in (EVENTS, "erp_1c_sales_register.csv"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    text = new_client_from("Acme", folder, tmp_path / "params").read_text("utf-8")
    assert set(yaml.safe_load(text)["tables"]) == {"activities", "orders"}
    assert ("amocrm_events.csv could also give stage_history, but names the records of deals rather than giving "
            "their ids: add the amocrm_leads export") in text.replace("\n  # ", " ")


def test_a_deal_name_not_in_the_deals_export_is_left_empty_with_a_warning(tmp_path):
    deals = "\n".join(line for line in (SAMPLES / "amocrm_leads_real.csv").read_text("utf-8").splitlines()
                      if not line.startswith("3102;")).encode()  # "Сервис" deleted since
    data = _events(tmp_path, deals=deals)
    (warning,) = [p for p in data.problems if p.code == "name_not_found"]
    assert (warning.file, warning.rows, warning.column) == (EVENTS, (5, 6), "Название")
    assert describe(warning).endswith("this name is not in amocrm_leads_real.csv, so the id is left empty: "
                                      "“Сервис” (2 rows). The record may have been deleted or renamed since: export "
                                      "both files at the same time")


def test_kommo_events_list_in_english(tmp_path):
    names = ("kommo_events.csv", "kommo_leads.csv")
    data = _load(tmp_path, {"deals": {"preset": "kommo_leads", "file": "kommo_leads.csv"},
                            "activities": {"preset": "amocrm_events", "file": "kommo_events.csv"},
                            "stage_history": {"preset": "amocrm_stage_changes", "file": "kommo_events.csv"}},
                 {n: SAMPLES / n for n in names})
    assert not data.errors, [describe(p) for p in data.errors]
    activities = data.tables["activities"]
    assert activities["type"].tolist() == ["call", "note", "email", "task"]
    assert activities["deal_id"].tolist() == ["5101001", "5101002", "5101003", "5101003"]
    history = data.tables["stage_history"]
    assert history["stage"].tolist() == ["Offer made", "Closed - won"]
    assert history["deal_id"].tolist() == ["5101001", "5101001"]


def test_an_event_of_a_company_finds_it_in_the_contacts_list_that_also_names_it_on_its_people(tmp_path):
    # the contacts list repeats the company's name on the row of each of its people: one company still
    clients = [{"preset": "amocrm_companies", "file": "amocrm_contacts_real.csv"},
               {"preset": "amocrm_contacts", "file": "amocrm_contacts_real.csv"}]
    files = {EVENTS: SAMPLES / EVENTS, "amocrm_contacts_real.csv": SAMPLES / "amocrm_contacts_real.csv",
             "amocrm_leads_real.csv": SAMPLES / "amocrm_leads_real.csv"}
    data = _load(tmp_path, {"deals": DEALS, "clients": clients,
                            "activities": {"preset": "amocrm_events", "file": EVENTS}}, files, currency="RUB")
    assert data.tables["activities"]["client_id"].iloc[-1] == "ООО «Ромашка»"
    assert not [p for p in data.problems if p.code in ("lookup_ambiguous", "name_not_found")]
