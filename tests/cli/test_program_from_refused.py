"""A From the account may not use, on mail from a program: Graph/EWS ErrorSendAsDenied (the
sandbox checks Send On Behalf as Exchange does) and SMTP 5.7.60 (a real aiosmtpd server that
refuses a foreign From after DATA). The message is sent From the account, the original From
in Reply-To, with a `mail.from_rewritten` warning; an explicit `send --from` still fails."""

from __future__ import annotations

import email
import json
import os
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP as AioSMTP
from aiosmtpd.smtp import Envelope, Session

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from alloy_tui.sandbox.store import DeliveredMessage
from tests.helpers import cli
from tests.helpers.cli import run
from tests.helpers.m365 import ACCOUNT
from tests.helpers.smtp_server import Handler, SmtpServer, relay_config

NOT_GRANTED = "ceo@contoso.example"  # a mailbox in the sandbox that granted the account nothing


def configure(sb: Sandbox, tmp_path: Path, extra: str = "", **kw: Any) -> Path:
    sb.clear_scenarios()
    path = tmp_path / "config.toml"
    text = config_text(sb, tmp_path, **kw) + '[sendmail]\nadmin = "ops@contoso.example"\n'
    write_config(path, text + extra)
    assert run(path, "login").returncode == 0
    return path


def delivered(sb: Sandbox, cfg: Path, subject: str) -> DeliveredMessage:
    return cli.delivered(sb, subject, 60, flush=cfg)


def entries(folder: Path, event: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10  # the runner writes the entries right after the send
    while time.monotonic() < deadline:
        lines = (folder / "alert_log.jsonl").read_text().splitlines()
        found = [e for e in map(json.loads, lines) if e["event"] == event]
        if found:
            return found
        time.sleep(0.1)
    return []


def stored(m: DeliveredMessage) -> EmailMessage:
    msg = email.message_from_bytes(Path(m.path).read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_delegated_from_not_granted_is_rewritten_and_delivered(
    sb: Sandbox, tmp_path: Path, api: str
) -> None:
    cfg = configure(sb, tmp_path, api=api, from_delegation=True)
    subject = f"disk alert {api}"
    raw = f"From: The CEO <{NOT_GRANTED}>\nTo: ops@contoso.example\nSubject: {subject}\n\n95%\n"
    r = run(cfg, "sendmail", "-oi", "-t", stdin=raw.encode())
    assert r.returncode == 0, r.stderr
    m = delivered(sb, cfg, subject)
    assert m.from_address == ACCOUNT and m.sender == ""
    assert str(stored(m)["Reply-To"]) == f"The CEO <{NOT_GRANTED}>"
    [warning] = entries(tmp_path, "mail.from_rewritten")
    assert warning["level"] == "warning" and NOT_GRANTED in warning["message"]
    assert entries(tmp_path, "mail.sent") and not entries(tmp_path, "mail.failed")


def test_a_default_from_the_account_may_not_use_is_rewritten_too(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = configure(sb, tmp_path, extra=f'[message]\ndefault_from = "{NOT_GRANTED}"\n')
    raw = b"From: root (Cron Daemon)\nTo: root\nSubject: cron default from\n\nok\n"
    assert run(cfg, "sendmail", "-oi", "-t", stdin=raw).returncode == 0
    m = delivered(sb, cfg, "cron default from")
    assert m.from_address == ACCOUNT
    assert "Cron Daemon" in str(stored(m)["From"])
    assert entries(tmp_path, "mail.from_rewritten")


def test_an_explicit_from_on_send_still_fails_with_the_explanation(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = configure(sb, tmp_path, from_delegation=True)
    args = ("--to", "ops@contoso.example", "--subject", "explicit from", "--from", NOT_GRANTED)
    r = run(cfg, "send", *args, stdin=b"hello\n")
    assert r.returncode == 1
    assert "Send On Behalf" in r.stderr or "send as" in r.stderr.lower()
    assert not [m for m in sb.messages() if m.subject == "explicit from"]
    r = run(cfg, "test-send", "--to", "ops@contoso.example", "--from", NOT_GRANTED)
    assert r.returncode == 1 and "Fix:" in r.stderr


class SendAsHandler(Handler):
    """Refuses after DATA, as Office 365 does, a message whose From is not the login."""

    allowed = "alerts@contoso.test"

    async def handle_DATA(self, server: AioSMTP, session: Session, envelope: Envelope) -> str:
        msg = email.message_from_bytes(bytes(envelope.original_content or b""))
        if email.utils.parseaddr(str(msg.get("From", "")))[1] != self.allowed:
            return "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
        return await super().handle_DATA(server, session, envelope)


def test_smtp_5_7_60_is_rewritten_and_delivered(tmp_path: Path) -> None:
    server = SmtpServer(
        tmp_path, "none", users={"alerts@contoso.test": "pw"}, auth_require_tls=False
    )
    server.handler = SendAsHandler()
    server.controller.handler = server.handler
    with server:
        smtp = 'username = "alerts@contoso.test"\npassword_env = "ALLOY_TEST_SMTP_PASSWORD"\n'
        cfg = relay_config(tmp_path, server.port, smtp)
        os.environ["ALLOY_TEST_SMTP_PASSWORD"] = "pw"
        try:
            raw = b"From: root (Cron Daemon)\nTo: root\nSubject: smtp send as\n\nok\n"
            assert run(cfg, "sendmail", "-oi", "-t", stdin=raw).returncode == 0
            run(cfg, "queue", "flush")
            deadline = time.monotonic() + 60
            while not server.messages and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            del os.environ["ALLOY_TEST_SMTP_PASSWORD"]
    [got] = server.messages
    msg = email.message_from_bytes(got.data, policy=policy.default)
    assert msg["From"].addresses[0].addr_spec == "alerts@contoso.test"
    assert got.mail_from == "alerts@contoso.test" and got.rcpt_tos == ["ops@contoso.test"]
    assert entries(tmp_path, "mail.from_rewritten")
