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


# Hostile parameter values (issue 12): a ParamsError naming the key, never a traceback
@pytest.mark.parametrize("line,key,says", [
    ("audit_date: 2024-13-45\n", "audit_date:", "month value is outside"),
    ("audit_date: yesterday\n", "audit_date:", "valid date"),
    ("tables: {orders: {date_format: '%Q.%m'}}\n", "tables.orders.date_format:", "not a usable date format"),
    ("tables: {orders: {date_format: '%H:%M'}}\n", "tables.orders.date_format:", "no day or year directive"),
    ("tables: {orders: {encoding: klingon}}\n", "tables.orders.encoding:", "unknown encoding 'klingon'"),
    ("period: {start: 0001-01-01, end: 2024-12-31}\n", "period:", "must lie within 1900–2100"),
    ("period: {start: 2024-01-01, end: 2999-12-31}\n", "period:", "must lie within 1900–2100"),
    ("timezone: Mars/Olympus\n", "timezone:", "unknown time zone"),
    ("slug: ../../etc\n", "slug:", "not a plain folder name"),
    ("slug: /tmp/x\n", "slug:", "not a plain folder name"),
    ("tables: {orders: {file: /etc/passwd}}\n", "tables.orders.file:", "an absolute path"),
    ("tables: {orders: {file: ../p.yaml}}\n", "tables.orders.file:", "a path with '..'"),
    ("tables: {deals: {lookup: [{file: ../x.csv, key: k, columns: {a: b}}]}}\n", "tables.deals.lookup.0.file:",
     "a path with '..'"),
])
def test_a_bad_parameter_value_names_its_key(tmp_path, line, key, says):
    (problem,) = _problems(tmp_path, BASE + line)
    assert problem.startswith(key) and says in problem


def test_a_table_file_may_lie_outside_data_dir_when_the_file_says_so(tmp_path):
    (tmp_path / "d").mkdir()
    path = write(tmp_path / "p.yaml", BASE + "tables: {orders: {file: ../orders.csv}}\nallow_outside_data_dir: true\n")
    assert load_params(path).source("orders").file == "../orders.csv"


def test_a_symlink_leading_out_of_data_dir_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "orders.csv").symlink_to("/etc/passwd")
    problems = _problems(tmp_path, BASE + "tables: {orders: {file: orders.csv}}\n")
    assert problems == [f"tables.orders.file: 'orders.csv' is a link leading out of data_dir (to /etc/passwd); table "
                        f"files must lie in data_dir ({tmp_path / 'd'}): copy the file there, or set "
                        "allow_outside_data_dir: true"]


@pytest.mark.parametrize("content,says", [
    ("client: Ромашка\n".encode("cp1251") + BASE.encode(), "not UTF-8 text"),
    (("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 3000)) + "  " * 3000 + "x: 1\n").encode(),
     "nested too deeply"),
    (("k: " + "[" * 3000 + "]" * 3000 + "\n").encode(), "nested too deeply"),
    (b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
     b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "unknown key"),
    (b"client: !!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
])
def test_a_hostile_parameter_file_is_refused_without_a_traceback(tmp_path, content, says):
    (tmp_path / "d").mkdir()
    (tmp_path / "bad.yaml").write_bytes(content)
    with pytest.raises(ParamsError) as err:
        load_params(tmp_path / "bad.yaml")
    assert says in str(err.value)
