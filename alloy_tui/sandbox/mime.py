"""MIME messages handed to the sandbox (Graph text/plain sendMail, EWS MimeContent): the same
checks Exchange makes (recipients from To/Cc/Bcc, a From the account may send as, a Sender that
is the account, no NUL byte: ErrorMimeContentConversionFailed), then the message is stored as it
came (bare CRs turned into line breaks, as Exchange's conversion does), so tests can check
Subject, Date, Message-ID and attachments."""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass
from email.utils import getaddresses
from typing import TYPE_CHECKING

from alloy_tui.sandbox.mailbox import deliver_mime
from alloy_tui.sandbox.store import DeliveredMessage

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

_BARE_CR = re.compile(rb"\r(?!\n)")
SEND_AS_DENIED = (
    "The user account which was used to submit this request does not have the right to send mail on "
    "behalf of the specified sending account., Cannot submit message."
)


CONVERSION_FAILED = "Content conversion failed., Cannot convert the MIME content of the message."


def _marked(sandbox: Sandbox, subject: str) -> bool:
    """The refuse_content scenario: a Subject holding its marker (default POISON)."""
    sc = sandbox.state.active("refuse_content")
    return sc is not None and str(sc.options.get("marker") or "POISON") in subject


def refused_recipient(sandbox: Sandbox, addresses: list[str]) -> Refusal | None:
    """The refuse_recipients scenario: the first address holding its marker is refused (named
    in the message as Exchange names an unresolved recipient, unless named=False)."""
    sc = sandbox.state.active("refuse_recipients")
    if sc is None:
        return None
    marker = str(sc.options.get("marker") or "refused").lower()
    for addr in addresses:
        if marker in addr.lower():
            said = (
                f"At least one recipient is not valid., Recipient '{addr}' is not resolved. All "
                "recipients of this message must be resolved before a message can be submitted."
                if sc.options.get("named", True)
                else "At least one recipient isn't valid."
            )
            return Refusal(400, "ErrorInvalidRecipients", said)
    return None


@dataclass(frozen=True)
class Refusal:
    status: int  # the HTTP status Graph answers with (EWS answers 200 with this code)
    code: str
    message: str


def _addresses(headers: email.message.Message, name: str) -> list[str]:
    return [a for _, a in getaddresses([str(v) for v in headers.get_all(name, [])]) if a]


def accept_mime(
    sandbox: Sandbox,
    *,
    api: str,
    account: str,
    raw: bytes,
    may_send_shared: bool,
    app: bool = False,
) -> DeliveredMessage | Refusal:
    """`app`: an app-only token sending as `account`; a From other than it must be in the app's
    mailbox scope too (403 ErrorAccessDenied, as Exchange RBAC for Applications answers)."""
    from alloy_tui.sandbox.graph import ADDRESS_RE

    if not raw.strip():
        return Refusal(400, "ErrorMimeContentInvalid", "The MIME content is empty.")
    raw = _BARE_CR.sub(b"\r\n", raw)  # a bare CR becomes a line break, as Exchange stores it
    end = raw.find(b"\r\n\r\n")
    head = raw if end < 0 else raw[: end + 4]
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    if b"\x00" in raw or _marked(sandbox, str(headers.get("Subject", ""))):
        # Exchange cannot convert a message with raw NUL bytes (or one a test marks as such)
        return Refusal(400, "ErrorMimeContentConversionFailed", CONVERSION_FAILED)
    to, cc, bcc = (_addresses(headers, n) for n in ("To", "Cc", "Bcc"))
    for addr in to + cc + bcc:
        if not ADDRESS_RE.match(addr):
            return Refusal(
                400,
                "ErrorInvalidRecipients",
                f"At least one recipient is not valid., Recipient '{addr}' is not resolved.",
            )
    if not (to or cc or bcc):
        return Refusal(
            400,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        )
    unresolved = refused_recipient(sandbox, to + cc + bcc)
    if unresolved is not None:
        return unresolved
    refused = _sender_refusal(sandbox, headers, account, may_send_shared or app, app)
    if refused is not None:
        return refused
    return deliver_mime(sandbox, api=api, account=account, raw=raw, bcc=bcc)


def _sender_refusal(
    sandbox: Sandbox,
    headers: email.message.Message,
    account: str,
    may_send_shared: bool,
    app: bool,
) -> Refusal | None:
    """A Sender other than the account, or a From the account may not send as."""
    from alloy_tui.sandbox.graph import ACCESS_DENIED

    for sender in _addresses(headers, "Sender"):
        if sender.lower() != account.lower():  # Exchange reads it as sending on its behalf
            return Refusal(403, "ErrorSendAsDenied", SEND_AS_DENIED)
    froms = _addresses(headers, "From")
    owner = froms[0].lower() if froms else account.lower()
    if owner != account.lower():
        if app and not sandbox.app_only.in_scope(owner):
            return Refusal(403, "ErrorAccessDenied", ACCESS_DENIED)
        if not may_send_shared:  # Exchange checks the mailbox's send-as rights: refused From
            return Refusal(403, "ErrorSendAsDenied", SEND_AS_DENIED)
        if not sandbox.state.has_mailbox(owner):
            return Refusal(404, "ErrorInvalidUser", f"The requested user '{owner}' is invalid.")
        if not sandbox.state.may_send_on_behalf(owner, account):
            return Refusal(403, "ErrorSendAsDenied", SEND_AS_DENIED)
    return None
