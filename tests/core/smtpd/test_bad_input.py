"""Clients that misbehave, over real sockets (smtplib where it can do it, a raw socket where
smtplib won't misbehave): the listener answers what a client understands, queues nothing it
did not confirm, keeps its memory bounded and keeps serving everyone else."""

from __future__ import annotations

import resource
import smtplib
import threading
import time
from pathlib import Path

from tests.helpers.smtpd_listener import MESSAGE, Raw, listening

MB = 1024 * 1024


def session(port: int) -> Raw:
    raw = Raw(port)
    assert raw.reply().startswith("220")
    assert raw.command(b"EHLO client.test").startswith("250")
    return raw


def test_100_mb_announced_with_size_is_refused_at_mail_from(tmp_path: Path) -> None:
    big = MESSAGE + b"x" * (100 * MB)
    with listening(tmp_path) as (running, box), smtplib.SMTP("127.0.0.1", running.port) as c:
        try:
            c.sendmail("grafana@contoso.com", ["ops@contoso.com"], big)
            raise AssertionError("100 MB was accepted")
        except smtplib.SMTPSenderRefused as e:
            assert e.smtp_code == 552
        assert box.ids() == []


def test_100_mb_streamed_without_size_gets_552_and_memory_stays_bounded(tmp_path: Path) -> None:
    with listening(tmp_path, f"max_message_bytes = {MB}") as (running, box):
        raw = session(running.port)
        assert raw.command(b"MAIL FROM:<grafana@contoso.com>").startswith("250")
        assert raw.command(b"RCPT TO:<ops@contoso.com>").startswith("250")
        assert raw.command(b"DATA").startswith("354")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
        raw.send(MESSAGE)
        chunk = (b"y" * 998 + b"\r\n") * 1024  # 1 MB of proper lines
        for _ in range(100):
            raw.send(chunk)
        reply = raw.command(b".")
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert reply.startswith("552"), reply
        assert grown_mb < 40, f"the listener's process grew {grown_mb:.0f} MB for a 100 MB message"
        assert raw.command(b"NOOP").startswith("250")
        raw.close()
        assert box.ids() == []


def test_a_client_that_never_sends_the_final_dot_is_dropped_and_delays_no_one(
    tmp_path: Path,
) -> None:
    with listening(tmp_path, "idle_timeout_seconds = 2") as (running, box):
        stalled = session(running.port)
        stalled.command(b"MAIL FROM:<grafana@contoso.com>")
        stalled.command(b"RCPT TO:<ops@contoso.com>")
        assert stalled.command(b"DATA").startswith("354")
        stalled.send(MESSAGE)  # ... and never the final dot
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", running.port, timeout=5) as other:
            other.sendmail("zabbix@contoso.com", ["ops@contoso.com"], MESSAGE)
        assert time.monotonic() - started < 1.0  # the stalled client held no one up
        assert len(box.ids()) == 1
        closed, said = stalled.closed_within(5)
        assert closed and b"421" in said
        assert time.monotonic() - started >= 1.5  # dropped at the idle timeout, not before
        assert len(box.ids()) == 1  # the half message was never queued


def test_500_connections_past_the_limit_get_421_and_the_next_client_is_served(
    tmp_path: Path,
) -> None:
    with listening(tmp_path, "max_connections = 50\nmax_connections_per_client = 1000") as (
        running,
        box,
    ):
        clients = [Raw(running.port) for _ in range(500)]
        greetings = [c.reply()[:3] for c in clients]
        assert greetings.count("220") == 50
        assert greetings.count("421") == 450
        for c in clients:
            c.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the 50 sessions end once their sockets close
            try:
                with smtplib.SMTP("127.0.0.1", running.port, timeout=5) as c:
                    if c.ehlo()[0] == 250:
                        c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE)
                        break
            except smtplib.SMTPConnectError:  # not all closed yet (a loaded machine): again
                time.sleep(0.1)
        assert len(box.ids()) == 1


def test_an_idle_client_is_told_421_and_disconnected(tmp_path: Path) -> None:
    with listening(tmp_path, "idle_timeout_seconds = 1") as (running, _):
        raw = session(running.port)
        closed, said = raw.closed_within(4)
        assert closed and said.startswith(b"421 4.4.2")


