"""Filter and search for the alert-log screen: the rows they found, and the whole-file scans that
find them.

`LogQueries` is owned by `AlertLogScreen`. Its scans run in thread workers on the screen and
post `QueryBatch` messages to it; the screen's handler passes each one back to `add`, on the UI
thread, which alone changes the row arrays. Lines that arrive later are matched as they come
(`add_newer`).
"""

from __future__ import annotations

import os
import re
import threading
import time
from array import array
from functools import partial

from textual.dom import DOMNode
from textual.worker import get_current_worker

from alloy_tui.core.alertlog import (
    EVERY_LINE,
    LogFile,
    Rows,
    Verify,
    both,
    level_pattern,
    level_verifier,
    line_matches,
    scan_matches,
    search_pattern,
    since_verifier,
)
from alloy_tui.ui.alertlog.messages import QueryBatch
from alloy_tui.ui.alertlog.threads import POST_EVERY
from alloy_tui.ui.alertlog.timefilter import TimeFilter
from alloy_tui.ui.workers import post_from_thread, run_in_thread

LEVEL_FILTERS: tuple[str | None, ...] = (None, "warning", "error")
FILTER_NAMES = {None: "all levels", "warning": "warnings and errors", "error": "errors only"}


class LogQueries:
    """The level and time filter, the text search, and the warnings and errors (for e/E) over
    the whole log at ``logfile``.

    `filtered` (None: no filter), `matches` (None: no search) and `problems` (None: not asked
    for yet) hold the rows found so far; `progress` the fraction done of each query still
    running ("filter", "search", "problems")."""

    def __init__(self, owner: DOMNode, logfile: LogFile) -> None:
        self.owner = owner  # runs the scans and receives their QueryBatch messages
        self.logfile = logfile
        self.filtered: Rows | None = None
        self.matches: Rows | None = None
        self.problems: Rows | None = None
        self.level_filter: str | None = None
        self.time_filter: TimeFilter | None = None
        self.search_text = ""
        # bumped to drop a running query's results
        self.ids = {"filter": 0, "search": 0, "problems": 0}
        self.progress: dict[str, float] = {}

    # -- starting and stopping ---------------------------------------------------------------------
    def start(self, kind: str, gen: int, end: int, stop: threading.Event) -> None:
        """(Re)start the filter or the search over the file up to ``end``."""
        self.ids[kind] += 1
        rows = Rows(self.logfile.typecode)
        fold = False
        if kind == "filter":
            self.filtered = rows
            pattern, verify = self._filter_test()
        elif kind == "problems":
            self.problems = rows
            pattern, verify = level_pattern("warning"), level_verifier("warning")
        else:
            self.matches = rows
            pattern, fold, verify = search_pattern(self.search_text), True, None
        if self.logfile.fd < 0 or end == 0:
            self.progress.pop(kind, None)
            return
        self.progress[kind] = 0.0
        fd = os.dup(self.logfile.fd)
        scan = partial(self._scan, kind, gen, self.ids[kind], fd, end, stop, pattern, fold, verify)
        run_in_thread(self.owner, scan, what="Searching the alert log", group="query")

    @property
    def filtering(self) -> bool:
        return self.level_filter is not None or self.time_filter is not None

    @property
    def filter_name(self) -> str:
        """ "errors only · last hour", "all levels" ..."""
        names = [FILTER_NAMES[self.level_filter]] if self.level_filter else []
        if self.time_filter is not None:
            names.append(self.time_filter.name)
        return " · ".join(names) or FILTER_NAMES[None]

    def _filter_test(self) -> tuple[re.Pattern[bytes], Verify | None]:
        level, when = self.level_filter, self.time_filter
        pattern = level_pattern(level) if level is not None else EVERY_LINE
        by_level = level_verifier(level) if level is not None else None
        by_time = since_verifier(when.since) if when is not None else None
        return pattern, both(by_level, by_time)

    def drop(self, kind: str) -> None:
        """No filter (or no search) any more; a scan still running for it is dropped."""
        self.ids[kind] += 1
        self.progress.pop(kind, None)
        if kind == "filter":
            self.filtered = None
        elif kind == "problems":
            self.problems = None
        else:
            self.matches = None

    def cancel(self) -> bool:
        """Stop the running filter and search (Esc), keeping what they found. False: neither
        was running. (The scan for e/E is not a query the admin started: it goes on.)"""
        running = [kind for kind in ("filter", "search") if kind in self.progress]
        for kind in running:
            self.ids[kind] += 1
            del self.progress[kind]
        return bool(running)

    def next_level(self) -> str | None:
        """Cycle all levels -> warnings and errors -> errors only -> all levels."""
        i = LEVEL_FILTERS.index(self.level_filter)
        self.level_filter = LEVEL_FILTERS[(i + 1) % len(LEVEL_FILTERS)]
        return self.level_filter

    # -- the scan (thread) -------------------------------------------------------------------------
    def _scan(
        self,
        kind: str,
        gen: int,
        qid: int,
        fd: int,
        end: int,
        stop: threading.Event,
        pattern: re.Pattern[bytes],
        fold: bool,
        verify: Verify | None,
    ) -> None:
        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled or self.ids[kind] != qid or stop.is_set()

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
                    batch_message = QueryBatch(kind, gen, qid, pending, 1 - reached / end)
                    if not post_from_thread(self.owner, batch_message):
                        return
                    pending, last = array(code), now
            if not cancelled():
                post_from_thread(self.owner, QueryBatch(kind, gen, qid, pending, 1.0))
        finally:
            os.close(fd)

    # -- results (UI thread) -----------------------------------------------------------------------
    def add(self, message: QueryBatch) -> bool:
        """Fold a scan's batch in; False when it belongs to a query since dropped or restarted."""
        if message.qid != self.ids[message.kind]:
            return False
        rows = self.rows_of(message.kind)
        if rows is None:
            return False
        rows.add_older(message.starts)
        if message.progress >= 1.0:
            self.progress.pop(message.kind, None)
        else:
            self.progress[message.kind] = message.progress
        return True

    def add_newer(self, lines: list[tuple[int, bytes]]) -> int | None:
        """Match lines that just arrived (offset, text); how many the filter shows (None: no
        filter, every line shows)."""
        shown = None
        if self.filtered is not None:
            since = self.time_filter.since if self.time_filter is not None else None
            picked = [s for s, line in lines if line_matches(line, self.level_filter, None, since)]
            self.filtered.add_newer(picked)
            shown = len(picked)
        if self.matches is not None:
            found = search_pattern(self.search_text)
            self.matches.add_newer([s for s, line in lines if line_matches(line, None, found)])
        if self.problems is not None:
            bad = [s for s, line in lines if line_matches(line, "warning", None)]
            self.problems.add_newer(bad)
        return shown

    def rows_of(self, kind: str) -> Rows | None:
        return {"filter": self.filtered, "search": self.matches, "problems": self.problems}[kind]

    def match_row(self, rows: Rows, here: int, downwards: bool, kind: str = "search") -> int | None:
        """The row in ``rows`` of the nearest search match (or, ``kind`` "problems", warning or
        error) below (older than) or above the entry that starts at offset ``here``; None when
        there is none (yet)."""
        found = self.rows_of(kind)
        if found is None:
            return None
        target = here - 1 if downwards else here + 1
        r = found.row_at_or_after(target, downwards)
        step = 1 if downwards else -1
        while r is not None and 0 <= r < len(found):
            row = rows.row_of(found.start(r))
            if row is not None:
                return row
            r += step
        return None
