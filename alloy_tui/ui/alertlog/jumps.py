"""Moving the alert log's cursor to what was asked for: the next or previous search match
(n/N), the first match as soon as a search finds it (/), the next or previous warning or error
(e/E). The rows to jump to come from `LogQueries`; a jump asked for before its scan has found
anything is kept and tried again as the scan's batches arrive.

Each method returns the notice for the status line ("" once the cursor moved, None: no change).
"""

from __future__ import annotations

from alloy_tui.ui.alertlog.queries import LogQueries
from alloy_tui.ui.alertlog.view import LogView


class Jumps:
    """Owned by the alert-log screen; ``view`` and ``queries`` are the screen's."""

    def __init__(self, view: LogView, queries: LogQueries) -> None:
        self.view = view
        self.queries = queries
        self.first_pending = False  # go to the first match once the search finds one
        self.problem_pending = 0  # e (1) or E (-1) waiting for the scan for warnings

    def to_match(self, downwards: bool) -> str | None:
        view, queries = self.view, self.queries
        here = view.cursor_start
        if queries.matches is None:
            return "Press / to search first."
        if here is None:
            return None
        if (row := queries.match_row(view.rows, here, downwards)) is not None:
            view.move_to(row)
            return ""
        if "search" in queries.progress:
            return "No match found yet (still searching)."
        return f"No more matches {'below' if downwards else 'above'}."

    def first_match(self, done: bool) -> str | None:
        """The newest match in the rows shown, once the search has found one."""
        view = self.view
        if not self.first_pending or not len(view.rows):
            return None
        row = self.queries.match_row(view.rows, view.rows.start(0) + 1, downwards=True)
        if row is not None:
            self.first_pending = False
            view.move_to(row)
            return ""
        if done:
            self.first_pending = False
            return "No match."
        return None

    def problem(self, direction: int) -> str | None:
        """e/E; the scan for warnings and errors must have been started (`queries.problems`)."""
        self.problem_pending = direction
        return self.problem_found()

    def problem_found(self) -> str | None:
        view, queries = self.view, self.queries
        direction, self.problem_pending = self.problem_pending, 0
        here = view.cursor_start
        if not direction or here is None:
            return None
        row = queries.match_row(view.rows, here, direction > 0, kind="problems")
        if row is not None:
            view.move_to(row)
            return ""
        if "problems" in queries.progress:
            self.problem_pending = direction  # not found yet: the next batch tries again
            return "Looking for warnings and errors…"
        return f"No warning or error {'below (older)' if direction > 0 else 'above (newer)'}."
