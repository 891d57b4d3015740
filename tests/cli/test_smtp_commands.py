"""`alloy-tui test-send`, `send` and `status` for the SMTP and Exchange Server services, end to end:
the real program in a subprocess, a real aiosmtpd server / the sandbox's EWS, and the alert log."""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import pytest

from alloy_tui.core.secrets import passwords as secrets
from tests.helpers.cli import run as cli_run
from tests.helpers.smtp_server import QUEUE_ID, SmtpServer

PASSWORD = "Cli-Secret-77"
USER = "alerts@contoso.test"


run = partial(cli_run, timeout=60)


def write_config(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def log_entries() -> list[dict[str, object]]:
    log = Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()]


def smtp_config(tmp_path: Path, server: SmtpServer) -> Path:
    return write_config(
        tmp_path / "config.toml",
        f"""service = "smtp"
[smtp]
host = "127.0.0.1"
port = {server.port}
security = "{server.mode}"
username = "{USER}"
[network]
ca_bundle = "{server.tls.ca_path}"
timeout = 5
[message]
default_from = "noc@contoso.test"
""",
    )


def test_smtp_test_send_status_and_send(tmp_path: Path) -> None:
    secrets.store_password("smtp", USER, PASSWORD)
    with SmtpServer(tmp_path, "starttls", users={USER: PASSWORD}, auth_required=True) as server:
        config = smtp_config(tmp_path, server)
        r = run(config, "test-send", "--to", "ops@contoso.test")
        assert r.returncode == 0, r.stderr
        assert "Test message has been sent to ops@contoso.test via SMTP" in r.stdout
        assert f"request-id {QUEUE_ID}" in r.stdout
        r = run(config, "status")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Signed in as alerts@contoso.test" in r.stdout and "Ready to send: yes" in r.stdout
        r = run(
            config,
            "send",
            "--to",
            "ops@contoso.test",
            "--subject",
            "RAID degraded",
            stdin="Disk 3 failed.\n",
        )
        assert r.returncode == 0, r.stderr
    assert [m.login for m in server.messages] == [USER, USER]
    assert b"Disk 3 failed." in server.messages[1].data
    entries = log_entries()
    assert [e["event"] for e in entries] == ["test_message.sent", "notification.sent"]
    assert entries[0]["details"]["request_id"] == QUEUE_ID  # type: ignore[index]
    assert entries[0]["details"]["account"] == USER  # type: ignore[index]
    log_text = (Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl").read_text()
    assert PASSWORD not in log_text and PASSWORD not in config.read_text()


def test_smtp_failure_is_explained_and_logged_without_the_password(tmp_path: Path) -> None:
    secrets.store_password("smtp", USER, PASSWORD)
    with SmtpServer(tmp_path, "ssl", users={USER: "something-else"}) as server:
        config = smtp_config(tmp_path, server)
        r = run(config, "test-send", "--to", "ops@contoso.test")
        assert r.returncode == 1
        assert "The username or password is wrong" in r.stderr and "Fix:" in r.stderr
        r = run(config, "status")
        assert r.returncode == 1 and "Ready to send: no" in r.stdout
    (entry,) = log_entries()
    assert entry["event"] == "test_message.failed" and entry["level"] == "error"
    assert entry["details"]["error_code"] == "smtp.535"  # type: ignore[index]
    everything = r.stdout + r.stderr + json.dumps(entry)
    assert PASSWORD not in everything


def test_smtp_missing_password_command(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml",
        'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = 2\nusername = "u@x.test"\n'
        'password_command = "no-such-pass-tool-q"\n[message]\ndefault_from = "u@x.test"\n',
    )
    r = run(config, "test-send", "--to", "ops@contoso.test")
    assert r.returncode == 1
    assert "The password command failed" in r.stderr and "127" in r.stderr


@pytest.mark.parametrize(
    ("smtp", "message"),
    [
        ("port = 70000", "smtp.port must be between 1 and 65535"),
        ('port = "abc"', "smtp.port must be a whole number"),
    ],
)
def test_bad_port_in_config(tmp_path: Path, smtp: str, message: str) -> None:
    config = write_config(
        tmp_path / "config.toml", f'service = "smtp"\n[smtp]\nhost = "x.test"\n{smtp}\n'
    )
    r = run(config, "test-send", "--to", "ops@contoso.test")
    assert r.returncode == 2 and message in r.stderr


def test_exchange_server_test_send_and_status(tmp_path: Path) -> None:
    from alloy_tui.sandbox import Sandbox

    with Sandbox() as sb:
        secrets.store_password("exchange-server", "CONTOSO\\svc-alerts", "Sandbox-Passw0rd")
        config = write_config(
            tmp_path / "config.toml",
            f"""service = "exchange-server"
[exchange_server]
ews_endpoint = "{sb.ews_endpoint}"
username = 'CONTOSO\\svc-alerts'
auth = "basic"
[network]
ca_bundle = "{sb.ca_path}"
[message]
default_from = "svc-alerts@contoso.example"
""",
        )
        r = run(config, "test-send", "--to", "ops@contoso.example")
        assert r.returncode == 0, r.stderr
        assert "via Exchange Server (EWS)" in r.stdout
        r = run(config, "status")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Ready to send: yes" in r.stdout
        r = run(
            config,
            "send",
            "--to",
            "ops@contoso.example",
            "--subject",
            "Backup",
            "--html",
            stdin="<p>Backup <b>done</b></p>",
        )
        assert r.returncode == 0, r.stderr
        assert "Message has been sent to ops@contoso.example via Exchange Server" in r.stdout
        assert [m.to for m in sb.messages()] == [("ops@contoso.example",)] * 2
        assert sb.messages()[1].html and "<b>done</b>" in sb.messages()[1].body
    test, sent = log_entries()
    assert test["event"] == "test_message.sent" and test["details"]["api"] == "exchange-server"  # type: ignore[index]
    assert sent["event"] == "notification.sent" and sent["level"] == "info"
    assert sent["details"]["endpoint"] == sb.ews_endpoint  # type: ignore[index]
    assert sent["details"]["auth"] == "basic"  # type: ignore[index]
