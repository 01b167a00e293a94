"""Stage 1 report sections on edge cases of real exports (the demo and the tiny client run end to end
in tests/test_runner.py)."""
from __future__ import annotations

import base64
import re

from auditkit.report.sections import data_collection as stage
from helpers import run_sections, write


def test_a_segment_without_orders_in_the_window_is_shown_with_no_revenue(tiny_client, tmp_path):
    # the client of segment "$$ Wholesale $$" bought nothing: the segment is a line at zero, its '$' plain
    write(tiny_client.parent.parent / "data" / "clients.csv", """
        client_id,name,segment
        C1,Alpha,Retail
        C2,Beta,Industry
        C3,Gamma,Retail
        C4,Delta,$$ Wholesale $$
    """)
    audit = run_sections(tiny_client, tmp_path / "run", stage, ["segments"])
    (svg,) = [base64.b64decode(b).decode() for b in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', audit.shown)]
    assert "$$ Wholesale $$" in svg  # the legend as written (mathtext would fail on it, or drop the '$')
    table = audit.results["clients_by_segment"].set_index("segment")
    assert table.loc["$$ Wholesale $$", "revenue"] == 0 and table.loc["$$ Wholesale $$", "clients"] == 1
