"""What an SMTP send leaves in the alert log: the server's reply, refused recipients and the
unencrypted-password warning (sending.py folds SendResult.extra into the entry), never the
password. Real aiosmtpd server, real smtplib, the real alert-log writer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message
from alloy_tui.core.secrets import passwords as secrets
from tests.helpers.smtp_server import QUEUE_ID, SmtpServer

PASSWORD = "Plain-Wire-Secret-41"
USER = "alerts@contoso.test"


def settings_for(server: SmtpServer, **smtp: object) -> Settings:
    s = Settings(service="smtp")
    s = s.with_section("network", ca_bundle=str(server.tls.ca_path), timeout=5.0)
    s = s.with_section("smtp", host="127.0.0.1", port=server.port, security=server.mode, **smtp)
    return s.with_section("message", default_from="server@contoso.test")


def log_text() -> str:
    return (Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl").read_text()


def entries() -> list[dict[str, object]]:
    return [json.loads(line) for line in log_text().splitlines()]


def test_refused_recipients_and_reply_are_logged_as_a_warning(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls") as server:
        server.handler.refuse_rcpt = {"ghost@contoso.test"}
        message = OutgoingMessage(
            to=("ops@contoso.test", "ghost@contoso.test"), subject="Disk", body="94%\n"
        )
        send_message(settings_for(server), tmp_path / "config.toml", message)
    (entry,) = entries()
    details = entry["details"]
    assert isinstance(details, dict)
    assert entry["event"] == "notification.sent" and entry["level"] == "warning"
    assert "refused: ghost@contoso.test: 550 5.1.1" in str(entry["message"])
    assert details["refused"].startswith("ghost@contoso.test: 550 5.1.1 User unknown")
    assert details["reply"] == f"250 2.0.0 Ok: queued as {QUEUE_ID}"
    assert details["security"] == "starttls" and details["host"] == "127.0.0.1"
    assert details["message_id"].startswith("<") and "warning" not in details


def test_a_plain_send_without_anything_notable_stays_info(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "ssl") as server:
        message = OutgoingMessage(to=("ops@contoso.test",), subject="Disk", body="94%\n")
        send_message(settings_for(server), tmp_path / "config.toml", message)
    (entry,) = entries()
    assert entry["level"] == "info" and "refused" not in entry["details"]  # type: ignore[operator]


def test_password_over_plain_text_is_a_logged_warning_without_the_password(
    tmp_path: Path,
) -> None:
    secrets.store_password("smtp", USER, PASSWORD)
    with SmtpServer(
        tmp_path, "none", users={USER: PASSWORD}, auth_required=True, auth_require_tls=False
    ) as server:
        message = OutgoingMessage(to=("ops@contoso.test",), subject="Disk", body="94%\n")
        send_message(settings_for(server, username=USER), tmp_path / "config.toml", message)
    assert server.messages[0].login == USER
    (entry,) = entries()
    assert entry["level"] == "warning"
    assert entry["details"]["warning"] == (  # type: ignore[index]
        "the password was sent over an unencrypted connection"
    )
    assert PASSWORD not in log_text()


def test_a_failure_logs_the_server_it_tried_without_the_password(tmp_path: Path) -> None:
    secrets.store_password("smtp", USER, PASSWORD)
    with SmtpServer(tmp_path, "ssl", users={USER: "another"}) as server:
        message = OutgoingMessage(to=("ops@contoso.test",), subject="Disk", body="94%\n")
        with pytest.raises(ExplainedError):
            send_message(settings_for(server, username=USER), tmp_path / "config.toml", message)
    (entry,) = entries()
    details = entry["details"]
    assert isinstance(details, dict)
    assert entry["level"] == "error" and details["error_code"] == "smtp.535"
    assert details["host"] == "127.0.0.1" and details["port"] == server.port
    assert details["security"] == "ssl"
    assert PASSWORD not in log_text()
