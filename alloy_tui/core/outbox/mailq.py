"""`mailq` and `sendmail -bp`: the queue in the format sendmail's and postfix's `mailq` print,
which monitoring scripts (check_mailq, awk one-liners) parse::

    -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
    3f9a1c7e*       1234 Mon Dec  7 03:21:48  cron@web01.contoso.com
                                              ops@contoso.com

    8d2e0f1a        2048 Mon Dec  7 03:10:02  MAILER-DAEMON
                (Microsoft Graph is busy [ServiceUnavailable]; next try 03:25)
                                              ops@contoso.com

    -- 3 Kbytes in 2 Requests.

or ``Mail queue is empty``. As postfix's `showq_compat`: the header line, one block per message
(blank line between), the queue id with ``*`` while a runner is sending it and ``!`` when it is
held (failed: kept, never tried again until `alloy-tui queue retry`), the size in bytes, the
arrival time (`asctime`, local time), the sender (``MAILER-DAEMON`` for the null sender), then
each recipient still to deliver, the reason it waits on a line of its own (right-aligned to
column 76, said again only when it changes). Recipients that have the message are not listed.
Hand-offs not parsed yet (`incoming`) are listed like postfix's maildrop entries.

The queue id shown is the short form (queue_ids.py): every command takes it. Every value from a
message or a server passes through `printable`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from alloy_tui.core.errors import printable
from alloy_tui.core.outbox.queue_ids import short_ids

STRING_FORMAT = "{:<11} {:>7} {:<20} {}"
HEADINGS = ("-Queue ID-", "--Size--", "----Arrival Time----", "-Sender/Recipient-------")
EMPTY = "Mail queue is empty"
REASON_COLUMN = 76


def arrival(when: datetime) -> str:
    """`asctime` in local time, cut to 20 columns as postfix's ``%20.20s``."""
    return time.asctime(time.localtime(when.timestamp()))[:20]


def _reason_line(reason: str) -> str:
    text = f"({reason})"
    return " " * max(0, REASON_COLUMN - len(reason)) + text


def _error_text(error: Any) -> str:
    if error is None:
        return ""
    code = f" [{error.code}]" if getattr(error, "code", "") else ""
    return f"{error.title}{code}"


def _hold_text(hold: Mapping[str, Any] | None, now: float) -> str:
    if hold is None or float(hold.get("until") or 0) <= now:
        return ""
    until = datetime.fromtimestamp(float(hold["until"]), UTC).astimezone().strftime("%H:%M")
    reason = (hold.get("reason") or {}).get("title") or "a service failure"
    return f"queue held until {until}: {reason}"


def _waiting(m: Any, hold: Mapping[str, Any] | None, now: float) -> list[tuple[str, str]]:
    """(recipient, why it waits) for each recipient still to deliver."""
    held = _hold_text(hold, now) if m.state == "pending" else ""
    out = []
    recs = list(getattr(m, "recipients", ()) or ())
    if not recs:
        why = "" if m.state == "sending" else held or _error_text(m.last_error)
        return [(address, why) for address in m.to]
    for r in recs:
        if r.state == "sent":
            continue
        if m.state == "sending":
            why = ""
        elif r.state == "failed":
            why = _error_text(r.last_error or m.last_error) or "failed"
        else:
            why = held or _error_text(r.last_error)
        out.append((r.address, why))
    return out


def mailq_lines(
    messages: list[Any],
    hold: Mapping[str, Any] | None = None,
    now: float | None = None,
    incoming: Iterable[tuple[str, int]] = (),
) -> list[str]:
    """The `mailq` output, line by line (see the module docstring). `incoming`: (queue id,
    bytes) of hand-offs the runner has not parsed yet."""
    now = time.time() if now is None else now
    handed = list(incoming)
    if not messages and not handed:
        return [EMPTY]
    shown = short_ids(m.id for m in messages)
    out = [STRING_FORMAT.format(*HEADINGS)]
    total = 0
    for n, m in enumerate(messages):
        if n:
            out.append("")
        mark = "*" if m.state == "sending" else "!" if m.state == "failed" else ""
        sender = printable(m.sender) if m.sender else "MAILER-DAEMON"
        out.append(f"{shown[m.id] + mark:<11} {m.size:>7} {arrival(m.queued_at):<20} {sender}")
        total += int(m.size)
        said = ""
        for address, why in _waiting(m, hold, now):
            if why != said:
                said = why
                out.append(_reason_line(printable(why) or "reason unavailable"))
            out.append(STRING_FORMAT.format("", "", "", printable(address)))
    for n, (qid, size) in enumerate(handed):
        if n or messages:
            out.append("")
        out.append(
            f"{printable(qid):<11} {size:>7} {'':<20} (handed off by sendmail, not queued yet)"
        )
        total += int(size)
    count = len(messages) + len(handed)
    out += ["", f"-- {total // 1024} Kbytes in {count} Request{'' if count == 1 else 's'}."]
    return [printable(line) for line in out]
