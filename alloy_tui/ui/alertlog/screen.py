"""The live alert-log screen: newest at the top, filter, search, details, follows the file.

Thread workers do the file work (threads.py: the backwards scan that indexes line offsets, the
follower that polls like ``tail -F``; queries.py: whole-file filter and search) and post offset
batches as messages (messages.py); the handlers here, on the UI thread, alone change the row
arrays. Rotation or truncation restarts the view on the new file.
"""

from __future__ import annotations

import os
import threading
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Key
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static

from alloy_tui.core.alertlog import (
    MAX_PARSE_BYTES,
    AlertLogWriter,
    LogFile,
    Rows,
    archive_path,
)
from alloy_tui.core.config import AlertLog
from alloy_tui.ui.alertlog.dialogs import ConfirmClearScreen, DetailsScreen, cleared_text
from alloy_tui.ui.alertlog.messages import Cleared, Followed, IndexBatch, QueryBatch
from alloy_tui.ui.alertlog.queries import FILTER_NAMES, LogQueries
from alloy_tui.ui.alertlog.threads import follow_file, index_file
from alloy_tui.ui.alertlog.view import LogView, header_text
from alloy_tui.ui.workers import explain_failure, post_from_thread

__all__ = ["AlertLogScreen", "ColumnHeader"]


class ColumnHeader(Widget):
    """Column titles, laid out like the rows below (same width, scrollbar excluded)."""

    def render(self) -> Content:
        width = self.size.width
        view = self.screen.query(LogView)
        if view:
            width = view.first().scrollable_content_region.width or width
        return Content(header_text(width))


class AlertLogScreen(Screen[None]):
    """The alert log at ``path``, live, rotated and pruned as ``settings`` say (the `[alert_log]`
    section; defaults when None). Push it from anywhere; Escape closes it.

    Filter and search (level cycling, the search box, n/N) are `LogQueries`, in `queries`.
    """

    CSS_PATH = "alertlog.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("l", "cycle_level", "Level"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match", "Next", show=False),
        Binding("N,shift+n", "prev_match", "Prev", show=False),
        Binding("f5", "refresh", "Refresh"),
        Binding("c", "clear", "Clear"),
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
        self._stop = threading.Event()

    # What the filter and search found so far (in `queries`).
    @property
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

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Content(f"Alert log · {self.path}"), id="al-title")
        yield ColumnHeader(id="al-columns")
        yield LogView(self.logfile, self.base, id="al-view")
        yield Static("", id="al-status")
        yield Input(placeholder="Search text · Enter find · Esc close", id="al-search")
        yield Footer()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
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
            self.run_worker(scan, thread=True, group="scan", exclusive=True, exit_on_error=False)
        ino = logfile.ino if logfile.fd >= 0 else None
        follow = partial(follow_file, self, gen, self.path, logfile.end, ino, self._stop, self.poll)
        self.run_worker(follow, thread=True, group="follow", exit_on_error=False)
        if self.queries.level_filter is not None:
            self._start_query("filter")
        if self.search_text:
            self._start_query("search")
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
        self.pending_new = 0
        if self.queries.next_level() is None:
            self.queries.drop("filter")
            self._apply_rows(reset_cursor=True)
        else:
            self._start_query("filter")
        self.notice = ""
        self._update_status()

    def action_search(self) -> None:
        box = self.query_one("#al-search", Input)
        box.display = True  # set directly (not a class) so focus lands before the next key
        box.value = self.search_text
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
        self._jump(downwards=True)

    def action_prev_match(self) -> None:
        self._jump(downwards=False)

    def _jump(self, downwards: bool) -> None:
        view = self.view
        here = view.cursor_start
        if self.matches is None:
            self.notice = "Press / to search first."
        elif here is None:
            return
        elif (row := self.queries.match_row(view.rows, here, downwards)) is not None:
            view.move_to(row)
            self.notice = ""
        elif "search" in self.query_progress:
            self.notice = "No match found yet (still searching)."
        else:
            self.notice = f"No more matches {'below' if downwards else 'above'}."
        self._update_status()

    @on(LogView.MovedToTop)
    def _back_at_top(self) -> None:
        if self.pending_new:
            self.pending_new = 0
            self._update_status()

    @on(Input.Submitted, "#al-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._close_search_box()
        text = event.value.strip()
        self.view.highlight = text
        self.view.refresh()
        self.notice = ""
        self.queries.search_text = text
        if text:
            self._start_query("search")
        else:
            self.queries.drop("search")
        self._update_status()

    def action_refresh(self) -> None:
        self.notice = "Refreshed."
        self._start()

    def action_back(self) -> None:
        search_box = self.query_one("#al-search", Input)
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
        entry = self.logfile.read_row(event.start, MAX_PARSE_BYTES)
        self.app.push_screen(DetailsScreen(entry))

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
        self._clear()

    @work(thread=True, group="clear", exit_on_error=False)
    def _clear(self) -> None:
        """Rotate in a thread: applying retention to big archives takes a while."""
        try:
            archived = AlertLogWriter(self.path, self.settings).rotate()
        except Exception as e:  # an AlertLogError (permissions): say it, keep the view
            notice = f"Could not archive the log: {explain_failure(e).cause}"
        else:
            notice = cleared_text(archived, self.settings)
        post_from_thread(self, Cleared(notice))

    @on(Cleared)
    def _cleared(self, message: Cleared) -> None:
        self.clearing = False
        self._start()
        self.notice = message.notice
        self._update_status()

    # -- status line -----------------------------------------------------------------------------------
    def _update_status(self) -> None:
        parts: list[str] = []
        total = len(self.base)
        if self.filtered is not None:
            level = FILTER_NAMES[self.queries.level_filter]
            parts.append(f"{len(self.filtered):,} of {total:,} · {level}")
        else:
            parts.append(f"{total:,} {'entry' if total == 1 else 'entries'}")
        if self.scanning:
            parts.append(f"indexing {100 * (1 - self.scan_left):.0f}%")
        if "filter" in self.query_progress:
            parts.append(f"filtering {100 * self.query_progress['filter']:.0f}% (Esc stops)")
        if self.search_text:
            found = len(self.matches) if self.matches is not None else 0
            s = f'"{self.search_text}": {found:,} found'
            if "search" in self.query_progress:
                s += f", searching {100 * self.query_progress['search']:.0f}% (Esc stops)"
            else:
                s += " (n next, N previous)"
            parts.append(s)
        if self.pending_new:
            parts.append(
                f"▲ {self.pending_new:,} new {'entry' if self.pending_new == 1 else 'entries'} (Home)"
            )
        if self.notice:
            parts.append(self.notice)
        if self.logfile.fd < 0:
            parts.append("no log yet: waiting for the first entry")
        status = self.query_one("#al-status", Static)
        status.update(Content(" · ".join(parts)))
        status.set_class(bool(self.pending_new), "-new")
        self.query_one(ColumnHeader).refresh()
