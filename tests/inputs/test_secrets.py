"""The parameter file as a run records it: parsed (no comments), secrets hidden at any depth."""
import yaml

from auditkit.inputs.secrets import HIDDEN, is_secret_key, params_as_run, redact
from helpers import write


def test_secret_keys_are_told_from_ordinary_ones():
    for key in ("password", "db_password", "API_KEY", "apiKey", "access-key", "token", "refresh_token", "secret",
                "client_secret", "credentials", "ssh_key", "dsn", "Authorization"):
        assert is_secret_key(key), key
    for key in ("key", "client", "data_dir", "columns", "keyword", "monkey", "passport_no", "tables", 3):
        assert not is_secret_key(key), key


def test_values_under_secret_keys_are_hidden_at_any_depth_and_comments_dropped(tmp_path):
    path = write(tmp_path / "p.yaml", """
        # the CRM password is hunter2
        client: Acme
        crm: {url: "https://crm.example", api_key: k-123, auth: {user: anna, password: hunter2}}
        tables:
          deals:
            lookup: [{file: leads.csv, key: lead_id, columns: {created: lead_created}}]
        sources: [{name: erp, token: t-456}]
    """)
    text = params_as_run(path)
    for leak in ("hunter2", "k-123", "t-456"):
        assert leak not in text
    parsed = yaml.safe_load(text)
    assert parsed["crm"] == {"url": "https://crm.example", "api_key": HIDDEN, "auth": {"user": "anna", "password": HIDDEN}}
    assert parsed["tables"]["deals"]["lookup"][0]["key"] == "lead_id"  # a lookup's key is a column, not a secret
    assert parsed["sources"] == [{"name": "erp", "token": HIDDEN}]
    assert redact({"Token": {"a": 1}}) == {"Token": HIDDEN}
