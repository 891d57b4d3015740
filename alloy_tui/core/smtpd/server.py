"""The listener: one socket and its sessions (`session.Session`: aiosmtpd's protocol with
deadlines, caps and the envelope rules) on one asyncio loop.

- at most `max_connections` sessions; one more is answered 421 and closed at once; at most
  `max_per_client` from one address (`guard`);
- logins: PLAIN or LOGIN against [smtpd] users in constant time; each failure an alert-log
  entry ``smtpd.auth_failed`` (client, user; never the password), a lockout one alert;
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

from aiosmtpd.smtp import AuthResult, LoginPassword

from alloy_tui.core.errors import printable
from alloy_tui.core.smtpd import logsafe
from alloy_tui.core.smtpd.guard import ClientGuard
from alloy_tui.core.smtpd.handler import Handler
from alloy_tui.core.smtpd.options import ListenerOptions
from alloy_tui.core.smtpd.session import Session

SHUTDOWN_GRACE = 30.0  # seconds a hand-off in progress may take to finish when stopping
BUSY_REPLY = b"421 4.7.0 Too many connections; try again later\r\n"
SHUTDOWN_REPLY = b"421 4.3.2 Shutting down; try again later\r\n"


class _Busy(asyncio.Protocol):
    """What a connection over the limit gets: one 421 line, then the door closes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(BUSY_REPLY)
        transport.close()


class Listener:
    """One listening socket and its sessions, on the running loop (`start`, then `stop`)."""

    def __init__(self, handler: Handler, options: ListenerOptions, pool: ThreadPoolExecutor):
        logsafe.install()  # every door (network, -bs): a client's bytes reach stderr escaped
        self.handler = handler
        self.options = options
        self.pool = pool
        self.live: set[Session] = set()
        self.emptied = asyncio.Event()  # set whenever the last open session closes
        self.closing = False
        self.server: asyncio.Server | None = None
        self.hostname = socket.gethostname()
        self.on_stopped: list[Callable[[], None]] = []  # run once every session is closed
        self.guard = ClientGuard(
            options.max_per_client, options.auth_lockout_after, options.auth_lockout_seconds
        )

    def admit(self, session: Session) -> None:
        self.live.add(session)
        self.emptied.clear()

    def forget(self, session: Session) -> None:
        self.live.discard(session)
        if not self.live:
            self.emptied.set()

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
            enable_SMTPUTF8=True,  # UTF-8 arguments read; offered only if the service takes it
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
        if isinstance(server, Session):
            server.login_result(user, ok)
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    def login_failed(self, client: str, user: str, failures: int, locked: bool) -> None:
        """One failed login: its alert-log entry, and the alert when it locked the address out
        (both on the pool: the log takes a lock, the alert may post a webhook)."""
        o = self.options
        shown = printable(user)[:128]
        entry = (
            "warning",
            "smtpd.auth_failed",
            f"SMTP login failed for user {shown!r} from {client} ({failures} in a row)",
            {"client": client, "user": shown, "failures": failures},
        )
        alert = None
        if locked:
            minutes = round(o.auth_lockout_seconds / 60)
            alert = (
                f"SMTP listener: {failures} failed logins from {client} (last user {shown!r}); "
                f"that address is refused for {minutes} minutes. Someone may be guessing "
                "passwords: check the client, or block the address."
            )
        self.pool.submit(self.handler.report_login_failure, entry, alert)

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
