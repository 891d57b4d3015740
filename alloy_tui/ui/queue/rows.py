"""The queue screen's rows: one slim record per queued message, and the text of its cells.

Nothing here imports Textual. `QueueRow` keeps only what a row shows (a 10,000-message outbox
costs a few MB, not its attempt logs); the details screen reads the whole message again. Its
texts came from the message's sender: they pass through `printable` when the row is made (an
escape sequence goes whole, not just its ESC), and each cell once more in `fit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.cells import cell_len, set_cell_size

from alloy_tui.core.errors import printable
from alloy_tui.core.outbox import QueuedMessage, standing

if TYPE_CHECKING:
    from alloy_tui.core.outbox import QueueRecord

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
VIEWS = ("pending", "failed")  # f toggles; "pending" shows the ones being sent too


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: str  # sortable by queue time: newest first is descending id order
    state: str  # pending, sending, failed
    queued_at: float
    attempts: int
    next_at: float | None
    to: str
    subject: str
    error: str  # the last error's title ('' if none)

    @classmethod
    def of(cls, meta: QueueRecord, state: str) -> QueueRow:
        m = QueuedMessage.from_meta(meta, state)
        return cls(
            id=m.id,
            state=m.state,
            queued_at=m.queued_at.timestamp(),
            attempts=m.attempts,
            next_at=m.next_attempt_at.timestamp() if m.next_attempt_at else None,
            to=printable(", ".join(_waiting_for(m))),
            subject=printable(m.subject),
            error=printable(m.last_error.title) if m.last_error else "",
        )

    def in_view(self, view: str) -> bool:
        return (self.state == "failed") == (view == "failed")

    def matches(self, needle: str) -> bool:
        """``needle`` (lower case) in the recipients or the subject."""
        return not needle or needle in self.to.lower() or needle in self.subject.lower()


def _waiting_for(m: QueuedMessage) -> list[str]:
    """The recipients that do not have it yet (all of them until some do)."""
    return [r.address for r in m.recipients if r.state != "sent"] or list(m.to)


class Columns(NamedTuple):
    queued: int
    to: int
    subject: int
    tries: int
    next: int


def columns(width: int, view: str) -> Columns:
    """Queued, to, subject, attempts, and "next try" (pending) or the failure (failed). Under
    76 cells (a 60x20 window) the attempts column goes (the details have it) and the others
    shrink, so the subject keeps room."""
    failed = view == "failed"
    if width < 76:
        to_w, tries_w, next_w = 14, 0, 16 if failed else 11
    else:
        to_w, tries_w = max(16, width // 4), 3
        next_w = (24 if failed else 16) if width < 110 else 32
    fixed = 1 + 12 + 1 + to_w + 1 + (tries_w + 1 if tries_w else 0) + 1 + next_w
    return Columns(12, to_w, max(0, width - fixed), tries_w, next_w)


def fit(text: str, width: int) -> str:
    """Cut (with an ellipsis) or pad ``text`` to exactly ``width`` cells."""
    if width <= 0:
        return ""
    text = printable(text[: width * 4])
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def queued_text(ts: float, now: float | None = None) -> str:
    """HH:MM today, "Nov 30 14:02" before (local time)."""
    local = datetime.fromtimestamp(ts, UTC).astimezone()
    day = datetime.fromtimestamp(now, UTC).astimezone().date() if now else local_today()
    if local.date() == day:
        return local.strftime("%H:%M")
    if local.year == day.year:
        return f"{MONTHS[local.month - 1]} {local.day:>2} {local:%H:%M}"
    return local.strftime("%Y-%m-%d")


def local_today() -> date:
    return datetime.now().astimezone().date()


def in_words(seconds: float) -> str:
    """4 s, 4 min, 2 h 5 min, 3 d."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    return f"{s // 86400} d"


def next_text(row: QueueRow, now: float, hold: dict[str, Any] | None = None) -> str:
    """The last column: the failure's title, "sending now", "held 4 min: <why>", "due now" or
    "in 4 min" (never "due now" while the queue is held; the rule is `outbox.standing`, the
    same as `queue list`'s)."""
    kind, at = standing(row.state, row.next_at, hold, now)
    if kind == "failed":
        return row.error or "failed"
    if kind == "sending":
        return "sending now"
    if kind == "held" and hold is not None:
        why = str((hold.get("reason") or {}).get("title") or "")
        return f"held {in_words(at - now)}" + (f": {why}" if why else "")
    if kind == "due":
        return "due now"
    return f"in {in_words(at - now)}"


def row_text(
    row: QueueRow, width: int, view: str, now: float, hold: dict[str, Any] | None = None
) -> str:
    cols = columns(width, view)
    cells = [
        fit(queued_text(row.queued_at, now), cols.queued),
        fit(row.to, cols.to),
        fit(row.subject or "(no subject)", cols.subject),
    ]
    if cols.tries:
        cells.append(f"{min(row.attempts, 999):>3}")
    return " ".join([*cells, fit(next_text(row, now, hold), cols.next)])


def header_text(width: int, view: str) -> str:
    cols = columns(width, view)
    last = "Failure" if view == "failed" else "Next try"
    cells = [fit("Queued", cols.queued), fit("To", cols.to), fit("Subject", cols.subject)]
    if cols.tries:
        cells.append("Try")
    return " " + " ".join([*cells, fit(last, cols.next)])
