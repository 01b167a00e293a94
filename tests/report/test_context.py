"""The stage context (auditkit/report/context.py): the report layout file (which tables the body
sends to the appendix) and how an `Audit` shows things together."""
import matplotlib.pyplot as plt
import pandas as pd

from auditkit.inputs.params import load_params
from auditkit.inputs.read import load_inputs
from auditkit.report.context import Audit, in_appendix, report_layout
from helpers import write_small_client


def test_appendix_tables_are_named_or_matched_by_pattern():
    assert in_appendix("data_inventory")
    assert in_appendix("win_rate_by_segment") and in_appendix("pipeline_by_stage")  # win_rate_by_*, pipeline_by_*
    assert not in_appendix("win_rate") and not in_appendix("clients_by_segment")
    assert report_layout()["finding_evidence_lines"] >= 1 and report_layout()["so_what_gaps"] >= 1


def test_a_group_shows_what_is_shown_inside_it_as_one_block_and_groups_nest(tmp_path):
    params = load_params(write_small_client(tmp_path))
    audit = Audit("process", params, load_inputs(params), None)
    shown = []
    audit.show = shown.append
    df = pd.DataFrame({"name": ["a", "b"], "n": [1, 2]})
    with audit.group("ak-side-by-side"):
        audit.figure(plt.figure())
        with audit.group("ak-ideal"):
            audit.table("part", df, {"name": "text", "n": "number"}, labels={"n": "N"}, save=False)
        audit.table("whole", df, {"name": "text", "n": "number"}, labels={"n": "N"})
    assert len(shown) == 1  # one block, in the order shown inside it
    block = shown[0]
    assert block.startswith('<div class="ak-side-by-side"><figure') and block.endswith("</table></div>")
    assert block.count('<div class="ak-ideal"><table') == 1 and block.count("<table") == 2
    assert list(audit.results) == ["whole"]  # `save=False`: a part of a table saved whole elsewhere
    audit.paragraph(".text.not_specified")
    assert len(shown) == 2  # after the block, `show` is the caller's again
    quiet = Audit("process", params, audit.data, None)
    quiet.silent = True  # measures only: the class's own `show` is kept after the block
    with quiet.group("ak-ideal"):
        quiet.paragraph(".text.not_specified")
    assert "show" not in vars(quiet)
