"""The outbox's fault tests' shared parts (not a test module): numbered messages that can be
checked whole, a writer process killed mid-write, and what tidy-up must leave."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from alloy_tui.core.outbox import Outbox

ROOT = Path(__file__).resolve().parents[2]


def message(n: int, size: int) -> bytes:
    """Message number `n`, `size` bytes: subject m<n>, its body one letter chosen by n."""
    head = f"To: a@b.com\r\nSubject: m{n}\r\n\r\n".encode()
    return head + bytes([65 + n % 26]) * (size - len(head))


def assert_intact(box: Outbox) -> int:
    """Every listed message reads back whole and matches its subject's number; how many."""
    listed = box.list()
    for m in listed:
        raw = box.read_raw(m.id)
        assert len(raw) == m.size and raw == message(int(m.subject[1:]), m.size), m.id
    return len(listed)


def start_writer(script: str, box: Outbox, size: int) -> subprocess.Popen[bytes]:
    """`script` (python -c) writing messages of `size` bytes into `box`, once it says ready."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(box.path), str(size)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    return child


def kill_mid_write(child: subprocess.Popen[bytes], box: Outbox, after: float) -> None:
    """SIGKILL the writer `after` seconds; what is listed must still read back whole."""
    time.sleep(after)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert_intact(box)


def assert_tidied_to(box: Outbox, listed: set[str]) -> None:
    """An hour later the runner's tidy-up leaves no temp file and only the listed messages."""
    Outbox(box.path, clock=lambda: time.time() + 3700).tidy()
    assert list((box.path / "tmp").iterdir()) == []
    assert {p.stem for p in (box.path / "messages").iterdir()} == listed
