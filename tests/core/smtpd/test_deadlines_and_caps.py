"""Slow clients never hold a slot beyond the deadlines (slowloris), and one address can't take
every slot: real sockets against the real listener, with deadlines of 1-2 seconds."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from pathlib import Path

from tests.helpers.smtpd_listener import MESSAGE, Raw, listening


def from_address(port: int, source: str) -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


def trickle(slow: list[socket.socket], said: dict[int, bytes], stop: threading.Event) -> None:
    """One byte of an unfinished EHLO every 0.3 s, from each slow client."""
    for _ in range(40):
        for n, s in enumerate(slow):
            if n in said:
                continue
            try:
                s.send(b"E")
            except OSError:
                said.setdefault(n, b"")
        if stop.wait(0.3):
            return


def test_100_slow_clients_are_cut_at_the_command_deadline_and_a_normal_client_gets_250(
    tmp_path: Path,
) -> None:
    smtpd = "max_connections = 100\ncommand_timeout_seconds = 2\nidle_timeout_seconds = 60"
    with listening(tmp_path, smtpd) as (running, box):
        port = running.port
        slow = [from_address(port, f"127.0.0.{n + 2}") for n in range(100)]  # one per address
        for s in slow:
            assert s.recv(1024).startswith(b"220")
        stop = threading.Event()
        said: dict[int, bytes] = {}

        t = threading.Thread(target=trickle, args=(slow, said, stop))
        t.start()
        started = time.monotonic()
        try:
            time.sleep(0.3)
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as busy:  # every slot is taken
                assert busy.noop()[0] != 250
        except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected) as e:
            assert "421" in str(e) or isinstance(e, smtplib.SMTPServerDisconnected)
        served = None
        while time.monotonic() - started < 8 and served is None:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=5) as c:
                    refused = c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE)
                    assert refused == {}
                    served = time.monotonic() - started
            except smtplib.SMTPConnectError:
                time.sleep(0.2)
        stop.set()
        t.join()
        assert served is not None and served < 6, served  # 2 s deadline, not 80 s
        assert len(box.ids()) == 1
        for s in slow:  # each slow client was told why before the door closed
            s.settimeout(5)
            data = b""
            while chunk := s.recv(1024):
                data += chunk
            assert data.startswith(b"421 4.4.2"), data
            assert b"command line was not complete within 2 seconds" in data
            s.close()


def test_a_message_trickled_past_the_data_deadline_is_cut_and_not_queued(tmp_path: Path) -> None:
    with listening(tmp_path, "data_timeout_seconds = 1") as (running, box):
        raw = Raw(running.port)
        raw.reply()
        raw.command(b"EHLO client.test")
        raw.command(b"MAIL FROM:<grafana@contoso.com>")
        raw.command(b"RCPT TO:<ops@contoso.com>")
        assert raw.command(b"DATA").startswith("354")
        started = time.monotonic()
        closed = False
        for line in [MESSAGE] + [b"more\r\n"] * 30:  # a line every 0.1 s: never idle
            try:
                raw.send(line)
            except OSError:
                closed = True
                break
            time.sleep(0.1)
        ended, said = raw.closed_within(3)
        assert closed or ended
        assert b"421 4.4.2 Timeout: the message was not complete within 1 seconds" in said
        assert time.monotonic() - started < 3.5
        assert box.ids() == []
        assert list((box.path / "tmp").glob(".smtpd.*")) == []


def test_a_session_kept_busy_with_noop_ends_at_the_session_deadline(tmp_path: Path) -> None:
    with listening(tmp_path, "session_timeout_seconds = 2") as (running, _):
        raw = Raw(running.port)
        raw.reply()
        started = time.monotonic()
        replies = []
        while time.monotonic() - started < 5:
            reply = raw.command(b"NOOP")
            replies.append(reply)
            if not reply.startswith("250"):
                break
            time.sleep(0.2)
        assert replies[-1].startswith("421 4.4.2"), replies[-1]
        assert "open longer than allowed" in replies[-1]
        assert 1.5 < time.monotonic() - started < 3.5


def test_connections_per_client_address_are_capped_loopback_included(tmp_path: Path) -> None:
    with listening(tmp_path, "max_connections_per_client = 2") as (running, box):
        first, second = Raw(running.port), Raw(running.port)
        assert first.reply().startswith("220") and second.reply().startswith("220")
        third = Raw(running.port)
        assert third.reply().startswith("421 4.7.0 Too many connections from your address")
        assert third.closed_within(2)[0]
        other = from_address(running.port, "127.0.0.7")  # another address is served
        assert other.recv(1024).startswith(b"220")
        other.close()
        first.close()
        deadline = time.monotonic() + 5
        while True:  # the freed slot is usable again
            try:
                with smtplib.SMTP("127.0.0.1", running.port, timeout=5) as c:
                    c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE)
                    break
            except smtplib.SMTPConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        second.close()
        assert len(box.ids()) == 1
