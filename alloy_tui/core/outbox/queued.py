"""One queued message as a listing shows it (`queue list`, `queue show`, the queue screen).

Split from model.py so a door that only submits never builds this dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.outbox.model import as_datetime, explanation_of
from alloy_tui.core.outbox.recipients import records

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord


@dataclass(frozen=True)
class RecipientState:
    address: str
    state: str  # "pending" | "sent" | "failed"
    last_error: Explanation | None = None


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
    recipients: tuple[RecipientState, ...] = ()

    @property
    def partial(self) -> bool:
        """Some recipients have it, some are still pending."""
        states = [r.state for r in self.recipients]
        return "sent" in states and "pending" in states

    @classmethod
    def from_meta(cls, meta: QueueRecord, state: str | None = None) -> QueuedMessage:
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
            recipients=tuple(
                RecipientState(
                    str(r["address"]), str(r["state"]), explanation_of(r.get("last_error"))
                )
                for r in records(meta)
            ),
        )
