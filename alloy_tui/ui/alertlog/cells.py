"""The text of a row's cells: cut or padded to a column, and what a send reads as.

A send's entry carries its subject and recipients in its details (see core/mail/sending.py), so
its row says "Disk /var 95% full -> ops@contoso.com" (and the error's title on a failure) rather
than "Notification sent to ops@contoso.examp…": the subject is cut first, the recipient kept.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size

from alloy_tui.core.alertlog import Entry
from alloy_tui.core.errors import printable

MIN_SUBJECT = 8  # cells of the subject kept before the recipient is cut too
ARROW = " -> "


def fit(text: str, width: int) -> str:
    """Cut (with an ellipsis) or pad ``text`` to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if len(text) > width * 4:
        text = text[: width * 4]
    text = printable(text)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def cut(text: str, width: int) -> str:
    """Like ``fit`` but never padded: ``text`` as it is when it fits."""
    text = printable(text)
    return text if cell_len(text) <= width else fit(text, width)


def fit_event(event: str, width: int) -> str:
    """Like ``fit``, but a name too long keeps its last segment (the outcome: sent, failed…)
    whole and cuts the middle: exchange_server.autodiscover.failed -> exchange_se….failed."""
    if cell_len(event) <= width or "." not in event:
        return fit(event, width)
    tail = "." + event.rsplit(".", 1)[1]
    head_w = width - cell_len(tail) - 1
    if head_w < 3:
        return fit(event, width)
    return set_cell_size(printable(event), head_w) + "…" + fit(tail, cell_len(tail))


def _recipients(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if v)
    return value if isinstance(value, str) else ""


def send_parts(entry: Entry) -> tuple[str, str, str] | None:
    """(subject, recipients, error title) of an entry that describes a message; None for
    any other entry (no subject or no recipient in its details)."""
    details = entry.details
    subject = details.get("subject")
    # an outbox entry names the recipients it is about (a partial send, one refused recipient)
    to = _recipients(details.get("recipients")) or _recipients(details.get("to"))
    if not isinstance(subject, str) or not subject.strip() or not to:
        return None
    error = details.get("error")
    title = error if entry.level == "error" and isinstance(error, str) else ""
    return subject.strip(), to, title


def headline(entry: Entry, width: int) -> str:
    """The message cell (``width`` cells, not padded): for a send "subject -> to" (": error"
    on a failure), the subject cut before the recipient; for anything else the message."""
    parts = send_parts(entry) if entry.valid else None
    if parts is None:
        return cut(entry.message, width)
    subject, to, error = parts
    tail = ARROW + to
    extra = ": " + error if error else ""
    whole = subject + tail + extra
    if cell_len(whole) <= width:
        return printable(whole)
    for end in (tail + extra, tail):
        room = width - cell_len(end)
        if room >= MIN_SUBJECT:
            return cut(subject, room) + printable(end)
    return cut(whole, width)
