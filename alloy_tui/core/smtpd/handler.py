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
import contextlib
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import EX_TEMPFAIL, Outbox, OutboxError, Submission
from alloy_tui.core.smtpd.committer import Committer
from alloy_tui.core.smtpd.data_spool import DataSpool, Spooled
from alloy_tui.core.smtpd.envelope import dsn_details, too_big
from alloy_tui.core.smtpd.options import ListenerOptions

log = logging.getLogger("alloy_tui.smtpd")
SOURCE = "smtpd"
MAX_REPLY_TEXT = 300
LOCAL_ERROR = ("451 4.3.0 Local error while queueing; nothing was queued. Try again later.", "")
LOGIN_ALERT = "smtpd_logins"  # the alert condition of repeated failed logins
RCPT_CACHE_SECONDS = 60.0
RCPT_CACHE_SIZE = 1024  # addresses remembered at most (then forgotten all at once)
# DATA's content (bytes, or a spooled file already prepared), RCPT TO addresses, MAIL FROM,
# the details recorded with the message (DSN parameters), the spooled message's recipients and
# sender as prepare() made them
DataJob = tuple[bytes | Spooled, tuple[str, ...], str, dict[str, str], tuple[tuple[str, ...], str]]

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
        config_path: Path | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self._door(options, pool, on_queued, config_path)
        self._checked: dict[str, tuple[float, str | None]] = {}  # address -> (until, reply)
        self.committer: Committer[DataJob, tuple[str, str]] = Committer(
            pool, self.queue_many, LOCAL_ERROR
        )

    def _door(
        self,
        options: ListenerOptions,
        pool: Executor,
        on_queued: Callable[[str], None] | None,
        config_path: Path | None,
    ) -> None:
        """What Session and Listener read of any handler (this one and the maildrop's)."""
        self.config_path = config_path
        self.local_error = LOCAL_ERROR[0]
        self.options = options
        self.pool = pool
        self.on_queued = on_queued
        self.in_flight = 0  # DATA hand-offs running now (shutdown waits for them)
        self.accepted = 0

    async def _off_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """aiosmtpd's EHLO lines, with PIPELINING (it works: aiosmtpd reads commands in order)
        and SMTPUTF8 only when the service takes UTF-8 mailbox names."""
        session.host_name = hostname
        out = [r for r in responses if self.options.utf8_mailboxes or r != "250-SMTPUTF8"]
        out.insert(len(out) - 1, "250-PIPELINING")
        out.insert(len(out) - 1, "250-ENHANCEDSTATUSCODES")
        return out

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

    def spool(self) -> DataSpool:
        """Where one DATA goes as it arrives (a long message: a file in the outbox's tmp/)."""
        o = self.options
        return DataSpool(self.outbox.spool_folder, o.max_message_bytes, o.max_header_bytes)

    async def prepare_head(self, head: bytes, envelope: Any) -> str | bytes:
        """A spooled message's header block as sendmail's rules make it (on the pool), or the
        reply refusing the message; the recipients and sender are kept on the envelope."""
        from alloy_tui.core.mail import MessageRefused, prepare

        job: DataJob = (head, tuple(envelope.rcpt_tos), envelope.mail_from or "", {}, ((), ""))
        done = await self._off_loop(self._prepare_spooled, job, prepare, MessageRefused)
        if isinstance(done, str):
            return done
        envelope.prepared = (tuple(done.recipients), done.sender)
        return bytes(done.raw)

    async def data(self, envelope: Any, spool: DataSpool, session: Any) -> str:
        """The message received in `spool` to the outbox: the reply (250 once durable)."""
        try:
            content = spool.finish()
        except OSError as e:
            log.warning("smtpd: can't spool a message: %s", e)
            return self.local_error
        details = dsn_details(envelope.mail_params, envelope.rcpt_params)
        prepared = getattr(envelope, "prepared", ((), ""))
        job: DataJob = (
            content,
            tuple(envelope.rcpt_tos),
            envelope.mail_from or "",
            details,
            prepared,
        )
        self.in_flight += 1
        try:
            reply, qid = await self.committer.hand_off(job)
        except BaseException:
            if isinstance(content, Spooled):  # nobody will queue it: no orphan in tmp/
                with contextlib.suppress(OSError):
                    os.unlink(content.path)
            raise
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
            content, _, mail_from, details, (recipients, sender) = job
            back = mail_from or "<>"  # where a failure notice goes ("<>": a null sender)
            if isinstance(content, Spooled):  # prepared when its header block was complete
                sub = Submission(
                    content.head, recipients, sender, SOURCE, details, content.path, back
                )
                ready.append((n, sub))
                continue
            prepared = self._prepare(job, prepare, MessageRefused)
            if isinstance(prepared, str):
                replies[n] = (prepared, "")
            else:
                ready.append((n, prepared._replace(details=details or None, return_path=back)))
        if not ready:
            return replies
        try:
            done = self.outbox.submit_many([sub for _, sub in ready])
        except Exception:  # never a traceback to the client; the client keeps the message
            log.exception("smtpd: queueing messages failed")
            for _, sub in ready:
                if sub.spooled is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(sub.spooled)
            return replies
        for (n, _), qid in zip(ready, done, strict=True):
            if isinstance(qid, OutboxError):
                code = "452 4.3.1" if qid.exit_code == EX_TEMPFAIL else "451 4.3.0"
                replies[n] = (f"{code} {reply_text(qid.explanation.cause)} Try again later.", "")
            else:
                replies[n] = (f"250 2.0.0 OK: queued as {qid}", qid)
        return replies

    def _prepare_spooled(
        self, job: DataJob, prepare: Callable[..., Any], refused: type[Exception]
    ) -> Submission | str:
        """`_prepare` for a message about to be spooled: the outbox's tmp/ must exist too."""
        try:
            self.outbox.ensure()
        except OutboxError as e:
            return f"451 4.3.0 {reply_text(e.explanation.cause)} Try again later."
        return self._prepare(job, prepare, refused)

    def _prepare(
        self, job: DataJob, prepare: Callable[..., Any], refused: type[Exception]
    ) -> Submission | str:
        """The message as sendmail's rules make it, or the reply refusing it."""
        raw, recipients, mail_from = job[0], job[1], job[2]
        assert isinstance(raw, bytes)
        try:
            prepared = prepare(
                raw,
                settings=self.settings,
                arg_recipients=recipients,
                read_headers=False,
                envelope_from=mail_from or "",
            )
        except refused as e:
            if getattr(e, "size_limit", 0):  # over the service's limit as it will go: 552
                return too_big(int(getattr(e, "size_limit", 0)))
            code = _REFUSED.get(getattr(e, "exit_code", 0), "554 5.6.0")
            return f"{code} {reply_text(str(e))}"
        except Exception:  # never a traceback to the client; the client keeps the message
            log.exception("smtpd: preparing a message failed")
            return LOCAL_ERROR[0]
        return Submission(prepared.raw, prepared.recipients, prepared.sender, SOURCE)

    def report_login_failure(
        self, entry: tuple[str, str, str, dict[str, Any]], alert: str | None
    ) -> None:
        """On the pool: the ``smtpd.auth_failed`` entry, then the lockout's alert (de-duplicated
        by core/health/alerts: at most once per [alerts] repeat_hours)."""
        if self.config_path is None:
            return
        from alloy_tui.core import alertlog

        alertlog.record(self.settings, self.config_path, *entry)
        if alert is None:
            return
        from alloy_tui.core.health import Condition, notify

        with contextlib.suppress(Exception):  # an alert never stops the listener
            notify(
                self.settings,
                self.config_path,
                self.outbox.path,
                [Condition(LOGIN_ALERT, True, alert)],
            )
