"""Assembling the report: tables sent to the appendix leave one link per run of them in their section."""
from auditkit.i18n import Locale
from auditkit.report import html
from auditkit.report.export import move_to_appendix


def test_tables_of_one_section_sent_to_the_appendix_leave_one_link():
    table = "<table><tr><td>{}</td></tr></table>"
    moved = "\n".join(html.to_appendix(f"win_rate_by_{by}", "Win rate", table.format(by), "See the appendix")
                      for by in ("team", "channel", "segment"))
    body, appendix = move_to_appendix(f"<h2>Win rate</h2>{moved}\n<p>after</p>{html.to_appendix('x', 'X', table, 'See')}",
                                      Locale("en"))
    assert body.count("ak-see-appendix") == 2  # one for the three tables in a row, one for the table apart
    assert 'href="#appendix-win_rate_by_team"' in body and "appendix-win_rate_by_channel" not in body
    assert all(f'id="appendix-win_rate_by_{by}"' in appendix for by in ("team", "channel", "segment"))
    assert appendix.count("Win rate") == 1  # one heading for the section's tables


def test_short_tables_are_kept_whole_and_long_ones_may_split():
    import pandas as pd

    loc = Locale("en")
    short = html.table(pd.DataFrame({"a": range(html.KEEP_WHOLE_ROWS)}), {"a": "number"}, ["A"], loc)
    long = html.table(pd.DataFrame({"a": range(html.KEEP_WHOLE_ROWS + 1)}), {"a": "number"}, ["A"], loc)
    assert 'class="ak-table ak-keep' in short and "ak-keep" not in long
