"""The aiosmtpd handler: MAIL, RCPT and DATA checked by sendmail's rules, then the outbox.

Every check that reads the disk or may look up this host's name (mapping local recipients,
prepare, the durable submit) runs on a small thread pool, so one slow client or a slow fsync
never holds up the loop. DATA goes to the outbox in batches (`committer`: the messages that came
in while one batch was being fsynced share the next batch's folder fsyncs) and is answered 250
with the queue id only after `Outbox.submit_many` returned, i.e. after the message and its
metadata are fsynced and renamed and both folders fsynced.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import EX_TEMPFAIL, Outbox, OutboxError, Submission
from alloy_tui.core.smtpd.committer import Committer
from alloy_tui.core.smtpd.options import ListenerOptions

log = logging.getLogger("alloy_tui.smtpd")
SOURCE = "smtpd"
MAX_REPLY_TEXT = 300
LOCAL_ERROR = ("451 4.3.0 Local error while queueing; nothing was queued. Try again later.", "")
RCPT_CACHE_SECONDS = 60.0
RCPT_CACHE_SIZE = 1024  # addresses remembered at most (then forgotten all at once)
DataJob = tuple[bytes, tuple[str, ...], str]  # DATA's content, RCPT TO addresses, MAIL FROM

# sysexits code of a refused message -> SMTP reply code and enhanced status
_REFUSED = {
    os.EX_USAGE: "550 5.1.3",
    os.EX_NOUSER: "550 5.1.1",
    os.EX_DATAERR: "554 5.6.0",
    os.EX_CONFIG: "451 4.3.5",  # not set up (no account to send as): the client retries
}


def reply_text(text: str) -> str:
    """One short ASCII line: an SMTP reply can carry nothing else."""
    flat = " ".join(text.split())
    safe = flat.encode("ascii", "replace").decode("ascii")
    return safe if len(safe) <= MAX_REPLY_TEXT else safe[: MAX_REPLY_TEXT - 3] + "..."


def sender_allowed(address: str, allowed: tuple[str, ...]) -> bool:
    if not allowed:
        return True
    address = address.lower()
    _, at, domain = address.rpartition("@")
    return bool(address) and (address in allowed or (bool(at) and f"@{domain}" in allowed))


class Handler:
    """One per listener; aiosmtpd calls handle_MAIL/RCPT/DATA for every session."""

    def __init__(
        self,
        settings: Settings,
        options: ListenerOptions,
        outbox: Outbox,
        pool: Executor,
        on_queued: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self.outbox = outbox
        self.pool = pool
        self.on_queued = on_queued
        self.in_flight = 0  # DATA hand-offs running now (shutdown waits for them)
        self.accepted = 0
        self._checked: dict[str, tuple[float, str | None]] = {}  # address -> (until, reply)
        self.committer: Committer[DataJob, tuple[str, str]] = Committer(
            pool, self.queue_many, LOCAL_ERROR
        )

    async def _off_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if not sender_allowed(address, self.options.allowed_senders):
            return f"550 5.7.1 Sender <{reply_text(address)}> is not in [smtpd] allowed_senders"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= self.options.max_recipients:
            return f"452 4.5.3 Too many recipients (at most {self.options.max_recipients})"
        refused = await self._recipient_check(address)
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def _recipient_check(self, address: str) -> str | None:
        """`_refused_recipient`'s answer. It may look up this host's name, so it runs on the
        pool; the same address again within RCPT_CACHE_SECONDS is answered from memory (the
        settings never change under a listener; this host's name might, hence the expiry)."""
        now = time.monotonic()
        known = self._checked.get(address)
        if known is not None and known[0] > now:
            return known[1]
        refused: str | None = await self._off_loop(self._refused_recipient, address)
        if len(self._checked) >= RCPT_CACHE_SIZE:
            self._checked.clear()
        self._checked[address] = (now + RCPT_CACHE_SECONDS, refused)
        return refused

    def _refused_recipient(self, address: str) -> str | None:
        """The 5xx reply for a recipient sendmail would refuse, or outside the allowed domains."""
        from alloy_tui.core.mail import MessageRefused, map_recipients

        try:
            targets = map_recipients(self.settings, [address])
        except MessageRefused as e:
            code = _REFUSED.get(e.exit_code, "550 5.1.1")
            return f"{code} {reply_text(str(e))}"
        allowed = self.options.allowed_domains
        for target in targets:
            domain = target.rpartition("@")[2].lower()
            if allowed and domain not in allowed:
                shown = reply_text(target)
                return (
                    f"550 5.7.1 <{shown}>: that domain is not in [smtpd] allowed_recipient_domains"
                )
        return None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.in_flight += 1
        try:
            job = (envelope.original_content, tuple(envelope.rcpt_tos), envelope.mail_from)
            reply, qid = await self.committer.hand_off(job)
        finally:
            self.in_flight -= 1
        if qid:
            self.accepted += 1
            if self.on_queued is not None:
                self.on_queued(qid)
        return reply

    def queue_many(self, jobs: list[DataJob]) -> list[tuple[str, str]]:
        """Each job's (reply, queue id or ""): prepared one by one, then queued together."""
        from alloy_tui.core.mail import MessageRefused, prepare  # once a batch (a lazy name)

        replies: list[tuple[str, str]] = [LOCAL_ERROR] * len(jobs)
        ready: list[tuple[int, Submission]] = []
        for n, job in enumerate(jobs):
            prepared = self._prepare(job, prepare, MessageRefused)
            if isinstance(prepared, str):
                replies[n] = (prepared, "")
            else:
                ready.append((n, prepared))
        if not ready:
            return replies
        try:
            done = self.outbox.submit_many([sub for _, sub in ready])
        except Exception:  # never a traceback to the client; the client keeps the message
            log.exception("smtpd: queueing messages failed")
            return replies
        for (n, _), qid in zip(ready, done, strict=True):
            if isinstance(qid, OutboxError):
                code = "452 4.3.1" if qid.exit_code == EX_TEMPFAIL else "451 4.3.0"
                replies[n] = (f"{code} {reply_text(qid.explanation.cause)} Try again later.", "")
            else:
                replies[n] = (f"250 2.0.0 OK: queued as {qid}", qid)
        return replies

    def _prepare(
        self, job: DataJob, prepare: Callable[..., Any], refused: type[Exception]
    ) -> Submission | str:
        """The message as sendmail's rules make it, or the reply refusing it."""
        raw, recipients, mail_from = job
        try:
            prepared = prepare(
                raw,
                settings=self.settings,
                arg_recipients=recipients,
                read_headers=False,
                envelope_from=mail_from or "",
            )
        except refused as e:
            code = _REFUSED.get(getattr(e, "exit_code", 0), "554 5.6.0")
            return f"{code} {reply_text(str(e))}"
        except Exception:  # never a traceback to the client; the client keeps the message
            log.exception("smtpd: preparing a message failed")
            return LOCAL_ERROR[0]
        return Submission(prepared.raw, prepared.recipients, prepared.sender, SOURCE)
