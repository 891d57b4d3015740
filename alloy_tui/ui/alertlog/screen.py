"""The live alert-log screen: newest at the top, filter, search, details, follows the file.

Thread workers do the file work (threads.py: the backwards scan that indexes line offsets, the
follower that polls like ``tail -F``, the clear; queries.py: whole-file filter, search and the
warnings for e/E) and post offset batches as messages (messages.py); the handlers here, on the UI
thread, alone change the row arrays (jumps.py moves the cursor). Rotation or truncation restarts
the view on the new file.
"""

from __future__ import annotations

import os
import threading
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Key
from textual.screen import Screen
from textual.widgets import Input, Static

from alloy_tui.core.alertlog import (
    MAX_PARSE_BYTES,
    LogFile,
    Rows,
    archive_path,
)
from alloy_tui.core.config import AlertLog
from alloy_tui.ui.alertlog import timefilter
from alloy_tui.ui.alertlog.dialogs import ConfirmClearScreen, DetailsScreen, HelpScreen
from alloy_tui.ui.alertlog.jumps import Jumps
from alloy_tui.ui.alertlog.messages import Cleared, Followed, IndexBatch, QueryBatch
from alloy_tui.ui.alertlog.queries import LogQueries
from alloy_tui.ui.alertlog.status import HELP, status_text
from alloy_tui.ui.alertlog.threads import follow_file, index_file, rotate_log
from alloy_tui.ui.alertlog.view import ColumnHeader, LogView
from alloy_tui.ui.widgets.keys_footer import KeysFooter, keys_text
from alloy_tui.ui.workers import run_in_thread

__all__ = ["AlertLogScreen", "ColumnHeader"]


