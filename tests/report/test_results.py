"""What a run writes besides the report: CSVs a spreadsheet opens safely, JSON without Infinity."""
import json
import math

import pandas as pd

from auditkit.report.results import merge_metrics, neutralised, write_csv, write_stage_metrics


def test_text_that_a_spreadsheet_would_run_gets_a_quote_and_numbers_stay_numbers(tmp_path):
    df = pd.DataFrame({"manager": ["=HYPERLINK(\"http://x\")", "+7 (495) 1", "-Retail", "@SUM(A1)", "\tTab", "\rCR",
                                   "Anna", "-12", "+3.5%"],
                       "amount": [-1.5, 2, -3, 4, 5, 6, 7, 8, 9]},
                      index=pd.Index(["=1+1", "b", "c", "d", "e", "f", "g", "h", "i"], name="=segment"))
    out = neutralised(df)
    assert out["manager"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+7 (495) 1", "'-Retail", "'@SUM(A1)", "'\tTab",
                                       "'\rCR", "Anna", "-12", "+3.5%"]
    assert out["amount"].tolist() == df["amount"].tolist() and out.index[0] == "'=1+1"
    header, first = write_csv(tmp_path, "t", df).read_text().splitlines()[:2]
    assert header == "'=segment,manager,amount" and first == "'=1+1,\"'=HYPERLINK(\"\"http://x\"\")\",-1.5"
    assert df["manager"].iloc[0].startswith("=")  # the caller's frame is unchanged


def test_metrics_json_holds_no_infinity_or_nan(tmp_path):
    write_stage_metrics(tmp_path, "s", {"s.cac": math.inf, "s.rates": [1.0, -math.inf, math.nan], "s.ok": 2})
    text = (tmp_path / "results" / "metrics" / "s.json").read_text()
    assert "Infinity" not in text and "NaN" not in text
    assert merge_metrics(tmp_path) == {"s.cac": None, "s.rates": [1.0, None, None], "s.ok": 2}
    assert json.loads((tmp_path / "results" / "metrics.json").read_text())["s.cac"] is None
