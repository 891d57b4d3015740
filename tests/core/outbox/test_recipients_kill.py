"""SIGKILL of the runner (a real process) during partial deliveries, again and again, against a
real SMTP server answering 250/451/550 per address: for every recipient, delivered + pending +
failed = total (none lost), a refused one is never sent, a sent one is sent again at most once
per kill, and once the 451 ends every good recipient has it."""

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

from alloy_tui.core.outbox import Outbox
from tests.helpers.smtp_server import SmtpServer, slow_down, write_smtp_config

ROOT = Path(__file__).resolve().parents[3]
RUNNER = """
import sys
from pathlib import Path
from alloy_tui.core.config import load
from alloy_tui.core.outbox import run_queue
cfg = Path(sys.argv[1])
run_queue(load(cfg).settings, cfg, flush=True)
"""


def write_config(tmp_path: Path, port: int) -> Path:
    return write_smtp_config(tmp_path, port, queue="failure_notices = false\n")


def run(cfg: Path, kill_after: float | None, server: SmtpServer | None = None) -> bool:
    """One runner; SIGKILLed `kill_after` seconds after the server got a message from it (or
    after 5 s if none comes): True if it was killed."""
    before = len(server.messages) if server is not None else 0
    p = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if kill_after is not None:
        deadline = time.monotonic() + 5
        while server is not None and len(server.messages) == before and p.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        time.sleep(kill_after)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
            return True
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err.decode()
    return False


def test_sigkill_during_partial_deliveries_loses_no_recipient(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    everyone: dict[str, list[str]] = {}
    for i in range(12):
        to = [f"ok{i}@contoso.test", f"ops{i}@contoso.test", f"bad{i}@contoso.test"]
        raw = f"From: s@contoso.test\r\nTo: {', '.join(to)}\r\nSubject: m{i}\r\n\r\nb\r\n".encode()
        everyone[box.submit(raw, recipients=to, sender="", source="t")] = to
    total = sum(len(to) for to in everyone.values())
    rng = random.Random(19)
    kills = 0
    with SmtpServer(tmp_path, "none") as server:
        slow_down(server, 0.08)
        server.handler.rcpt_replies = {
            a: ("550 5.1.1 unknown" if a.startswith("bad") else "451 4.2.0 later")
            for to in everyone.values()
            for a in to
            if not a.startswith("ok")
        }
        cfg = write_config(tmp_path, server.port)
        for round_no in range(14):
            if round_no == 7:  # the 451s end: ops@ can be delivered now
                server.handler.rcpt_replies = {
                    a: r for a, r in server.handler.rcpt_replies.items() if a.startswith("bad")
                }
            kills += run(cfg, rng.uniform(0.0, 0.25), server)
            delivered = Counter(a for m in server.messages for a in m.rcpt_tos)
            states: Counter[str] = Counter()
            for qid, to in everyone.items():
                m = box.read_meta(qid)
                recs = {a: "delivered" for a in to} if m is None else {
                    r["address"]: r["state"] for r in m.get("recipients") or []
                } or {a: "pending" for a in to}  # fmt: skip
                assert sorted(recs) == sorted(to)
                for a, state in recs.items():
                    if state in ("sent", "delivered"):
                        assert delivered[a] >= 1, a
                        states["delivered"] += 1
                    else:
                        assert state != "failed" or a.startswith("bad"), (a, state)
                        states[state] += 1
                    assert not (a.startswith("bad") and delivered[a]), a
            assert states["delivered"] + states["pending"] + states["failed"] == total
        assert kills >= 3  # the kills did land mid-run
        run(cfg, None)  # one more, to the end
        run(cfg, None)
    delivered = Counter(a for m in server.messages for a in m.rcpt_tos)
    for qid, to in everyone.items():
        m = box.read_meta(qid)
        assert m is not None and m["state"] == "failed"
        assert {r["address"]: r["state"] for r in m["recipients"]} == {
            to[0]: "sent",
            to[1]: "sent",
            to[2]: "failed",
        }
        assert 1 <= delivered[to[0]] and 1 <= delivered[to[1]] and delivered[to[2]] == 0
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    assert duplicates <= kills, (duplicates, kills)
    log = [json.loads(x) for x in (tmp_path / "alert_log.jsonl").read_text().splitlines()]
    assert any(e["event"] == "mail.sent" and e["details"].get("partial") for e in log)
