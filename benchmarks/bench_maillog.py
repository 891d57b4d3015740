"""The mail log's cost per delivery attempt (core/maillog.py): the `(queue active)` line and one
line per recipient, written to a unix datagram socket this benchmark binds and drains (as
/dev/log would be), against no socket (where /dev/log does not exist) and `[log] syslog =
false`. Prints the median microseconds per attempt (3 recipients) over the runs.

    python3 benchmarks/bench_maillog.py [--runs 5] [--attempts 2000]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alloy_tui.core.config.settings import Settings  # noqa: E402
from alloy_tui.core.maillog import SOCKET_ENV, MailLog  # noqa: E402

RCPTS = ["ops@contoso.com", "cto@contoso.com", "typo@contoso.com"]


def meta() -> dict[str, Any]:
    return {
        "id": "20261207T032148-3f9a1c7e",
        "sender": "cron@web01.contoso.com",
        "size": 2048,
        "queued_at": time.time() - 1.5,
        "to": RCPTS,
        "recipients": [{"address": a, "state": "pending", "last_error": None} for a in RCPTS],
    }


def settle(m: dict[str, Any]) -> Any:
    error = {"title": "The recipient does not exist", "code": "smtp.550", "cause": "550 5.1.1"}
    busy = {"title": "Mailbox busy", "code": "smtp.451", "cause": "451 4.2.0"}
    recs = m["recipients"]
    recs[0]["state"] = "sent"
    recs[1]["last_error"] = busy
    recs[2].update(state="failed", last_error=error)
    result = SimpleNamespace(
        api="smtp", extra={"host": "smtp.office365.com", "port": "587", "reply": "250 2.0.0 OK"}
    )
    return SimpleNamespace(
        result=result,
        delivered=[RCPTS[0]],
        deferred={RCPTS[1]: None},
        untried=[],
        error=None,
    )


def per_attempt_us(log: MailLog, attempts: int) -> float:
    start = time.perf_counter()
    for _ in range(attempts):
        m = meta()
        taken = log.taken(m)
        log.settled(m, taken, settle(m))
    return (time.perf_counter() - start) / attempts * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--attempts", type=int, default=2000)
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="alloy-bench-maillog-"))
    path = folder / "log.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.2)
    got = [0]
    done = threading.Event()

    def drain() -> None:
        while not done.is_set():
            try:
                sock.recv(65536)
                got[0] += 1
            except TimeoutError:
                continue

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    smtp = Settings(service="smtp").with_section("smtp", host="smtp.office365.com")
    rows: dict[str, list[float]] = {"socket": [], "no socket": [], "off": []}
    try:
        for _ in range(args.runs):  # interleaved, so a busy machine hurts all three alike
            os.environ[SOCKET_ENV] = str(path)
            rows["socket"].append(per_attempt_us(MailLog(smtp, time.time), args.attempts))
            os.environ[SOCKET_ENV] = str(folder / "absent.sock")
            rows["no socket"].append(per_attempt_us(MailLog(smtp, time.time), args.attempts))
            off = smtp.with_section("log", syslog=False)
            rows["off"].append(per_attempt_us(MailLog(off, time.time), args.attempts))
    finally:
        done.set()
        reader.join(1)
        sock.close()
        path.unlink(missing_ok=True)
        folder.rmdir()
    for name, values in rows.items():
        print(
            f"mail log {name:>9}: median {statistics.median(values):7.1f} us per attempt (3 recipients)"
        )
    print(f"lines received: {got[0]} (4 per attempt with the socket)")


if __name__ == "__main__":
    main()
