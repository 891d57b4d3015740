"""How the queue reads: `queue list` lines and JSON, `queue show`, `status`'s queue line, ages,
and `standing`, the one rule for where a pending message stands (held, due, or later) that the
queue screen shares.

No click here: the lines are plain strings the commands print. Everything in a queued message
came from its sender (Subject, From, recipients, the header block, an error's text): each value
passes through `printable` before it is laid out (so widths are right), and every line once more
on the way out (`shown`), so a field added later cannot bring an escape sequence to the
terminal. `queue list --json` keeps the values and escapes them (`json_line`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import printable
from alloy_tui.core.outbox.hold import hold_sentence
from alloy_tui.core.outbox.queue_ids import short_ids
from alloy_tui.core.terminal_text import json_text

if TYPE_CHECKING:
    from alloy_tui.core.outbox.summary import QueueSummary

ID_WIDTH = 24


def iso(when: datetime | None) -> str | None:
    """ISO 8601 UTC, seconds: 2026-12-02T04:35:12Z."""
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def age(delta: timedelta) -> str:
    """3 s, 12 min, 5 h 2 min, 2 d 4 h."""
    s = max(0, int(delta.total_seconds()))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    d, h = divmod(s // 3600, 24)
    return f"{d} d {h} h" if h else f"{d} d"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def as_json(m: Any) -> dict[str, Any]:
    """The `queue list --json` object (a contract: scripts read it)."""
    err = m.last_error
    return {
        "id": m.id,
        "state": m.state,
        "queued_at": iso(m.queued_at),
        "attempts": m.attempts,
        "next_attempt_at": iso(m.next_attempt_at),
        "to": list(m.to),
        "from": m.sender,
        "subject": m.subject,
        "size": m.size,
        "last_error": {"title": err.title, "code": err.code} if err else None,
        "details": dict(getattr(m, "details", {}) or {}),
        "recipients": [
            {
                "address": r.address,
                "state": r.state,
                "last_error": (
                    {"title": r.last_error.title, "code": r.last_error.code}
                    if r.last_error
                    else None
                ),
            }
            for r in getattr(m, "recipients", ())
        ],
    }


def shown_state(m: Any) -> str:
    """The state a person reads: `partial` for a pending message some recipients already got."""
    return (
        "partial" if m.state in ("pending", "sending") and getattr(m, "partial", False) else m.state
    )


def recipients_line(m: Any, width: int = 80) -> str | None:
    """ "sent to a; failed for b; pending for c" when the recipients do not all stand alike
    (counts when the names do not fit: `queue show` names each)."""
    recs = getattr(m, "recipients", ())
    if len({r.state for r in recs}) < 2:
        return None
    named, counted = [], []
    for state, words in (("sent", "sent to"), ("failed", "failed for"), ("pending", "pending for")):
        names = [r.address for r in recs if r.state == state]
        if names:
            named.append(f"{words} {', '.join(names)}")
            counted.append(f"{len(names)} {state}")
    line = "  " + "; ".join(named)
    return line if len(line) <= width else "  recipients: " + ", ".join(counted)


def json_line(m: Any) -> str:
    """One `queue list --json` line: UTF-8 kept, every control and bidi character as \\uXXXX."""
    return json_text(as_json(m))


def shown(lines: list[str]) -> list[str]:
    """The lines as they reach the terminal: nothing in them a terminal would act on."""
    return [printable(line) for line in lines]


def _submitted_by(m: Any) -> str:
    user = (getattr(m, "details", None) or {}).get("submitted_by", "")
    return f" for {printable(user)} (through the maildrop)" if user else ""


def clock(when: datetime, now: datetime) -> str:
    """HH:MM in local time (with the date when not today)."""
    local, today = when.astimezone(), now.astimezone().date()
    return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")


def standing(
    state: str, next_at: float | None, hold: Mapping[str, Any] | None, now: float
) -> tuple[str, float]:
    """Where a message stands, as the runner sees it (a pending message is tried at the later
    of its own next try and the hold's end): ("failed", 0), ("sending", 0), ("held", until),
    ("due", 0) or ("later", next_at). `queue list`, `queue show` and the queue screen all ask
    here, so they never disagree on "held"."""
    if state in ("failed", "sending"):
        return state, 0.0
    until = float(hold.get("until") or 0) if hold is not None else 0.0
    if until > now and until + 1 >= (next_at or 0):  # 1 s: rounding
        return "held", until
    if next_at is None or next_at <= now:
        return "due", 0.0
    return "later", next_at


def _when(m: Any, now: datetime, hold: Mapping[str, Any] | None = None) -> str:
    """Where a message stands: never "due now" for one that is not (held, or backing off)."""
    next_at = m.next_attempt_at.timestamp() if m.next_attempt_at is not None else None
    kind, at = standing(m.state, next_at, hold, now.timestamp())
    if kind == "failed":
        return "failed"
    if kind == "sending":
        return "sending now"
    if kind == "held" and hold is not None:
        reason = printable(str((hold.get("reason") or {}).get("title") or "a service failure"))
        return f"held until {clock(datetime.fromtimestamp(at, UTC), now)} ({reason})"
    if kind == "due":
        return "due now"
    return f"next try {clock(datetime.fromtimestamp(at, UTC), now)}"


def fit(line: str, width: int = 80) -> str:
    """One line of at most `width` columns: cut with an ellipsis (`queue show` has it all)."""
    return line if len(line) <= width else line[: width - 1] + "…"


def list_lines(
    messages: list[Any], now: datetime | None = None, hold: dict[str, Any] | None = None
) -> list[str]:
    """Two lines per message (what, then where it stands); 80 columns wide. `hold`: the
    queue's hold (hold.json), said once at the top and on each pending message."""
    now = now or datetime.now(UTC)
    if not messages:
        return ["The queue is empty."]
    out: list[str] = []
    if hold is not None and any(m.state == "pending" for m in messages):
        out.append(
            "Queue "
            + hold_sentence(hold, now.timestamp())
            + "; `alloy-tui queue flush` tries every message now."
        )
    ids = short_ids(m.id for m in messages)  # 3f9a1c7e: every queue command takes it
    width = max(len(qid) for qid in ids.values())
    for m in messages:
        head = f"{ids[m.id]:<{width}} {shown_state(m):<8} {age(now - m.queued_at) + ' ago':>12}  "
        rcpts = [printable(r) for r in m.to]
        to = ", ".join(rcpts)
        if len(head) + len(to) > 80 and len(rcpts) > 1:
            to = f"{rcpts[0]} +{len(rcpts) - 1} more"
        out.append(fit(head + to))
        tries = f"{m.attempts} attempt{'s' if m.attempts != 1 else ''}"
        subject = printable(m.subject or "(no subject)")[:40]
        status = f"  {subject}  ({size_text(m.size)}, {tries})"
        when = _when(m, now, hold)
        if len(status) + len(when) + 2 <= 80:
            out.append(status[:-1] + f", {when})")
        else:  # the whole "held until 23:15 (reason)" on a line of its own
            out.append(fit(status))
            out.append(fit(f"  {when}"))
        who = recipients_line(m)
        if who is not None:
            out.append(fit(who))
        if m.last_error is not None:
            code = f" [{printable(m.last_error.code)}]" if m.last_error.code else ""
            out.append(fit(f"  last error: {printable(m.last_error.title)}{code}"))
    counts: dict[str, int] = {}
    for m in messages:
        counts[shown_state(m)] = counts.get(shown_state(m), 0) + 1
    out.append(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) + ".")
    return shown(out)


