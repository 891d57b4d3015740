"""The queue screen over a real outbox, a real runner and a real SMTP server (aiosmtpd): rows
follow the runner within a second, s sends a message due in an hour now (through the detached
runner process), d asks, names the message and logs mail.deleted, a failed message's details
explain it, r retries, / filters."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import App

from alloy_tui.core.outbox import Outbox, open_outbox, run_queue
from alloy_tui.ui.alertlog.dialogs import TextScreen
from alloy_tui.ui.queue.dialogs import ConfirmDeleteScreen
from alloy_tui.ui.queue.screen import QueueScreen
from tests.helpers.queue_screen import (
    log_events,
    queue_screen,
    settings,
    shown,
    status,
    submit,
    until,
    write_config,
)
from tests.helpers.smtp_server import SmtpServer


class Host(App[None]):
    def __init__(self, screen: QueueScreen) -> None:
        super().__init__()
        self.queue = screen

    def on_mount(self) -> None:
        self.push_screen(self.queue)


def _screen(config: Path, **kw: object) -> QueueScreen:
    kw.setdefault("start_runner", lambda: None)
    return QueueScreen(settings(config), config, poll=0.05, **kw)  # type: ignore[arg-type]


async def test_rows_follow_the_runner_within_a_second(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {"gone@contoso.test"}
        config = write_config(tmp_path, server.port)
        box = Outbox(tmp_path / "queue")
        submit(box, "Disk /var 95% full")
        submit(box, "Backup failed", "gone@contoso.test")
        app = Host(_screen(config))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: len(shown(app)) == 2)
            newest, oldest = shown(app)
            assert "Backup failed" in newest and "gone@contoso.test" in newest
            assert "Disk /var 95% full" in oldest and "due now" in oldest
            # The runner works while the screen is open.
            done = threading.Event()
            worker = threading.Thread(
                target=lambda: (run_queue(settings(config), config), done.set())
            )
            worker.start()
            await until(pilot, done.is_set)
            took = await until(pilot, lambda: not shown(app))  # sent, and failed: off Pending
            assert took < 1.0, took
            assert len(server.messages) == 1
            await pilot.press("f")
            await pilot.pause()
            [failed] = shown(app)
            assert "Backup failed" in failed and "The recipient" in failed, failed
            assert "0 pending, 1 failed" in status(app)
            # A message queued now shows at once (on Pending).
            await pilot.press("f")
            submit(box, "New alert")
            took = await until(pilot, lambda: any("New alert" in r for r in shown(app)))
            assert took < 1.0, took
            worker.join()


async def test_s_sends_now_a_message_whose_retry_is_an_hour_away(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        config = write_config(tmp_path, server.port)
        box = Outbox(tmp_path / "queue")
        qid = submit(box, "Disk /var 95% full")
        meta = box.read_meta(qid)
        assert meta is not None
        meta.update(attempts=1, next_attempt_at=box.clock() + 3600)
        box.write_meta(meta)
        # The real thing: Outbox.force, then a pass of the runner in the screen's thread.
        app = Host(QueueScreen(settings(config), config, poll=0.05))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: len(shown(app)) == 1)
            assert "in 59 min" in shown(app)[0] or "in 1 h" in shown(app)[0], shown(app)
            await pilot.press("s")
            await until(pilot, lambda: server.messages, timeout=30)
            await until(pilot, lambda: not shown(app))
            await until(pilot, lambda: "Send pass done" in status(app), timeout=30)
            assert "sent 1, deferred 0, failed 0; 0 pending" in status(app)
            assert "Sending" not in status(app)  # no stale "Sending …" once it is done
        assert b"Subject: Disk /var 95% full" in server.messages[0].data
        assert [e["details"]["queue_id"] for e in log_events(tmp_path, "mail.sent")] == [qid]


async def test_d_asks_naming_the_message_and_logs_mail_deleted(tmp_path: Path) -> None:
    config = write_config(tmp_path, 9)
    box = Outbox(tmp_path / "queue")
    keep = submit(box, "Keep me")
    qid = submit(box, "Disk /var 95% full")
    app = Host(_screen(config))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(shown(app)) == 2)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        text = str(app.screen.query_one("#qdel-text").render())
        assert '"Disk /var 95% full" to ops@contoso.test' in text and "never be sent" in text
        await pilot.press("n")
        await pilot.pause()
        assert len(shown(app)) == 2 and box.read_meta(qid) is not None
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        await pilot.press("y")
        await until(pilot, lambda: len(shown(app)) == 1)
        assert "Keep me" in shown(app)[0] and "Deleted" in status(app)
    assert box.read_meta(qid) is None and box.read_meta(keep) is not None
    [deleted] = log_events(tmp_path, "mail.deleted")
    assert deleted["details"]["queue_id"] == qid


async def test_failed_details_explain_and_r_retries_and_slash_filters(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {"gone@contoso.test"}
        config = write_config(tmp_path, server.port)
        box = open_outbox(settings(config), config)  # with its alert-log entries
        qid = submit(box, "Backup failed", "gone@contoso.test")
        run_queue(settings(config), config)
    for i in range(3):
        submit(box, f"Disk web0{i}")
    app = Host(_screen(config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app, 3)
        await pilot.press("slash", *"web01", "enter")
        await until(pilot, lambda: len(shown(app)) == 1)
        assert "Disk web01" in shown(app)[0]
        await pilot.press("slash", "ctrl+u", "enter")  # empty: every message again
        await until(pilot, lambda: len(shown(app)) == 3)
        await pilot.press("f")
        await until(pilot, lambda: len(shown(app)) == 1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextScreen))
        body = str(app.screen.query_one("#details-body").render())
        assert f"Message {qid}: failed" in body and "Subject: Backup failed" in body
        assert "Why:" in body and "gone@contoso.test" in body and "Fix:" in body
        assert "Alert log:" in body and "mail.failed" in body and "mail.queued" in body
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("r")
        await until(pilot, lambda: not shown(app))  # back to pending
        await pilot.press("f")
        await until(pilot, lambda: len(shown(app)) == 4)
        assert "due now" in shown(app)[0] or "due now" in " ".join(shown(app))
    assert box.get(qid).state == "pending"


async def _ready(pilot: object, app: Host, n: int) -> QueueScreen:
    await until(pilot, lambda: len(shown(app)) == n)
    return queue_screen(app)


async def test_a_held_queue_shows_held_with_the_reason_never_due_now(tmp_path: Path) -> None:
    config = write_config(tmp_path, 9)  # nothing listens on port 9: the relay refuses
    box = Outbox(tmp_path / "queue")
    submit(box, "Disk /var 95% full")
    submit(box, "Backup failed")
    run_queue(settings(config), config)  # the first is refused: the queue is held (hold.json)
    assert box.hold() is not None
    app = Host(_screen(config))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(shown(app)) == 2 and "held" in shown(app)[0], 30)
        rows = shown(app)
        assert all("held" in r and "Connection refused" in r for r in rows), rows
        assert not any("due now" in r for r in rows)
        box.lift_hold()  # as `queue retry/delete/flush` do: the rows follow
        await until(pilot, lambda: not any("held" in r for r in shown(app)), 30)
