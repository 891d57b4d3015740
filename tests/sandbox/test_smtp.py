"""The sandbox's SMTP stand-in: aiosmtpd on 127.0.0.1 with STARTTLS from the sandbox CA."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.sandbox import Sandbox


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "alerts@contoso.example"
    msg["To"] = "ops@contoso.example"
    msg["Subject"] = "Disk /var is 95% full"
    msg.set_content("df says so")
    return msg


def test_smtp_stand_in_takes_a_message_over_starttls(tmp_path: Path) -> None:
    with Sandbox(workdir=tmp_path) as sb:
        assert sb.smtp_host == "127.0.0.1" and sb.smtp_port > 0
        ctx = ssl.create_default_context(cafile=str(sb.ca_path))
        with smtplib.SMTP(sb.smtp_host, sb.smtp_port, timeout=10) as client:
            client.starttls(context=ctx)
            client.login("svc-alerts@contoso.example", "Sandbox-Passw0rd")
            client.send_message(_message(), to_addrs=["ops@contoso.example", "cto@example.com"])
        (got,) = sb.messages()
        assert (got.api, got.account, got.from_address) == (
            "smtp",
            "svc-alerts@contoso.example",
            "alerts@contoso.example",
        )
        assert got.to == ("ops@contoso.example",) and got.bcc == ("cto@example.com",)
        assert got.subject == "Disk /var is 95% full" and got.body == "df says so"
        assert sb.load_messages() == [got]
    out = CliRunner().invoke(cli, ["sandbox", "messages", "--dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "[smtp]  From: alerts@contoso.example" in out.output
    assert "Subject: Disk /var is 95% full" in out.output


def test_smtp_stand_in_refuses_a_wrong_password() -> None:
    with Sandbox() as sb:
        ctx = ssl.create_default_context(cafile=str(sb.ca_path))
        with smtplib.SMTP(sb.smtp_host, sb.smtp_port, timeout=10) as client:
            client.starttls(context=ctx)
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("svc-alerts@contoso.example", "wrong")
        assert sb.messages() == []


def test_smtp_stand_in_stops_with_the_sandbox() -> None:
    sb = Sandbox().start()
    port = sb.smtp_port
    sb.stop()
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=2)