def test_bare_lf_lines_are_kept_and_a_bare_lf_dot_ends_nothing(tmp_path: Path) -> None:
    """A lone "\\n.\\n" is not the end of DATA (no SMTP smuggling): only CRLF.CRLF is."""
    with listening(tmp_path) as (running, box):
        raw = session(running.port)
        raw.command(b"MAIL FROM:<grafana@contoso.com>")
        raw.command(b"RCPT TO:<ops@contoso.com>")
        assert raw.command(b"DATA").startswith("354")
        raw.send(
            b"To: ops@contoso.com\nSubject: bare\n\nline one\n.\nMAIL FROM:<x@contoso.com>\n"
            b"RCPT TO:<mallory@fabrikam.example>\nDATA\nsmuggled\n"
        )
        reply = raw.command(b"\r\n.")
        assert reply.startswith("250"), reply
        (qid,) = box.ids()
        stored = (box.path / "messages" / f"{qid}.eml").read_bytes()
        assert b"\nline one\n.\nMAIL FROM:<x@contoso.com>\n" in stored
        meta = box.read_meta(qid)
        assert meta is not None and meta["to"] == ["ops@contoso.com"]
        raw.close()


def test_8bit_data_without_8bitmime_is_kept_byte_for_byte(tmp_path: Path) -> None:
    body = "Température élevée: 97 °C ✓".encode() + b" latin-1 \xe9\xff\r\n"
    with listening(tmp_path) as (running, box):
        raw = session(running.port)
        raw.command(b"MAIL FROM:<grafana@contoso.com>")  # no BODY=8BITMIME
        raw.command(b"RCPT TO:<ops@contoso.com>")
        raw.command(b"DATA")
        raw.send(b"To: ops@contoso.com\r\nSubject: 8bit\r\n\r\n" + body)
        assert raw.command(b".").startswith("250")
        (qid,) = box.ids()
        assert (box.path / "messages" / f"{qid}.eml").read_bytes().endswith(b"\r\n\r\n" + body)


def test_a_pipelined_session_in_one_write_gets_every_reply_in_order(tmp_path: Path) -> None:
    smtpd = 'allowed_recipient_domains = ["contoso.com"]'
    with listening(tmp_path, smtpd) as (running, box):
        raw = Raw(running.port)
        raw.reply()
        one = (
            b"MAIL FROM:<grafana@contoso.com>\r\nRCPT TO:<ops@contoso.com>\r\n"
            b"RCPT TO:<x@fabrikam.example>\r\nDATA\r\n" + MESSAGE + b".\r\n"
        )
        raw.send(b"EHLO client.test\r\n" + one + one + b"QUIT\r\n")
        codes = [raw.reply()[:3] for _ in range(12)]
        assert codes == ["250"] + ["250", "250", "550", "354", "250"] * 2 + ["221"]
        assert len(box.ids()) == 2


def test_stopping_tells_open_sessions_421(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, _):
        raw = session(running.port)
        stopper = threading.Thread(target=running.stop)
        stopper.start()
        closed, said = raw.closed_within(5)
        stopper.join()
        assert closed and said.startswith(b"421 4.3.2")


def test_an_over_long_line_or_command_is_refused_and_the_session_goes_on(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, box):
        raw = session(running.port)
        assert raw.command(b"MAIL FROM:<" + b"a" * 600 + b"@contoso.com>").startswith("500")
        raw.command(b"MAIL FROM:<grafana@contoso.com>")
        raw.command(b"RCPT TO:<ops@contoso.com>")
        raw.command(b"DATA")
        raw.send(MESSAGE + b"w" * 20000 + b"\r\n")  # one line of 20 KB: past the 8 KB limit
        assert raw.command(b".").startswith("500")
        assert box.ids() == []
        raw.command(b"MAIL FROM:<grafana@contoso.com>")
        raw.command(b"RCPT TO:<ops@contoso.com>")
        raw.command(b"DATA")
        raw.send(MESSAGE + b"w" * 4000 + b"\r\n")  # 4 KB lines (HTML alerts) are fine
        assert raw.command(b".").startswith("250")
        assert len(box.ids()) == 1