def header_block(raw: bytes) -> list[str]:
    """The message's header lines as text (8-bit bytes shown as Latin-1), Bcc already gone."""
    cut = [x for x in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if x >= 0]
    head = raw[: min(cut)] if cut else raw
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    return [printable(line.rstrip("\r")) for line in text.split("\n")]


def show_lines(
    m: Any,
    raw: bytes | None,
    now: datetime | None = None,
    hold: dict[str, Any] | None = None,
) -> list[str]:
    """`queue show ID`: where it stands (the queue's hold counted), its headers, and every
    attempt explained."""
    now = now or datetime.now(UTC)
    state, when = shown_state(m), _when(m, now, hold)
    # "failed", "sending now": the state said once, never "failed (failed)"
    standing_now = when if when.split()[0] == state else f"{state} ({when})"
    out = [
        f"Message {m.id}: {standing_now}",
        f"  Queued:   {iso(m.queued_at)} ({age(now - m.queued_at)} ago)"
        + (f" by {printable(m.source)}" if getattr(m, "source", "") else "")
        + _submitted_by(m),
        f"  To:       {', '.join(printable(r) for r in m.to)}",
        f"  From:     {printable(m.sender)}",
        f"  Size:     {size_text(m.size)} ({m.size} bytes)",
        f"  Attempts: {m.attempts}"
        + (
            f", next {iso(m.next_attempt_at)}" if m.state == "pending" and m.next_attempt_at else ""
        ),
        "",
        "Headers:",
    ]
    out += (
        [f"  {line}" for line in header_block(raw)]
        if raw is not None
        else ["  (message file missing)"]
    )
    out += ["", "Recipients:"]
    for r in getattr(m, "recipients", ()):
        line = f"  {printable(r.address)}: {r.state}"
        if r.last_error is not None and r.state != "sent":
            code = f" [{printable(r.last_error.code)}]" if r.last_error.code else ""
            line += f" ({printable(r.last_error.title)}{code})"
        out.append(line)
    out += ["", "Attempts:"] if m.attempts_log else ["", "Attempts: none yet."]
    for a in m.attempts_log:
        code = f" [{a.get('code')}]" if a.get("code") else ""
        out.append(f"  {a.get('at', '')}  {a.get('title', '')}{code}")
        if a.get("cause"):
            out.append(f"    Why: {a['cause']}")
        if a.get("fix"):
            out.append(f"    Fix: {a['fix']}")
    return shown(out)


def queue_summary(seen: QueueSummary) -> str:
    """`status`'s queue line: "Queue: 2 pending (oldest 5 min), 1 failed" or "Queue: empty"."""
    pending, failed, oldest = seen.pending, seen.failed, seen.oldest_pending_s
    if not pending and not failed:
        return "Queue: empty"
    parts = []
    if pending:
        since = f" (oldest {age(timedelta(seconds=oldest))})" if oldest is not None else ""
        parts.append(f"{pending} pending{since}")
    if failed:
        parts.append(f"{failed} failed (see `alloy-tui queue list --state failed`)")
    return "Queue: " + ", ".join(parts)
