"""The sandbox's SMTP stand-in: aiosmtpd on 127.0.0.1 (STARTTLS with the sandbox's throwaway CA,
AUTH PLAIN/LOGIN with the sandbox's on-premises users). Each accepted message becomes an .eml in
the messages folder, beside the Graph and EWS ones, so `alloy-tui sandbox messages` lists it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
from collections.abc import Awaitable
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from alloy_tui.sandbox.mailbox import ACCOUNT_HEADER, API_HEADER, BCC_HEADER, store_raw

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

SERVER_NAME = "smtp.sandbox.contoso.example"


class _Handler:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else ""
        raw = bytes(envelope.original_content or b"")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        shown = {a.lower() for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))}
        hidden = [r for r in envelope.rcpt_tos if r.lower() not in shown]
        for name in (API_HEADER, ACCOUNT_HEADER, BCC_HEADER):
            del msg[name]  # only the sandbox writes these
        msg[API_HEADER] = "smtp"
        msg[ACCOUNT_HEADER] = login
        if hidden:
            msg[BCC_HEADER] = ", ".join(hidden)
        delivered = store_raw(self.sandbox, msg.as_bytes(), "smtp")
        return f"250 2.0.0 Ok: queued as {delivered.message_id or 'sandbox'}"


class _Session(Session):
    """aiosmtpd's session without its legacy `login_data`: aiosmtpd (1.4) still sets it after
    every successful AUTH through the `authenticator` API, and the property logs "Session.
    login_data is deprecated" each time (on `sandbox serve`'s stderr). The sandbox reads
    `auth_data`; the legacy value is kept, silently, for whatever still asks for it."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class _SMTP(SMTP):
    def _create_session(self) -> Session:
        return _Session(self.loop)


class _Controller(Controller):
    """aiosmtpd's Controller on a socket bound here first, so port 0 (any free port) works."""

    def __init__(self, sock: socket.socket, handler: _Handler, **kw: Any) -> None:
        self._sock = sock
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], **kw)

    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class SmtpStandIn:
    def __init__(self, sandbox: Sandbox, tls: ssl.SSLContext, port: int = 0) -> None:
        self.sandbox = sandbox
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = int(sock.getsockname()[1])
        self._controller = _Controller(
            sock,
            _Handler(sandbox),
            server_hostname=SERVER_NAME,
            tls_context=tls,
            require_starttls=False,
            auth_require_tls=True,
            authenticator=self._authenticate,
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            users = self.sandbox.ews_basic_users
            if users.get(data.login.decode(errors="replace")) == data.password.decode(
                errors="replace"
            ):
                return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        try:
            self._controller.stop()
        except AssertionError:  # pragma: no cover - never started
            pass
