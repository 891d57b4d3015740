"""What the listener needs before it opens a socket, checked all at once: where it listens, who
may log in (passwords from the secrets file), the STARTTLS certificate, and the limits.

Safe by default: loopback only. Any other address is refused unless `[smtpd] users` and a TLS
certificate are set; with users set, AUTH is required before MAIL FROM, and only over TLS.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings, smtpd_keys
from alloy_tui.core.errors import ExplainedError, Explanation


class SmtpdError(ExplainedError):
    """The listener can't start as configured; the explanation says what to change."""

    exit_code = 2


def _refuse(title: str, cause: str, fix: str, code: str = "smtpd.config") -> SmtpdError:
    return SmtpdError(Explanation(title=title, cause=cause, fix=fix, code=code))


@dataclass(frozen=True)
class ListenerOptions:
    host: str
    port: int
    passwords: dict[str, bytes] = field(default_factory=dict, repr=False)  # user -> password
    tls: ssl.SSLContext | None = None
    allowed_senders: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    max_message_bytes: int = 35 * 1024 * 1024
    max_recipients: int = 100
    max_connections: int = 100
    idle_timeout: float = 60.0
    command_timeout: float = 60.0
    data_timeout: float = 600.0
    session_timeout: float = 1800.0
    max_per_client: int = 20
    auth_lockout_after: int = 10
    auth_lockout_seconds: float = 900.0
    max_header_bytes: int = 1024 * 1024
    utf8_mailboxes: bool = True  # the service takes UTF-8 mailbox names (Graph)

    @property
    def auth_required(self) -> bool:
        return bool(self.passwords)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _tls_context(settings: Settings, config_path: Path) -> ssl.SSLContext | None:
    cert, key = settings.smtpd.tls_certificate, settings.smtpd.tls_key
    if not cert and not key:
        return None
    if not (cert and key):
        raise _refuse(
            "The listener's TLS certificate is incomplete",
            "[smtpd] tls_certificate and tls_key go together; only one is set.",
            "Set both to PEM files (the certificate with its chain, and its private key).",
        )
    base = Path(config_path).parent
    cert_path, key_path = base / Path(cert).expanduser(), base / Path(key).expanduser()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_path, key_path)
    except (OSError, ssl.SSLError) as e:
        reason = getattr(e, "strerror", None) or getattr(e, "reason", None) or type(e).__name__
        raise _refuse(
            "The listener's TLS certificate can't be loaded",
            f"{cert_path} with the key {key_path}: {reason}.",
            "Point [smtpd] tls_certificate and tls_key at a readable PEM certificate and its key.",
        ) from None
    return context


def _passwords(settings: Settings) -> dict[str, bytes]:
    from alloy_tui.core import secrets

    out: dict[str, bytes] = {}
    missing = []
    for user in settings.smtpd.users:
        password = secrets.load_password("smtpd", user)
        if password is None:
            missing.append(user)
        else:
            out[user] = password.encode("utf-8")
    if missing:
        raise _refuse(
            "A listener user has no password",
            f"[smtpd] users lists {', '.join(missing)}, but the secrets file holds no password "
            "for them.",
            f"Run `alloy-tui smtpd password {missing[0]}` (or remove the name from [smtpd] users).",
        )
    return out


def listener_options(settings: Settings, config_path: Path, listen: str = "") -> ListenerOptions:
    """The checked options; SmtpdError saying what to change when they can't be used."""
    s = settings.smtpd
    where = listen or s.listen or smtpd_keys.DEFAULT_LISTEN
    try:
        host, port = smtpd_keys.parse_listen(where)
    except ValueError as e:
        raise _refuse(
            "The listen address can't be used", f"{where!r}: {e}.", "Use host:port."
        ) from None
    tls = _tls_context(settings, config_path)
    passwords = _passwords(settings)
    if passwords and tls is None:
        raise _refuse(
            "Listener users need TLS",
            "[smtpd] users is set, and passwords are only accepted over TLS (STARTTLS).",
            "Set [smtpd] tls_certificate and tls_key, or remove [smtpd] users.",
        )
    if not smtpd_keys.is_loopback(host) and not (passwords and tls):
        raise _refuse(
            "The listener only listens on loopback",
            f"{where} is not a loopback address; anyone who can reach it could send mail as "
            "this server.",
            "Listen on 127.0.0.1, or set [smtpd] users (passwords: `alloy-tui smtpd password "
            "NAME`) and [smtpd] tls_certificate and tls_key so clients log in over STARTTLS.",
        )
    return ListenerOptions(host=host, port=port, passwords=passwords, tls=tls, **limits(settings))


def limits(settings: Settings) -> dict[str, Any]:
    """Every ListenerOptions field but where it listens and who logs in: the rules and limits
    the network listener and `sendmail -bs` (core/smtpd/pipe.py) share."""
    s = settings.smtpd
    return {
        "allowed_senders": tuple(a.lower() for a in s.allowed_senders),
        "allowed_domains": tuple(d.lower() for d in s.allowed_recipient_domains),
        "max_message_bytes": effective_size_limit(settings),
        "max_recipients": s.max_recipients,
        "max_connections": s.max_connections,
        "idle_timeout": float(s.idle_timeout_seconds),
        "command_timeout": float(s.command_timeout_seconds),
        "data_timeout": float(s.data_timeout_seconds),
        "session_timeout": float(s.session_timeout_seconds),
        "max_per_client": s.max_connections_per_client,
        "auth_lockout_after": s.auth_failures_before_lockout,
        "auth_lockout_seconds": 60.0 * s.auth_lockout_minutes,
        "max_header_bytes": s.max_header_bytes,
        "utf8_mailboxes": takes_utf8_mailboxes(settings),
    }


PIPE_IDLE_SECONDS = 300.0  # postfix's smtpd_timeout; Symfony pings (NOOP) only after 100 s idle
PIPE_SESSION_SECONDS = 7 * 86400.0  # a queue worker keeps its `sendmail -bs` open for hours


def pipe_limits(base: dict[str, Any]) -> dict[str, Any]:
    """The listener's limits for one session on stdin/stdout: a caller that waits between
    messages (command, idle and session deadlines raised) is not cut."""
    return {
        **base,
        "max_connections": 1,
        "idle_timeout": max(base["idle_timeout"], PIPE_IDLE_SECONDS),
        "command_timeout": max(base["command_timeout"], PIPE_IDLE_SECONDS),
        "session_timeout": max(base["session_timeout"], PIPE_SESSION_SECONDS),
    }


def effective_size_limit(settings: Settings) -> int:
    """The most bytes a message may have at this door: [smtpd] max_message_bytes, or the
    configured service's own limit when that is lower (`mail.message_limit`: 3 MB for Graph
    without large_messages). It is what EHLO announces as SIZE and what DATA and MAIL FROM's
    SIZE= are held to (552 naming it), so a message the service can't take is refused at the
    door rather than queued to fail later."""
    from alloy_tui.core.mail import message_limit

    return min(settings.smtpd.max_message_bytes, message_limit(settings)[0])


def takes_utf8_mailboxes(settings: Settings) -> bool:
    """Whether the configured service takes UTF-8 mailbox names (RFC 6531) as they are:
    Microsoft Graph does (Exchange Online with api "graph"); EWS and an SMTP relay are not
    relied on to (a relay's SMTPUTF8 is only known when the runner connects, hours later maybe),
    so the listener refuses such an address at once (553 5.6.7) rather than queue mail that
    can't go."""
    from alloy_tui.core.mail import service_of

    return service_of(settings).utf8_mailboxes