class AlertLogScreen(Screen[None]):
    """The alert log at ``path``, live, rotated and pruned as ``settings`` say (the `[alert_log]`
    section; defaults when None). Push it from anywhere; Escape closes it.

    Filter and search (level cycling, the search box, n/N) are `LogQueries`, in `queries`.
    """

    CSS_PATH = "alertlog.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", key_display="Esc"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("e", "problem(1)", "Error", key_display="e"),
        Binding("E,shift+e", "problem(-1)", "Previous error", show=False),
        Binding("l", "cycle_level", "Level", key_display="l"),
        Binding("t", "cycle_time", "Time", key_display="t"),
        Binding("T,shift+t", "since", "Since a time", show=False),
        Binding("n", "next_match", "Next", show=False),
        Binding("N,shift+n", "prev_match", "Prev", show=False),
        Binding("o", "queue", "Queue", key_display="o"),
        Binding("f1", "help", "Help", key_display="F1"),
        Binding("question_mark", "help", "Help", show=False),
        # In the help (F1): rarer, and the footer must fit 80 columns with ^Q Quit.
        Binding("f5", "refresh", "Refresh", show=False),
        Binding("c", "clear", "Clear", show=False),
        Binding("q", "back", "Close", show=False),
    ]

    def __init__(
        self, path: Path, settings: AlertLog | None = None, *, poll: float = 0.005
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.settings = settings if settings is not None else AlertLog()
        self.poll = poll
        self.logfile = LogFile(self.path)
        self.base = Rows()
        self.queries = LogQueries(self, self.logfile)
        self.gen = 0  # bumps on every restart; stale worker results are dropped
        self.scanning = False
        self.scan_left = 0.0  # fraction of the file still to index
        self.pending_new = 0
        self.notice = ""
        self.known_end = 0  # just after the newest line the rows know of
        self.clearing = False  # a clear (rotation) is running in a thread
        self.box_mode = "search"  # what the text box at the bottom asks for: search, since
        self._stop = threading.Event()

    @property  # what the filter and search found so far (in `queries`)
    def filtered(self) -> Rows | None:
        return self.queries.filtered

    @property
    def matches(self) -> Rows | None:
        return self.queries.matches

    @property
    def search_text(self) -> str:
        return self.queries.search_text

    @property
    def query_progress(self) -> dict[str, float]:
        return self.queries.progress

    @property
    def search_box(self) -> Input:
        return self.query_one("#al-search", Input)

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Content(f"Alert log · {self.path}"), id="al-title")
        yield ColumnHeader(id="al-columns")
        yield LogView(self.logfile, self.base, id="al-view")
        yield Static("", id="al-status")
        yield Input(placeholder="Search text · Enter find · Esc close", id="al-search")
        yield KeysFooter()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.jumps = Jumps(self.view, self.queries)
        self.query_one("#al-search", Input).display = False
        self._start()
        self.view.focus()

    def on_unmount(self) -> None:
        self._stop.set()
        self.logfile.close()

    # -- (re)starting --------------------------------------------------------------------------------
    def _start(self) -> None:
        self._stop.set()
        self._stop = threading.Event()
        self.gen += 1
        self.workers.cancel_group(self, "scan")
        self.logfile.open()
        self.base = Rows(self.logfile.typecode)
        self.known_end = self.logfile.end
        self.pending_new = 0
        self.view.clear_cache()
        self._apply_rows(reset_cursor=True)
        logfile, gen = self.logfile, self.gen
        self.scanning = logfile.end > 0
        if self.scanning:
            self.scan_left = 1.0
            fd = os.dup(logfile.fd)
            scan = partial(index_file, self, gen, fd, logfile.end, logfile.typecode, self._stop)
            run_in_thread(self, scan, what="Indexing the alert log", group="scan", exclusive=True)
        ino = logfile.ino if logfile.fd >= 0 else None
        follow = partial(follow_file, self, gen, self.path, logfile.end, ino, self._stop, self.poll)
        run_in_thread(self, follow, what="Following the alert log", group="follow")
        if self.queries.filtering:
            self._start_query("filter")
        if self.search_text:
            self._start_query("search")
        if self.queries.problems is not None:
            self._start_query("problems")
        self._update_status()

    def _start_query(self, kind: str) -> None:
        self.queries.start(kind, self.gen, self.known_end, self._stop)
        if kind == "filter":
            self._apply_rows(reset_cursor=True)

    def _apply_rows(self, reset_cursor: bool = False) -> None:
        rows = self.filtered if self.filtered is not None else self.base
        if self.view.rows is not rows:
            self.view.set_rows(rows, keep_cursor=not reset_cursor)
        else:
            self.view.rows_changed()

    # -- what the threads found ------------------------------------------------------------------------
    @on(IndexBatch)
    def _indexed(self, message: IndexBatch) -> None:
        if message.gen != self.gen:
            return
        self.base.add_older(message.starts)
        self.scan_left = message.left
        self.scanning = message.left > 0
        if self.filtered is None:
            self.view.rows_changed()
        self._update_status()

    @on(QueryBatch)
    def _query_batch(self, message: QueryBatch) -> None:
        if message.gen != self.gen or not self.queries.add(message):
            return
        if message.kind == "filter":
            self.view.rows_changed()
        elif message.kind == "search":
            self._say(self.jumps.first_match(done=message.progress >= 1.0))
            return
        elif message.kind == "problems" and self.jumps.problem_pending:
            self._say(self.jumps.problem_found())
            return
        self._update_status()

    @on(Followed)
    def _followed(self, message: Followed) -> None:
        update = message.update
        if message.gen != self.gen:
            return
        if update.reset:
            self.notice = "The log was rotated or truncated: showing the new file."
            self._start()
            return
        starts = [s for s, _ in update.lines]
        self.base.add_newer(starts)
        self.known_end = update.end
        shown = self.queries.add_newer(update.lines)
        if shown is None:
            shown = len(starts)
        if shown:
            view = self.view
            if view.at_top:
                view.added_at_top(shown, follow=True)
            else:
                view.added_at_top(shown, follow=False)
                self.pending_new += shown
        self._update_status()

    # -- filter and search ----------------------------------------------------------------------------
    def action_cycle_level(self) -> None:
        self.queries.next_level()
        self._filter_changed()

    def action_cycle_time(self) -> None:
        self.queries.time_filter = timefilter.next_choice(self.queries.time_filter)
        self._filter_changed()

    def _filter_changed(self, notice: str = "") -> None:
        self.pending_new = 0
        if not self.queries.filtering:
            self.queries.drop("filter")
            self._apply_rows(reset_cursor=True)
        else:
            self._start_query("filter")
        self.notice = notice
        self._update_status()

    def action_search(self) -> None:
        self._open_box("search", self.search_text, "Search text · Enter find · Esc close")

    def action_since(self) -> None:
        self._open_box("since", "", "Since (HH:MM, e.g. 14:02) · Enter filter · Esc close")

    def _open_box(self, mode: str, value: str, placeholder: str) -> None:
        box = self.search_box
        self.box_mode = mode
        box.placeholder = placeholder
        box.display = True  # set directly (not a class) so focus lands before the next key
        box.value = value
        self.set_focus(box)  # now, not after the next refresh: fast typing lands in the box

    def on_key(self, event: Key) -> None:
        """Keys typed right after / can reach the list before the box has focus: keep them."""
        box = self.query_one("#al-search", Input)
        if event.key == "slash" and not box.display:
            # Open the box here, not via the binding (which runs only once the key has bubbled
            # up to the app, after the keys typed next have already gone to the list).
            event.stop()
            event.prevent_default()
            self.action_search()
            return
        if box.display and event.is_printable and event.character and event.control is not box:
            box.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def _close_search_box(self) -> None:
        box = self.query_one("#al-search", Input)
        box.display = False
        self.view.focus()

    def action_next_match(self) -> None:
        self._say(self.jumps.to_match(downwards=True))

    def action_prev_match(self) -> None:
        self._say(self.jumps.to_match(downwards=False))

    def _say(self, notice: str | None) -> None:
        """Show ``notice`` in the status line (None: leave the last one)."""
        if notice is not None:
            self.notice = notice
        self._update_status()

    @on(LogView.MovedToTop)
    def _back_at_top(self) -> None:
        if self.pending_new:
            self.pending_new = 0
            self._update_status()

    @on(Input.Submitted, "#al-search")
    def _box_submitted(self, event: Input.Submitted) -> None:
        self._close_search_box()
        text = event.value.strip()
        if self.box_mode == "since":
            self._since_submitted(text)
            return
        self.view.highlight = text
        self.view.refresh()
        self.notice = ""
        self.queries.search_text = text
        self.jumps.first_pending = bool(text)
        if text:
            self._start_query("search")
        else:
            self.queries.drop("search")
        self._update_status()

    def _since_submitted(self, text: str) -> None:
        if not text:
            self.queries.time_filter = None
            self._filter_changed()
            return
        chosen = timefilter.since_hhmm(text)
        if chosen is None:
            self.notice = f'"{text}" is not a time: type it as HH:MM (14:02), then Enter.'
            self._update_status()
            return
        self.queries.time_filter = chosen
        self._filter_changed()

    # -- e/E: the next warning or error --------------------------------------------------------------
    def action_problem(self, direction: int) -> None:
        if self.queries.problems is None:
            self._start_query("problems")
        self._say(self.jumps.problem(direction))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("Alert log", HELP + "\n\n" + keys_text(self)))

    def action_refresh(self) -> None:
        self.notice = "Refreshed."
        self._start()

    def action_back(self) -> None:
        search_box = self.search_box
        if search_box.has_focus:
            self._close_search_box()
            return
        if self.queries.cancel():
            self.notice = "Search cancelled: showing what was found so far."
            self._update_status()
            return
        self.dismiss(None)

    @on(LogView.Open)
    def _open_details(self, event: LogView.Open) -> None:
        entry = self.logfile.read_row(event.start, MAX_PARSE_BYTES).for_terminal()
        self.app.push_screen(DetailsScreen(entry), self._details_closed)

    def _details_closed(self, queue_id: str | None) -> None:
        if queue_id:
            self.action_queue(queue_id)

    def action_queue(self, select: str | None = None) -> None:
        """The queue screen (o; from a mail.* entry's details, on that message)."""
        open_queue = getattr(self.app, "open_queue", None)
        if open_queue is None:
            self._say("The queue is not available here: run `alloy-tui queue --live`.")
            return
        open_queue(select)

    def action_clear(self) -> None:
        if self.clearing:
            return
        name = archive_path(self.path, 1).name
        dialog = ConfirmClearScreen(name, self.settings)
        self.app.push_screen(dialog, self._clear_confirmed)

    def _clear_confirmed(self, yes: bool | None) -> None:
        if not yes or self.clearing:
            return
        self.clearing = True
        self.notice = "Archiving the log…"
        self._update_status()
        clear = partial(rotate_log, self, self.path, self.settings)
        run_in_thread(self, clear, what="Clearing the alert log", group="clear")

    @on(Cleared)
    def _cleared(self, message: Cleared) -> None:
        self.clearing = False
        self._start()
        self.notice = message.notice
        self._update_status()

    # -- status line -----------------------------------------------------------------------------------
    def _update_status(self) -> None:
        status = self.query_one("#al-status", Static)
        status.update(Content(status_text(self)))
        status.set_class(bool(self.pending_new), "-new")
        self.query_one(ColumnHeader).refresh()
