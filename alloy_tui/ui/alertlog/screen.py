"""The live alert-log screen: newest at the top, filter, search, details, follows the file.

Thread workers do the file work (the backwards scan that indexes line offsets, the follower that
polls like ``tail -F``, whole-file filter and search) and hand offset batches to the UI thread,
which alone changes the row arrays. Rotation or truncation restarts the view on the new file.
"""

from __future__ import annotations

import os
import threading
import time
from array import array
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from alloy_tui.core.alertlog import (
    DEFAULT_KEEP,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETENTION_DAYS,
    MAX_PARSE_BYTES,
    AlertLogWriter,
    Follower,
    FollowUpdate,
    LogFile,
    Rows,
    archive_path,
    line_matches,
    scan_backwards,
    search_pattern,
)
from alloy_tui.ui.alertlog.dialogs import ConfirmClearScreen, DetailsScreen
from alloy_tui.ui.alertlog.queries import FILTER_NAMES, LEVEL_FILTERS, POST_EVERY, QueriesMixin
from alloy_tui.ui.alertlog.view import LogView, header_text

__all__ = ["FILTER_NAMES", "LEVEL_FILTERS", "POST_EVERY", "AlertLogScreen", "ColumnHeader"]


class ColumnHeader(Widget):
    """Column titles, laid out like the rows below (same width, scrollbar excluded)."""

    def render(self) -> Content:
        width = self.size.width
        view = self.screen.query(LogView)
        if view:
            width = view.first().scrollable_content_region.width or width
        return Content(header_text(width))


