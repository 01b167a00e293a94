"""Presets of real CRM/ERP exports: each loads its sample export (tests/data/presets) through the
platform's loader with the expected typed values; broken exports give errors naming file, row,
column and what to change. Expected values are read off the sample files by hand."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from auditkit.inputs.contracts import contracts
from auditkit.inputs.read import load_inputs
from auditkit.inputs.params import ParamsError, TableSource, load_params
from auditkit.inputs.params import resolve
from auditkit.inputs.presets import load_preset, preset_names
from auditkit.inputs.reshape import reshape
from auditkit.inputs.validation import describe
from helpers import REPO, TEST_DATA

SAMPLES = TEST_DATA / "presets"
PRESETS = {"hubspot_deals", "hubspot_stage_history", "salesforce_opportunities", "salesforce_opportunity_history",
           "pipedrive_deals", "amocrm_leads", "bitrix24_deals", "erp_sales_register"}
TS = pd.Timestamp


def _params(tmp_path: Path, tables: dict, files: dict[str, bytes | Path], **extra) -> Path:
    """A client folder in tmp_path: the files (sample paths copied, or bytes written) and params.yaml
    (with the `extra` parameters, e.g. currency)."""
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, Path):
            shutil.copy(content, data / name)
        else:
            (data / name).write_bytes(content)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"client": "Preset test", "period": {"start": "2024-01-01", "end": "2024-12-31"},
                                    "data_dir": "data", "tables": tables, **extra}, allow_unicode=True), "utf-8")
    return path


def _load(tmp_path: Path, tables: dict, files: dict[str, bytes | Path] | None = None, **extra):
    """Load the tables; files default to the samples named in `tables`."""
    files = files or {t["file"]: SAMPLES / t["file"] for t in tables.values()}
    return load_inputs(load_params(_params(tmp_path, tables, files, **extra)))


def _by_id(df: pd.DataFrame, column: str, key: str = "deal_id") -> dict:
    return dict(zip(df[key], df[column]))


def _sample_bytes(name: str, old: str, new: str, encoding: str = "utf-8") -> bytes:
    text = (SAMPLES / name).read_text(encoding)
    assert old in text
    return text.replace(old, new).encode(encoding)


def _raw(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns, dtype="str")


# ------------------------------------------------------------------ the preset files themselves


def test_every_preset_maps_to_contract_columns_and_is_documented():
    assert PRESETS <= set(preset_names())
    docs = (REPO / "docs" / "presets.md").read_text("utf-8")
    for name in preset_names():
        preset = load_preset(name)
        contract = contracts()[preset["table"]]
        targets = {c for v in preset.get("columns", {}).values() for c in ([v] if isinstance(v, str) else v)}
        assert targets <= set(contract.columns), (name, targets - set(contract.columns))
        for column, mapping in preset.get("values", {}).items():
            if contract.columns[column].type == "enum":  # a text column (activity type) takes any words
                assert set(mapping.values()) <= set(contract.columns[column].values), name
        assert preset["sample_header"] and preset["description"]
        assert f"| `{name}` | {preset['table']} |" in docs


def test_unknown_preset_and_bad_reshape_are_parameter_errors(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(ParamsError) as err:
        load_params(_params(tmp_path, {"deals": {"preset": "freshsales_deals"}}, {}))
    assert "unknown preset 'freshsales_deals'" in str(err.value) and "hubspot_deals" in str(err.value)
    with pytest.raises(ParamsError) as err:
        load_params(_params(tmp_path, {"orders": {"reshape": {"sign": {"columns": ["quantity"], "when": "order_id",
                                                                       "pattern": "C("}, "pivot": {}}}}, {}))
    (problem,) = err.value.problems
    assert problem.startswith("tables.orders.reshape: ")
    assert "sign.pattern: not a valid regular expression 'C('" in problem and "pivot: Extra inputs" in problem


def test_client_settings_win_over_the_preset():
    source = resolve(TableSource(preset="hubspot_deals", columns={"Stage (custom)": ["stage", "status"]},
                                 values={"status": {"Demo booked": "open"}}, reshape={"numbers": ["amount"]}))
    assert next(iter(source.columns)) == "Stage (custom)"  # the client's headers are tried first
    assert source.columns["Deal Stage"] == ["stage", "status"]  # the preset's are kept
    assert source.values["status"]["Demo booked"] == "open" and source.values["status"]["Closed Won"] == "won"
    assert set(source.reshape) == {"superseded", "flags", "numbers"}
    erp = resolve(TableSource(preset="erp_sales_register", reshape={"sign": None}))
    assert erp.reshape["sign"] is None and erp.reshape["numbers"]  # a preset step switched off
    out = reshape(_raw(InvoiceNo=["C1"], Quantity=["2"]), erp)
    assert out["Quantity"].tolist() == ["2"]
    assert source.encoding == "utf-8-sig" and source.decimal == "."  # defaults filled


# ------------------------------------------------------------------ HubSpot


HUBSPOT = {"deals": {"preset": "hubspot_deals", "file": "hubspot_deals.csv"},
           "stage_history": {"preset": "hubspot_stage_history", "file": "hubspot_deals.csv"}}


def test_hubspot_deals_and_stage_history_from_one_export(tmp_path):
    data = _load(tmp_path, HUBSPOT)
    assert not data.problems
    deals = data.tables["deals"]
    assert len(deals) == 12 and deals["deal_id"].dtype == "string"
    status = _by_id(deals, "status")
    assert [d[-2:] for d, s in status.items() if s == "won"] == ["01", "05", "09", "12"]
    assert [d[-2:] for d, s in status.items() if s == "lost"] == ["02", "07", "11"]
    assert sum(s == "open" for s in status.values()) == 5
    # 12500 + 8000 + 22000 + 4750.5 + 15000 + 3000 + 9900 + 31000 + 18000 + 6400 + 7200 (804 has no amount)
    assert deals["amount"].sum() == pytest.approx(137750.5) and deals["amount"].isna().sum() == 1
    d801 = deals.iloc[0]
    assert (d801["created_at"], d801["closed_at"]) == (TS("2024-01-08 09:15"), TS("2024-02-20 16:40"))
    assert d801[["manager_id", "client_id", "lead_source"]].tolist() == ["Anna Schmidt", "Acme GmbH", "Organic Search"]
    assert _by_id(deals, "probability")["15234567810"] == 0.8  # HubSpot probabilities are already 0..1
    assert _by_id(deals, "lost_reason")["15234567802"] == "Price too high"
    assert data.notes == ["orders_from_deals"]
    assert data.tables["orders"]["amount"].sum() == pytest.approx(12500 + 4750.5 + 31000 + 7200)

    history = data.tables["stage_history"]
    raw = pd.read_csv(SAMPLES / "hubspot_deals.csv", dtype=str)
    entered = [c for c in raw.columns if c.startswith("Date entered")]
    assert len(history) == raw[entered].notna().to_numpy().sum() == 41
    assert history["entered_at"].dtype == "datetime64[ns]"
    d801 = history[history["deal_id"] == "15234567801"]
    assert d801["stage"].tolist() == ["Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                                      "Contract Sent", "Closed Won"]
    assert d801["entered_at"].tolist() == [TS("2024-01-08 09:15"), TS("2024-01-12 11:00"), TS("2024-01-22 14:30"),
                                           TS("2024-02-05 10:00"), TS("2024-02-20 16:40")]
    assert set(history["stage"]) == {"Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                                     "Decision Maker Bought-In", "Contract Sent", "Closed Won", "Closed Lost"}


def test_hubspot_closed_flags_decide_status_of_custom_stages(tmp_path):
    text = ("hs_object_id,dealname,dealstage,amount,createdate,closedate,hs_is_closed_won,hs_is_closed\n"
            "1,A,1034651,100,2024-01-02,2024-02-01,true,true\n"     # custom stage id, flags: won
            "2,B,1034652,200,2024-01-03,2024-02-02,false,true\n"    # lost
            "3,C,1034653,300,2024-01-04,2024-06-30,false,false\n"   # open
            "4,D,closedwon,400,2024-01-05,2024-02-03,,\n")          # no flags: the stage decides
    data = _load(tmp_path, {"deals": {"preset": "hubspot_deals", "file": "api.csv"}}, {"api.csv": text.encode()})
    assert not data.problems
    assert data.tables["deals"]["status"].tolist() == ["won", "lost", "open", "won"]
    assert data.tables["deals"]["stage"].tolist() == ["1034651", "1034652", "1034653", "closedwon"]


def _hubspot_with_custom_stages() -> bytes:
    """Deals 803 and 804 (file rows 4 and 5) moved to stages of a custom pipeline."""
    content = _sample_bytes("hubspot_deals.csv", "Contract Sent,22000", "Demo booked,22000")
    return content.replace(b"Appointment Scheduled,,2024-03-04", b"Intro call,,2024-03-04")


@pytest.mark.parametrize("preset,sample,content,header,rows,seen,won", [
    ("hubspot_deals", "hubspot_deals.csv", _hubspot_with_custom_stages, "Deal Stage", (4, 5),
     ["Demo booked", "Intro call"], 4),
    ("bitrix24_deals", "bitrix24_deals_ru.csv",
     lambda: _sample_bytes("bitrix24_deals_ru.csv", "Финальный счёт", "Ждём оплату", "utf-8-sig"),
     "Стадия сделки", (4,), ["Ждём оплату"], 3),
])
def test_unknown_stage_names_are_open_and_listed(tmp_path, preset, sample, content, header, rows, seen, won):
    files = {sample: content()}
    tables = {"deals": {"preset": preset, "file": sample}}
    data = _load(tmp_path, tables, files)
    assert not data.errors
    (problem,) = [p for p in data.problems if p.code == "status_inferred"]
    assert (problem.file, problem.column, problem.rows) == (sample, header, rows)
    listed = ", ".join(f"“{s}” → open (1 row)" for s in seen)
    assert describe(problem) == (
        f'warning: {sample}, {"row" if len(rows) == 1 else "rows"} {", ".join(map(str, rows))}, column “{header}”: '
        f'{"a stage" if len(seen) == 1 else "stages"} read without a mapping, from '
        f'{"its name" if len(seen) == 1 else "their names"} (other stages are open): {listed}. '
        'To read one otherwise, map it in tables.deals.values.status')
    deals = data.tables["deals"]
    assert (deals["status"] == "won").sum() == won and deals.loc[[r - 2 for r in rows], "status"].eq("open").all()
    tables["deals"]["values"] = {"status": {stage: "lost" for stage in seen}}  # the client's mapping wins
    fixed = _load(tmp_path, tables, files)
    assert not [p for p in fixed.problems if p.code == "status_inferred"]
    assert fixed.tables["deals"].loc[[r - 2 for r in rows], "status"].eq("lost").all()


def test_a_stage_that_says_closed_without_the_outcome_must_be_mapped(tmp_path):
    content = _hubspot_with_custom_stages().replace(b"Demo booked,22000", b"Closed,22000")
    content = content.replace(b"Presentation Scheduled,9900", b"Closed,9900")
    tables = {"deals": {"preset": "hubspot_deals", "file": "hubspot_deals.csv"}}
    (problem,) = _load(tmp_path, tables, {"hubspot_deals.csv": content}).errors
    assert (problem.code, problem.column, problem.count) == ("unknown_value", "Deal Stage", 2)
    assert describe(problem).endswith(
        "unexpected value “Closed” (2 rows); allowed: open, won, lost. Map it in tables.deals.values.status")


def test_missing_required_column_names_the_headers_found(tmp_path):
    raw = pd.read_csv(SAMPLES / "hubspot_deals.csv", dtype=str).drop(columns="Create Date")
    tables = {"deals": HUBSPOT["deals"]}
    (problem,) = _load(tmp_path, tables, {"hubspot_deals.csv": raw.to_csv(index=False).encode()}).errors
    assert (problem.code, problem.file, problem.args["columns"]) == ("preset_columns_missing", "hubspot_deals.csv",
                                                                     "created_at")
    assert "Record ID, Deal Name, Deal Stage" in problem.args["found"]
    assert describe(problem).startswith(
        "error: hubspot_deals.csv: this HubSpot CRM export has no created_at column, which the preset hubspot_deals "
        "reads from “Create Date” / “createdate”: add that field to the export, or map the export's own header in "
        "tables.deals.columns. The file has: Record ID, Deal Name, Deal Stage")


def test_wrong_encoding_without_auto_names_the_file(tmp_path):
    content = _sample_bytes("hubspot_deals.csv", "Acme GmbH - 50 licences", "Поставка ООО Ромашка")
    content = content.decode().encode("cp1251")
    (problem,) = _load(tmp_path, {"deals": HUBSPOT["deals"]}, {"hubspot_deals.csv": content}).errors
    assert (problem.code, problem.file, problem.args["encoding"]) == ("bad_encoding", "hubspot_deals.csv", "utf-8-sig")
    assert describe(problem).endswith("it looks like cp1251: set tables.deals.encoding: cp1251 (or auto)")
    fixed = {"deals": {**HUBSPOT["deals"], "encoding": "auto"}}
    assert not _load(tmp_path, fixed, {"hubspot_deals.csv": content}).errors


# ------------------------------------------------------------------ Salesforce


def test_salesforce_report_export_labels_footer_flags_and_formatted_numbers(tmp_path):
    report = {"preset": "salesforce_opportunities", "file": "salesforce_opportunities_report.csv"}
    data = _load(tmp_path, {"deals": report})
    assert not data.problems
    deals = data.tables["deals"]
    assert len(deals) == 11  # the 7 footer lines are gone
    status = _by_id(deals, "status")
    # custom stages decided by Won/Closed: Discovery (0/0) open, Signed (1/1) won, Disqualified (0/1) lost
    assert (status["0065g00000AbC04"], status["0065g00000AbC05"], status["0065g00000AbC11"]) == ("open", "won", "lost")
    assert sorted(status.values()).count("won") == 3 and sorted(status.values()).count("lost") == 3
    amount = _by_id(deals, "amount")
    assert (amount["0065g00000AbC09"], amount["0065g00000AbC05"]) == (131000.0, 4750.5)  # "131,000.00", "4,750.50"
    assert _by_id(deals, "probability")["0065g00000AbC10"] == pytest.approx(0.9)
    assert _by_id(deals, "created_at")["0065g00000AbC05"] == TS("2024-01-20")  # 1/20/2024 (en_US)
    assert _by_id(deals, "closed_at")["0065g00000AbC01"] == TS("2024-02-20")
    assert _by_id(deals, "client_id")["0065g00000AbC09"] == "India Sp. z o.o."
    assert _by_id(deals, "lost_reason")["0065g00000AbC11"] == "Competitor"


def test_salesforce_api_export_and_opportunity_history(tmp_path):
    data = _load(tmp_path, {
        "deals": {"preset": "salesforce_opportunities", "file": "salesforce_opportunities_api.csv"},
        "stage_history": {"preset": "salesforce_opportunity_history", "file": "salesforce_opportunity_history.csv"}})
    assert not data.problems
    deals = data.tables["deals"]
    assert deals["status"].tolist() == ["won", "lost", "open", "open", "won", "open", "lost", "open"]
    # 09:15:22 UTC in the client's time zone (the country's, RU: Moscow, UTC+3), the offset dropped
    assert deals["created_at"].iloc[0] == TS("2024-01-08 12:15:22")
    assert deals["client_id"].iloc[0] == "0015g00000Xy001AAA" and deals["manager_id"].iloc[0] == "0055g00000Ow001AAA"
    history = data.tables["stage_history"]
    assert len(history) == 14
    first = history[history["deal_id"] == "0065g00000AbC01AAE"]
    assert first["stage"].tolist() == ["Prospecting", "Qualification", "Proposal/Price Quote",
                                       "Proposal/Price Quote", "Closed Won"]
    assert first["entered_at"].iloc[-1] == TS("2024-02-20 19:40:10")  # 16:40:10 UTC


# ------------------------------------------------------------------ Pipedrive


def test_pipedrive_deals_with_and_without_the_deal_prefix(tmp_path):
    data = _load(tmp_path, {"deals": {"preset": "pipedrive_deals", "file": "pipedrive_deals.csv"}})
    assert not data.problems
    deals = data.tables["deals"]
    assert len(deals) == 13 and deals["status"].value_counts().to_dict() == {"open": 6, "won": 4, "lost": 3}
    closed = _by_id(deals, "closed_at")
    assert closed["101"] == TS("2024-02-20 16:40:11")  # won time
    assert closed["102"] == TS("2024-02-02 12:00:30")  # lost time, same column per row
    assert pd.isna(closed["103"])
    assert _by_id(deals, "probability")["103"] == pytest.approx(0.6)
    assert (_by_id(deals, "amount")["104"], _by_id(deals, "expected_close")["103"]) == (0.0, TS("2024-04-30"))
    assert _by_id(deals, "lost_reason")["111"] == "Chose competitor"

    other = _load(tmp_path / "b", {"deals": {"preset": "pipedrive_deals", "file": "pipedrive_deals_no_prefix.csv"}})
    assert not other.problems
    deals = other.tables["deals"]
    assert deals["status"].tolist() == ["open", "won", "lost"]
    assert deals["closed_at"].tolist()[1:] == [TS("2024-06-10 12:00"), TS("2024-05-20 09:00")]
    assert deals["lead_source"].tolist() == ["Marketing", "Prospecting", "Marketing"]


def test_pipedrive_deleted_deals_must_be_mapped_or_removed(tmp_path):
    content = _sample_bytes("pipedrive_deals.csv", "Contact Made,open,2024-04-15", "Contact Made,deleted,2024-04-15")
    (problem,) = _load(tmp_path, {"deals": {"preset": "pipedrive_deals", "file": "pipedrive_deals.csv"}},
                       {"pipedrive_deals.csv": content}).errors
    assert (problem.code, problem.column, problem.rows) == ("unknown_value", "Deal - Status", (14,))
    assert problem.args["seen"] == [("deleted", 1)]


# ------------------------------------------------------------------ amoCRM and Bitrix24


AMO = {"deals": {"preset": "amocrm_leads", "file": "amocrm_leads_cp1251.csv"}}


def test_amocrm_cp1251_semicolon_export(tmp_path):
    data = _load(tmp_path, AMO)
    problem, inferred = data.problems
    assert inferred.code == "status_inferred" and inferred.count == 3 + 2  # the 5 stages amoCRM does not fix
    assert describe(problem) == ("warning: amocrm_leads_cp1251.csv: not UTF-8: read as cp1251 (detected). If letters "
                                 "look wrong, set tables.deals.encoding (e.g. cp1251, cp1250, cp1252)")
    deals = data.tables["deals"]
    status = _by_id(deals, "status")
    assert [d[-2:] for d, s in status.items() if s == "won"] == ["01", "05", "09", "12"]
    assert [d[-2:] for d, s in status.items() if s == "lost"] == ["02", "07", "11"]
    assert status["24871310"] == "open" and _by_id(deals, "stage")["24871310"] == "Неразобранное"
    amount = _by_id(deals, "amount")
    assert (amount["24871303"], amount["24871305"], amount["24871301"]) == (1240000.0, 47500.5, 150000.0)
    closed = _by_id(deals, "closed_at")  # with seconds, without seconds, without time
    assert (closed["24871301"], closed["24871305"], closed["24871302"]) == (
        TS("2024-02-20 16:40"), TS("2024-03-01 17:05"), TS("2024-02-02"))
    assert _by_id(deals, "created_at")["24871301"] == TS("2024-01-15 10:32:15")
    client = _by_id(deals, "client_id")
    assert client["24871301"] == "ООО «Ромашка»" and pd.isna(client["24871310"])
    assert _by_id(deals, "lost_reason")["24871307"] == "Выбрали конкурента"


def test_amocrm_utf8_comma_export_gives_the_same_table(tmp_path):
    rows = list(csv.reader(io.StringIO((SAMPLES / "amocrm_leads_cp1251.csv").read_text("cp1251")), delimiter=";"))
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    utf8 = _load(tmp_path, AMO, {"amocrm_leads_cp1251.csv": out.getvalue().encode("utf-8")})
    assert [p.code for p in utf8.problems] == ["status_inferred"]
    pd.testing.assert_frame_equal(utf8.tables["deals"], _load(tmp_path / "b", AMO).tables["deals"])


def test_amocrm_forced_utf8_is_an_encoding_error(tmp_path):
    (problem,) = _load(tmp_path, {"deals": {**AMO["deals"], "encoding": "utf-8"}}).errors
    assert (problem.code, problem.file) == ("bad_encoding", "amocrm_leads_cp1251.csv")


def test_bitrix24_russian_ui_export(tmp_path):
    data = _load(tmp_path, {"deals": {"preset": "bitrix24_deals", "file": "bitrix24_deals_ru.csv"}}, currency="RUB")
    assert not data.problems
    deals = data.tables["deals"]
    assert deals["status"].tolist() == ["won", "lost", "open", "open", "won", "open", "lost", "open", "won", "open"]
    assert deals["amount"].iloc[2] == 1240000.0 and deals["amount"].iloc[4] == 47500.5
    assert deals["client_id"].iloc[3] == "Павел Сидоров"  # no company: the contact
    assert deals["created_at"].iloc[0] == TS("2024-01-15 10:32:15") and deals["closed_at"].iloc[0] == TS("2024-02-20")
    assert deals["probability"].iloc[2] == pytest.approx(0.8)


def test_bitrix24_api_export_uses_stage_semantics(tmp_path):
    data = _load(tmp_path, {"deals": {"preset": "bitrix24_deals", "file": "bitrix24_deals_api.csv"}}, currency="RUB")
    assert not data.problems
    deals = data.tables["deals"]
    # P/S/F decide, whatever the (custom) stage: C1:UC_K2X7QF is P, C1:UC_9LQ2ZM is F
    assert deals["status"].tolist() == ["won", "lost", "open", "open", "won", "open", "lost", "open"]
    assert deals["stage"].iloc[2] == "C1:UC_K2X7QF"
    assert deals["amount"].tolist()[:5] == [150000.0, 85000.0, 1240000.0, 0.0, 47500.5]
    assert pd.isna(deals["client_id"].iloc[3]) and deals["client_id"].iloc[0] == "12"  # COMPANY_ID 0 = none
    assert deals["created_at"].iloc[0] == TS("2024-01-15 10:32:15")  # local time, offset dropped


# ------------------------------------------------------------------ ERP / 1C sales register


ERP = {"orders": {"preset": "erp_sales_register", "file": "erp_1c_sales_register.csv"}}


def test_1c_register_returns_and_decimal_commas(tmp_path):
    data = _load(tmp_path, ERP)
    assert not data.problems
    orders = data.tables["orders"]
    assert len(orders) == 12 and orders["order_id"].nunique() == 9
    assert orders["quantity"].iloc[0] == 1000.0 and orders["quantity"].iloc[8] == 40.5  # "1 000,000", "40,500"
    # the return of row 7 was exported positive and is made negative; row 11 was negative already
    assert orders.loc[5, ["quantity", "amount", "cost"]].tolist() == [-20.0, -6200.0, -4400.0]
    assert orders.loc[9, ["quantity", "amount", "cost"]].tolist() == [-10.0, -600.0, -405.0]
    assert orders["unit_price"].min() == 4.2
    # 45500 + 12400 + 133500 + 124000 + 10500 - 6200 + 5640 + 30000 + 36045 - 600 + 76250 + 23670
    assert orders["amount"].sum() == pytest.approx(490705.0)
    assert orders["date"].iloc[2] == TS("2024-01-17 09:30")
    assert (orders["product"].iloc[0], orders["category"].iloc[0], orders["manager_id"].iloc[0]) == (
        "Коробка гофрированная 40x30x30", "Упаковка", "Иванова Анна")


def test_english_erp_cancelled_invoice_with_positive_quantity_is_a_return(tmp_path):
    data = _load(tmp_path, {"orders": {"preset": "erp_sales_register", "file": "erp_invoices_en.csv"}})
    assert not data.problems
    orders = data.tables["orders"]
    assert orders["quantity"].tolist() == [6, 6, 1200, 32, -1, -1, 3]  # "1,200": the prices show "." is decimal
    assert orders["amount"].iloc[4] == pytest.approx(-27.5)  # C536379: -1 × 27.50
    assert orders["product"].iloc[0] == "85123A" and orders["client_id"].iloc[0] == "17850"


@pytest.fixture(scope="module")
def online_retail(tmp_path_factory, shared_data):
    xlsx = shared_data("online_retail") / "online_retail_sample40k.xlsx"
    tmp = tmp_path_factory.mktemp("online_retail")
    tables = {"orders": {"preset": "erp_sales_register", "file": xlsx.name}}
    raw = pd.read_excel(xlsx, dtype=str)
    return _load(tmp, tables, {xlsx.name: xlsx}), raw


def test_online_retail_loads_as_is_with_the_erp_preset(online_retail):
    data, raw = online_retail
    orders = data.tables["orders"]
    assert len(orders) == len(raw) == 40000
    quantity = raw["Quantity"].astype(float)
    cancelled = raw["InvoiceNo"].str.startswith("C")
    assert orders["quantity"].lt(0).sum() == (quantity.lt(0) | cancelled).sum()
    assert (orders["quantity"].abs().to_numpy() == quantity.abs().to_numpy()).all()
    assert orders["unit_price"].sum() == pytest.approx(raw["UnitPrice"].astype(float).sum())
    assert orders["date"].min() == pd.to_datetime(raw["InvoiceDate"]).min()
    assert orders["product"].iloc[0] == raw["StockCode"].iloc[0]


def test_online_retail_rows_without_customer_are_reported(online_retail):
    data, raw = online_retail
    (problem,) = data.errors
    missing = np.flatnonzero(raw["CustomerID"].isna().to_numpy())
    assert (problem.code, problem.column, problem.count) == ("required_empty", "CustomerID", len(missing))
    assert problem.rows == tuple(int(i) + 2 for i in missing[:10])  # header is row 1 of the sheet


# ------------------------------------------------------------------ the unpivot step on an export
# (the reshape steps themselves, on tiny frames: test_reshape.py)


def test_unpivoted_stage_history_names_the_row_of_the_wide_file(tmp_path):
    """A bad date in one "Date entered" cell is reported at that deal's row of the export (row 3)."""
    content = _sample_bytes("hubspot_deals.csv", "2024-01-15 09:30,2024-01-15 09:30", "2024-01-15 09:30,15.01.2024 9h")
    data = _load(tmp_path, HUBSPOT, {"hubspot_deals.csv": content})
    bad = [p for p in data.errors if p.table == "stage_history"]
    assert [(p.code, p.rows) for p in bad] == [("not_a_date", (3,))]
