"""Helpers for the queue screen's tests (not a test module): an outbox with an SMTP config
pointing at a real aiosmtpd server, and waiting for the screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alloy_tui.core.config import load_or_default
from alloy_tui.core.config.settings import Settings
from alloy_tui.core.outbox import Outbox
from alloy_tui.ui.queue.screen import QueueScreen
from tests.helpers.pilot import lines_of, screen_of
from tests.helpers.pilot import until as _until
from tests.helpers.smtp_server import write_smtp_config


def raw_message(subject: str, to: str) -> bytes:
    return (f"From: server@contoso.test\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nbody\r\n").encode()


def write_config(tmp_path: Path, port: int, *, queue: str = "", extra: str = "") -> Path:
    """A config file (the detached runner reads it too) for SMTP on 127.0.0.1:``port``;
    `queue`: more [queue] lines, `extra`: more sections at the end."""
    lines = f"{queue}\n" if queue else ""
    return write_smtp_config(tmp_path, port, lines, log="log.jsonl", extra=extra)


def settings(config: Path) -> Settings:
    return load_or_default(config).settings


def submit(box: Outbox, subject: str, to: str = "ops@contoso.test") -> str:
    return box.submit(raw_message(subject, to), recipients=[to], sender="", source="test")


def log_events(tmp_path: Path, event: str) -> list[dict[str, Any]]:
    path = tmp_path / "log.jsonl"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == event]


def queue_screen(app: Any) -> QueueScreen:
    return screen_of(app, QueueScreen)


def shown(app: Any) -> list[str]:
    """The rows as drawn (blank ones dropped)."""
    return lines_of(queue_screen(app).view)


def status(app: Any) -> str:
    return str(queue_screen(app).query_one("#q-status").render())


async def until(pilot: Any, cond: Callable[[], object], timeout: float = 10.0) -> float:
    """`pilot.until` with the queue's longer default (a runner may be sending)."""
    return await _until(pilot, cond, timeout)
