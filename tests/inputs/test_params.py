from pathlib import Path

import pytest

from auditkit.errors import AuditkitError, ParamsError, did_you_mean
from auditkit.inputs.params import load_params
from helpers import REPO, write


def test_demo_params_load_and_resolve_data_dir():
    params = load_params(REPO / "params" / "demo.yaml")
    assert params.client_slug == "demo"
    assert params.data_dir == (REPO / "data" / "demo").resolve()
    assert params.norms.data_collection.abc_a == 0.80 and params.norms.data_collection.xyz_x == 0.5


@pytest.mark.parametrize("client,slug", [("Bar good", "bar-good"), ("ООО Ромашка", "ooo-romashka"),
                                         ("Müller & Söhne GmbH", "muller-sohne-gmbh")])
def test_slug_is_transliterated_client_name(tmp_path, client, slug):
    (tmp_path / "d").mkdir()
    path = write(tmp_path / "p.yaml", f"client: {client}\nperiod: {{start: 2024-01-01, end: 2024-12-31}}\ndata_dir: d\n")
    assert load_params(path).client_slug == slug


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "d").mkdir(exist_ok=True)
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path / "bad.yaml", text))
    assert str(tmp_path / "bad.yaml") in str(err.value)
    return err.value.problems


BASE = "client: X\nperiod: {start: 2024-01-01, end: 2024-12-31}\ndata_dir: d\n"


def test_unknown_key_is_named(tmp_path):
    assert _problems(tmp_path, BASE + "colour: red\n") == ["colour: unknown key"]


def test_unknown_nested_key_and_wrong_type_reported_together(tmp_path):
    problems = _problems(tmp_path, BASE + "norms: {data_collection: {abc_a: lots, abc_x: 1}}\n")
    assert any(p.startswith("norms.data_collection.abc_a:") for p in problems)
    assert "norms.data_collection.abc_x: unknown key (did you mean `abc_b`?)" in problems


def test_end_before_start(tmp_path):
    problems = _problems(tmp_path, "client: X\nperiod: {start: 2024-12-31, end: 2024-01-01}\ndata_dir: d\n")
    assert problems == ["period: period.end (2024-01-01) is before period.start (2024-12-31)"]


def test_missing_data_dir_and_missing_file(tmp_path):
    assert _problems(tmp_path, BASE.replace("data_dir: d", "data_dir: nowhere"))[0].startswith("data_dir: folder not found")
    with pytest.raises(ParamsError, match="file not found"):
        load_params(tmp_path / "absent.yaml")


def test_unknown_table_and_language(tmp_path):
    problems = _problems(tmp_path, BASE + "language: de\ntables: {ordres: {file: x.csv}}\n")
    assert any(p.startswith("language:") for p in problems)
    assert any(p.startswith("tables:") and "ordres" in p for p in problems)


def test_missing_required_keys(tmp_path):
    problems = _problems(tmp_path, "language: en\n")
    assert {"client: Field required", "period: Field required", "data_dir: Field required"} <= set(problems)


def test_not_a_mapping(tmp_path):
    assert _problems(tmp_path, "- a\n- b\n") == ["expected a mapping of keys at the top level"]


def test_unknown_key_table_and_preset_suggest_the_closest_known(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    path = tmp_path / "p.yaml"
    path.write_text("client: X\nperiod: {start: 2024-01-01, end: 2024-12-31}\ndata_dir: data\n"
                    "anonymize_managers: true\ntables: {deals: {fle: deals.csv}}\n")
    with pytest.raises(ParamsError) as exc:
        load_params(path)
    assert "anonymize_managers: unknown key (did you mean `anonymise_managers`?)" in exc.value.problems
    assert "tables.deals.fle: unknown key (did you mean `file`?)" in exc.value.problems
    path.write_text("client: X\nperiod: {start: 2024-01-01, end: 2024-12-31}\ndata_dir: data\n"
                    "tables: {order: {file: x.csv}}\n")
    with pytest.raises(ParamsError) as exc:
        load_params(path)
    assert "unknown table 'order' (did you mean `orders`?)" in exc.value.problems[0]
    path.write_text("client: X\nperiod: {start: 2024-01-01, end: 2024-12-31}\ndata_dir: data\n"
                    "tables: {deals: {preset: hubspot_deal}}\n")
    with pytest.raises(ParamsError) as exc:
        load_params(path)
    assert "unknown preset 'hubspot_deal' (did you mean `hubspot_deals`?)" in exc.value.problems[0]


def test_a_far_name_gets_no_suggestion():
    assert did_you_mean("colour", ["country", "client", "currency"]) == ""
    assert did_you_mean("curency", ["country", "client", "currency"]) == " (did you mean `currency`?)"


def test_params_error_is_an_auditkit_error():
    assert issubclass(ParamsError, AuditkitError)
