"""Raw delivery over SMTP: the message's bytes as they are, to the envelope recipients, over one
connection (and one login) kept open for the whole run; a dropped connection is reopened once.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Sequence
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation
from alloy_tui.core.mail import raw
from alloy_tui.core.mail.message import SendResult
from alloy_tui.core.mail.sendable import make_sendable
from alloy_tui.core.mail.smtp import (
    _NETWORK_ERRORS,
    SmtpTransport,
    _close,
    check_smtp_settings,
    from_address_for,
    queue_id,
    send_envelope,
)


class SmtpDelivery(SmtpTransport):
    def __init__(self, settings: Settings, config_path: Path) -> None:
        super().__init__(settings, config_path)
        self._conn: smtplib.SMTP | None = None
        self._secret = ""
        self.connections = 0

    def __enter__(self) -> SmtpDelivery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            _close(self._conn)
            self._conn = None

    def _open(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        check_smtp_settings(self.settings)
        s = self.settings.smtp
        if s.username and not self._secret:
            self._secret = self._get_password()
        tls = self._ssl_context() if s.security != "none" else None
        conn = self.connect(tls)
        try:
            if s.username:
                self.login(conn, s.username, self._secret)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.connections += 1
        return conn

    def send_raw(
        self, message: bytes, recipients: Sequence[str], *, sender: str = ""
    ) -> SendResult:
        started = time.monotonic()
        message = make_sendable(message)  # NUL, bare CR, unlabelled 8-bit
        too_big = raw.check_size(len(message))
        if too_big is not None:
            raise ExplainedError(too_big)
        envelope_from = (
            sender or from_address_for(self.settings) or raw.from_header_address(message)
        )
        if not envelope_from:
            raise ExplainedError(
                Explanation(
                    title="No sender address for SMTP",
                    cause="The message has no From address and no default sender is set.",
                    fix="Set message.default_from (or use an e-mail address as smtp.username).",
                    code="config",
                    verdict="settings",
                )
            )
        data = raw.without_bcc(message)
        try:
            try:
                reply, refused = self._transmit(data, envelope_from, list(recipients))
            except smtplib.SMTPServerDisconnected:
                self.close()  # an idle connection the server dropped: one fresh try
                reply, refused = self._transmit(data, envelope_from, list(recipients))
        except _NETWORK_ERRORS as e:
            self.close()
            raise self._fail(e, started, envelope_from, self._secret) from None
        s = self.settings.smtp
        extra = {"host": s.host, "port": str(s.port), "security": s.security, "reply": reply}
        if refused:
            extra["refused"] = "; ".join(f"{a}: {c} {t}" for a, (c, t) in sorted(refused.items()))
        return SendResult(
            api="smtp",
            account=s.username,
            from_address=envelope_from,
            to=tuple(recipients),
            duration_ms=int((time.monotonic() - started) * 1000),
            request_id=queue_id(reply),
            extra=extra,
        )

    def _transmit(
        self, data: bytes, envelope_from: str, to: list[str]
    ) -> tuple[str, dict[str, tuple[int, str]]]:
        conn = self._open()
        options: list[str] = []
        international = not all(a.isascii() for a in [envelope_from, *to])
        if international:
            if not conn.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    "The server does not support international (non-ASCII) addresses (no SMTPUTF8)."
                )
            options.append("SMTPUTF8")
        if (international or not data.isascii()) and conn.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        return send_envelope(conn, data, envelope_from, to, options, reset=True)
