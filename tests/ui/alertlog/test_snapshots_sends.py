"""Snapshots of the alert log with real-looking sends at 80x24 and 120x40: "subject ->
recipient", a failure with its title where there is room, mail.* entries of the queue, and
older entries as "Feb 27 18:00" (fixed time zone, date and content). The help at 80x24."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from tests.helpers.snapshots import log_app, restore_tz, settle  # noqa: F401 - fixture `_restore_tz`

SENDS = [
    ("2026-02-27T17:00:00.000Z", "info", "notification.sent", "Disk /var 95% full", ["ops@contoso.com"], ""),
    ("2026-02-28T18:30:00.000Z", "error", "notification.failed", "Backup failed on db01", ["dba@contoso.com"], "The server refuses to relay"),
    ("2026-03-01T09:58:00.000Z", "info", "mail.queued", "RAID degraded on web02", ["ops@contoso.com"], ""),
    ("2026-03-01T09:59:00.000Z", "warning", "mail.deferred", "RAID degraded on web02", ["ops@contoso.com"], "Microsoft 365 is busy"),
    ("2026-03-01T10:00:00.000Z", "info", "mail.sent", "RAID degraded on web02", ["ops@contoso.com"], ""),
    ("2026-03-01T10:01:00.000Z", "info", "test_message.sent", "alloy-tui test message", ["admin@contoso.com", "ops@contoso.com"], ""),
    ("2026-03-01T10:02:00.000Z", "info", "signin.succeeded", "", [], ""),
    ("2026-03-01T10:03:00.000Z", "error", "notification.failed", "Certificate expires in 3 days on the load balancer", ["security-team@contoso.com"], "Not allowed to send on behalf of this user"),
]  # fmt: skip


def _content() -> bytes:
    lines = []
    for i, (ts, level, event, subject, to, error) in enumerate(SENDS):
        details: dict[str, object] = {"to": to, "subject": subject} if subject else {}
        if error:
            details["error"] = error
        if event.startswith("mail."):
            details["queue_id"] = "20260301T095800-3f9a1c7e"
        message = f"Entry {i}: {event} " + ("to " + ", ".join(to) if to else "as admin@contoso.com")
        entry = {"ts": ts, "level": level, "event": event, "message": message, "details": details}
        lines.append(json.dumps(entry, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def app(_restore_tz: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AlertLogApp:
    return log_app(tmp_path, monkeypatch, _content())


async def _settle(pilot: object) -> None:
    await settle(pilot, lambda s: isinstance(s, AlertLogScreen) and len(s.base) == len(SENDS))


def test_sends_80x24(snap_compare: object, app: AlertLogApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)  # type: ignore[operator]


def test_sends_120x40(snap_compare: object, app: AlertLogApp) -> None:
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settle)  # type: ignore[operator]


def test_help_80x24(snap_compare: object, app: AlertLogApp) -> None:
    async def run_before(pilot: object) -> None:
        await _settle(pilot)
        await pilot.press("f1")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]
