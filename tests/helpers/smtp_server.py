"""A real SMTP server in-process (aiosmtpd) for the SMTP transport and wizard tests.

`SmtpServer` starts aiosmtpd on 127.0.0.1 in plain, STARTTLS or SSL/TLS mode with a throwaway
trustme CA, optionally requiring authentication, and records what it accepted. `DroppingServer`
greets and then hangs up. Nothing here patches smtplib: the client talks to a real socket.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as AioSMTP
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from alloy_tui.core.config.settings import Settings

QUEUE_ID = "4XyZ9Q"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None


@dataclass
class Handler:
    messages: list[Received] = field(default_factory=list)
    mail_reply: str | None = None  # e.g. "530 5.7.57 Client not authenticated"
    rcpt_reply: str | None = None  # e.g. "554 5.7.1 Relay access denied"
    refuse_rcpt: set[str] = field(default_factory=set)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> e.g. "451 4.2.0 Later"
    data_reply: str = f"250 2.0.0 Ok: queued as {QUEUE_ID}"

    async def handle_MAIL(
        self,
        server: AioSMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str:  # noqa: E501
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: AioSMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str:  # noqa: E501
        if self.rcpt_reply:
            return self.rcpt_reply
        if address in self.refuse_rcpt:
            return "550 5.1.1 User unknown"
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: AioSMTP, session: Session, envelope: Envelope) -> str:
        data = session.auth_data
        login = data.login.decode() if isinstance(data, LoginPassword) else None
        self.messages.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or b""),
                login,
            )
        )
        return self.data_reply


class Tls:
    """A throwaway CA and a server certificate for the given names."""

    def __init__(self, tmp: Path, *names: str) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert(*(names or ("127.0.0.1", "localhost")))
        self.ca_path = tmp / "smtp-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(ctx)
        return ctx


class SmtpServer:
    """aiosmtpd on 127.0.0.1: mode "none" | "starttls" | "ssl"; users = {login: password}."""

    def __init__(
        self,
        tmp: Path,
        mode: str = "none",
        *,
        users: dict[str, str] | None = None,
        auth_required: bool = False,
        auth_message: str | None = None,
        cert_names: tuple[str, ...] = ("127.0.0.1", "localhost"),
        offer_starttls: bool = True,
        auth_require_tls: bool | None = None,
        data_size_limit: int | None = None,
    ) -> None:
        self.mode = mode
        self.port = free_port()
        self.tls = Tls(tmp, *cert_names)
        self.handler = Handler()
        self.users = users
        self.auth_message = auth_message
        self.attempts: list[tuple[str, str]] = []  # (mechanism, login) of every AUTH
        kw: dict[str, Any] = {
            "hostname": "127.0.0.1",
            "port": self.port,
            "server_hostname": "mail.test",
            "auth_required": auth_required,
            "auth_require_tls": mode == "starttls"
            if auth_require_tls is None
            else auth_require_tls,
        }
        if data_size_limit is not None:  # the SIZE the server announces (aiosmtpd: 32 MiB)
            kw["data_size_limit"] = data_size_limit
        if users is not None:
            kw["authenticator"] = self._authenticate
        if mode == "starttls" and offer_starttls:
            kw["tls_context"] = self.tls.server_context()
            kw["require_starttls"] = True
        elif mode == "ssl":
            kw["ssl_context"] = self.tls.server_context()
        self.controller = Controller(self.handler, **kw)

    def _authenticate(
        self, server: AioSMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:  # noqa: E501
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.attempts.append((mechanism, login))
        if self.users is not None and self.users.get(login) == password:
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False, message=self.auth_message)

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class DroppingServer:
    """Greets with 220, reads one command, then closes the connection."""

    def __init__(self, after: int = 1) -> None:
        self.port = free_port()
        self.after = after
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                conn.sendall(b"220 drop.test ESMTP\r\n")
                try:
                    for _ in range(self.after):
                        conn.recv(1024)
                except OSError:
                    pass

    def __enter__(self) -> DroppingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


def slow_down(server: SmtpServer, seconds: float) -> None:
    """Make our own test server take a while per message, so kills land mid-send."""
    accept = server.handler.handle_DATA

    async def slow(*args: Any) -> str:
        await asyncio.sleep(seconds)
        return await accept(*args)

    server.handler.handle_DATA = slow  # type: ignore[method-assign]


def smtp_settings(tmp_path: Path, port: int, **queue: Any) -> Settings:
    """SMTP without TLS to 127.0.0.1:`port` from server@contoso.test; the outbox (pacing off,
    `queue`: more [queue] keys) and the alert log (log.jsonl) in `tmp_path`."""
    return (
        Settings(service="smtp")
        .with_section("smtp", host="127.0.0.1", port=port, security="none")
        .with_section("message", default_from="server@contoso.test")
        .with_section("queue", path=str(tmp_path / "queue"), max_per_minute=0, **queue)
        .with_section("alert_log", path=str(tmp_path / "log.jsonl"))
    )


def write_smtp_config(
    tmp_path: Path, port: int, queue: str = "", *, log: str = "alert_log.jsonl", extra: str = ""
) -> Path:
    """smtp_settings as a config file (<tmp_path>/config.toml, the alert log in `log`), for
    a runner in a process of its own; `queue`: more [queue] lines, `extra`: more sections at
    the end."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'service = "smtp"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        '[message]\ndefault_from = "server@contoso.test"\n'
        f'[queue]\npath = "{tmp_path / "queue"}"\nmax_per_minute = 0\n{queue}'
        f'[alert_log]\npath = "{tmp_path / log}"\n{extra}',
        encoding="utf-8",
    )
    return cfg


def relay_config(tmp_path: Path, port: int, smtp: str = "", *, network: str = "") -> Path:
    """<tmp_path>/config.toml: the SMTP relay on 127.0.0.1:`port` without TLS (`smtp`: more
    [smtp] lines, `network`: [network] lines), from noc@contoso.test, failure notices to
    ops@contoso.test, the alert log and the outbox in `tmp_path`."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""service = "smtp"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
{smtp}[message]
default_from = "noc@contoso.test"
{"[network]" + chr(10) + network if network else ""}[alert_log]
path = "{tmp_path / "alert_log.jsonl"}"
[queue]
path = "{tmp_path / "queue"}"
[sendmail]
admin = "ops@contoso.test"
"""
    )
    return path
