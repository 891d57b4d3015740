"""Each recipient's state in a queued message: pending, sent, or failed (with the reason).

The metadata's ``recipients`` is a list of ``{"address", "state", "last_error"}`` in the order
they were given; ``to`` stays the full list. A message is ``sent`` when every recipient is,
``failed`` when none is left pending and at least one failed, otherwise ``pending`` (`overall`).
A record written before recipients had states has no ``recipients``: its recipients are all
pending (all failed, with the message's last error, when the message had failed).

Pure functions over the metadata dict; writing it is the caller's (under the message's claim).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord, RecipientRecord

PENDING, SENT, FAILED = "pending", "sent", "failed"
RECIPIENT_STATES = (PENDING, SENT, FAILED)


def unique(addresses: Iterable[str]) -> list[str]:
    """The addresses once each (compared without case), in their order."""
    seen: set[str] = set()
    out = []
    for a in addresses:
        if a.lower() not in seen:
            seen.add(a.lower())
            out.append(a)
    return out


def new_records(addresses: Sequence[str]) -> list[RecipientRecord]:
    return [{"address": a, "state": PENDING, "last_error": None} for a in unique(addresses)]


def _valid(recs: object) -> bool:
    return (
        isinstance(recs, list)
        and bool(recs)
        and all(isinstance(r, dict) and isinstance(r.get("address"), str) for r in recs)
    )


def records(meta: QueueRecord) -> list[RecipientRecord]:
    """The message's recipient records (made, and kept in `meta`, for an older record)."""
    recs = meta.get("recipients")
    if _valid(recs):
        assert isinstance(recs, list)
        for r in recs:
            if r.get("state") not in RECIPIENT_STATES:
                r["state"] = PENDING  # an unknown state: try it (never lose a recipient)
        return recs
    failed = meta.get("state") == FAILED
    made = new_records([str(a) for a in meta.get("to") or ()])
    if failed:
        for r in made:
            r["state"], r["last_error"] = FAILED, meta.get("last_error")
    meta["recipients"] = made
    return made


def addresses(meta: QueueRecord, state: str) -> list[str]:
    return [r["address"] for r in records(meta) if r["state"] == state]


def pending(meta: QueueRecord) -> list[str]:
    return addresses(meta, PENDING)


def _named_pending(meta: QueueRecord, which: Iterable[str]) -> list[RecipientRecord]:
    """The records of the named recipients (compared without case) still pending."""
    wanted = {a.lower() for a in which}
    return [r for r in records(meta) if r["address"].lower() in wanted and r["state"] == PENDING]


def mark(
    meta: QueueRecord,
    which: Iterable[str],
    state: str,
    error: dict[str, Any] | None = None,
) -> list[str]:
    """Set the state (and reason) of the named recipients that are still pending; returns
    those changed. A recipient already sent or failed never changes here (see `reopen`)."""
    changed = _named_pending(meta, which)
    for r in changed:
        r["state"] = state
        r["last_error"] = error if state != SENT else None
    return [r["address"] for r in changed]


def note_error(meta: QueueRecord, which: Iterable[str], error: dict[str, Any]) -> None:
    """Why the named pending recipients are still pending (a 4xx, an outage)."""
    for r in _named_pending(meta, which):
        r["last_error"] = error


def reopen(meta: QueueRecord) -> list[str]:
    """`queue retry`: the failed recipients pending again (the sent ones stay sent)."""
    out = []
    for r in records(meta):
        if r["state"] == FAILED:
            r["state"], r["last_error"] = PENDING, None
            out.append(r["address"])
    return out


def overall(meta: QueueRecord) -> str:
    """sent (every recipient), failed (none pending, one or more failed), else pending."""
    states = {r["state"] for r in records(meta)}
    if PENDING in states:
        return PENDING
    return FAILED if FAILED in states else SENT
