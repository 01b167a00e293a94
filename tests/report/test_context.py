"""The report layout file: which tables the body sends to the appendix."""
from auditkit.report.context import in_appendix, report_layout


def test_appendix_tables_are_named_or_matched_by_pattern():
    assert in_appendix("data_inventory")
    assert in_appendix("win_rate_by_segment") and in_appendix("pipeline_by_stage")  # win_rate_by_*, pipeline_by_*
    assert not in_appendix("win_rate") and not in_appendix("clients_by_segment")
    assert report_layout()["finding_evidence_lines"] >= 1 and report_layout()["so_what_gaps"] >= 1
