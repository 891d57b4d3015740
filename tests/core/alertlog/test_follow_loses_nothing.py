"""`log --follow` loses nothing it could have seen: fast rotation (1,000 entries/s into 4 KiB files)
and a truncate-and-regrow past the read position within one poll."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from alloy_tui.core.alertlog import AlertLogWriter, Follower
from alloy_tui.core.config import AlertLog

WRITER = """
import sys, time
from alloy_tui.core.alertlog import AlertLogWriter
from alloy_tui.core.config import AlertLog
w = AlertLogWriter(sys.argv[1], AlertLog(max_bytes=4096, keep=int(sys.argv[3]), retention_days=0))
n = int(sys.argv[2])
start = time.monotonic()
for i in range(n):
    w.write("info", "load.entry", f"entry {i}", {"seq": i})
    ahead = start + (i + 1) / 1000 - time.monotonic()  # 1,000 entries a second
    if ahead > 0:
        time.sleep(ahead)
"""


def _line(i: int) -> bytes:
    return json.dumps(
        {"ts": "2026-03-01T10:00:00.000Z", "level": "info", "message": f"m{i}"}
    ).encode()


def test_truncate_and_regrow_past_the_position_within_one_poll(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    path.write_bytes(b"".join(_line(i) + b"\n" for i in range(50)))
    follower = Follower(path)  # at the end
    assert follower.poll().lines == []
    with open(path, "r+b") as f:  # same inode: cut to nothing, then more than before is written
        f.truncate(0)
        f.write(b"".join(_line(i) + b"\n" for i in range(1000, 1100)))
    update = follower.poll()
    follower.close()
    assert update.reset
    assert [line for _, line in update.lines] == [_line(i) for i in range(1000, 1100)]


def test_follower_reads_every_rotated_file_to_its_end(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    w = AlertLogWriter(path, AlertLog(max_bytes=4096, keep=50, retention_days=0))
    w.write("info", "load.entry", "before")
    follower = Follower(path)
    for i in range(300):  # about 20 rotations between two polls
        w.write("info", "load.entry", f"entry {i}", {"seq": i})
    got: list[int] = []
    for _ in range(200):
        update = follower.poll()
        got += [json.loads(line)["details"]["seq"] for _, line in update.lines]
        if len(got) >= 300:
            break
    follower.close()
    assert got == list(range(300))


def test_log_follow_json_reads_every_entry_once_under_fast_rotation(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    config = tmp_path / "config.toml"
    config.write_text(f'[alert_log]\npath = "{path}"\nmax_bytes = 4096\nkeep = 60\n')
    AlertLogWriter(path, AlertLog(max_bytes=4096, keep=60)).write("info", "load.ready", "ready")
    env = {**os.environ, "TERM": "dumb", "PYTHONPATH": os.getcwd()}
    follow = subprocess.Popen(
        [sys.executable, "-m", "alloy_tui", "--config", str(config), "log", "-n", "1"]
        + ["--follow", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert follow.stdout is not None
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(follow.stdout.readline, b"")))  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + 30
    while not lines and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lines, "log --follow printed nothing"
    n = 3000
    subprocess.run(
        [sys.executable, "-c", WRITER, str(path), str(n), "60"], env=env, check=True, timeout=60
    )
    deadline = time.monotonic() + 20
    while len(lines) < n + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # anything extra (a duplicate) would arrive now
    follow.send_signal(signal.SIGINT)
    follow.wait(10)
    reader.join(5)
    seqs = [json.loads(line)["details"].get("seq") for line in lines[1:]]
    rotated = len(list(tmp_path.glob("alert_log.jsonl.*")))
    assert (tmp_path / "alert_log.jsonl.40").exists()  # rotated over 40 times while followed
    assert sorted(seqs) == list(range(n)), (len(seqs), len(set(seqs)), rotated)


def test_follow_goes_on_in_the_file_tail_read_even_after_it_was_rotated(tmp_path: Path) -> None:
    from alloy_tui.core.alertlog import AlertLogReader

    path = tmp_path / "alert_log.jsonl"
    w = AlertLogWriter(path, AlertLog(max_bytes=4096, keep=10, retention_days=0))
    w.write("info", "load.entry", "seen by tail", {"seq": -1})
    reader = AlertLogReader(path)
    assert len(reader.tail(5)) == 1
    for i in range(100):  # rotated several times between tail() and follow()
        w.write("info", "load.entry", f"entry {i}", {"seq": i})
    follower = Follower(path, reader.position, reader._ino)
    got: list[int] = []
    for _ in range(50):
        got += [json.loads(line)["details"]["seq"] for _, line in follower.poll().lines]
    follower.close()
    assert got == list(range(100))
