"""What the outbox holds: one queued message's metadata, and the error a submission can raise.

The metadata file is JSON (one per message, next to the raw MIME file). Times are seconds since
the epoch on disk (exact, for back-off and Retry-After) and UTC datetimes in `QueuedMessage`;
the attempts log keeps ISO 8601 UTC strings for people.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alloy_tui.core.errors import AlloyError, Explanation

STATES = ("pending", "sending", "failed")
EX_CANTCREAT = 73  # sysexits.h: the outbox could not be created or written
EX_TEMPFAIL = 75  # sysexits.h: try again later (disk full)


class OutboxError(AlloyError):
    """The outbox could not do what was asked; `.explanation` says why, `.exit_code` is sysexits."""

    def __init__(self, explanation: Explanation, exit_code: int = EX_CANTCREAT) -> None:
        self.explanation = explanation
        self.exit_code = exit_code
        super().__init__(explanation.one_line())


def new_id(now: float) -> str:
    """Sortable by queue time, unique across processes: 20261202T043512-3f9a1c7e."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(4)}"


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def as_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(float(ts), UTC)


def explanation_dict(ex: Explanation) -> dict[str, Any]:
    return {"title": ex.title, "code": ex.code, "cause": ex.cause, "fix": ex.fix}


def explanation_of(data: dict[str, Any] | None) -> Explanation | None:
    if not data:
        return None
    return Explanation(
        title=str(data.get("title", "")),
        cause=str(data.get("cause", "")),
        fix=str(data.get("fix", "")),
        code=str(data.get("code", "")),
    )


@dataclass(frozen=True)
class QueuedMessage:
    id: str
    state: str  # "pending" | "sending" | "failed"
    queued_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    to: tuple[str, ...]
    sender: str
    subject: str
    size: int
    last_error: Explanation | None = None
    attempts_log: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""
    details: dict[str, str] = field(default_factory=dict)  # e.g. submitted_by (the maildrop)

    @classmethod
    def from_meta(cls, meta: dict[str, Any], state: str | None = None) -> QueuedMessage:
        return cls(
            id=str(meta["id"]),
            state=state or str(meta["state"]),
            queued_at=datetime.fromtimestamp(float(meta["queued_at"]), UTC),
            attempts=int(meta.get("attempts", 0)),
            next_attempt_at=as_datetime(meta.get("next_attempt_at")),
            to=tuple(meta.get("to", ())),
            sender=str(meta.get("sender", "")),
            subject=str(meta.get("subject", "")),
            size=int(meta.get("size", 0)),
            last_error=explanation_of(meta.get("last_error")),
            attempts_log=list(meta.get("attempts_log", [])),
            source=str(meta.get("source", "")),
            details={str(k): str(v) for k, v in (meta.get("details") or {}).items()},
        )
