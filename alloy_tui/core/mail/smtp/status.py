"""`alloy-tui status` for SMTP: connect, greet, secure and (with a username) sign in, under the
same per-command deadline as a send, and say what was found."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, ExplainedError
from alloy_tui.core.mail.smtp.client import (
    _NETWORK_ERRORS,
    SmtpClient,
    _close,
    check_smtp_settings,
    from_address_for,
    scrub,
)
from alloy_tui.core.mail.smtp.envelope import reply_text as _text


def status(settings: Settings, config_path: Path) -> tuple[bool, list[str]]:
    """Connect, greet, secure and (when a username is set) sign in; report what was found."""
    s = settings.smtp
    lines = [f"Server: {s.host or '(no host)'}:{s.port}, security {s.security}"]
    transport = SmtpClient(settings, config_path)
    started = time.monotonic()
    password = ""
    deadline = transport._deadline()
    try:
        with deadline:
            check_smtp_settings(settings)
            if s.username:
                from alloy_tui.core import secrets

                lines.append(f"Password: {secrets.password_source(settings, 'smtp').describe()}")
                password = transport._get_password()
            tls = transport._ssl_context() if s.security != "none" else None
            conn = transport.connect(tls)
            try:
                code, banner = getattr(conn, "banner", (0, b""))
                if code:
                    lines.append(f"Connected: {code} {_text(banner)}")
                sock = conn.sock
                if isinstance(sock, ssl.SSLSocket):
                    cipher = sock.cipher()
                    lines.append(
                        f"Encrypted: {sock.version()}{', ' + cipher[0] if cipher else ''}; certificate verified for {s.host}"
                    )
                else:
                    lines.append("Encrypted: no (smtp.security = none)")
                features = ", ".join(
                    f"{k.upper()} {v}".strip() for k, v in conn.esmtp_features.items()
                )
                lines.append(f"Server offers: {features or '(nothing beyond plain SMTP)'}")
                if s.username:
                    transport.login(conn, s.username, password)
                    lines.append(f"Signed in as {s.username}")
                    if s.security == "none":
                        lines.append(
                            "Warning: the password travels unencrypted (smtp.security = none)"
                        )
                else:
                    lines.append(
                        "Authentication: none configured (the server must accept relay from here)"
                    )
            finally:
                _close(conn)
    except _NETWORK_ERRORS as e:
        failure = deadline.exceeded() if deadline.expired else e
        ex = transport._fail(failure, started, from_address_for(settings), password).explanation
        lines += [f"FAILED: {ex.title}", f"  Why: {ex.cause}", f"  Fix: {ex.fix}"]
        return False, lines
    except ExplainedError as e:
        ex = scrub(e.explanation, password)
        lines += [f"FAILED: {ex.title}", f"  Why: {ex.cause}", f"  Fix: {ex.fix}"]
        return False, lines
    except AlloyError as e:
        lines.append(f"FAILED: {str(e).replace(password, '***') if password else e}")
        return False, lines
    if not from_address_for(settings):
        lines.append(
            "FAILED: No From address: set message.default_from "
            "(or use an e-mail address as smtp.username); nothing can be sent without one."
        )
        return False, lines
    lines.append(f"From: {from_address_for(settings)}")
    lines.append(f"OK ({int((time.monotonic() - started) * 1000)} ms)")
    return True, lines
