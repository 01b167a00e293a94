"""Reshape steps (auditkit/inputs/reshape.py) on tiny frames: numbers with one decimal mark for all
columns, sign, footer, blank, coalesce, unpivot and dates (through presets: test_presets.py)."""
from __future__ import annotations

import pandas as pd

from auditkit.inputs.params import TableSource, resolve
from auditkit.inputs.reshape import reshape


def _raw(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns, dtype="str")


def _reshaped(raw: pd.DataFrame, **source) -> pd.DataFrame:
    return reshape(raw, resolve(TableSource(**source)))


def test_numbers_detect_one_decimal_mark_for_all_columns():
    raw = _raw(q=["2,000", "1 000,000", None], p=["1.234,56", "12,5", "abc"])
    out = _reshaped(raw, reshape={"numbers": ["q", "p"]})
    # evidence for ",": "1.234,56" (both marks, comma last) and "12,5" (one comma, 1 digit after) -> ","
    assert out["q"].tolist()[:2] == ["2.000", "1000.000"] and pd.isna(out["q"].iloc[2])
    assert out["p"].tolist() == ["1234.56", "12.5", "abc"]  # not a number: left for the loader to report
    english = _reshaped(_raw(a=["USD 1,500", "2,250.75", "10%", "₽ 1 000", "May-20"]), reshape={"numbers": ["a"]})
    assert english["a"].tolist() == ["1500", "2250.75", "10", "1000", "May-20"]
    # no unambiguous cell: the source's decimal decides, and the output is written in it
    assert _reshaped(_raw(a=["1,500", "2,000"]), reshape={"numbers": ["a"]})["a"].tolist() == ["1500", "2000"]
    assert _reshaped(_raw(a=["1,500", "2.5"]), decimal=",", reshape={"numbers": ["a"]})["a"].tolist() == ["1500", "2,5"]


def test_sign_footer_blank_and_coalesce_steps():
    raw = _raw(doc=["C1", "C2", "X3", "C4", "Copyright (c) 2000-2024 salesforce.com"],
               qty=["2", "-3", "5", None, None], won=["2024-01-01", None, None, "0", None],
               lost=[None, "2024-02-01", None, None, None])
    source = {"columns": {"doc": "order_id", "qty": "quantity", "won": "closed_at", "lost": "closed_at"},
              "reshape": {"sign": {"columns": ["quantity"], "when": "order_id", "pattern": "C"},
                          "footer": "Copyright", "blank": {"closed_at": ["0"]}, "coalesce": ["closed_at"]}}
    out = _reshaped(raw, **source)
    assert out["qty"].tolist()[:3] == ["-2", "-3", "5"] and pd.isna(out["qty"].iloc[3])
    assert len(out) == 4  # the footer row is dropped
    assert out["won"].tolist()[:2] == ["2024-01-01", "2024-02-01"] and out["won"].iloc[2:].isna().all()


def test_unpivot_and_dates_edge_cases():
    wide = _raw(id=["1", "2"], **{"In A": ["01.02.2024", None], "In B": ["03.02.2024 10:00", "04.02.2024"]})
    spec = {"unpivot": {"headers": ["In (?P<name>.+)"], "keep": ["deal_id"],
                        "names_to": "stage", "values_to": "entered_at"},
            "dates": {"columns": ["entered_at"], "formats": ["%d.%m.%Y %H:%M", "%d.%m.%Y"]}}
    out = _reshaped(wide, columns={"id": "deal_id"}, reshape=spec)
    assert out.values.tolist() == [["1", "A", "2024-02-01 00:00:00"], ["1", "B", "2024-02-03 10:00:00"],
                                   ["2", "B", "2024-02-04 00:00:00"]]
    assert _reshaped(wide, reshape=spec, date_format="%d.%m.%Y")["entered_at"].iloc[1] == "03.02.2024 10:00"
    assert _reshaped(_raw(id=["1"], other=["x"]), reshape=spec).columns.tolist() == ["id", "other"]  # nothing matches
    empty = _reshaped(_raw(id=[], **{"In A": []}), columns={"id": "deal_id"}, reshape=spec)
    assert empty.columns.tolist() == ["id", "stage", "entered_at"] and empty.empty


def test_join_makes_a_full_name_from_the_parts_present():
    raw = _raw(**{"Имя": ["Сергей", None, None], "Фамилия": ["Петров", "Смирнова", None]})
    out = _reshaped(raw, reshape={"join": {"Имя Фамилия": ["Имя", "Отчество", "Фамилия"]}})
    assert out["Имя Фамилия"].tolist()[:2] == ["Сергей Петров", "Смирнова"] and pd.isna(out["Имя Фамилия"].iloc[2])
    assert "X" not in _reshaped(raw, reshape={"join": {"X": ["NAME", "LAST_NAME"]}}).columns


def test_constant_fills_a_column_the_file_does_not_have():
    raw = _raw(a=["1", "2"])
    assert _reshaped(raw, reshape={"constant": {"type": "call"}})["type"].tolist() == ["call", "call"]
    mapped = _reshaped(raw, columns={"a": "type"}, reshape={"constant": {"type": "call"}})
    assert "type" not in mapped.columns and mapped["a"].tolist() == ["1", "2"]
