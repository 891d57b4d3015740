"""DATA goes to a file in the outbox's tmp/ as it arrives and becomes the message file by a
rename: a 30 MB message does not grow the listener's memory by 30 MB (RSS sampled from /proc
while it arrives), and it is queued byte for byte with sendmail's header rules applied.
And a UTF-8 mailbox (SMTPUTF8) reaches Graph (the sandbox) intact."""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import Outbox, run_queue
from alloy_tui.core.smtpd import start_listener
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import (
    ACCOUNT,
    settings_for,
    sign_in,
)
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`
from tests.helpers.smtpd_listener import Raw, SmtpdProcess, listening, write_config

MB = 1024 * 1024


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class Sampler:
    """A process's resident size every 10 ms while the block runs: (baseline, peak) KiB."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.base = rss_kib(pid)
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_kib(self.pid))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def listener_process(folder: Path) -> Iterator[tuple[int, int, Outbox]]:
    """`alloy-tui smtpd` in its own process (its memory alone is measured): (pid, port, box)."""
    config = write_config(folder, exchange_online="large_messages = true")  # 30 MB: no 3 MB cap
    with SmtpdProcess(config, folder / "state") as smtpd:
        yield smtpd.proc.pid, smtpd.port, Outbox(folder / "queue")


def test_a_30_mb_message_is_spooled_not_held_and_queued_by_rename(tmp_path: Path) -> None:
    head = (
        b"From: Backup <backup@web01>\r\nTo: ops@contoso.com\r\nBcc: hidden@contoso.com\r\n"
        b"Subject: nightly dump\r\n\r\n"
    )
    line = b"0123456789abcdef" * 62 + b"\r\n"  # 994 bytes
    body = line * (30 * MB // len(line))
    body += b"..a line that starts with a dot\r\n"  # as sent: dot-stuffed
    with listener_process(tmp_path) as (pid, port, box):
        raw = Raw(port, timeout=60)
        raw.reply()
        raw.command(b"EHLO client.test")
        raw.command(b"MAIL FROM:<backup@web01>")
        raw.command(b"RCPT TO:<ops@contoso.com>")
        assert raw.command(b"DATA").startswith("354")
        seen_in_tmp: list[str] = []
        with Sampler(pid) as rss:
            raw.send(head)
            for at in range(0, len(body), MB):
                raw.send(body[at : at + MB])
                seen_in_tmp.extend(p.name for p in (box.path / "tmp").glob(".smtpd.*.tmp"))
            reply = raw.command(b".")
        raw.close()
        assert reply.startswith("250"), reply
        grown_mib = (rss.peak - rss.base) / 1024
        assert grown_mib < 10, f"the listener grew {grown_mib:.0f} MiB for a 30 MB message"
        assert seen_in_tmp, "the message was never in tmp/ while it arrived"
        [qid] = box.ids()
        queued = box.read_raw(qid)
        unstuffed = body[: -len(b"..a line that starts with a dot\r\n")]
        assert queued.endswith(unstuffed + b".a line that starts with a dot\r\n")
        queued_head = queued.split(b"\r\n\r\n", 1)[0]
        assert b"Bcc:" not in queued_head and b"Subject: nightly dump" in queued_head
        assert b"alerts@contoso.com" in queued_head  # From rewritten as sendmail's rules say
        meta = box.read_meta(qid)
        assert meta is not None and meta["size"] == len(queued)
        assert meta["subject"] == "nightly dump"
        assert list((box.path / "tmp").iterdir()) == []  # renamed, nothing left behind


def test_a_client_gone_mid_message_leaves_nothing_in_tmp(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, box):
        c = smtplib.SMTP("127.0.0.1", running.port, timeout=10)
        c.ehlo()
        c.mail("backup@web01")
        c.rcpt("ops@contoso.com")
        c.putcmd("DATA")
        assert c.getreply()[0] == 354
        c.send(b"Subject: cut\r\n\r\n" + (b"x" * 998 + b"\r\n") * 1024)  # 1 MB: spooled
        deadline = time.monotonic() + 5
        while not list((box.path / "tmp").glob(".smtpd.*")) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert list((box.path / "tmp").glob(".smtpd.*"))
        c.close()
        while list((box.path / "tmp").glob(".smtpd.*")) and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        assert list((box.path / "tmp").iterdir()) == []
        assert box.ids() == []


def test_a_utf8_mailbox_goes_to_graph_intact(sb: Sandbox, tmp_path: Path) -> None:
    settings: Settings = settings_for(sb, tmp_path, account=ACCOUNT).with_section(
        "queue", path=str(tmp_path / "queue"), max_per_minute=0
    )
    config = tmp_path / "config.toml"
    sign_in(sb, settings, config)
    message = (
        f"From: {ACCOUNT}\r\nTo: Jörg <jörg@contoso.example>\r\nSubject: Grüße aus dem RZ\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nÄrger im Rechenzentrum.\r\n"
    ).encode()
    box = Outbox(tmp_path / "queue")
    running = start_listener(settings, config, "127.0.0.1:0", outbox=box)
    try:
        with smtplib.SMTP("127.0.0.1", running.port, timeout=10) as c:
            refused = c.sendmail(
                ACCOUNT, ["jörg@contoso.example"], message, mail_options=["SMTPUTF8"]
            )
            assert refused == {}
    finally:
        running.stop()
    summary = run_queue(settings, config)
    assert summary.sent == 1, summary
    [got] = [m for m in sb.messages() if m.subject == "Grüße aus dem RZ"]
    assert got.to == ("jörg@contoso.example",)
    assert "Ärger im Rechenzentrum." in got.body
