"""Keep secrets out of what reaches a client: the parameter file as a run records and shows it.

A value under a key named like a password, a token, a secret, a credential or an API/access/private
key is replaced by HIDDEN, at any depth (the lookup's `key:`, a column name, is not a secret). The
parameter file is recorded as parsed, not as written, so its comments (where a consultant may have
noted a password) are left out too. No environment variable is ever recorded: the runner passes the
stage notebooks only the parameter file's path and the run folder.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from auditkit.inputs.params import _read_yaml

HIDDEN = "[hidden]"
SECRET_KEY = re.compile(r"password|passwd|passphrase|^pwd$|token|secret|credential|authori[sz]ation|dsn$"
                        r"|(api|access|private)[_-]?key|[_-]key$", re.I)


def is_secret_key(key) -> bool:
    """True for a key named like a secret (password, api_key, token…); not for a bare `key`."""
    return isinstance(key, str) and bool(SECRET_KEY.search(key))


def redact(value):
    """A copy of parsed YAML with every value under a secret-named key replaced by HIDDEN."""
    if isinstance(value, dict):
        return {k: HIDDEN if is_secret_key(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def params_as_run(params_path: Path) -> str:
    """The parameter file as parsed (no comments) with its secrets hidden, as YAML text."""
    return yaml.safe_dump(redact(_read_yaml(Path(params_path))), allow_unicode=True, sort_keys=False,
                          default_flow_style=None, width=100)
