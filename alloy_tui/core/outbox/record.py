"""The outbox's record of one queued message: ``meta/<id>.json``, typed. Only the outbox package
writes it (spool, the runner's outcomes, retry/force/delete); the readers (the listing, the
summary, the queue screen's rows, health) read these keys and no others.

A TypedDict, not a class: the record is JSON on disk and a door (sendmail) that only submits
pays nothing for it (no dataclass machinery, no conversion on every read).
"""

from __future__ import annotations

from typing import Any, Required, TypedDict


class RecipientRecord(TypedDict):
    address: str
    state: str  # "pending" | "sent" | "failed" (recipients.py)
    last_error: dict[str, Any] | None  # an Explanation as a dict (model.explanation_dict)


class QueueRecord(TypedDict, total=False):
    id: Required[str]  # <UTC time>-<8 hex>: sortable by queue time
    state: Required[str]  # "pending" | "failed" ("sending" is read from the claim, never kept)
    queued_at: Required[float]
    attempts: int
    next_attempt_at: float | None  # epoch seconds; None: failed
    to: list[str]  # every envelope recipient, as given
    recipients: list[RecipientRecord]  # each one's state (absent in records of old versions)
    sender: str
    subject: str
    size: int
    source: str  # sendmail, send --queue, smtpd, maildrop, failure notice...
    details: dict[str, str]  # e.g. submitted_by (the maildrop), the DSN options
    return_path: str  # where a failure notice goes ("<>": nobody)
    last_error: dict[str, Any] | None
    attempts_log: list[dict[str, Any]]  # the last 50 attempts: at, title, code, cause, fix...
    failed_at: float
    lifetime_from: float  # a retried failed message's lifetime starts here
    notice: str  # "due", or the failure notice's queue id
