"""The queue screen: Pending and Failed (f), newest on top, live as the runner works.

A thread worker (threads.py) reads the outbox and then watches it, posting only what changed
(`QueueChanged`); the handler here, on the UI thread, alone changes the rows. Send now, retry and
delete run in thread workers too and post `ActionDone` (or `Failed`); the watcher then shows
their effect like any other change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import printable
from alloy_tui.core.outbox import Outbox, OutboxError, open_outbox
from alloy_tui.ui.alertlog.dialogs import TextScreen
from alloy_tui.ui.queue.dialogs import ConfirmDeleteScreen, describe, details_text
from alloy_tui.ui.queue.messages import ActionDone, DetailsRead, QueueChanged
from alloy_tui.ui.queue.rows import QueueRow
from alloy_tui.ui.queue.threads import watch_outbox
from alloy_tui.ui.queue.view import QueueHeader, QueueView
from alloy_tui.ui.widgets.keys_footer import KeysFooter, keys_text
from alloy_tui.ui.workers import Failed, explain_failure, post_from_thread, run_in_thread

if TYPE_CHECKING:
    from alloy_tui.core.outbox import QueueRecord

HELP = (
    "The outbox: mail handed to sendmail (or `send --queue`) that is waiting to be delivered, "
    "newest at the top. The list follows the outbox as the runner works: a new message, a "
    "retry, a success (the message leaves the list) show within a second.\n\n"
    "Pending says when each message is tried next; Failed says why it failed. Enter shows "
    "everything: headers, size, every attempt with its Why and Fix, and the message's "
    "alert-log entries.\n\n"
    """Keys:
  f        Pending / Failed
  Enter    the message's details
  s        send now: this message, then every pending one (as `queue flush`), each
           named as it is tried and its outcome shown; only a service or settings
           failure stops the pass (and the status line says why)
  r        retry a failed message (back to pending, due now)
  d        delete (asks first, naming the message; never sent)
  /        filter by recipient or subject (empty: every message)
  Esc      close (from the filter box: back to the list)"""
)

Runner = Callable[[], None]


class QueueScreen(Screen[None]):
    """The outbox of ``settings``/``config_path``; ``select``: a message id to put the cursor on
    (from the alert log). ``start_runner``: how s and r get the message sent (default: a
    detached `queue run`, unless one runs already)."""

    CSS_PATH = "queue.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", key_display="Esc"),
        Binding("f", "switch_view", "Failed", key_display="f"),
        Binding("s", "send_now", "Send", key_display="s"),
        Binding("r", "retry", "Retry", key_display="r"),
        Binding("d", "delete", "Delete", key_display="d"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("f1", "help", "Help", key_display="F1"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("q", "back", "Close", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        config_path: Path,
        *,
        select: str | None = None,
        poll: float = 0.2,
        start_runner: Runner | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.config_path = Path(config_path)
        self.box: Outbox = open_outbox(settings, self.config_path)
        self.select = select
        self.poll = poll
        self.start_runner = start_runner or self._detached_runner
        self.clock = clock
        self.rows: dict[str, QueueRow] = {}
        self.mode = "pending"
        self.needle = ""
        self.reading = 1.0
        self.notice = ""
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Queue · {self.box.path}"), id="q-title")
        yield QueueHeader(id="q-columns")
        yield QueueView(self.rows, clock=self.clock, id="q-view")
        yield Static("", id="q-status")
        yield Input(placeholder="Filter: recipient or subject · Enter · Esc", id="q-filter")
        yield KeysFooter()

    @property
    def view(self) -> QueueView:
        return self.query_one(QueueView)

    def on_mount(self) -> None:
        self.query_one("#q-filter", Input).display = False
        watch = partial(watch_outbox, self, self.box, self._stop, self.poll)
        run_in_thread(self, watch, what="Watching the queue", group="watch")
        self.view.focus()
        self._update_status()
        self.set_interval(5.0, self.view.refresh)  # "in 4 min" counts down with nothing changed

    def on_unmount(self) -> None:
        self._stop.set()

    # -- what the watcher found ------------------------------------------------------------------
    @on(QueueChanged)
    def _changed(self, message: QueueChanged) -> None:
        for row in message.rows:
            self.rows[row.id] = row
        for qid in message.removed:
            self.rows.pop(qid, None)
        if message.hold_changed:
            self.view.hold = message.hold
            self.view.refresh()
        self.reading = message.reading
        self._reorder()
        if self.select is not None and self._try_select():
            self.select = None
        self._update_status()

    def _try_select(self) -> bool:
        row = self.rows.get(self.select or "")
        if row is None:
            if self.reading <= 0:
                self.notice = f"{self.select} is no longer queued (sent or deleted)."
                return True
            return False
        if not row.in_view(self.mode):
            self.mode = "failed" if row.state == "failed" else "pending"
            self._reorder()
        return self.view.select(row.id)

    def _reorder(self) -> None:
        needle = self.needle.lower()
        order = [
            qid for qid, row in self.rows.items() if row.in_view(self.mode) and row.matches(needle)
        ]
        rows = self.rows
        order.sort(key=lambda qid: (rows[qid].queued_at, qid), reverse=True)
        view = self.view
        view.mode = self.mode
        view.changed(order, view.current)
        self.query_one(QueueHeader).refresh()

    # -- keys -----------------------------------------------------------------------------------
    def action_switch_view(self) -> None:
        self.mode = "failed" if self.mode == "pending" else "pending"
        self.notice = ""
        self._reorder()
        self.view.move_to(0)
        self._update_status()

    def _current(self) -> QueueRow | None:
        qid = self.view.current
        return self.rows.get(qid) if qid else None

    def action_send_now(self) -> None:
        row = self._current()
        if row is None:
            return
        if row.state == "failed":
            self._say("A failed message is sent again with r (retry).")
            return
        self._say(f"Sending {describe(row)} now…")
        self._in_thread(self._send_pass, row)

    def action_retry(self) -> None:
        row = self._current()
        if row is None:
            return
        if row.state != "failed":
            self._say("Only a failed message can be retried; s sends a pending one now.")
            return
        self._in_thread(self._retry, row)

    def action_delete(self) -> None:
        row = self._current()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._in_thread(self._delete, row)

        self.app.push_screen(ConfirmDeleteScreen(row), answered)

    def action_filter(self) -> None:
        box = self.query_one("#q-filter", Input)
        box.display = True
        box.value = self.needle
        self.set_focus(box)

    @on(Input.Changed, "#q-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        self.needle = event.value.strip()
        self._reorder()
        self._update_status()

    @on(Input.Submitted, "#q-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self._close_filter()

    def _close_filter(self) -> None:
        self.query_one("#q-filter", Input).display = False
        self.view.focus()

    def action_back(self) -> None:
        if self.query_one("#q-filter", Input).has_focus:
            self._close_filter()
            return
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(TextScreen("Queue", HELP + "\n\n" + keys_text(self)))

    @on(QueueView.Open)
    def _open(self, event: QueueView.Open) -> None:
        from alloy_tui.core.alertlog import log_path

        self._in_thread(self._read_details, event.qid, log_path(self.settings, self.config_path))

    # -- thread work ----------------------------------------------------------------------------
    def _in_thread(self, job: Callable[..., str | None], *args: object) -> None:
        def run() -> None:
            try:
                notice = job(*args)
            except OutboxError as e:
                post_from_thread(self, Failed(e.explanation))
            except Exception as e:
                post_from_thread(self, Failed(explain_failure(e, self.settings)))
            else:
                if notice is not None:
                    post_from_thread(self, ActionDone(notice))

        run_in_thread(self, run, what="The queue action", group="action")

    def _detached_runner(self) -> None:
        from alloy_tui.core.outbox import start_runner_detached

        start_runner_detached(self.config_path, self.box.path)

    def _send_pass(self, row: QueueRow) -> str:
        """s: this message due now, then a pass over every pending message (as `queue flush`),
        here in the thread, each message named as it is tried and each outcome shown; only a
        service or settings failure stops the pass, and the last notice says why."""
        from alloy_tui.core.daemon import drain

        self.box.force(row.id)
        names = {r.id: describe(r) for r in list(self.rows.values())}  # the UI thread may add rows

        def trying(meta: QueueRecord) -> None:
            what = names.get(meta["id"]) or f'"{meta.get("subject") or meta["id"]}"'
            post_from_thread(self, ActionDone(f"Sending {what}…"))

        def outcome(text: str) -> None:
            post_from_thread(self, ActionDone(printable(text)))

        s = drain(
            self.settings,
            self.config_path,
            stop=self._stop,
            on_progress=outcome,
            flush=True,
            on_attempt=trying,
        )
        done = f"Send pass done: sent {s.sent}, deferred {s.deferred}, failed {s.failed}"
        if s.hold:
            reason = (s.hold.get("reason") or {}).get("title") or "a service failure"
            return printable(f"{done}; stopped: {reason}; {s.pending} pending wait for it.")
        return f"{done}; {s.pending} pending."

    def _retry(self, row: QueueRow) -> str:
        self.box.retry(row.id)
        self.start_runner()
        return f"Retrying {describe(row)}: pending, due now."

    def _delete(self, row: QueueRow) -> str:
        self.box.delete(row.id)
        return f"Deleted {describe(row)}."

    def _read_details(self, qid: str, log: Path) -> None:
        post_from_thread(self, DetailsRead(qid, details_text(self.box, qid, log)))

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        self._say(message.notice)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        ex = message.explanation
        self._say(f"✗ {ex.title}. {ex.cause} Fix: {ex.fix}")

    @on(DetailsRead)
    def _details(self, message: DetailsRead) -> None:
        self.app.push_screen(TextScreen(f"Queued message {message.qid}", message.text))

    # -- status line ----------------------------------------------------------------------------
    def _say(self, notice: str) -> None:
        self.notice = notice
        self._update_status()

    def _update_status(self) -> None:
        pending = sum(1 for r in self.rows.values() if r.state != "failed")
        failed = len(self.rows) - pending
        shown = "Pending" if self.mode == "pending" else "Failed"
        parts = [f"{shown} · {pending:,} pending, {failed:,} failed"]
        if self.needle:
            parts.append(f'"{self.needle}": {len(self.view.order):,} shown')
        if self.reading > 0:
            parts.append(f"reading {100 * (1 - self.reading):.0f}%")
        elif not self.view.order:
            parts.append("nothing here" + (" (f: failed)" if self.mode == "pending" else ""))
        if self.notice:
            parts.append(self.notice)
        # notices quote subjects and servers: the one filter, whatever posted them
        self.query_one("#q-status", Static).update(Content(printable(" · ".join(parts))))
