"""Runners as real processes against a real SMTP server (aiosmtpd): two at once never send a
message twice; SIGKILL mid-send, again and again, loses nothing (duplicates at most one per kill);
the runner lock tells whether a runner is active."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.filelocks import wait_lock
from alloy_tui.core.outbox import Outbox, runner_active, start_runner_detached
from tests.helpers.smtp_server import SmtpServer, slow_down, write_smtp_config
from tests.helpers.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]
RUNNER = """
import json, sys
from pathlib import Path
from alloy_tui.core.config import load
from alloy_tui.core.outbox import run_queue
cfg = Path(sys.argv[1])
summary = run_queue(load(cfg).settings, cfg)
print(json.dumps(summary.__dict__), flush=True)
"""


def write_config(tmp_path: Path, port: int) -> Path:
    return write_smtp_config(tmp_path, port)


def fill(tmp_path: Path, n: int) -> list[str]:
    box = Outbox(tmp_path / "queue")
    return [
        box.submit(
            f"From: server@contoso.test\r\nTo: ops@contoso.test\r\nSubject: n{i}\r\n"
            f"Message-ID: <n{i}@web01>\r\n\r\nbody {i}\r\n".encode(),
            recipients=["ops@contoso.test"],
            sender="server@contoso.test",
            source="test",
        )
        for i in range(n)
    ]


def start(cfg: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def finish(p: subprocess.Popen[bytes]) -> dict[str, Any]:
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err.decode()
    return dict(json.loads(out))


def message_ids(server: SmtpServer) -> Counter[str]:
    ids: Counter[str] = Counter()
    for m in server.messages:
        for line in m.data.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                ids[line.split(b":", 1)[1].strip().decode()] += 1
    return ids


def test_two_runners_at_once_send_each_message_once(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        slow_down(server, 0.005)
        cfg = write_config(tmp_path, server.port)
        fill(tmp_path, 60)
        a, b = start(cfg), start(cfg)
        sa, sb = finish(a), finish(b)
        ids = message_ids(server)
    assert sa["sent"] + sb["sent"] == 60
    assert sa["sent"] > 0 and sb["sent"] > 0, (sa, sb)  # both really ran at the same time
    assert len(ids) == 60 and max(ids.values()) == 1
    assert Outbox(tmp_path / "queue").list() == []


def test_sigkill_mid_send_repeatedly_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(11)
    with SmtpServer(tmp_path, "none") as server:
        slow_down(server, 0.02)
        cfg = write_config(tmp_path, server.port)
        fill(tmp_path, 40)
        box = Outbox(tmp_path / "queue")
        kills = 0
        while box.list() and kills < 12:
            p = start(cfg)
            time.sleep(rng.uniform(0.3, 0.8))  # interpreter start plus a few sends
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills += 1
            delivered = len(message_ids(server))
            assert delivered + len(box.list()) >= 40  # every message sent or still queued
        finish(start(cfg))
        ids = message_ids(server)
    assert kills >= 3
    assert len(ids) == 40, "every message delivered in the end"
    assert sum(ids.values()) - 40 <= kills, "at most one duplicate per kill"
    assert box.list() == []


def test_runner_lock_says_whether_a_runner_is_active(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    box.ensure()
    assert not runner_active(box.path)
    held = wait_lock(box.runner_lock_path, shared=True)
    try:
        assert runner_active(box.path)
    finally:
        held.release()
    assert not runner_active(box.path)


def wait_for(check: Any, seconds: float = 20.0) -> bool:
    return bool(eventually(check, seconds))


def test_detached_runner_delivers_unless_one_is_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the detached runner imports this checkout
    with SmtpServer(tmp_path, "none") as server:
        cfg = write_config(tmp_path, server.port)
        [qid] = fill(tmp_path, 1)
        box = Outbox(tmp_path / "queue")
        held = wait_lock(box.runner_lock_path, shared=True)  # "a runner is already running"
        try:
            start_runner_detached(cfg, box.path)
            time.sleep(1.5)
            assert [m.id for m in box.list()] == [qid] and server.messages == []
        finally:
            held.release()
        start_runner_detached(cfg, box.path)
        assert wait_for(lambda: box.list() == [] and len(server.messages) == 1)
        assert wait_for(lambda: not runner_active(box.path))  # it exits once nothing is due
