"""Snapshots of the queue screen at 80x24 and 120x40: Pending (due now, in minutes, sending is
not shown: no runner), Failed with the failure's title, and a message's details. Fixed time
zone, clock and outbox folder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from textual.app import App

from alloy_tui.core.config import load_or_default
from alloy_tui.core.outbox import Outbox
from alloy_tui.ui.queue.screen import QueueScreen
from tests.helpers.queue_screen import raw_message
from tests.helpers.snapshots import restore_tz, settle  # noqa: F401 - fixture `_restore_tz`

NOW = 1_772_359_200.0  # 2026-03-01 11:00 Europe/Berlin
FOLDER = Path("/tmp/alloy-tui-queue-snapshots")
MESSAGES = [
    ("Disk /var 95% full on web01", "ops@contoso.com", 0, None, ""),
    ("RAID degraded on db02", "ops@contoso.com", 2, 240, ""),
    ("Backup failed on db01", "dba@contoso.com", 1, None, "The recipient does not exist"),
    ("Certificate expires in 3 days on the load balancer", "security-team@contoso.com", 5, 3000, ""),
    ("Nightly report", "reports@contoso.com, boss@contoso.com", 0, None, ""),
]  # fmt: skip


class Host(App[None]):
    def __init__(self, config: Path) -> None:
        super().__init__()
        self.config = config

    def on_mount(self) -> None:
        settings = load_or_default(self.config).settings
        screen = QueueScreen(
            settings, self.config, poll=0.05, start_runner=lambda: None, clock=lambda: NOW
        )
        self.push_screen(screen)


@pytest.fixture
def app(_restore_tz: None, monkeypatch: pytest.MonkeyPatch) -> Host:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    config = FOLDER / "config.toml"
    config.write_text(f'[queue]\npath = "{FOLDER / "queue"}"\n', encoding="utf-8")
    for i, (subject, to, attempts, wait, error) in enumerate(MESSAGES):
        queued = NOW - 86400 * (i == 0) - 600 + 60 * i  # the first one: yesterday
        box = Outbox(FOLDER / "queue", clock=lambda q=queued: q)
        qid = box.submit(raw_message(subject, to), recipients=to.split(", "), sender="", source="t")
        meta = box.read_meta(qid)
        assert meta is not None
        meta.update(attempts=attempts, next_attempt_at=NOW + wait if wait else queued)
        if error:
            meta.update(state="failed", next_attempt_at=None, last_error={"title": error})
        box.write_meta(meta)
    return Host(config)


async def _settle(pilot: object) -> None:
    await settle(pilot, lambda s: isinstance(s, QueueScreen) and len(s.rows) == len(MESSAGES), 0.1)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_pending(snap_compare: object, app: Host, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_settle)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_failed(snap_compare: object, app: Host, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await _settle(pilot)
        await pilot.press("f")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=size, run_before=run_before)  # type: ignore[operator]
