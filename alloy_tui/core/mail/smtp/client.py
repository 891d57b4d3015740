"""Send through an SMTP server with smtplib: no encryption, STARTTLS, or SSL/TLS from the start.

Certificates are always checked against the system store plus ``[network] ca_bundle``
(`alloy_tui.core.net.tls.ssl_context`). With ``security = "starttls"`` a server that does not offer
STARTTLS is an error; there is never a fallback to plain text. The password comes from
`alloy_tui.core.secrets.passwords` (command, environment variable or the 0600 secrets file) and never appears
in an exception, a result or a log line.
"""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
import time
from pathlib import Path
from typing import Any

from alloy_tui.core import net
from alloy_tui.core.config import SMTP_SECURITY, Settings
from alloy_tui.core.errors import ExplainedError, Explanation, UserInputError
from alloy_tui.core.explain import (
    AuthNotOffered,
    SmtpExplainContext,
    StartTlsNotOffered,
    explain_smtp,
)

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
_QUEUE_ID_RES = (
    re.compile(r"queued as ([A-Za-z0-9._-]+)", re.I),  # Postfix
    re.compile(r"InternalId=(\d+)", re.I),  # Exchange Server
    re.compile(r"\bid=([A-Za-z0-9._-]+)", re.I),  # Exim
    re.compile(r"^(?:\d\.\d\.\d+\s+)?([A-Za-z0-9]{6,})\s+Message accepted", re.I),  # sendmail
)
_NETWORK_ERRORS = (smtplib.SMTPException, OSError)  # ssl.SSLError and socket errors are OSErrors


def default_port(security: str) -> int:
    return DEFAULT_PORTS.get(security, 587)


class _BannerMixin:
    """Keeps the server's greeting for `status`; gives the sockets to the current deadline and
    starts its window again with every command (each command and its reply must finish within
    [network] timeout, however slowly the server trickles it)."""

    banner: tuple[int, bytes] = (0, b"")

    def send(self, s: Any) -> None:
        d = net.current_deadline()
        if d is not None:
            d.restart()
        super().send(s)  # type: ignore[misc]

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        code, msg = super().connect(host, port, source_address)  # type: ignore[misc]
        self.banner = (code, msg)
        return code, msg


class _SMTP(_BannerMixin, smtplib.SMTP):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        net.watch_socket(sock)
        return sock


