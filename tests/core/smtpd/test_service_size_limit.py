"""The listener refuses a message over the configured SERVICE's limit with 552 naming it (issue
19), not with a 554 after DATA: EHLO's SIZE is the effective limit (the lower of [smtpd]
max_message_bytes and the service's: 3 MB for Graph without large_messages), MAIL FROM's
SIZE= and DATA are held to it. smtplib against the real listener over a real socket."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from tests.helpers.smtpd_listener import MESSAGE, Raw, listening

GRAPH_LIMIT = 3 * 1024 * 1024
REFUSAL = f"552 5.3.4 Message size exceeds fixed maximum message size of {GRAPH_LIMIT} bytes"


def big_message(size: int) -> bytes:
    head = b"From: backup@web01\r\nTo: ops@contoso.com\r\nSubject: big\r\n\r\n"
    line = b"y" * 998 + b"\r\n"
    return head + line * (size // len(line) + 1)


def test_ehlo_announces_the_service_limit_when_it_is_lower(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, _), smtplib.SMTP("127.0.0.1", running.port) as c:
        c.ehlo()
        assert int(c.esmtp_features["size"]) == GRAPH_LIMIT


def test_a_smaller_listener_limit_still_wins(tmp_path: Path) -> None:
    with (
        listening(tmp_path, "max_message_bytes = 1000000") as (running, _),
        smtplib.SMTP("127.0.0.1", running.port) as c,
    ):
        c.ehlo()
        assert int(c.esmtp_features["size"]) == 1000000


def test_large_messages_lifts_the_graph_limit(tmp_path: Path) -> None:
    with (
        listening(tmp_path, exchange_online="large_messages = true") as (running, box),
        smtplib.SMTP("127.0.0.1", running.port, timeout=30) as c,
    ):
        c.ehlo()
        assert int(c.esmtp_features["size"]) == 35 * 1024 * 1024  # [smtpd]'s default
        c.sendmail("backup@web01", ["ops@contoso.com"], big_message(GRAPH_LIMIT + 500_000))
        assert len(box.ids()) == 1


def test_smtplib_is_refused_at_mail_from_naming_the_limit(tmp_path: Path) -> None:
    """smtplib passes SIZE= when the server announces SIZE: the 552 comes before any data."""
    with (
        listening(tmp_path) as (running, box),
        smtplib.SMTP("127.0.0.1", running.port, timeout=30) as c,
    ):
        with pytest.raises(smtplib.SMTPSenderRefused) as caught:
            c.sendmail("backup@web01", ["ops@contoso.com"], big_message(GRAPH_LIMIT + 500_000))
        assert caught.value.smtp_code == 552
        assert f"552 {caught.value.smtp_error.decode()}" == REFUSAL
        assert box.ids() == []
        c.rset()
        assert c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE) == {}
        assert len(box.ids()) == 1  # the session goes on


def test_data_over_the_service_limit_gets_552_not_554(tmp_path: Path) -> None:
    """No SIZE= given: the whole message is read, then 552 naming the limit; nothing queued,
    nothing left in tmp/ (the long message was being spooled)."""
    with listening(tmp_path) as (running, box):
        c = Raw(running.port, timeout=30)
        try:
            assert c.reply().startswith("220")
            assert c.command(b"EHLO client").startswith("250")
            assert c.command(b"MAIL FROM:<backup@web01>").startswith("250")
            assert c.command(b"RCPT TO:<ops@contoso.com>").startswith("250")
            assert c.command(b"DATA").startswith("354")
            c.send(big_message(GRAPH_LIMIT + 10_000) + b".\r\n")
            assert c.reply() == REFUSAL
            assert c.command(b"QUIT").startswith("221")
        finally:
            c.close()
        assert box.ids() == []
        assert list((box.path / "tmp").glob(".smtpd.*")) == []


def test_just_under_the_service_limit_is_queued(tmp_path: Path) -> None:
    message = big_message(GRAPH_LIMIT - 200_000)
    assert len(message) < GRAPH_LIMIT - 100_000
    with (
        listening(tmp_path) as (running, box),
        smtplib.SMTP("127.0.0.1", running.port, timeout=30) as c,
    ):
        assert c.sendmail("backup@web01", ["ops@contoso.com"], message) == {}
        assert len(box.ids()) == 1
