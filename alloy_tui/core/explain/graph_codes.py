"""The Graph error table: each sendMail error code -> (title, cause, fix) for this reply.

Used by graph.py (which picks the row by code, then by HTTP status); kept apart so each file
stays small.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from alloy_tui.core.explain.common import ExplainContext, header


@dataclass(frozen=True)
class GraphReply:
    """What Graph answered, as the builders need it."""

    status: int
    code: str
    said: str  # the first sentence of Microsoft's message
    headers: Mapping[str, str]
    ctx: ExplainContext
    details: dict[str, Any] = field(default_factory=dict)  # builders may add (retry_after)


class Texts(NamedTuple):
    title: str
    cause: str
    fix: str
    retryable: bool = False
    verdict: str = ""  # one of errors.VERDICTS (what it means for the outbox)


Builder = Callable[[GraphReply], Texts]
# "Recipient 'bad@example.com' is not resolved": the address Exchange names, when it does.
REFUSED_RE = re.compile(r"Recipient '([^'\s]+@[^'\s]+)'")

OUTLOOK_DELEGATE_STEPS = (
    "File > Info > Account Settings > Delegate Access > Add > {account} > None for each folder > OK"
)


def send_on_behalf_fix(ctx: ExplainContext) -> str:
    """How the From user grants the signed-in account Send On Behalf (Outlook and PowerShell)."""
    owner = ctx.from_address or "<the From user>"
    delegate = ctx.account or "<the signed-in account>"
    steps = OUTLOOK_DELEGATE_STEPS.format(account=f"{delegate}'s mailbox")
    return (
        f"{owner} grants Send On Behalf to {delegate}: in Outlook signed in as {owner}, {steps}. "
        f"Or an Exchange admin runs ({'Exchange Management Shell' if ctx.on_premises else 'Exchange Online PowerShell'}): "
        f'`Set-Mailbox -Identity {owner} -GrantSendOnBehalfTo @{{Add="{delegate}"}}`. '
        "Changes can take up to an hour to apply; then send again."
    )


def send_on_behalf_texts(ctx: ExplainContext) -> tuple[str, str, str]:
    owner = ctx.from_address or "the From user"
    delegate = ctx.account_ref
    return (
        "Not allowed to send on behalf of this user",
        f"{delegate} tried to send a message From {owner}, but {owner} has not granted {delegate} "
        "Send On Behalf (or Send As) permission on their mailbox.",
        send_on_behalf_fix(ctx),
    )


def _send_as_denied(r: GraphReply) -> Texts:
    return Texts(*send_on_behalf_texts(r.ctx), verdict="message")  # this message's From


def _access_denied(r: GraphReply) -> Texts:
    ctx = r.ctx
    who = f" or to the mailbox of {ctx.from_address}" if ctx.on_behalf else ""
    fix = (
        f"Entra admin center ({ctx.admin_center}) > App registrations > {ctx.app_ref} > API permissions: add "
        f"{ctx.scopes_text()} and Grant admin consent (or open {ctx.admin_consent_url()}). "
        "Then run `alloy-tui login` so the new permission is in the token."
    )
    if ctx.on_behalf:
        fix += " For sending on behalf: " + send_on_behalf_fix(ctx)
    return Texts(
        "Access denied to the mailbox",
        f"Graph refused the request for {ctx.account_ref}: the app has no consented Mail.Send permission{who}, "
        "or an Exchange application access policy or RBAC scope excludes this mailbox.",
        fix,
        verdict="settings",
    )


def _no_mailbox(r: GraphReply) -> Texts:
    account = r.ctx.account_ref
    return Texts(
        "The account has no Exchange Online mailbox",
        f"{account} has no mailbox in Exchange Online that Graph can use: it has no Exchange Online "
        "licence, the mailbox is inactive or soft-deleted, or it is hosted on-premises.",
        f"Microsoft 365 admin center > Users > Active users > {account} > Licenses and apps: assign a licence "
        "that includes Exchange Online, wait for the mailbox to be created (up to an hour), then send again. "
        'For an on-premises mailbox, use service = "exchange-server" instead.',
        verdict="settings",
    )


def _token_rejected(r: GraphReply) -> Texts:
    return Texts(
        "Sign-in token rejected: sign in again",
        f"Graph did not accept the access token for {r.ctx.account_ref}: it expired, was revoked, or was issued for "
        "another cloud or resource.",
        "Run `alloy-tui login` to sign in again. If it keeps happening, check [exchange_online] cloud and "
        "graph_endpoint point at the same Microsoft cloud.",
        verdict="service",  # sign-in needed (the runner first refreshes the token once)
    )


def _bad_recipient(r: GraphReply) -> Texts:
    return Texts(
        "A recipient address is not valid",
        f"Exchange rejected at least one recipient address. Microsoft says: {r.said or 'invalid recipients'}",
        "Check every recipient address for typos (alloy-tui validates the syntax; Exchange checks the rest) and send again.",
        verdict="recipients",
    )


def _mailbox_not_found(r: GraphReply) -> Texts:
    ctx = r.ctx
    target = ctx.from_address or ctx.account_ref
    return Texts(
        "Mailbox not found",
        f"Exchange Online does not know the mailbox {target}. Microsoft says: {r.said or r.code}",
        f"Check the From address ({ctx.from_address or 'not set'}) and the signed-in account ({ctx.account_ref}) "
        "are real mailboxes in this tenant (Exchange admin center > Recipients > Mailboxes).",
        verdict="message",  # the From this message names
    )


def _blocked_from_sending(r: GraphReply) -> Texts:
    account = r.ctx.account_ref
    return Texts(
        "The account is blocked from sending",
        f"Exchange Online has restricted {account} from sending mail, usually after it exceeded sending limits or looked like spam.",
        "Microsoft Defender portal (security.microsoft.com) > Email & collaboration > Review > Restricted entities: "
        f"release {account}, then find out why it was blocked before sending again.",
        verdict="settings",  # nothing goes until an admin releases the account
    )


def _too_large(r: GraphReply) -> Texts:
    # The message's size is this message's problem; a full mailbox or a submission quota stops
    # every message until it clears.
    quota = r.code in ("ErrorQuotaExceeded", "ErrorSubmissionQuotaExceeded")
    return Texts(
        "Message too large or mailbox over quota",
        f"Exchange refused the message: {r.said or r.code}",
        "Send a smaller message, or free space in the sending mailbox (Exchange admin center > Mailboxes > quota).",
        verdict="service" if quota else "message",
    )


def _throttled(r: GraphReply) -> Texts:
    wait = header(r.headers, "Retry-After").strip()
    if wait:
        r.details["retry_after"] = wait
    code = f" {r.code}" if r.code else ""
    asked = f"It asked to wait {wait} s (Retry-After). " if wait else ""
    return Texts(
        "Microsoft is throttling requests" if r.status != 503 else "Microsoft Graph is busy",
        f"Graph answered {r.status}{code}: too many requests for this app or mailbox, "
        f"or the service is busy. {asked}Exchange also limits a mailbox to 30 messages per minute.",
        "alloy-tui waits for Retry-After and retries a few times on its own; if it still fails, send less "
        "often (at most 30 messages per minute per mailbox) or spread notifications over more mailboxes.",
        retryable=True,
        verdict="service",
    )


def _not_found(r: GraphReply) -> Texts:
    code = f" {r.code}" if r.code else ""
    return Texts(
        "Graph address not found",
        f"Graph answered 404{code}: the address does not exist. {r.said}".strip(),
        "Leave [exchange_online] graph_endpoint empty (the cloud's default) or set it to the service root, e.g. "
        "https://graph.microsoft.com, without /v1.0.",
        verdict="settings",
    )


def _server_error(r: GraphReply) -> Texts:
    code = f" {r.code}" if r.code else ""
    return Texts(
        "Microsoft Graph had a server error",
        f"Graph answered {r.status}{code}; this is on Microsoft's side. {r.said}".strip(),
        "Try again in a few minutes; check https://status.office.com (Service health in the Microsoft 365 admin center) if it persists.",
        retryable=True,
        verdict="service",
    )


def unknown(r: GraphReply) -> Texts:
    label = r.code or f"HTTP {r.status}"
    return Texts(
        f"Graph refused the message ({label})",
        f"Microsoft Graph answered {r.status} {r.code}: {r.said or 'no details given'}".replace(
            "  ", " "
        ),
        "Check the alert log entry for details and the request id; search Microsoft's documentation for "
        f"'{label}', or report it to your Microsoft 365 admin with the request id.",
        verdict=status_verdict(r.status),
    )


def status_verdict(status: int) -> str:
    """An HTTP status no row knows: 401 a sign-in (the service), 403 the settings, 408 this
    message again, 429 and 5xx the service, any other 4xx this message (it never goes as it is)."""
    if status == 403:
        return "settings"
    if status == 408:
        return "retry"
    if status in (401, 429) or status >= 500 or status < 400:
        return "service"
    return "message"


def _rows(builder: Builder, *codes: str) -> dict[str, Builder]:
    return dict.fromkeys(codes, builder)


# The error code decides, whatever the HTTP status.
CODES: dict[str, Builder] = {
    **_rows(_send_as_denied, "ErrorSendAsDenied"),
    **_rows(_access_denied, "ErrorAccessDenied"),
    **_rows(
        _no_mailbox,
        "ErrorMailboxNotEnabledForRESTAPI",
        "MailboxNotEnabledForRESTAPI",
        "ErrorMailboxNotEnabledForRESTAPIV2",
    ),
    **_rows(_token_rejected, "InvalidAuthenticationToken"),
    **_rows(
        _bad_recipient,
        "ErrorInvalidRecipients",
        "ErrorInvalidRecipientsAddress",
        "ErrorMailRecipientNotFound",
    ),
    **_rows(
        _mailbox_not_found, "ErrorInvalidUser", "ErrorNonExistentMailbox", "ErrorInvalidSmtpAddress"
    ),
    **_rows(_blocked_from_sending, "ErrorMessageSubmissionBlocked"),
    **_rows(
        _too_large, "ErrorMessageSizeExceeded", "ErrorQuotaExceeded", "ErrorSubmissionQuotaExceeded"
    ),
    **_rows(
        _throttled,
        "ApplicationThrottled",
        "TooManyRequests",
        "MailboxConcurrency",
        "ErrorServerBusy",
    ),
}
# Codes that decide only together with the status (a 429 saying ResourceNotFound is throttling).
DENIED_WITH_403 = {"AccessDenied", "Authorization_RequestDenied"}
NOT_FOUND = {"ResourceNotFound", "Request_ResourceNotFound"}


def by_status(r: GraphReply) -> Builder:
    """The row for a code the table does not decide on its own: by HTTP status, in this order."""
    if r.status == 403 and r.code in DENIED_WITH_403:
        return _access_denied
    if r.status == 401 and not r.code:
        return _token_rejected
    if r.status in (429, 503):
        return _throttled
    if r.code in NOT_FOUND or r.status == 404:
        return _not_found
    if r.status >= 500:
        return _server_error
    return unknown
