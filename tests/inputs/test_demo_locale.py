"""The Russian and Polish demo clients: the same tables as the English one, in the client's words."""
import pandas as pd
import pytest

from auditkit.inputs.demo import generate
from auditkit.inputs.demo_locale import localise, locales


@pytest.fixture(scope="module")
def english():
    return generate()


@pytest.mark.parametrize("language", ["ru", "pl"])
def test_same_rows_and_ids_with_the_clients_words_translated(english, language):
    local = localise(english, language)
    for name, df in english.items():
        assert len(local[name]) == len(df) and list(local[name].columns) == list(df.columns), name
    assert (local["orders"]["order_id"] == english["orders"]["order_id"]).all()
    spec = locales()[language]
    for key in [k for k in spec if "." in k]:
        table, column = key.split(".", 1)
        untranslated = set(english[table][column].dropna()) - set(spec[key])
        assert not untranslated, (key, sorted(untranslated)[:5])  # every value has its translation
    assert not local["clients"]["name"].str.startswith(("LLC ", "JSC ")).any()
    assert "Retail chains" not in set(local["clients"]["segment"])


def test_polish_amounts_are_in_zloty_at_polish_scale_and_counts_do_not_change(english):
    pl = localise(english, "pl")
    factor = locales()["pl"]["money_factor"]
    assert pl["orders"]["amount"].sum() == pytest.approx(english["orders"]["amount"].sum() * factor, rel=1e-4)
    money = english["plans"]["metric"].isin(["revenue", "margin"])
    assert (pl["plans"].loc[~money, "target"] == english["plans"].loc[~money, "target"]).all()  # client counts stay
    pd.testing.assert_series_equal(pl["orders"]["quantity"], english["orders"]["quantity"])
