"""The runner: drains the outbox through the configured service, one claimed message at a time.

One delivery (one token, one connection) serves the whole run and is opened only when a message
is due. Each outcome is one alert-log entry with ``details.queue_id``: mail.sent, mail.deferred
(the explained reason and the next attempt) or mail.failed (the reason and the fix). What a
failure does is its verdict's (policy.py): `message` fails that message at once, `retry` gives it
its own back-off, and only `service` or `settings` hold the queue (hold.py: kept on disk, named,
probed with one message when it ends, lifted by a success or by `queue retry/delete/flush`), so
an outage costs one request per back-off step, and a poison message never stops the others.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation
from alloy_tui.core.maillog import MailLog
from alloy_tui.core.outbox import deliver, policy
from alloy_tui.core.outbox import hold as holds
from alloy_tui.core.outbox.intake import IncomingIntake, waits_intake
from alloy_tui.core.outbox.model import explanation_dict
from alloy_tui.core.outbox.pacing import Clock, Pacer, SystemClock
from alloy_tui.core.outbox.settled import MessageOutcomes
from alloy_tui.core.outbox.settled import RunSummary as RunSummary  # re-exported
from alloy_tui.core.outbox.spool import Outbox
from alloy_tui.core.outbox.summary import last_attempt_at

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord

IDLE_POLL = 5.0  # the daemon looks for new messages at least this often (seconds)
BUSY_POLL = 0.05  # waiting for another runner to finish a message it holds
FLUSH_WAIT = 60.0  # a flush waits out a Retry-After up to this long, then goes on
FLUSH_WAITS = 3  # ...at most this many times for one message


class Intake(Protocol):
    """Mail that reaches the outbox through the runner (the maildrop of system mode): `take()`
    before the first drain, `take(if_changed=True)` on each wake (cheap when nothing changed).
    The runner is handed its intakes (core/daemon.py builds them); it knows none by name."""

    def take(self, *, if_changed: bool = False) -> object: ...


IntakeFactory = Callable[[Outbox], Intake]  # made once the runner has opened its outbox


def explain_any(e: BaseException, settings: Settings) -> Explanation:
    if isinstance(e, ExplainedError):
        return e.explanation
    if isinstance(e, AlloyError):
        return Explanation(
            title="The mail settings are not complete",
            cause=str(e),
            fix="Correct the settings (`alloy-tui` or `alloy-tui config show`); the message stays queued.",
            code="config",
            verdict="settings",
        )
    from alloy_tui.core.explain import ExplainContext, explain

    return explain(e, ExplainContext.from_settings(settings))


class Runner(MessageOutcomes):
    def __init__(
        self,
        settings: Settings,
        config_path: Path,
        box: Outbox,
        clock: Clock,
        *,
        stop: threading.Event | None = None,
        on_progress: Callable[[str], None] | None = None,
        flush: bool = False,
        on_attempt: Callable[[QueueRecord], None] | None = None,
    ) -> None:
        self.settings = settings
        self.config_path = config_path
        try:  # when these settings were saved: mail deferred before then is tried with them now
            self.settings_since = os.stat(config_path).st_mtime
        except OSError:
            self.settings_since = 0.0
        self.box = box
        self.clock = clock
        self.stop = stop
        self.progress = on_progress or (lambda _text: None)
        self.on_attempt = on_attempt or (lambda _meta: None)  # a message is about to be tried
        self.flush = flush
        self.pacer = Pacer(box.path, settings.queue.max_per_minute, clock)
        self.lifetime = float(settings.queue.lifetime_hours) * 3600.0
        self.summary = RunSummary()
        self.flushing = flush  # the whole run is a flush (an admin waits for it)
        self.hold: dict[str, Any] | None = holds.read_hold(box.path)
        self._delivery: Any = None
        self.maillog = MailLog(settings, clock.now)  # a syslog line per attempt (core/maillog.py)

    # ---------------------------------------------------------------- the loop
    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    @property
    def hold_until(self) -> float:
        return float(self.hold["until"]) if self.hold else 0.0

    def sync_hold(self) -> None:
        """The hold on disk is the truth: `queue retry/delete/flush` lift it by removing it.
        A `settings` hold also ends for a runner whose settings were saved after it began (a
        daemon still on older ones leaves it: its config watch starts it again on the new
        ones first, so nothing is tried again with the settings that failed)."""
        self.hold = holds.read_hold(self.box.path)
        if self.hold is not None and self.hold.get("verdict") == "settings":
            if self.settings_since > float(self.hold["since"]):  # tried once now, each of them
                self.lift_hold()
                self.flush = True

    def set_hold(self, meta: QueueRecord, ex: Explanation, when: float, probes: int) -> None:
        now = self.clock.now()
        since = float(self.hold["since"]) if self.hold else now
        self.hold = {
            "since": since,
            "until": when,
            "probes": probes,
            "verdict": policy.verdict_of(ex),
            "queue_id": meta["id"],
            "reason": explanation_dict(ex),
        }
        holds.write_hold(self.box.path, self.hold)

    def lift_hold(self) -> None:
        if self.hold is not None:
            self.hold = None
            holds.lift_hold(self.box.path)

    def due(self, meta: QueueRecord, now: float) -> bool:
        if meta.get("state") == "failed":
            return False
        if self.expired(meta, now):
            return True
        if now < self.hold_until:
            return False
        if self.flush or float(meta.get("next_attempt_at") or 0) <= now:
            return True
        # Deferred under settings since replaced (a fixed password): due now. The attempts log
        # keeps whole seconds, so the save's second counts whole too (never the same second:
        # an attempt made just after a save would read as made before it, and go again).
        tried = last_attempt_at(meta)
        return tried is not None and tried < int(self.settings_since)

    def expiry(self, meta: QueueRecord) -> float:
        """When the message fails if still pending (a retried failed one starts afresh)."""
        return float(meta.get("lifetime_from") or meta["queued_at"]) + self.lifetime

    def expired(self, meta: QueueRecord, now: float) -> bool:
        return now >= self.expiry(meta)

    def next_wake(self) -> float | None:
        """When something next becomes due (None: the outbox holds nothing pending)."""
        times = []
        for meta in self.box.metas():
            if meta.get("state") == "failed":
                continue
            expiry = self.expiry(meta)
            times.append(min(max(float(meta.get("next_attempt_at") or 0), self.hold_until), expiry))
        return min(times) if times else None

    def drain(self) -> None:
        """Send everything due now; returns when nothing is due (or held, or stopped)."""
        intake_first: set[str] = set()  # queued, but its hand-off file is still there
        while not self.stopped():
            self.sync_hold()
            now = self.clock.now()
            metas = self.box.metas()
            self.notices_owed(metas)  # a runner killed before it queued one
            due = [m["id"] for m in metas if m["id"] not in intake_first and self.due(m, now)]
            if not due:
                return
            busy = 0
            for qid in due:
                if self.stopped():
                    return
                if waits_intake(self.box, qid):  # the intake (next take-in) finishes it first
                    intake_first.add(qid)
                elif not self.attempt(qid):
                    busy += 1
            if busy == len(due):
                self.clock.sleep(BUSY_POLL, self.stop)  # all held by other runners right now
            self.flush = False  # a flush tries each message once, then back-off applies

    def close(self) -> None:
        if self._delivery is not None:
            self.summary.token_acquisitions = int(getattr(self._delivery, "token_acquisitions", 0))
            self._delivery.close()
            self._delivery = None

    # ---------------------------------------------------------------- one message
    def attempt(self, qid: str) -> bool:
        """Claim and try one message; False if another process holds it."""
        claim = self.box.claim(qid)
        if claim is None:
            return False
        with claim:
            meta = self.box.read_meta(qid)
            now = self.clock.now()
            if meta is None or not self.due(meta, now):
                return True  # sent, deleted or rescheduled by someone else meanwhile
            if self.expired(meta, now):
                taken = self.maillog.taken(meta)
                self.fail_expired(meta)
                self.maillog.settled(meta, taken)
                return True
            if not self.pacer.wait_turn(self.stop):
                return True
            self.on_attempt(meta)
            taken = self.maillog.taken(meta)
            got = self.send(meta)  # "sending" while the claim is held: no extra write (see Outbox)
            self.maillog.settled(meta, taken, got)
        return True

    def send(self, meta: QueueRecord) -> deliver.Attempt | None:
        qid = meta["id"]
        try:
            raw = self.box.read_raw(qid)
        except AlloyError:
            ex = Explanation(
                title="The queued message file is missing",
                cause=f"The outbox holds the details of {qid} but not the message itself.",
                fix="Nothing can be sent; delete it with `alloy-tui queue delete`.",
                code="outbox.unreadable",
                verdict="message",
            )
            self.failed(meta, ex)
            return None

        def send_to(recipients: list[str]) -> Any:
            from alloy_tui.core.mail import open_delivery, send_queued

            if self._delivery is None:
                self._delivery = open_delivery(self.settings, self.config_path)
            # a program's message whose From the service refuses goes once more From the account
            return send_queued(
                self._delivery,
                raw,
                recipients,
                sender=meta.get("sender", ""),
                source=str(meta.get("source", "")),
                settings=self.settings,
            )

        for waits in range(FLUSH_WAITS + 1):
            got = deliver.attempt(
                meta,
                send_to,
                self.explained,
                self.box,
                lambda: not self.stopped() and self.pacer.wait_turn(self.stop),
            )
            nothing_done = not (got.delivered or got.refused or got.deferred)
            if got.error is not None and nothing_done and waits < FLUSH_WAITS:
                if self.wait_out(meta, got.error):
                    continue
            self.settle(meta, got)
            return got
        return None

    def explained(self, e: Exception) -> Explanation:
        """Every failure explained, with its verdict (kept with the attempt, read by status)."""
        ex = explain_any(e, self.settings)
        ex.verdict = policy.verdict_of(ex)
        return ex

    def wait_out(self, meta: QueueRecord, ex: Explanation) -> bool:
        """In a flush, a short Retry-After from a busy service is waited out, then the same
        message is tried again (an admin who typed `flush` is waiting for it)."""
        asked = policy.retry_after(ex, self.clock.now())
        if not (self.flushing and policy.holds(ex) and asked is not None and asked <= FLUSH_WAIT):
            return False
        self.progress(f"{ex.title}: waiting {asked:g} s as the service asked (Retry-After)")
        self.clock.sleep(asked, self.stop)
        return not self.stopped()


def run_queue(
    settings: Settings,
    config_path: Path,
    *,
    daemon: bool = False,
    stop: threading.Event | None = None,
    on_progress: Callable[[str], None] | None = None,
    clock: Clock | None = None,
    flush: bool = False,
    on_attempt: Callable[[QueueRecord], None] | None = None,
    intake: Sequence[IntakeFactory] = (),
) -> RunSummary:
    """Drain the outbox (``daemon``: keep going until ``stop`` is set). ``flush``: try every
    pending message once now, whatever its back-off. ``intake``: where else mail comes from
    (taken in before each drain); `core.daemon.drain` hands the configured ones."""
    from alloy_tui.core.outbox.configured import open_outbox

    clock = clock or SystemClock()
    box = open_outbox(settings, config_path)
    box.clock = clock.now
    box.ensure()
    box.tidy()
    if flush:
        box.lift_hold()  # an admin's flush tries every message now
    runner = Runner(
        settings,
        config_path,
        box,
        clock,
        stop=stop,
        on_progress=on_progress,
        flush=flush,
        on_attempt=on_attempt,
    )
    intakes = [make(box) for make in intake]
    # sendmail's hand-offs (incoming/): every runner of this outbox parses and queues them
    incoming = IncomingIntake(settings, config_path, box)

    def take_in(*, if_changed: bool) -> None:
        for each in intakes:
            each.take(if_changed=if_changed)
        incoming.take()

    try:
        while True:
            with box.runner_lock():
                take_in(if_changed=False)
                runner.drain()
                while daemon and not runner.stopped():
                    wake = runner.next_wake()
                    gap = IDLE_POLL if wake is None else wake - clock.now()
                    clock.sleep(max(0.0, min(IDLE_POLL, gap)), stop)
                    take_in(if_changed=True)  # the maildrop: one stat unless it changed
                    runner.drain()
            # A message submitted while we were finishing saw our lock and started no runner:
            # look once more now that the lock is released.
            now = clock.now()
            if runner.stopped():
                break
            due = [m["id"] for m in box.metas() if runner.due(m, now)]
            # one whose hand-off file is still there waits for an intake (a file that can't
            # be removed stays so): not a reason to go round again
            if not incoming.fresh() and all(waits_intake(box, qid) for qid in due):
                break
    finally:
        runner.close()
    runner.summary.pending = sum(1 for m in box.metas() if m.get("state") != "failed")
    runner.sync_hold()
    runner.summary.hold = runner.hold if runner.summary.pending else None
    return runner.summary
