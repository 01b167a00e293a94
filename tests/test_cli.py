"""The command line: `auditkit run` and `auditkit validate` on a tiny client (the other commands
are tested with their module: inputs/test_scaffold.py, report/sections/test_express.py)."""
import pytest

from auditkit.cli import main
from helpers import write


@pytest.mark.e2e  # runs the notebooks and exports the PDF
def test_cli_run_prints_report_paths_last_and_fails_on_a_broken_client(tiny_client, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", str(tiny_client), "--output", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].endswith("report.html") and lines[-1].endswith("report.pdf")
    assert main(["run", str(tiny_client), "--output", str(out)]) == 0  # nothing changed: not run again
    assert capsys.readouterr().out.splitlines()[0] == "up to date  Tiny Trading"
    assert main(["status", str(tiny_client), "--output", str(out)]) == 0
    assert capsys.readouterr().out.startswith("up to date Tiny Trading")
    assert main(["validate", str(tiny_client)]) == 0
    write(tiny_client.parent.parent / "data" / "orders.csv", "order_id,client_id,date,amount\nO1,C1,2024-01-01,-x\n")
    assert main(["validate", str(tiny_client)]) == 1
    assert 'orders.csv, row 2, column “amount”' in capsys.readouterr().out
