"""One SMTP connection: aiosmtpd's protocol with the deadlines, caps and envelope rules a
listener on a network needs.

Deadlines (each past due: 421 and the connection closed; nothing half-received is queued):
- idle: no byte at all for `idle_timeout` (aiosmtpd's timer, restarted on every byte);
- command: a command line (or an AUTH answer) must be complete within `command_timeout` of the
  previous reply; bytes trickling in do not restart it (slowloris);
- data: the message, from 354 to the final dot, within `data_timeout`;
- session: the whole connection within `session_timeout` (a hand-off in progress is answered
  first, so a queued message always gets its 250).
The clock stops while the listener itself works (a message being made durable).

Also: at most `max_per_client` connections per client address (421 past it), failed logins
counted per address (`guard`), MAIL/RCPT parsed by `envelope`'s rules (501 for a malformed
path, DSN parameters recorded, SMTPUTF8), and DATA spooled (`data_spool`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AnyStr, Protocol

from aiosmtpd.smtp import SMTP, Envelope, syntax

from alloy_tui.core.smtpd import envelope as rules
from alloy_tui.core.smtpd.data_spool import DataSpool
from alloy_tui.core.smtpd.guard import FAILURES_PER_CONNECTION, ClientGuard
from alloy_tui.core.smtpd.handler import Handler
from alloy_tui.core.smtpd.options import ListenerOptions

log = logging.getLogger("alloy_tui.smtpd")
MAX_LINE = 8192  # bytes per line, CRLF included (RFC 5321 asks for 1000; programs send more)
IDLE_REPLY = "421 4.4.2 Idle too long; closing the connection"
PER_CLIENT_REPLY = b"421 4.7.0 Too many connections from your address; try again later\r\n"
LOGINS_REPLY = "421 4.7.0 Too many failed logins; closing the connection"


class SmtpEnvelope(Envelope):
    """aiosmtpd's envelope, with what the listener records beside it."""

    def __init__(self) -> None:
        super().__init__()
        self.mail_given = False  # MAIL FROM accepted (the null sender <> is "")
        self.mail_params: dict[str, str | bool] = {}
        self.rcpt_params: list[tuple[str, dict[str, str | bool]]] = []


class Listener(Protocol):
    """What a session reads of its listener (`server.Listener`; a Protocol, so this module
    needs nothing of the server's)."""

    handler: Handler
    options: ListenerOptions
    guard: ClientGuard

    def admit(self, session: Session) -> None: ...
    def forget(self, session: Session) -> None: ...
    def login_failed(self, client: str, user: str, failures: int, locked: bool) -> None: ...


