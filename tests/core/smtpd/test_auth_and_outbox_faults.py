"""A listener reachable from the network: refused unless users and a TLS certificate are set;
then STARTTLS first, AUTH (constant-time, passwords from the secrets file) before MAIL FROM,
never over plain text. And an outbox that can't be written: 451, or 452 when the disk is full."""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core import secrets
from alloy_tui.core.config import load_or_default
from alloy_tui.core.smtpd import SmtpdError, start_listener
from tests.helpers.smtpd_listener import MESSAGE, Raw, data_answer, listening, write_config
from tests.helpers.smtpd_tls import tls_files
from tests.helpers.tmpfs import small_tmpfs


@pytest.fixture
def network(tmp_path: Path) -> tuple[str, ssl.SSLContext]:
    secrets.store_password("smtpd", "grafana", "correct horse battery")
    lines, client = tls_files(tmp_path)
    return lines + 'users = ["grafana"]\n', client


def test_users_without_tls_or_a_password_are_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'users = ["grafana"]')
    settings = load_or_default(config).settings
    with pytest.raises(SmtpdError) as no_password:
        start_listener(settings, config, "127.0.0.1:0")
    assert "smtpd password grafana" in no_password.value.explanation.fix
    secrets.store_password("smtpd", "grafana", "pw")
    with pytest.raises(SmtpdError) as no_tls:
        start_listener(settings, config, "0.0.0.0:0")
    assert "TLS" in no_tls.value.explanation.title


def test_auth_over_plain_text_on_a_non_loopback_listener_is_refused(
    tmp_path: Path, network: tuple[str, ssl.SSLContext]
) -> None:
    lines, _ = network
    with listening(tmp_path, lines, listen="0.0.0.0:0") as (running, box):
        raw = Raw(running.port)
        raw.reply()
        ehlo = raw.command(b"EHLO client.test")
        assert "STARTTLS" in ehlo and "AUTH" not in ehlo
        token = base64.b64encode(b"\0grafana\0correct horse battery")
        assert raw.command(b"AUTH PLAIN " + token).startswith("530")
        assert raw.command(b"MAIL FROM:<grafana@contoso.com>").startswith("530")
        raw.close()
        assert box.ids() == []


def test_after_starttls_auth_is_required_and_checked(
    tmp_path: Path, network: tuple[str, ssl.SSLContext]
) -> None:
    lines, client = network
    with listening(tmp_path, lines, listen="0.0.0.0:0") as (running, box):
        with smtplib.SMTP("127.0.0.1", running.port) as c:
            c.starttls(context=client)
            c.ehlo()
            assert "PLAIN" in c.esmtp_features["auth"]
            assert c.mail("grafana@contoso.com")[0] == 530  # no AUTH yet
            c.rset()
            with pytest.raises(smtplib.SMTPAuthenticationError) as wrong:
                c.login("grafana", "wrong")
            assert wrong.value.smtp_code == 535
            with pytest.raises(smtplib.SMTPAuthenticationError):
                c.login("nobody", "correct horse battery")
        with smtplib.SMTP("127.0.0.1", running.port) as c:
            c.starttls(context=client)
            c.login("grafana", "correct horse battery")
            c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE)
        assert len(box.ids()) == 1


def test_an_outbox_that_cannot_be_created_answers_451(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the outbox should go")
    queue = tmp_path / "not-a-folder" / "queue"
    code, text = data_answer(tmp_path, queue=queue)
    assert code == 451 and b"Try again later" in text


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (we are root in the test sandbox); if it can't be mounted the test fails."""
    with small_tmpfs(tmp_path / "disk") as mount:
        yield mount


def test_an_outbox_on_a_full_disk_answers_452_and_recovers(
    tmp_path: Path, small_disk: Path
) -> None:
    queue = small_disk / "queue"
    with listening(tmp_path / "conf", queue=queue) as (running, box):
        with smtplib.SMTP("127.0.0.1", running.port) as c:
            c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE)  # the folders exist
            filler = small_disk / "filler"
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                with pytest.raises(OSError):
                    while True:
                        os.write(fd, b"\0" * 4096)
            finally:
                os.close(fd)
            c.mail("grafana@contoso.com")
            c.rcpt("ops@contoso.com")
            code, text = c.data(MESSAGE + (b"z" * 998 + b"\r\n") * 8)
            assert code == 452, text
            assert len(box.ids()) == 1  # nothing half-written is listed
            filler.unlink()
            c.rset()
            assert c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE) == {}
        assert len(box.ids()) == 2
