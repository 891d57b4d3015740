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
    LogFile,
    Rows,
    Verify,
    level_pattern,
    level_verifier,
    line_matches,
    scan_matches,
    search_pattern,
)
from alloy_tui.ui.alertlog.messages import QueryBatch
from alloy_tui.ui.alertlog.threads import POST_EVERY
from alloy_tui.ui.workers import post_from_thread

LEVEL_FILTERS: tuple[str | None, ...] = (None, "warning", "error")
FILTER_NAMES = {None: "all levels", "warning": "warnings and errors", "error": "errors only"}


class LogQueries:
    """The level filter and the text search over the whole log at ``logfile``.

    `filtered` (None: no level filter) and `matches` (None: no search) hold the rows found so
    far; `progress` the fraction done of each query still running ("filter", "search")."""

    def __init__(self, owner: DOMNode, logfile: LogFile) -> None:
        self.owner = owner  # runs the scans and receives their QueryBatch messages
        self.logfile = logfile
        self.filtered: Rows | None = None
        self.matches: Rows | None = None
        self.level_filter: str | None = None
        self.search_text = ""
        self.ids = {"filter": 0, "search": 0}  # bumped to drop a running query's results
        self.progress: dict[str, float] = {}

    # -- starting and stopping ---------------------------------------------------------------------
    def start(self, kind: str, gen: int, end: int, stop: threading.Event) -> None:
        """(Re)start the filter or the search over the file up to ``end``."""
        self.ids[kind] += 1
        rows = Rows(self.logfile.typecode)
        if kind == "filter":
            assert self.level_filter is not None
            self.filtered = rows
            pattern, fold = level_pattern(self.level_filter), False
            verify = level_verifier(self.level_filter)
        else:
            self.matches = rows
            pattern, fold, verify = search_pattern(self.search_text), True, None
        if self.logfile.fd < 0 or end == 0:
            self.progress.pop(kind, None)
            return
        self.progress[kind] = 0.0
        fd = os.dup(self.logfile.fd)
        scan = partial(self._scan, kind, gen, self.ids[kind], fd, end, stop, pattern, fold, verify)
        self.owner.run_worker(scan, thread=True, group="query", exit_on_error=False)

    def drop(self, kind: str) -> None:
        """No filter (or no search) any more; a scan still running for it is dropped."""
        self.ids[kind] += 1
        self.progress.pop(kind, None)
        if kind == "filter":
            self.filtered = None
        else:
            self.matches = None

    def cancel(self) -> bool:
        """Stop the running queries (Esc), keeping what they found. False: none was running."""
        if not self.progress:
            return False
        for kind in list(self.progress):
            self.ids[kind] += 1
        self.progress.clear()
        return True

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
        rows = self.filtered if message.kind == "filter" else self.matches
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
            picked = [s for s, line in lines if line_matches(line, self.level_filter, None)]
            self.filtered.add_newer(picked)
            shown = len(picked)
        if self.matches is not None:
            found = search_pattern(self.search_text)
            self.matches.add_newer([s for s, line in lines if line_matches(line, None, found)])
        return shown

    def match_row(self, rows: Rows, here: int, downwards: bool) -> int | None:
        """The row in ``rows`` of the nearest match below (older than) or above the entry that
        starts at offset ``here``; None when there is none (yet)."""
        if self.matches is None:
            return None
        target = here - 1 if downwards else here + 1
        r = self.matches.row_at_or_after(target, downwards)
        step = 1 if downwards else -1
        while r is not None and 0 <= r < len(self.matches):
            row = rows.row_of(self.matches.start(r))
            if row is not None:
                return row
            r += step
        return None
