"""The checklist form of the express assessment (auditkit/report/checklist_form.py): reading every
spelling of the answers, merging into the client's file (atomic save, other rows, columns and sheets
kept) and the widgets."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditkit.inputs.checklist import load_checklist
from auditkit.inputs.params import TableSource, load_params
from auditkit.report import checklist_form as cf
from helpers import write

IDS = [q["id"] for q in load_checklist()["questions"]]


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["parameter_id", "answer", "note"][:len(rows[0])]).astype("string")


# --------------------------------------------------------------------------- the checklist form: saving
EXISTING = """\
parameter_id,answer,note,respondent
plan_method_defined,yes,"documented, 2024",owner
plan_breakdown_product,1,,head of sales
custom_question,no,asked by the client,owner
seg_abc_xyz_used,maybe,,owner
"""


def test_current_answers_accepts_every_spelling(tmp_path):
    path = write(tmp_path / "checklist.csv", EXISTING)
    table, headers = cf.read_table(path)
    assert headers == {"parameter_id": "parameter_id", "answer": "answer", "note": "note"}
    answers = cf.current_answers(table, headers)
    assert answers["plan_method_defined"] == cf.Update("yes", "documented, 2024")
    assert answers["plan_breakdown_product"] == cf.Update("partly", "")
    assert answers["custom_question"].answer == "no" and "seg_abc_xyz_used" not in answers  # "maybe" is no answer


def test_merge_keeps_every_other_row_and_column(tmp_path):
    path = write(tmp_path / "checklist.csv", EXISTING)
    updates = {"plan_breakdown_product": cf.Update("yes", "by 6 product groups"),
               "proc_after_sales": cf.Update("no", ""), "plan_factors_seasonality": cf.Update("partly", "Q4 peak")}
    written = cf.save_answers(path, updates, order=IDS)
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(back.columns) == ["parameter_id", "answer", "note", "respondent"]
    assert back.iloc[:4].to_dict("list") == {  # earlier rows in place; only the changed one differs
        "parameter_id": ["plan_method_defined", "plan_breakdown_product", "custom_question", "seg_abc_xyz_used"],
        "answer": ["yes", "yes", "no", "maybe"],
        "note": ["documented, 2024", "by 6 product groups", "asked by the client", ""],
        "respondent": ["owner", "head of sales", "owner", "owner"]}
    # new questions appended in checklist order (seasonality comes before after-sales)
    assert back.iloc[4:].to_dict("list") == {"parameter_id": ["plan_factors_seasonality", "proc_after_sales"],
                                             "answer": ["partly", "no"], "note": ["Q4 peak", ""],
                                             "respondent": ["", ""]}
    assert len(written) == 6
    # the saved file is a valid checklist table for the loader
    answers = cf.current_answers(*cf.read_table(path))
    assert answers["plan_factors_seasonality"] == cf.Update("partly", "Q4 peak")


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    path = write(tmp_path / "checklist.csv", EXISTING)
    before = path.read_bytes()

    def broken_to_csv(self, target, **kwargs):
        Path(target).write_text("parameter_id,answ")  # half a file, then the disk is full
        raise OSError("No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    with pytest.raises(OSError):
        cf.save_answers(path, {"proc_after_sales": cf.Update("no")})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checklist.csv"]  # no temporary file left behind


def test_save_creates_the_file_and_rejects_bad_answers(tmp_path):
    path = tmp_path / "new" / "checklist.csv"
    cf.save_answers(path, {"plan_method_defined": cf.Update("partly", "in progress")})
    # a new file is UTF-8 with a byte-order mark, so that Excel shows Cyrillic and Polish notes right
    assert path.read_bytes() == "\ufeffparameter_id,answer,note\nplan_method_defined,partly,in progress\n".encode()
    with pytest.raises(ValueError, match="must be one of"):
        cf.save_answers(path, {"plan_method_defined": cf.Update("maybe")})
    assert "partly" in path.read_text()


def test_export_headers_and_words_are_kept(tmp_path):
    """A client file with its own headers, separator and words (mapped in the parameters)."""
    path = write(tmp_path / "чеклист.csv", "Параметр;Ответ;Комментарий\nplan_method_defined;Да;\nres_onboarding;Частично;нет программы\n")
    source = TableSource(file="чеклист.csv", columns={"Параметр": "parameter_id", "Ответ": "answer", "Комментарий": "note"},
                         values={"answer": {"Да": "yes", "Частично": "partly", "Нет": "no"}})
    table, headers = cf.read_table(path, source)
    assert cf.current_answers(table, headers, source)["res_onboarding"] == cf.Update("partly", "нет программы")
    cf.save_answers(path, {"res_onboarding": cf.Update("yes", "программа с марта"),
                           "proc_after_sales": cf.Update("no")}, source)
    assert path.read_text(encoding="utf-8") == ("Параметр;Ответ;Комментарий\nplan_method_defined;Да;\n"
                                                "res_onboarding;Да;программа с марта\nproc_after_sales;Нет;\n")


def test_xlsx_checklist_keeps_its_other_sheets(tmp_path):
    path = tmp_path / "interview.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"notes": ["kick-off 12 May"]}).to_excel(xl, sheet_name="Session", index=False)
        frame([("plan_method_defined", "yes", "ok")]).to_excel(xl, sheet_name="Checklist", index=False)
    source = TableSource(file="interview.xlsx", sheet="Checklist")
    cf.save_answers(path, {"proc_after_sales": cf.Update("partly", "calls only for A clients")}, source)
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    assert list(sheets) == ["Session", "Checklist"] and sheets["Session"].iloc[0, 0] == "kick-off 12 May"
    assert sheets["Checklist"]["parameter_id"].tolist() == ["plan_method_defined", "proc_after_sales"]


def test_a_note_typed_as_a_formula_is_saved_to_xlsx_as_text(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "checklist.xlsx"
    frame([("plan_method_defined", "yes", "ok")]).to_excel(path, index=False)
    cf.save_answers(path, {"proc_after_sales": cf.Update("partly", "=HYPERLINK(\"http://x\")")})
    note = load_workbook(path).worksheets[0]["C3"]
    assert (note.value, note.data_type) == ("=HYPERLINK(\"http://x\")", "s")


# --------------------------------------------------------------------------- the checklist form: widgets
@pytest.fixture
def form_client(tmp_path):
    """A client folder with earlier answers and its parameter file (Russian form)."""
    write(tmp_path / "data" / "checklist.csv", EXISTING)
    return write(tmp_path / "params" / "c.yaml", """
        client: Form Test
        language: ru
        currency: RUB
        period: {start: 2025-01-01, end: 2025-12-31}
        data_dir: ../data
    """)


def test_form_prefills_tracks_progress_and_saves_only_changes(form_client):
    params = load_params(form_client)
    form = cf.ChecklistForm(params)
    path = params.data_dir / "checklist.csv"
    assert form.path == path and form.progress.max == 56
    assert form.toggles["plan_method_defined"].value == "yes" and form.notes["plan_method_defined"].value == "documented, 2024"
    assert form.toggles["plan_breakdown_product"].value == "partly" and form.toggles["seg_abc_xyz_used"].value is None
    assert form.progress.value == 2 and "Отвечено 2 из 56" in form.progress_label.value
    assert form.toggles["plan_method_defined"].options[0] == ("Да", "yes")
    assert form.accordion.titles[0] == "Планирование и прогнозирование — 2/18"
    assert "Планирование и прогнозирование: <b>" in form.scores.value
    form.toggles["seg_abc_xyz_used"].value = "no"
    form.notes["seg_abc_xyz_used"].value = "never done"
    form.notes["res_onboarding"].value = "ask HR"  # a note without an answer
    assert form.progress.value == 3 and "Несохранённых изменений: 1" in form.progress_label.value
    assert form.accordion.titles[1] == "Сегментация и стратегия — 1/8"
    # meanwhile somebody else saves another answer into the same file: it must survive
    cf.save_answers(path, {"proc_after_sales": cf.Update("yes", "from the other laptop")})
    form.save_button.click()
    assert "Сохранено ответов: 1" in form.status.value and "res_onboarding" in form.status.value
    answers = cf.current_answers(*cf.read_table(path))
    assert answers["seg_abc_xyz_used"] == cf.Update("no", "never done")
    assert answers["proc_after_sales"] == cf.Update("yes", "from the other laptop")
    assert answers["plan_method_defined"] == cf.Update("yes", "documented, 2024")
    assert "custom_question" in answers and "res_onboarding" not in answers
    assert form.updates() == {} and "все изменения сохранены" in form.progress_label.value
    form.save_button.click()
    assert "Сохранять нечего" in form.status.value
    reopened = cf.ChecklistForm(params)
    assert reopened.toggles["seg_abc_xyz_used"].value == "no" and reopened.progress.value == 4


def test_form_shows_a_save_error_and_keeps_the_answers(form_client, monkeypatch):
    form = cf.ChecklistForm(load_params(form_client))
    form.toggles["proc_after_sales"].value = "partly"
    monkeypatch.setattr(cf, "write_atomic", lambda *a, **k: (_ for _ in ()).throw(PermissionError("read-only")))
    form.save()
    assert "Не сохранено" in form.status.value and "read-only" in form.status.value
    assert form.updates() == {"proc_after_sales": cf.Update("partly", "")}
