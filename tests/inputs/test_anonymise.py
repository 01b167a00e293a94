"""Managers as codes: ids, names and declined names in free text and in the problems."""
import pandas as pd

from auditkit.inputs.anonymise import anonymise_managers, replacer
from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from helpers import write

CODES = {"ivanov": "M01", "Dmitry Ivanov": "M01", "petrova": "M02", "Maria Petrova": "M02",
         "ivanova": "M03", "Maria Ivanova": "M03", "7": "M04", "Li": "M05"}


def test_names_ids_and_declined_names_become_codes_and_other_words_stay():
    swap = replacer(CODES)
    assert swap("Dmitry Ivanov never called back") == "M01 never called back"
    assert swap("спасибо, Petrovoj и ivanov") == "спасибо, M02 и M01"  # a declined name, an id
    assert swap("Maria helped") == "M02/M03 helped"  # a first name two managers share: both codes
    assert swap("Ivanova Maria") == "M03 M02/M03"
    assert swap("7 days, Lina, Annual report") == "7 days, Lina, Annual report"  # short ids and parts are not words
    assert swap("Li") == "M05"  # a whole cell that is an id or a name is always replaced


def test_free_text_and_problems_are_anonymised_once(tmp_path):
    data_dir = tmp_path / "data"
    write(data_dir / "orders.csv", "order_id,client_id,date,amount,manager_id\nO1,C1,2024-01-10,100,ivanov\n")
    write(data_dir / "managers.csv", "manager_id,name\nivanov,Dmitry Ivanov\npetrova,Maria Petrova\n")
    write(data_dir / "activities.csv", "activity_id,manager_id,type,date,outcome\n"
                                      "A1,sidorov,call,2024-01-03,Ivanov agreed a visit\n")
    write(data_dir / "surveys.csv", "client_id,date,nps,comment\nC1,2024-03-01,9,Maria Petrova is great\n")
    params = write(tmp_path / "p.yaml", "client: X\nperiod: {start: 2024-01-01, end: 2024-12-31}\ndata_dir: data\n")
    data = load_inputs(load_params(params))
    assert [p.args["example"] for p in data.problems if p.code == "unknown_reference"] == ["sidorov"]
    anonymise_managers(data)
    anonymise_managers(data)  # the runner and the notebook both ask: codes are not coded again
    assert data.tables["managers"][["manager_id", "name"]].values.tolist() == [["M01", "M01"], ["M02", "M02"]]
    assert data.tables["activities"]["manager_id"].tolist() == ["M03"]
    assert data.tables["activities"]["outcome"].tolist() == ["M01 agreed a visit"]
    assert data.tables["surveys"]["comment"].tolist() == ["M02 is great"]
    assert data.tables["surveys"]["comment"].dtype == pd.StringDtype()
    assert [p.args["example"] for p in data.problems if p.code == "unknown_reference"] == ["M03"]
