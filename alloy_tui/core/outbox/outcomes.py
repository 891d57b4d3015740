"""What one attempt at a message means, recipient by recipient (the runner's outcome path).

`deliver.attempt` sends to the pending recipients and records each one's state; `Outcomes.settle`
then decides for the message: `sent` (every recipient has it: removed), `failed` (none pending,
one or more failed), or pending for the rest (a 4xx recipient, an outage: the runner's back-off
and hold rules). Each delivery is said in a mail.sent entry naming its recipients (``partial``
while others are not done), each recipient failing for good in mail.failed naming it, and when
the message is done with failed recipients, one failure notice goes to its sender (notices.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, Explanation
from alloy_tui.core.outbox import deliver, notices
from alloy_tui.core.outbox import recipients as rcpt
from alloy_tui.core.outbox.model import explanation_dict, explanation_of
from alloy_tui.core.outbox.spool import Outbox

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord


def first_failure(meta: QueueRecord, got: deliver.Attempt) -> Explanation:
    """Why the message failed when this attempt's own failure does not say (a recipient
    refused earlier, the others since sent)."""
    if got.refused:
        return next(iter(got.refused.values()))
    for r in rcpt.records(meta):
        found = explanation_of(r.get("last_error")) if r["state"] == rcpt.FAILED else None
        if found is not None:
            return found
    return Explanation("Not delivered to every recipient", "Some recipients were refused.", "")


class Outcomes:
    """Mixed into the Runner, which provides the message-level outcomes used here."""

    box: Outbox
    settings: Settings
    progress: Callable[[str], None]

    def sent(self, meta: QueueRecord, result: Any, delivered: list[str]) -> None:
        raise NotImplementedError

    def deferred(self, meta: QueueRecord, ex: Explanation) -> None:
        raise NotImplementedError

    def failed(self, meta: QueueRecord, ex: Explanation, *, counted: bool = True) -> None:
        raise NotImplementedError

    def lift_hold(self) -> None:
        raise NotImplementedError

    @staticmethod
    def _error_details(ex: Explanation) -> dict[str, Any]:
        raise NotImplementedError

    # ---------------------------------------------------------------- one attempt's outcome
    def settle(self, meta: QueueRecord, got: deliver.Attempt) -> None:
        """What one attempt means for the message: sent, failed, or pending for the rest."""
        if got.error is not None and rcpt.pending(meta) and deliver.for_good(got.error):
            error = explanation_dict(got.error)
            for address in self.box.mark_failed(meta, got.untried, error):
                got.refused[address] = got.error
        final = rcpt.overall(meta)
        if got.delivered and final != rcpt.SENT:
            self.sent_to(meta, got)  # some have it: said now, whatever the others' fate
            self.lift_hold()  # the service took a message: a hold is over
        if final == rcpt.SENT:
            self.sent(meta, got.result, got.delivered)
        elif final == rcpt.FAILED:
            self.failed(meta, got.error or first_failure(meta, got))
        else:
            if got.refused:
                self.recipients_failed(meta, got.refused)
            self.pending_again(meta, got)

    def pending_again(self, meta: QueueRecord, got: deliver.Attempt) -> None:
        if got.error is not None:
            self.box.note_deferred(meta, got.untried, explanation_dict(got.error))
            self.deferred(meta, got.error)
        elif got.deferred:  # refused for now (SMTP 4xx): those alone, after the back-off
            self.deferred(meta, next(iter(got.deferred.values())))
        else:  # stopped between two sends: the rest at the next run, no attempt counted
            self.box.write_meta(meta)

    def sent_to(self, meta: QueueRecord, got: deliver.Attempt) -> None:
        """mail.sent naming the recipients that got it in this attempt (`partial` while others
        are still pending or failed)."""
        result = got.result
        refused = result.extra.get("refused", "") if result is not None else ""
        others = [a for a in meta["to"] if a not in got.delivered]
        text = f"Queued mail {meta['id']} sent to {', '.join(got.delivered)}"
        if others:
            text += f" (not to {', '.join(others)})"
        self.box.event(
            "warning" if refused or others else "info",
            "mail.sent",
            text + (f"; refused: {refused}" if refused else ""),
            meta,
            recipients=list(got.delivered),
            api=getattr(result, "api", ""),
            account=getattr(result, "account", ""),
            request_id=getattr(result, "request_id", ""),
            duration_ms=getattr(result, "duration_ms", 0),
            **({"refused": refused} if refused else {}),
            **({"partial": True} if others else {}),
        )
        rewritten = result.extra.get("from_rewritten", "") if result is not None else ""
        if rewritten:  # a program's From the service refused: sent From the account instead
            self.box.event("warning", "mail.from_rewritten", rewritten, meta)
        self.progress(text)

    def recipients_failed(self, meta: QueueRecord, refused: dict[str, Explanation]) -> None:
        """Recipients that failed for good while others are still pending (mail.failed)."""
        ex = next(iter(refused.values()))
        text = (
            f"Queued mail {meta['id']} failed for {', '.join(refused)}: {ex.title} "
            f"(still pending for {', '.join(rcpt.pending(meta))})"
        )
        self.box.event(
            "error", "mail.failed", text, meta, recipients=list(refused), **self._error_details(ex)
        )
        self.progress(text)

    def failed_entry(self, meta: QueueRecord, ex: Explanation) -> tuple[str, dict[str, Any]]:
        """The mail.failed text and details of a message that is done with failed recipients."""
        failed = rcpt.addresses(meta, rcpt.FAILED)
        sent = rcpt.addresses(meta, rcpt.SENT)
        text = f"Queued mail {meta['id']} to {', '.join(failed)} failed: {ex.title}"
        if sent:
            text += f" (sent to {', '.join(sent)})"
        details: dict[str, Any] = {"recipients": failed, **self._error_details(ex)}
        if sent:
            details["sent_to"] = sent
        return text, details

    # ---------------------------------------------------------------- failure notices
    def notices_owed(self, metas: list[QueueRecord]) -> None:
        for m in metas:
            if m.get("notice") == "due" and m.get("state") == "failed":
                claim = self.box.claim(m["id"])
                if claim is None:
                    continue
                with claim:
                    meta = self.box.read_meta(m["id"])
                    if meta is not None and meta.get("notice") == "due":
                        self.send_notice(meta)

    def send_notice(self, meta: QueueRecord) -> None:
        """The one failure notice for a failed message (notices.py), queued like any message."""
        if meta.get("notice") != "due":
            return  # turned off, sent already, or nothing failed
        try:
            raw: bytes | None = self.box.read_raw(meta["id"])
        except AlloyError:
            raw = None
        to: list[str] = []
        if not notices.is_notice(meta, raw):
            who = notices.return_path(meta)
            to = notices.notice_addresses(self.settings, who) if who else []
        if not to:
            self.box.note_notice(meta, "none")  # a notice about a notice, or nobody to tell
            return
        failed = rcpt.addresses(meta, rcpt.FAILED)
        try:
            qid = self.box.submit(
                notices.compose(self.settings, meta, raw, to),
                recipients=to,
                sender=notices.NULL,
                source=notices.SOURCE,
                details={"notice_for": meta["id"]},
                return_path=notices.NULL,
            )
        except (AlloyError, OSError) as e:  # a full disk: the notice stays owed, the run goes on
            text = f"The failure notice for mail {meta['id']} could not be queued yet: {e}"
            self.box.event("warning", "mail.notice_deferred", text, meta)
            self.progress(text)
            return
        self.box.note_notice(meta, qid)
        text = f"Failure notice {qid} queued to {', '.join(to)} for mail {meta['id']} " + (
            f"not delivered to {', '.join(failed)}" if failed else "refused before delivery"
        )
        self.box.event(
            "info", "mail.bounced", text, meta, recipients=failed, notice_id=qid, notice_to=to
        )
        self.progress(text)
