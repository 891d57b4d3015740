"""The queue is one key away: the wizard's title bar says what waits ("3 pending, 1 failed:
F2 queue") and F2 opens it from any step; the alert log opens it with o, and a mail.* entry's
details open that very message."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import Static

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import open_outbox
from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.dialogs import DetailsScreen
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.queue.screen import QueueScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.queue_screen import submit, until


def _outbox(config: Path) -> list[str]:
    """Three pending messages and one failed, in the default outbox (the state folder)."""
    box = open_outbox(Settings(), config)
    ids = [submit(box, f"Disk web0{i}") for i in range(4)]
    meta = box.read_meta(ids[0])
    assert meta is not None
    meta.update(state="failed", last_error={"title": "Relay denied", "code": "smtp.554"})
    box.write_meta(meta)
    return ids


async def test_the_wizard_shows_the_outbox_and_ctrl_o_opens_it(tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "config.toml"
    app = AlloyApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        title = app.screen.query_one("#titlebar", Static)
        assert "queue" not in str(title.content)  # an empty outbox says nothing
        _outbox(config)
        await until(pilot, lambda: "3 pending, 1 failed: F2 queue" in str(title.content))
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: len(screen.view.order) == 3)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen))


async def test_the_alert_log_opens_the_queue_on_a_mail_entry(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    ids = _outbox(config)
    log = Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"
    app = AlertLogApp(log, poll=0.01, queue=(Settings(), config))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AlertLogScreen))
        screen = app.screen
        assert isinstance(screen, AlertLogScreen)
        await until(pilot, lambda: len(screen.base) == 4)  # four mail.queued entries
        await pilot.press("end")  # the oldest: the message that has failed since
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailsScreen))
        hint = str(app.screen.query_one("#details-hint").render())
        assert f"o open {ids[0]} in the queue" in hint
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        # On the Failed view (where that message is), the cursor on it.
        await until(pilot, lambda: queue.view.current == ids[0])
        assert queue.mode == "failed"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AlertLogScreen))
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
