"""The listener: aiosmtpd's SMTP protocol (no SMTP parsing here) with the limits a local door
needs, on one asyncio loop.

- at most `max_connections` sessions; one more is answered 421 and closed at once;
- a client that sends no byte for `idle_timeout` seconds gets 421 and is disconnected (the
  timer restarts on every byte received, so a large message being sent is never cut);
- message size (SIZE in EHLO, 552), line length, recipients per message (452);
- on stop: no new connection, hand-offs in progress finish (their 250 is sent), then every
  open session gets 421 and is closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from alloy_tui.core.smtpd.handler import Handler
from alloy_tui.core.smtpd.options import ListenerOptions

MAX_LINE = 8192  # bytes per line, CRLF included (RFC 5321 asks for 1000; programs send more)
SHUTDOWN_GRACE = 30.0  # seconds a hand-off in progress may take to finish when stopping
BUSY_REPLY = b"421 4.7.0 Too many connections; try again later\r\n"
IDLE_REPLY = "421 4.4.2 Idle too long; closing the connection\r\n"
SHUTDOWN_REPLY = b"421 4.3.2 Shutting down; try again later\r\n"


class _Busy(asyncio.Protocol):
    """What a connection over the limit gets: one 421 line, then the door closes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(BUSY_REPLY)
        transport.close()


class Session(SMTP):
    """aiosmtpd's protocol, tracked by its listener and with a true idle timer."""

    line_length_limit = MAX_LINE

    def __init__(self, listener: Listener, **kwargs: Any) -> None:
        super().__init__(listener.handler, **kwargs)
        self._listener = listener
        # Counted from creation: asyncio accepts a whole backlog before any connection_made.
        listener.live.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self._listener.live.discard(self)
        super().connection_lost(error)

    def data_received(self, data: bytes) -> None:
        self._reset_timeout()  # idle means "sent nothing", not "sent no command"
        super().data_received(data)

    def _timeout_cb(self) -> None:
        self.say(IDLE_REPLY.encode())
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    def say(self, line: bytes) -> None:
        transport = self.transport
        if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
            transport.write(line)

    def hang_up(self) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.close()


class Listener:
    """One listening socket and its sessions, on the running loop (`start`, then `stop`)."""

    def __init__(self, handler: Handler, options: ListenerOptions, pool: ThreadPoolExecutor):
        self.handler = handler
        self.options = options
        self.pool = pool
        self.live: set[Session] = set()
        self.closing = False
        self.server: asyncio.Server | None = None
        self.hostname = socket.gethostname()
        self.on_stopped: list[Callable[[], None]] = []  # run once every session is closed

    @property
    def port(self) -> int:
        assert self.server is not None and self.server.sockets
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            self._protocol, self.options.host, self.options.port, backlog=128
        )

    def _protocol(self) -> asyncio.Protocol:
        if self.closing or len(self.live) >= self.options.max_connections:
            return _Busy()
        o = self.options
        return Session(
            self,
            data_size_limit=o.max_message_bytes,
            enable_SMTPUTF8=False,
            decode_data=False,
            hostname=self.hostname,
            ident="alloy-tui smtpd",
            tls_context=o.tls,
            require_starttls=o.auth_required,
            timeout=o.idle_timeout,
            auth_required=o.auth_required,
            auth_require_tls=True,
            authenticator=self._authenticate if o.auth_required else None,
        )

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """PLAIN or LOGIN against [smtpd] users, compared in constant time (hashes of equal
        length, so not even the password's length shows)."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        expected = self.options.passwords.get(user)
        given = hashlib.sha256(auth_data.password).digest()
        wanted = hashlib.sha256(expected if expected is not None else b"\0unknown").digest()
        ok = hmac.compare_digest(given, wanted) and expected is not None
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    async def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop accepting, let hand-offs in progress answer, then 421 and close the rest."""
        self.closing = True
        if self.server is not None:
            self.server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self.handler.in_flight and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for _ in range(5):  # let the sessions whose hand-off just ended write their 250
            await asyncio.sleep(0)
        for session in list(self.live):
            session.say(SHUTDOWN_REPLY)
            session.hang_up()
        if self.server is not None:
            await self.server.wait_closed()
        await asyncio.sleep(0)
        for done in self.on_stopped:
            done()