class AlertLogScreen(QueriesMixin, Screen[None]):
    """The alert log at ``path``, live. Push it from anywhere; Escape closes it.

    Filter and search (level cycling, the search box, n/N) come from `QueriesMixin`.
    """

    CSS_PATH = "alertlog.tcss"

    BINDINGS = [
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
        self,
        path: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        keep: int = DEFAULT_KEEP,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        poll: float = 0.005,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.rotation = (max_bytes, keep, retention_days)
        self.poll = poll
        self.logfile = LogFile(self.path)
        self.base = Rows()
        self.filtered: Rows | None = None
        self.matches: Rows | None = None
        self.level_filter: str | None = None
        self.search_text = ""
        self.gen = 0  # bumps on every restart; stale worker results are dropped
        self.query_ids = {"filter": 0, "search": 0}
        self.scanning = False
        self.scan_left = 0.0  # fraction of the file still to index
        self.query_progress: dict[str, float] = {}
        self.pending_new = 0
        self.notice = ""
        self.known_end = 0  # just after the newest line the rows know of
        self.clearing = False  # a clear (rotation) is running in a thread
        self._stop = threading.Event()

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
        if self.logfile.end > 0:
            self.scanning, self.scan_left = True, 1.0
            self._scan(self.gen, os.dup(self.logfile.fd), self.logfile.end)
        else:
            self.scanning = False
        self._follow(
            self.gen,
            self._stop,
            self.logfile.end,
            self.logfile.ino if self.logfile.fd >= 0 else None,
        )
        if self.level_filter is not None:
            self._start_query("filter")
        if self.search_text:
            self._start_query("search")
        self._update_status()

    def _apply_rows(self, reset_cursor: bool = False) -> None:
        rows = self.filtered if self.filtered is not None else self.base
        if self.view.rows is not rows:
            self.view.set_rows(rows, keep_cursor=not reset_cursor)
        else:
            self.view.rows_changed()

    # -- indexing the file (thread) ------------------------------------------------------------------
    @work(thread=True, group="scan", exclusive=True, exit_on_error=False)
    def _scan(self, gen: int, fd: int, end: int) -> None:
        worker = get_current_worker()
        try:
            code = self.logfile.typecode
            pending = array(code)
            last = 0.0

            def stopped() -> bool:
                return worker.is_cancelled or self._stop.is_set()

            for batch, reached in scan_backwards(fd, end, stopped, typecode=code):
                pending.extend(batch)
                now = time.monotonic()
                if now - last >= POST_EVERY or reached == 0:
                    if not self._post(self._add_scanned, gen, pending, reached / end):
                        return
                    pending, last = array(code), now
            if not worker.is_cancelled:
                self._post(self._add_scanned, gen, pending, 0.0)
        finally:
            os.close(fd)

    def _add_scanned(self, gen: int, batch: array[int], left: float) -> None:
        if gen != self.gen:
            return
        self.base.add_older(batch)
        self.scan_left = left
        self.scanning = left > 0
        if self.filtered is None:
            self.view.rows_changed()
        self._update_status()

    def _post(self, callback: object, *args: object) -> bool:
        """Run ``callback`` on the UI thread; False when the app is gone (stop the worker)."""
        try:
            self.app.call_from_thread(callback, *args)  # type: ignore[arg-type]
        except Exception:
            return False
        return True

    # -- following the file (thread) -----------------------------------------------------------------
    @work(thread=True, group="follow", exit_on_error=False)
    def _follow(self, gen: int, stop: threading.Event, start: int, ino: int | None) -> None:
        follower = Follower(self.path, start if ino is not None else 0, ino)
        try:
            while not stop.is_set():
                update = follower.poll()
                if update.reset or update.lines:
                    if not self._post(self._apply_follow, gen, update):
                        return
                    if update.reset:
                        return  # the UI restarts on the new file with a fresh follower
                else:
                    stop.wait(self.poll)
        finally:
            follower.close()

    def _apply_follow(self, gen: int, update: FollowUpdate) -> None:
        if gen != self.gen:
            return
        if update.reset:
            self.notice = "The log was rotated or truncated: showing the new file."
            self._start()
            return
        starts = [s for s, _ in update.lines]
        self.base.add_newer(starts)
        self.known_end = update.end
        shown = len(starts)
        if self.filtered is not None:
            level = self.level_filter
            picked = [s for s, line in update.lines if line_matches(line, level, None)]
            self.filtered.add_newer(picked)
            shown = len(picked)
        if self.matches is not None:
            found = search_pattern(self.search_text)
            self.matches.add_newer(
                [s for s, line in update.lines if line_matches(line, None, found)]
            )
        if shown:
            view = self.view
            if view.at_top:
                view.added_at_top(shown, follow=True)
            else:
                view.added_at_top(shown, follow=False)
                self.pending_new += shown
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
        self.search_text = text
        self.view.highlight = text
        self.view.refresh()
        self.notice = ""
        if text:
            self._start_query("search")
        else:
            self.matches = None
            self.query_progress.pop("search", None)
        self._update_status()

    def action_refresh(self) -> None:
        self.notice = "Refreshed."
        self._start()

    def action_back(self) -> None:
        search_box = self.query_one("#al-search", Input)
        if search_box.has_focus:
            self._close_search_box()
            return
        if self._cancel_queries():
            return
        self.dismiss(None)

    @on(LogView.Open)
    def _open_details(self, event: LogView.Open) -> None:
        entry = self.logfile.read_row(event.start, MAX_PARSE_BYTES)
        self.app.push_screen(DetailsScreen(entry))

    def action_clear(self) -> None:
        if self.clearing:
            return
        _, keep, retention = self.rotation
        dialog = ConfirmClearScreen(archive_path(self.path, 1).name, keep, retention)
        self.app.push_screen(dialog, self._clear_confirmed)

    def _clear_confirmed(self, yes: bool | None) -> None:
        if not yes or self.clearing:
            return
        self.clearing = True
        self.notice = "Archiving the log…"
        self._update_status()
        self._clear(self.gen)

    @work(thread=True, group="clear", exit_on_error=False)
    def _clear(self, gen: int) -> None:
        """Rotate in a thread: applying retention to big archives takes a while."""
        max_bytes, keep, retention = self.rotation
        try:
            archived = AlertLogWriter(self.path, max_bytes, keep, retention).rotate()
        except Exception as e:  # an AlertLogError (permissions): say it, keep the view
            notice = f"Could not archive the log: {e}"
        else:
            if archived is not None and archived.exists():
                notice = f"Archived to {archived.name}."
            elif keep <= 0:
                notice = "The log was emptied (alert_log.keep is 0: nothing is archived)."
            elif archived is not None:  # retention pruned the whole archive away
                notice = (
                    f"The log was cleared: every entry was older than {retention} days, "
                    "so retention dropped them."
                )
            else:
                notice = "The log was already empty."
        self._post(self._cleared, notice)

    def _cleared(self, notice: str) -> None:
        self.clearing = False
        self._start()
        self.notice = notice
        self._update_status()

    # -- status line -----------------------------------------------------------------------------------
    def _update_status(self) -> None:
        parts: list[str] = []
        total = len(self.base)
        if self.filtered is not None:
            parts.append(f"{len(self.filtered):,} of {total:,} · {FILTER_NAMES[self.level_filter]}")
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
