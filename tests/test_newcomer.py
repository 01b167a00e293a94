"""A newcomer's path through the command: --version and --help everywhere, `new-client` writes a draft
that a batch glob skips, `validate` on the untouched template says it is not filled yet and, once the
tables pass, removes the draft mark."""
from __future__ import annotations

import re
import shutil

import pytest

from auditkit.cli import build_parser, main


def test_version_and_help_text_for_every_command_and_argument(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("auditkit ")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) == {"run", "express", "status", "reproduce", "portfolio", "validate", "new-client",
                             "demo-data"}
    for name, sub in commands.items():
        for action in sub._actions:
            assert action.help, f"auditkit {name}: {action.dest} has no --help text"


def test_new_client_is_a_draft_until_it_validates(tmp_path, monkeypatch, capsys, tiny_client):
    monkeypatch.chdir(tmp_path)
    assert main(["new-client", "Acme Trading", "--params-dir", "clients"]) == 0
    assert "validate clients/acme-trading.yaml" in capsys.readouterr().out
    params = tmp_path / "clients" / "acme-trading.yaml"
    assert "\ndraft: true\n" in params.read_text(encoding="utf-8")

    assert main(["validate", str(params)]) == 1
    out = capsys.readouterr().out
    assert "the template is not filled yet" in out and "orders" not in out.split("not filled yet")[0]
    assert "stays a draft" in out

    with pytest.raises(SystemExit, match="every parameter file matched is a draft"):
        main(["run", "clients/*.yaml", "--quiet"])
    assert "skipped clients/acme-trading.yaml: a draft" in capsys.readouterr().err

    for table in ("orders.csv", "clients.csv"):  # the client's exports arrive
        shutil.copy(tiny_client.parent.parent / "data" / table, tmp_path / "data" / "acme-trading" / table)
    text = params.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  start: .*$", "  start: 2024-01-01", re.sub(r"(?m)^  end: .*$", "  end: 2024-06-30", text))
    params.write_text(text, encoding="utf-8")
    assert main(["validate", str(params)]) == 0
    assert "draft mark was removed" in capsys.readouterr().out
    assert "draft: true" not in params.read_text(encoding="utf-8")
    assert main(["validate", str(params)]) == 0  # the rest of the file (its comments) is intact
