"""Generate an alert log of N entries (about 200 bytes each), fast, deterministic.

python benchmarks/gen_log.py 1000000 /tmp/alert_log.jsonl
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

LEVELS = ("info", "info", "info", "warning", "error")
EVENTS = (
    "notification.sent",
    "test_message.sent",
    "signin.refreshed",
    "smtp.retry",
    "notification.failed",
)


def entry(i: int, start: datetime) -> str:
    level = LEVELS[i % len(LEVELS)]
    when = start + timedelta(seconds=i)
    obj = {
        "ts": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "level": level,
        "event": EVENTS[i % len(EVENTS)],
        "message": f"Notification {i} to ops{i % 37}@contoso.com was {'sent' if level == 'info' else 'delayed'}.",
        "details": {"id": i, "transport": "graph", "ms": (i * 7919) % 2000},
    }
    line = json.dumps(obj, separators=(",", ":"))
    return line + " " * max(0, 199 - len(line))  # pad to about 200 bytes


def generate(n: int, path: Path) -> Path:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        batch: list[str] = []
        for i in range(n):
            batch.append(entry(i, start))
            if len(batch) >= 10_000:
                f.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            f.write("\n".join(batch) + "\n")
    return path


def cached(n: int, folder: Path = Path("/tmp/alloy-bench")) -> Path:
    """A generated log of n entries, reused between runs."""
    path = folder / f"alert_log_{n}.jsonl"
    if not path.exists() or path.stat().st_size < n * 150:
        tmp = generate(n, path.with_suffix(".tmp"))
        tmp.replace(path)
    return path


if __name__ == "__main__":
    print(generate(int(sys.argv[1]), Path(sys.argv[2])))
