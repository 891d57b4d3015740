"""What the runner records for one message once an attempt is settled (outcomes.py): sent
(removed, the hold lifted), deferred (its own back-off, or the queue's hold for a `service` or
`settings` verdict), failed (with a failure notice owed), or failed for having outlived
``[queue] lifetime_hours``. Each with its alert-log entry and the run's `RunSummary` counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.outbox import deliver, policy
from alloy_tui.core.outbox import recipients as rcpt
from alloy_tui.core.outbox.model import explanation_dict, iso
from alloy_tui.core.outbox.outcomes import Outcomes
from alloy_tui.core.outbox.pacing import Clock

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord


@dataclass
class RunSummary:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    pending: int = 0  # still pending when the run ended
    token_acquisitions: int = 0
    hold: dict[str, Any] | None = None  # the queue's hold when the run ended (hold.py)


class MessageOutcomes(Outcomes):
    """Mixed into the Runner, which provides the clock, the hold and the message's lifetime."""

    clock: Clock
    summary: RunSummary
    hold: dict[str, Any] | None

    def expiry(self, meta: QueueRecord) -> float:
        raise NotImplementedError

    def set_hold(self, meta: QueueRecord, ex: Explanation, when: float, probes: int) -> None:
        raise NotImplementedError

    def _attempted(self, meta: QueueRecord, ex: Explanation | None) -> None:
        error = explanation_dict(ex) if ex is not None else None
        self.box.attempted(meta, error, self.clock.now())

    def sent(self, meta: QueueRecord, result: Any, delivered: list[str]) -> None:
        self._attempted(meta, None)
        self.box.remove(meta["id"])
        self.lift_hold()  # the first success lifts a hold
        self.summary.sent += 1
        everyone = delivered or rcpt.addresses(meta, rcpt.SENT)
        self.sent_to(meta, deliver.Attempt(result=result, delivered=everyone))

    def deferred(self, meta: QueueRecord, ex: Explanation) -> None:
        self._attempted(meta, ex)
        now = self.clock.now()
        expiry = self.expiry(meta)
        holding = policy.holds(ex)
        # A hold's back-off counts its probes (whichever message probed); a message's own
        # back-off counts its own attempts.
        probes = int(self.hold.get("probes", 0)) + 1 if holding and self.hold else 1
        when = now + policy.delay(probes if holding else int(meta["attempts"]), ex, now)
        if when >= expiry and now >= expiry:
            self.fail_expired(meta)
            return
        when = min(when, expiry)
        if holding:
            self.set_hold(meta, ex, when, probes)
        else:
            self.lift_hold()  # the service answered about this message alone: not renewed
        self.box.defer(meta, when)
        self.summary.deferred += 1
        text = (
            f"Queued mail {meta['id']} to {', '.join(rcpt.pending(meta))} not sent yet: {ex.title}; "
            f"next attempt at {iso(when)}"
        )
        self.box.event(
            "warning",
            "mail.deferred",
            text,
            meta,
            next_attempt_at=iso(when),
            recipients=rcpt.pending(meta),
            **self._error_details(ex),
        )
        self.progress(text)

    def failed(self, meta: QueueRecord, ex: Explanation, *, counted: bool = True) -> None:
        if counted:
            self._attempted(meta, ex)
        # a notice owed is noted before the write: a runner killed after it still queues it
        notices = self.settings.queue.failure_notices
        self.box.fail(meta, explanation_dict(ex), self.clock.now(), notices=notices)
        if counted:
            self.lift_hold()  # the service answered about this message: a hold is not renewed
        self.summary.failed += 1
        text, details = self.failed_entry(meta, ex)
        self.box.event("error", "mail.failed", text, meta, **details)
        self.progress(text)
        self.send_notice(meta)

    def fail_expired(self, meta: QueueRecord) -> None:
        n = self.settings.queue.lifetime_hours
        hours = f"{n} hour{'s' if n != 1 else ''}"
        last = meta.get("last_error") or (self.hold or {}).get("reason") or {}
        said = f" The last attempt said: {last.get('title')}: {last.get('cause')}" if last else ""
        ex = Explanation(
            title=f"Not delivered within {hours}",
            cause=(
                f"The message stayed queued for {hours} ([queue] lifetime_hours) after "
                f"{meta.get('attempts', 0)} attempt(s) of its own, so alloy-tui stopped trying."
                f"{said}"
            ),
            fix=(
                (str(last.get("fix", "")) + " Then r" if last.get("fix") else "R")
                + f"un `alloy-tui queue retry {meta['id']}` to send it again."
            ),
            code=str(last.get("code") or "lifetime"),
        )
        self.failed(meta, ex, counted=False)

    @staticmethod
    def _error_details(ex: Explanation) -> dict[str, Any]:
        out: dict[str, Any] = {
            "error": ex.title,
            "error_code": ex.code,
            "cause": ex.cause,
            "fix": ex.fix,
        }
        if ex.request_id:
            out["request_id"] = ex.request_id
        for key in ("status", "retry_after", "refused_recipients"):
            if key in ex.details:
                out[key] = ex.details[key]
        out["verdict"] = policy.verdict_of(ex)
        return out