class Session(SMTP):
    line_length_limit = MAX_LINE

    def __init__(self, listener: Listener, **kwargs: Any) -> None:
        super().__init__(listener.handler, **kwargs)
        self._listener = listener
        self.client = ""  # the client's address, once connected
        self.busy = False  # a hand-off is in progress: deadlines wait for its reply
        self._over = ""  # a deadline passed while busy: this reply, then close
        self._deadline: asyncio.TimerHandle | None = None
        self._session_end: asyncio.TimerHandle | None = None
        self._admitted = False
        self._login_failures = 0
        self._login_user = ""  # set by the authenticator when a login fails
        # Counted from creation: asyncio accepts a whole backlog before any connection_made.
        listener.admit(self)

    # ------------------------------------------------------------------ connection
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._admitted or self._original_transport is not None:  # STARTTLS's second call
            super().connection_made(transport)
            return
        peer = transport.get_extra_info("peername")
        self.client = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if not self._listener.guard.admit(self.client):
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(PER_CLIENT_REPLY)
            transport.close()
            self._listener.forget(self)
            return
        self._admitted = True
        super().connection_made(transport)
        o = self._listener.options
        self._session_end = self.loop.call_later(
            o.session_timeout, self._expired, self._over_reply("session", o.session_timeout)
        )

    def connection_lost(self, error: Exception | None) -> None:
        self._listener.forget(self)
        if not self._admitted:
            return  # turned away in connection_made: aiosmtpd never started
        self._admitted = False
        self._listener.guard.release(self.client)
        for timer in (self._deadline, self._session_end):
            if timer is not None:
                timer.cancel()
        super().connection_lost(error)

    def data_received(self, data: bytes) -> None:
        self._reset_timeout()  # idle means "sent nothing", not "sent no command"
        super().data_received(data)

    def _timeout_cb(self) -> None:
        self._expired(IDLE_REPLY)

    @staticmethod
    def _over_reply(what: str, seconds: float) -> str:
        limits = {
            "command": "a command line was not complete",
            "data": "the message was not complete",
            "session": "the connection was open longer than allowed",
        }
        return f"421 4.4.2 Timeout: {limits[what]} within {seconds:g} seconds; closing"

    def _expired(self, reply: str) -> None:
        if self.busy:
            if reply == IDLE_REPLY:  # the client is silent because it waits for us
                self._reset_timeout()
                return
            self._over = self._over or reply  # answered after the hand-off's reply
            return
        self.say(reply.encode() + b"\r\n")
        self.hang_up()

    def set_deadline(self, what: str | None) -> None:
        """Start the command or data deadline (None: stop the clock)."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if what is None or self.transport is None:
            return
        o = self._listener.options
        seconds = o.command_timeout if what == "command" else o.data_timeout
        reply = self._over_reply(what, seconds)
        self._deadline = self.loop.call_later(seconds, self._expired, reply)

    async def push(self, status: AnyStr) -> None:
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else status
        if self._login_user and text.startswith("535"):
            await self._login_failed(text)
            return
        await super().push(status)
        if len(text) < 4 or text[3] != "-":  # a whole reply: the client's turn, on the clock
            self.set_deadline("command")
        if self._over and not self.busy:
            self._expired(self._over)

    def say(self, line: bytes) -> None:
        transport = self.transport
        if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
            transport.write(line)

    def hang_up(self) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    # ------------------------------------------------------------------ AUTH
    @syntax("AUTH <mechanism>")
    async def smtp_AUTH(self, arg: str) -> None:
        locked = self._listener.guard.locked_for(self.client)
        if locked:
            minutes = max(1, round(locked / 60))
            await super().push(
                f"421 4.7.0 Too many failed logins from {self.client}; refused for {minutes} "
                "more minutes"
            )
            self.hang_up()
            return
        await super().smtp_AUTH(arg)

    def login_result(self, user: str, ok: bool) -> None:
        """Called by the authenticator: remember a failure for the 535 that follows."""
        if ok:
            self._listener.guard.succeeded(self.client)
        else:
            self._login_user = user

    async def _login_failed(self, reply: str) -> None:
        user, self._login_user = self._login_user, ""
        self._login_failures += 1
        failures, locked = self._listener.guard.failed(self.client)
        self._listener.login_failed(self.client, user, failures, locked)
        self.set_deadline(None)
        await asyncio.sleep(self._listener.guard.delay(failures))
        if locked or self._login_failures >= FAILURES_PER_CONNECTION:
            await super().push(reply)
            await super().push(LOGINS_REPLY)
            self.hang_up()
            return
        await self.push(reply)

    # ------------------------------------------------------------------ MAIL, RCPT
    def _create_envelope(self) -> SmtpEnvelope:
        return SmtpEnvelope()

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("MAIL"):
            return
        env = self.envelope
        assert isinstance(env, SmtpEnvelope)
        text = self._strip_command_keyword("FROM:", arg) if arg is not None else None
        if text is None:
            await self.push("501 5.5.4 Syntax: MAIL FROM:<address> [parameters]")
            return
        if env.mail_given:
            await self.push("503 5.5.1 Error: nested MAIL command")
            return
        o = self._listener.options
        try:
            address, ptext = rules.split_path(text)
            params = rules.mail_params(
                ptext, size_limit=o.max_message_bytes, utf8_offered=o.utf8_mailboxes
            )
        except rules.PathError as e:
            await self.push(str(e))
            return
        refused = self._utf8_refusal(address, bool(params.get("SMTPUTF8")))
        if refused:
            await self.push(refused)
            return
        env.smtp_utf8 = bool(params.get("SMTPUTF8"))
        status = await self._listener.handler.handle_MAIL(
            self, self.session, env, address, ptext.split()
        )
        if status.startswith("250"):
            env.mail_given = True
            env.mail_params = params
        await self.push(status)

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("RCPT"):
            return
        env = self.envelope
        assert isinstance(env, SmtpEnvelope)
        if not env.mail_given:
            await self.push("503 5.5.1 Error: need MAIL command")
            return
        text = self._strip_command_keyword("TO:", arg) if arg is not None else None
        if text is None:
            await self.push("501 5.5.4 Syntax: RCPT TO:<address> [parameters]")
            return
        try:
            address, ptext = rules.split_path(text)
            params = rules.rcpt_params(ptext)
        except rules.PathError as e:
            await self.push(str(e))
            return
        if not address:
            await self.push("501 5.1.3 Bad address syntax: an empty recipient <>")
            return
        refused = self._utf8_refusal(address, env.smtp_utf8)
        if refused:
            await self.push(refused)
            return
        status = await self._listener.handler.handle_RCPT(
            self, self.session, env, address, ptext.split()
        )
        if status.startswith("250"):
            env.rcpt_params.append((address, params))
        await self.push(status)

    def _utf8_refusal(self, address: str, smtputf8: bool) -> str:
        if address.isascii():
            return ""
        if not self._listener.options.utf8_mailboxes:
            return (
                "553 5.6.7 UTF-8 mailbox names can't be sent through the configured service "
                "(only Microsoft Graph takes them); use an ASCII address"
            )
        if not smtputf8:
            return "553 5.6.7 A UTF-8 mailbox name needs MAIL FROM:<...> SMTPUTF8"
        return ""

    # ------------------------------------------------------------------ DATA
    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        env = self.envelope
        assert isinstance(env, SmtpEnvelope)
        if not env.rcpt_tos:
            await self.push("503 5.5.1 Error: need RCPT command")
            return
        if arg:
            await self.push("501 5.5.4 Syntax: DATA")
            return
        handler = self._listener.handler
        spool = handler.spool()
        await super().push("354 End data with <CR><LF>.<CR><LF>")
        self.set_deadline("data")
        try:
            too_long = await self._read_data(spool, env)
            self.set_deadline(None)
            if too_long:
                spool.discard()
                await self.push("500 5.5.2 Line too long (see RFC 5321 4.5.3.1.6)")
            elif spool.refusal:
                await self.push(spool.refusal)
            else:
                self.busy = True
                try:
                    status = await handler.data(env, spool, self.session)
                finally:
                    self.busy = False
                await self.push(status)
        finally:
            spool.discard()  # only what was not handed over (a cut session, a refusal)
            self._set_post_data_state()  # type: ignore[no-untyped-call]

    async def _read_data(self, spool: DataSpool, env: SmtpEnvelope) -> bool:
        """Read up to the final dot into `spool`; True if a line was over MAX_LINE."""
        too_long = False
        fragments: list[bytes] = []
        reader = self._reader
        while self.transport is not None:
            try:
                line = await reader.readuntil(b"\r\n")
            except asyncio.LimitOverrunError as e:
                too_long = True
                spool.refuse("500")
                fragments = [b"x"]  # a line's middle: its end is not the final dot
                await reader.read(e.consumed)
                continue
            if not fragments and line == b".\r\n":
                return too_long
            if fragments:
                fragments = []
                continue  # the end of an over-long line (already refused)
            spool.add(line[1:] if line.startswith(b".") else line)
            if spool.wants_spill:
                await self._spill(spool, env)
        return too_long

    async def _spill(self, spool: DataSpool, env: SmtpEnvelope) -> None:
        self.busy = True  # the header block is being prepared: a deadline waits for it
        try:
            prepared = await self._listener.handler.prepare_head(spool.header_block(), env)
        finally:
            self.busy = False
        if isinstance(prepared, str):
            spool.refuse(prepared)
        else:
            try:
                spool.spill(prepared)
            except OSError as e:
                log.warning("smtpd: can't spool a message in %s: %s", spool.folder, e)
                spool.refuse(self._listener.handler.local_error)
        if self._over:
            self._expired(self._over)
