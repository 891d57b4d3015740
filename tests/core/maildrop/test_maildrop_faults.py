"""Faults around the maildrop: a full or read-only maildrop (75/73, nothing left visible), an
outbox on a full disk (the drop file waits, nothing lost), two runners taking in at once (each
message exactly once), and the daemon noticing a new drop file within seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.daemon import drain
from alloy_tui.core.maildrop import Envelope, MaildropError, drop, intake
from alloy_tui.core.outbox import Outbox
from tests.helpers.smtp_server import SmtpServer
from tests.helpers.tmpfs import small_tmpfs

RAW = b"To: root\nSubject: nightly backup\n\nall 3 files copied\n"
ROOT = Path(__file__).resolve().parents[3]


def settings(tmp_path: Path, **queue: object) -> Settings:
    s = Settings().with_section("message", default_from="alerts@contoso.example")
    s = s.with_section("sendmail", admin="ops@contoso.example")
    return s.with_section("queue", path=str(tmp_path / "queue"), **queue)


def test_a_full_maildrop_is_75_and_leaves_nothing(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "drop", "64k", mode="3733") as folder:
        drop(folder, RAW, Envelope(("root",)))  # a small one fits
        with pytest.raises(MaildropError, match="disk is full") as e:
            drop(folder, RAW + b"x" * 200_000, Envelope(("root",)))
        assert e.value.exit_code == 75 and "Nothing was queued" in str(e.value)
        names = os.listdir(folder)
        assert len(names) == 1 and not names[0].startswith(".")  # no temp file left


def test_a_read_only_maildrop_is_73(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "drop", mode="3733", ro=True) as folder:
        with pytest.raises(MaildropError, match="could not be written") as e:
            drop(folder, RAW, Envelope(("root",)))
        assert e.value.exit_code == 73 and os.listdir(folder) == []


def test_an_outbox_on_a_full_disk_leaves_the_file_waiting(tmp_path: Path) -> None:
    folder = tmp_path / "maildrop"
    folder.mkdir()
    name = drop(folder, RAW + b"x" * 100_000, Envelope(("root",)))
    with small_tmpfs(tmp_path / "disk", "64k") as disk:
        s = settings(tmp_path).with_section("queue", path=str(disk / "queue"))
        box = Outbox(disk / "queue")
        summary = intake(folder, box, s, tmp_path / "config.toml")
        assert (summary.taken, summary.held) == (0, 1)
        assert os.listdir(folder) == [name] and box.list() == []  # nothing lost
        assert not list((box.path / "messages").iterdir())
    box = Outbox(tmp_path / "queue")  # room again
    assert intake(folder, box, settings(tmp_path), tmp_path / "config.toml").taken == 1
    assert os.listdir(folder) == [] and len(box.list()) == 1


INTAKE = """
import sys
from pathlib import Path
from alloy_tui.core.config import Settings
from alloy_tui.core.maildrop import intake
from alloy_tui.core.outbox import Outbox
tmp = Path(sys.argv[1])
s = Settings().with_section("message", default_from="alerts@contoso.example")
s = s.with_section("sendmail", admin="ops@contoso.example")
sys.stdin.readline()  # both start together
for _ in range(50):
    intake(tmp / "maildrop", Outbox(tmp / "queue"), s, tmp / "config.toml")
"""


def test_two_runners_taking_in_at_once_queue_each_message_once(tmp_path: Path) -> None:
    folder = tmp_path / "maildrop"
    folder.mkdir()
    for i in range(40):
        drop(folder, RAW.replace(b"nightly", f"n{i}".encode()), Envelope(("root",)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", INTAKE, str(tmp_path)], stdin=subprocess.PIPE, env=env
        )
        for _ in range(2)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(b"go\n")
        p.stdin.close()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    subjects = sorted(m.subject for m in Outbox(tmp_path / "queue").list())
    assert subjects == sorted(f"n{i} backup" for i in range(40))
    assert os.listdir(folder) == []


def test_the_daemon_takes_a_new_drop_file_in_within_seconds(tmp_path: Path) -> None:
    folder = tmp_path / "maildrop"
    folder.mkdir()
    folder.chmod(0o3733)
    with SmtpServer(tmp_path, "none") as server:
        s = Settings(service="smtp").with_section("message", default_from="a@contoso.example")
        s = s.with_section("sendmail", admin="ops@contoso.example")
        s = s.with_section("queue", path=str(tmp_path / "queue"), maildrop=str(folder))
        s = s.with_section("alert_log", path=str(tmp_path / "log.jsonl"))
        s = s.with_section("smtp", host="127.0.0.1", port=server.port, security="none")
        stop = threading.Event()
        daemon = threading.Thread(
            target=drain,
            args=(s, tmp_path / "config.toml"),
            kwargs={"daemon": True, "stop": stop},
        )
        daemon.start()
        try:
            time.sleep(1.0)  # the daemon is idle now
            start = time.monotonic()
            drop(folder, RAW, Envelope(("root",)))
            while not server.handler.messages and time.monotonic() - start < 15:
                time.sleep(0.1)
            took = time.monotonic() - start
        finally:
            stop.set()
            daemon.join(30)
        assert server.handler.messages, "the daemon did not take the drop file in"
        assert took < 10, f"took {took:.1f} s"
        [got] = server.handler.messages
        assert got.rcpt_tos == ["ops@contoso.example"] and b"nightly backup" in got.data
        assert os.listdir(folder) == []
