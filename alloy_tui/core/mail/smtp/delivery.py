"""Raw delivery over SMTP: the message's bytes as they are, to the envelope recipients, over one
connection (and one login) kept open for the whole run; a dropped connection is reopened once.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation, UserInputError
from alloy_tui.core.explain import explain_smtp
from alloy_tui.core.mail.headers import from_header_address, without_bcc
from alloy_tui.core.mail.limits import sendable_within_limit
from alloy_tui.core.mail.message import SendResult
from alloy_tui.core.mail.smtp.client import (
    _NETWORK_ERRORS,
    SmtpClient,
    _close,
    _size_option,
    check_smtp_settings,
    from_address_for,
    queue_id,
)
from alloy_tui.core.mail.smtp.envelope import Envelope, transact


class SmtpDelivery(SmtpClient):
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

    def sender_for(self, from_address: str) -> str:
        """The From a message composed now carries (and its MAIL FROM): the one asked for,
        else [message] default_from, else the username when it is an address."""
        check_smtp_settings(self.settings)
        found = from_address_for(self.settings, from_address)
        if not found:
            raise UserInputError(
                "No From address: set message.default_from (or use an e-mail address as "
                "smtp.username)."
            )
        return found

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
        message = sendable_within_limit(message, self.settings)
        envelope_from = sender or from_address_for(self.settings) or from_header_address(message)
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
        data = without_bcc(message)
        refused: dict[str, tuple[int, str]] = {}
        try:
            got = self._within_deadline(data, envelope_from, list(recipients))
            refused = got.refused
            if not got.accepted:  # every recipient refused at RCPT: nothing was sent
                raise smtplib.SMTPRecipientsRefused(
                    {a: (c, t.encode()) for a, (c, t) in got.refused.items()}
                )
            if got.data_error is not None:  # the refusal after DATA is the accepted ones'
                raise got.data_error
        except _NETWORK_ERRORS as e:
            self.close()
            failure = self._fail(e, started, envelope_from, self._secret)
            if isinstance(e, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)):
                after_data = isinstance(e, smtplib.SMTPDataError)
                name_refused(failure.explanation, refused, self._refusal, after_data=after_data)
            raise failure from None
        s = self.settings.smtp
        extra = {"host": s.host, "port": str(s.port), "security": s.security, "reply": got.reply}
        if got.refused:
            extra["refused"] = "; ".join(
                f"{a}: {c} {t}" for a, (c, t) in sorted(got.refused.items())
            )
        if s.security == "none" and s.username:
            extra["warning"] = "the password was sent over an unencrypted connection"
        return SendResult(
            api="smtp",
            account=s.username,
            from_address=envelope_from,
            to=tuple(got.accepted),
            duration_ms=int((time.monotonic() - started) * 1000),
            request_id=queue_id(got.reply),
            extra=extra,
            refused={a: self._refusal(a, c, t) for a, (c, t) in got.refused.items()},
        )

    def _refusal(self, address: str, code: int, text: str) -> Explanation:
        """One recipient refused at RCPT, explained as if it were the only one."""
        refused = smtplib.SMTPRecipientsRefused({address: (code, text.encode())})
        ex = explain_smtp(refused, self._context(""))
        ex.verdict = "retry" if 400 <= code < 500 else "recipients"
        if ex.verdict == "recipients":
            ex.details["refused_recipients"] = [address]
        return ex

    def _within_deadline(self, data: bytes, envelope_from: str, to: list[str]) -> Envelope:
        """One message under [network] timeout per command (however slowly a server
        trickles its replies); a connection the server dropped while idle is reopened once."""
        with self._deadline() as d:
            try:
                try:
                    return self._transmit(data, envelope_from, to)
                except smtplib.SMTPServerDisconnected:
                    self.close()  # an idle connection the server dropped: one fresh try
                    return self._transmit(data, envelope_from, to)
            except _NETWORK_ERRORS:
                if d.expired:
                    raise d.exceeded() from None
                raise

    def _transmit(self, data: bytes, envelope_from: str, to: list[str]) -> Envelope:
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
        options += _size_option(conn, len(data))  # over the server's SIZE: refused before MAIL
        return transact(conn, data, envelope_from, to, options, reset=True)


def name_refused(
    ex: Explanation,
    refused: dict[str, tuple[int, str]],
    explain_one: Callable[[str, int, str], Explanation],
    *,
    after_data: bool,
) -> None:
    """Say in `ex` which recipients were refused at RCPT (the failure applies to the others):
    5xx in ``refused_recipients`` (for good), 4xx in ``deferred_recipients`` (later), and each
    one's own explanation in ``recipient_errors`` (title, cause, fix, code, verdict). `after_data`: the failure came after DATA (its verdict is
    the accepted recipients'); else every recipient was refused at RCPT."""
    if not refused:
        return
    ex.details["refused_recipients"] = sorted(a for a, (c, _) in refused.items() if c >= 500)
    ex.details["deferred_recipients"] = sorted(a for a, (c, _) in refused.items() if c < 500)
    ex.details["recipient_errors"] = {
        a: _as_dict(explain_one(a, c, t)) for a, (c, t) in refused.items()
    }
    if not after_data and not ex.verdict and ex.details["refused_recipients"]:
        ex.verdict = "recipients"


def _as_dict(ex: Explanation) -> dict[str, str]:
    return {k: getattr(ex, k) for k in ("title", "cause", "fix", "code", "verdict")}
