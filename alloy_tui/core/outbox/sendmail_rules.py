"""sendmail's rules, applied by the runner to a hand-off: the one place both doors use, the
outbox's ``incoming/`` (intake.py) and the maildrop (core/maildrop/pickup.py).

    prepared = apply_rules(settings, Handoff(...))     # RulesRefused(reason); MessageRefused 78
    qid, stored = queue_refused(box, settings, handoff, reason)   # a failed record + notice due
    tell_refused(box, qid, stored, handoff, reason)    # the mail.failed entry

What the rules refuse (no recipient, a malformed header, a sender or recipient the rules refuse,
too big once prepared, a message the parser chokes on) is queued as a *failed* message with the
reason: one ``mail.failed`` entry, and the runner's failure notice (`notices.py`) to the return
path (the -f address, else the user who ran sendmail, a local name mapped as sendmail maps
recipients: root's reaches ``[sendmail] admin``). A config that is not complete (78) is not the
message's fault: `MessageRefused` with exit code 78 passes through, and the caller holds it.

Who ran sendmail (`Handoff.login`) is the caller's to establish: the outbox's intake reads it
from a file only that user could write; the maildrop's pickup from the kernel (the drop file's
owner, on its checked descriptor), never from anything in the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import Explanation, printable
from alloy_tui.core.outbox import recipients as rcpt
from alloy_tui.core.outbox.model import explanation_dict
from alloy_tui.core.outbox.spool import Outbox

if TYPE_CHECKING:
    from alloy_tui.core.mail import Prepared
    from alloy_tui.core.outbox.record import QueueRecord

EX_CONFIG = 78


class RulesRefused(Exception):
    """sendmail's rules refuse the message; the text says why (untrusted: printable() it)."""


@dataclass
class Handoff:
    """One hand-off as the runner applies it: the message (-i applied) and its command line."""

    raw: bytes
    recipients: Sequence[str]
    read_headers: bool
    envelope_from: str
    full_name: str
    login: str  # who ran sendmail, as the caller established it
    return_path: str  # where a failure notice goes ("<>": nowhere)
    dsn: Mapping[str, str] = field(default_factory=dict)
    qid: str | None = None  # the queue id to use (the outbox hand-off's name), else a new one
    queued_at: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)  # e.g. submitted_by


def apply_rules(settings: Settings, h: Handoff) -> Prepared:
    """`mail.prepare` with the hand-off's command line; RulesRefused when the rules (or the
    parser) refuse it; MessageRefused with exit code 78 when the config is not complete."""
    from alloy_tui.core.mail import MessageRefused, prepare

    try:
        return prepare(
            h.raw,
            settings=settings,
            arg_recipients=h.recipients,
            read_headers=h.read_headers,
            envelope_from=h.envelope_from,
            full_name=h.full_name,
            login=h.login,
        )
    except MessageRefused as e:
        if e.exit_code == EX_CONFIG:
            raise
        raise RulesRefused(str(e)) from None
    except Exception as e:  # noqa: BLE001 - a message the parser chokes on is refused, not lost
        raise RulesRefused(f"it could not be parsed ({type(e).__name__})") from None


def _explanation(reason: str) -> Explanation:
    return Explanation(
        title="sendmail's rules refuse the message",
        cause=f"{reason[:1].upper()}{reason[1:]}",
        fix="Correct the message or the command line, then send it again.",
        code="sendmail.refused",
        verdict="message",
    )


def queue_refused(
    box: Outbox, settings: Settings, h: Handoff, reason: str
) -> tuple[str, QueueRecord]:
    """Queue the refused message as failed (its notice due when failure notices are on);
    (its id, its record). OutboxError when the outbox can't take it now."""
    reason = printable(reason)
    error = explanation_dict(_explanation(reason))
    records = rcpt.new_records(list(h.recipients))
    for r in records:
        r["state"], r["last_error"] = rcpt.FAILED, error
    meta: dict[str, Any] = {"state": "failed", "last_error": error, "recipients": records}
    if h.qid is not None:
        meta["id"] = h.qid
    if h.queued_at is not None:
        meta["queued_at"] = h.queued_at
    if settings.queue.failure_notices:
        meta["notice"] = "due"  # the runner queues it (notices.py), once
    qid = box.submit(
        h.raw,
        recipients=list(h.recipients),
        sender=h.envelope_from.strip("<>"),
        source="sendmail",
        details={**dict(h.details), **dict(h.dsn), "refused": "sendmail's rules"},
        return_path=h.return_path,
        meta=meta,
    )
    stored = box.read_meta(qid) or cast("QueueRecord", {**meta, "id": qid})
    return qid, stored


def tell_refused(box: Outbox, qid: str, stored: QueueRecord, h: Handoff, reason: str) -> None:
    """The one ``mail.failed`` entry of a refused hand-off (every text through printable)."""
    reason = printable(reason)
    ex = _explanation(reason)
    box.event(
        "error",
        "mail.failed",
        f"Mail {qid} from sendmail was not queued for delivery: {reason}",
        stored,
        recipients=[printable(r) for r in h.recipients],
        error_title=ex.title,
        error_code=ex.code,
        cause=printable(ex.cause),
        fix=ex.fix,
        verdict=ex.verdict,
    )
