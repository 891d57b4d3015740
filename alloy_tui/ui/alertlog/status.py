"""The alert-log screen's status line and help text, in words."""

from __future__ import annotations

from collections.abc import Sized
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from alloy_tui.core.alertlog import LogFile
    from alloy_tui.ui.alertlog.queries import LogQueries


class Shown(Protocol):
    """What the status line reads of the screen (`screen.AlertLogScreen`; a Protocol, so this
    module needs nothing of the screen's)."""

    @property
    def queries(self) -> LogQueries: ...
    @property
    def base(self) -> Sized: ...
    @property
    def scanning(self) -> bool: ...
    @property
    def scan_left(self) -> float: ...
    @property
    def pending_new(self) -> int: ...
    @property
    def notice(self) -> str: ...
    @property
    def logfile(self) -> LogFile: ...


HELP = (
    "The alert log: every sign-in and send, newest at the top. It follows the file as entries "
    "arrive; when you have scrolled away, new ones are counted (Home shows them).\n\n"
    'A send reads "subject -> recipient" (and the error\'s title when it failed and there is '
    "room); Enter shows every field of an entry, its full message and details.\n\n"
    """Keys:
  Up/Down PgUp/PgDn  move; Home the newest, End the oldest
  Enter              the entry's details
  e / E              the next / previous warning or error
  / then Enter       search, to the first match (n, N: the others)
  l                  level: all, warnings and errors, errors only
  t                  time: any, the last hour, today
  T                  time: since a time you type (14:02)
  o                  the queue; in a mail.* entry's details, o opens
                     that message in the queue
  F5                 read the file again
  c                  clear: archive the log, start it empty (asks)
  Esc                stop a running filter or search; else close
  F1 or ?            this help"""
)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def status_text(screen: Shown) -> str:
    """Counts, what is running, the filter and search, new entries, the last notice."""
    queries = screen.queries
    progress = queries.progress
    parts: list[str] = []
    total = len(screen.base)
    if queries.filtered is not None:
        parts.append(f"{len(queries.filtered):,} of {total:,} · {queries.filter_name}")
    else:
        parts.append(_plural(total, "entry", "entries"))
    if screen.scanning:
        parts.append(f"indexing {100 * (1 - screen.scan_left):.0f}%")
    if "filter" in progress:
        parts.append(f"filtering {100 * progress['filter']:.0f}% (Esc stops)")
    if queries.search_text:
        found = len(queries.matches) if queries.matches is not None else 0
        s = f'"{queries.search_text}": {found:,} found'
        if "search" in progress:
            s += f", searching {100 * progress['search']:.0f}% (Esc stops)"
        else:
            s += " (n next, N previous)"
        parts.append(s)
    if screen.pending_new:
        parts.append(f"▲ {_plural(screen.pending_new, 'new entry', 'new entries')} (Home)")
    if screen.notice:
        parts.append(screen.notice)
    if screen.logfile.fd < 0:
        parts.append("no log yet: waiting for the first entry")
    return " · ".join(parts)