class _SMTP_SSL(_BannerMixin, smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # smtplib's own, but the socket is watched before the TLS handshake, not after it.
        raw = socket.create_connection((host, port), timeout, self.source_address)
        net.watch_socket(raw)
        return self.context.wrap_socket(raw, server_hostname=self._host)  # type: ignore[attr-defined]


def _local_hostname() -> str:
    # smtplib's default, socket.getfqdn(), does a reverse DNS lookup that can take seconds.
    name = socket.gethostname()
    return name if name and name.isascii() and " " not in name else "localhost"


def check_smtp_settings(settings: Settings) -> None:
    """Raise UserInputError for a host, port or security that can't work (before any traffic)."""
    s = settings.smtp
    if not s.host.strip():
        raise UserInputError(
            "smtp.host is empty: give the SMTP server's name, e.g. smtp.example.com."
        )
    if re.search(r"\s", s.host) or any(c in s.host for c in "/@"):
        raise UserInputError(f'smtp.host must be a host name without spaces, got "{s.host}".')
    if isinstance(s.port, bool) or not isinstance(s.port, int):
        raise UserInputError(f"smtp.port must be a whole number, got {s.port!r}.")
    if not 1 <= s.port <= 65535:
        raise UserInputError(f"smtp.port must be between 1 and 65535, got {s.port}.")
    if s.security not in SMTP_SECURITY:
        raise UserInputError(
            f'smtp.security must be "none", "starttls" or "ssl", got "{s.security}".'
        )
    if any(c in s.username for c in "\r\n\x00"):
        raise UserInputError("smtp.username must be a single line.")


def from_address_for(settings: Settings, from_address: str = "") -> str:
    """From: the one given, else [message] default_from, else the username if it is an address."""
    if from_address:
        return from_address
    if settings.message.default_from:
        return settings.message.default_from
    user = settings.smtp.username
    return user if "@" in user else ""


class SmtpClient:
    """Settings, password, connection, login and explanations for an SMTP server: what the
    delivery (`delivery.py`) and `status` (`status.py`) share."""

    api = "smtp"

    def __init__(
        self, settings: Settings, config_path: Path, *, password: str | None = None
    ) -> None:
        self.settings = settings
        self.config_path = config_path
        self._password = password  # the wizard tests a typed password before storing it

    # ------------------------------------------------------------------------- helpers
    def _get_password(self) -> str:
        if self._password is not None:
            return self._password
        from alloy_tui.core import secrets

        return secrets.get_password(
            self.settings,
            "smtp",
            timeout=float(self.settings.network.timeout),
            config_path=self.config_path,
        )

    def _context(self, from_address: str = "") -> SmtpExplainContext:
        s = self.settings.smtp
        return SmtpExplainContext(
            service="smtp",
            api="smtp",
            account=s.username,
            from_address=from_address,
            host=s.host,
            port=s.port,
            security=s.security,
        )

    def _ssl_context(self) -> ssl.SSLContext:
        return net.ssl_context(self.settings, self.config_path)

    def _deadline(self) -> net.Deadline:
        s = self.settings.smtp
        return net.Deadline(float(self.settings.network.timeout), f"{s.host}:{s.port}")

    def connect(self, tls: ssl.SSLContext | None = None) -> smtplib.SMTP:
        """Open, greet and (for starttls) secure a connection. Raises smtplib/ssl/socket errors."""
        s = self.settings.smtp
        timeout = float(self.settings.network.timeout)
        local = _local_hostname()
        d = net.current_deadline()
        if d is not None:  # the greeting's window starts now, not when the deadline was made
            d.restart()
        conn: smtplib.SMTP
        if s.security == "ssl":
            conn = _SMTP_SSL(s.host, s.port, local_hostname=local, timeout=timeout, context=tls)
        else:
            conn = _SMTP(s.host, s.port, local_hostname=local, timeout=timeout)
        try:
            code, resp = conn.ehlo()
            if code != 250:
                code, resp = conn.helo()
                if code != 250:
                    raise smtplib.SMTPHeloError(code, resp)
            if s.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise StartTlsNotOffered("STARTTLS extension not supported by server.")
                conn.starttls(context=tls)
                conn.ehlo()
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def login(conn: smtplib.SMTP, username: str, password: str) -> None:
        if not conn.has_extn("auth"):
            raise AuthNotOffered("SMTP AUTH extension not supported by server.")
        if (username + password).isascii():
            conn.login(username, password)
            return
        # smtplib sends credentials as ASCII only; RFC 4616 PLAIN is UTF-8.
        if "PLAIN" not in conn.esmtp_features.get("auth", "").upper().split():
            raise UserInputError(
                "The username or password has non-ASCII characters and the server does not offer "
                "AUTH PLAIN, the only method that can carry them."
            )
        blob = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode()).decode()
        code, resp = conn.docmd("AUTH", "PLAIN " + blob)
        del blob
        if code not in (235, 503):
            raise smtplib.SMTPAuthenticationError(code, resp)

    def _fail(
        self, exc: BaseException, started: float, from_address: str, password: str
    ) -> ExplainedError:
        ex = explain_smtp(exc, self._context(from_address))
        ex = scrub(ex, password)
        s = self.settings.smtp
        ex.details.update(
            duration_ms=int((time.monotonic() - started) * 1000),
            host=s.host,
            port=s.port,
            security=s.security,
            api="smtp",
        )
        return ExplainedError(ex)


def _size_option(conn: smtplib.SMTP, size: int) -> list[str]:
    """["SIZE=n"] when the server announces SIZE (RFC 1870); MessageTooLarge, before MAIL FROM,
    when the message is over the limit it announced."""
    if not conn.has_extn("size"):
        return []
    limit = (conn.esmtp_features.get("size") or "").strip()
    if limit.isdigit() and int(limit) > 0 and size > int(limit):
        from alloy_tui.core.mail.limits import too_large

        raise too_large(
            f"{size:,} bytes as sent",
            f"the SMTP server accepts at most {int(limit):,} bytes (SIZE)",
        )
    return [f"SIZE={size}"]


def queue_id(reply: str) -> str:
    """The server's queue id from the DATA reply, when it gives one in a known form."""
    for rx in _QUEUE_ID_RES:
        m = rx.search(reply.partition(" ")[2] if rx.pattern.startswith("^") else reply)
        if m:
            return m.group(1)
    return ""


def scrub(ex: Explanation, secret: str) -> Explanation:
    """Replace the password wherever it might have slipped into an explanation."""
    if not secret:
        return ex
    for name in ("title", "cause", "fix"):
        setattr(ex, name, getattr(ex, name).replace(secret, "***"))
    ex.details = {
        k: (v.replace(secret, "***") if isinstance(v, str) else v) for k, v in ex.details.items()
    }
    return ex


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except Exception:  # noqa: BLE001 - the message is already accepted (or already failed)
        conn.close()
