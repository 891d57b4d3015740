"""Filter and search for the alert-log screen: whole-file queries in a thread, level cycling,
the search box and jumping between matches. A mixin of `AlertLogScreen` (see screen.py), which
owns the state these methods use; `@on` handlers stay on the screen (Textual collects them only
from message-pump classes).
"""

from __future__ import annotations

import os
import re
import time
from array import array
from typing import TYPE_CHECKING

from textual import events, work
from textual.widgets import Input
from textual.worker import get_current_worker

from alloy_tui.core.alertlog import (
    LogFile,
    Rows,
    Verify,
    level_pattern,
    level_verifier,
    scan_matches,
    search_pattern,
)

if TYPE_CHECKING:
    import threading

    from textual.screen import Screen

    from alloy_tui.ui.alertlog.view import LogView

    _MixedInto = Screen[None]  # query_one, set_focus... with Textual's own signatures
else:
    _MixedInto = object

LEVEL_FILTERS: tuple[str | None, ...] = (None, "warning", "error")
FILTER_NAMES = {None: "all levels", "warning": "warnings and errors", "error": "errors only"}
POST_EVERY = 0.05  # seconds between batches a scan hands to the UI


class QueriesMixin(_MixedInto):
    """Level filter and text search over the whole log (mixed into `AlertLogScreen`)."""

    # State and helpers the screen provides.
    logfile: LogFile
    filtered: Rows | None
    matches: Rows | None
    level_filter: str | None
    search_text: str
    gen: int
    query_ids: dict[str, int]
    query_progress: dict[str, float]
    pending_new: int
    notice: str
    known_end: int
    _stop: threading.Event

    if TYPE_CHECKING:

        @property
        def view(self) -> LogView: ...
        def _apply_rows(self, reset_cursor: bool = False) -> None: ...
        def _update_status(self) -> None: ...
        def _post(self, callback: object, *args: object) -> bool: ...

    # -- filter and search over the whole file (thread) ----------------------------------------------
    def _start_query(self, kind: str) -> None:
        self.query_ids[kind] += 1
        rows = Rows(self.logfile.typecode)
        if kind == "filter":
            assert self.level_filter is not None
            self.filtered = rows
            pattern, fold = level_pattern(self.level_filter), False
            verify = level_verifier(self.level_filter)
            self._apply_rows(reset_cursor=True)
        else:
            self.matches = rows
            pattern, fold, verify = search_pattern(self.search_text), True, None
        if self.logfile.fd < 0 or self.known_end == 0:
            self.query_progress.pop(kind, None)
            return
        end = self.known_end  # lines arriving later are matched as they come
        self.query_progress[kind] = 0.0
        fd = os.dup(self.logfile.fd)
        self._query(kind, self.gen, self.query_ids[kind], fd, end, pattern, fold, verify)

    @work(thread=True, group="query", exit_on_error=False)
    def _query(
        self,
        kind: str,
        gen: int,
        qid: int,
        fd: int,
        end: int,
        pattern: re.Pattern[bytes],
        fold: bool,
        verify: Verify | None,
    ) -> None:
        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled or self.query_ids[kind] != qid or self._stop.is_set()

        try:
            code = self.logfile.typecode
            pending = array(code)
            last = 0.0
            matches = scan_matches(
                fd, end, pattern, cancelled, fold_case=fold, typecode=code, verify=verify
            )
            for batch, reached in matches:
                pending.extend(batch)
                now = time.monotonic()
                if now - last >= POST_EVERY:
                    if not self._post(self._add_query, kind, gen, qid, pending, 1 - reached / end):
                        return
                    pending, last = array(code), now
            if not cancelled():
                self._post(self._add_query, kind, gen, qid, pending, 1.0)
        finally:
            os.close(fd)

    def _add_query(self, kind: str, gen: int, qid: int, batch: array[int], progress: float) -> None:
        if gen != self.gen or qid != self.query_ids[kind]:
            return
        rows = self.filtered if kind == "filter" else self.matches
        if rows is None:
            return
        rows.add_older(batch)
        if progress >= 1.0:
            self.query_progress.pop(kind, None)
        else:
            self.query_progress[kind] = progress
        if kind == "filter":
            self.view.rows_changed()
        self._update_status()

    def _cancel_queries(self) -> bool:
        if not self.query_progress:
            return False
        for kind in list(self.query_progress):
            self.query_ids[kind] += 1
        self.query_progress.clear()
        self.notice = "Search cancelled: showing what was found so far."
        self._update_status()
        return True

    # -- actions ---------------------------------------------------------------------------------------
    def action_cycle_level(self) -> None:
        i = LEVEL_FILTERS.index(self.level_filter)
        self.level_filter = LEVEL_FILTERS[(i + 1) % len(LEVEL_FILTERS)]
        self.pending_new = 0
        if self.level_filter is None:
            self.query_ids["filter"] += 1
            self.query_progress.pop("filter", None)
            self.filtered = None
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

    def on_key(self, event: events.Key) -> None:
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
        if self.matches is None:
            self.notice = "Press / to search first."
            self._update_status()
            return
        view = self.view
        here = view.cursor_start
        if here is None:
            return
        target = here - 1 if downwards else here + 1
        r = self.matches.row_at_or_after(target, downwards)
        step = 1 if downwards else -1
        while r is not None and 0 <= r < len(self.matches):
            row = view.rows.row_of(self.matches.start(r))
            if row is not None:
                view.move_to(row)
                self.notice = ""
                self._update_status()
                return
            r += step
        searching = "search" in self.query_progress
        self.notice = (
            "No match found yet (still searching)."
            if searching
            else f"No more matches {'below' if downwards else 'above'}."
        )
        self._update_status()
