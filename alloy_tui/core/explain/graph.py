"""Microsoft Graph sendMail errors -> what to change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, first_sentence, header, redact

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


def _graph_error(body: Mapping[str, Any] | None) -> tuple[str, str, Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        return "", "", {}
    err = body.get("error")
    if isinstance(err, Mapping):
        inner = err.get("innerError") or err.get("innererror") or {}
        return (
            str(err.get("code") or ""),
            str(err.get("message") or ""),
            inner if isinstance(inner, Mapping) else {},
        )
    if isinstance(err, str):  # OAuth-style {"error": "...", "error_description": "..."}
        return err, str(body.get("error_description") or ""), {}
    return "", "", {}


def graph_request_id(body: Mapping[str, Any] | None, headers: Mapping[str, str] | None) -> str:
    _, _, inner = _graph_error(body)
    for key in ("request-id", "requestId", "client-request-id"):
        if inner.get(key):
            return str(inner[key])
    return header(headers, "request-id") or header(headers, "client-request-id")


def _retry_after(headers: Mapping[str, str] | None) -> str:
    value = header(headers, "Retry-After").strip()
    return value


def explain_graph(
    status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str], ctx: ExplainContext
) -> Explanation:
    """A Graph error response (status, parsed JSON body or None, headers) -> Explanation."""
    code, message, _inner = _graph_error(body)
    request_id = graph_request_id(body, headers)
    said = first_sentence(message)
    details: dict[str, Any] = {"status": status}
    if said:
        details["microsoft_says"] = said
    retryable = False
    account = ctx.account_ref

    if code == "ErrorSendAsDenied":
        title, cause, fix = send_on_behalf_texts(ctx)
    elif code == "ErrorAccessDenied" or (
        status == 403 and code in ("AccessDenied", "Authorization_RequestDenied")
    ):
        if ctx.on_behalf:
            who = f" or to the mailbox of {ctx.from_address}"
        else:
            who = ""
        title = "Access denied to the mailbox"
        cause = (
            f"Graph refused the request for {account}: the app has no consented Mail.Send permission{who}, "
            "or an Exchange application access policy or RBAC scope excludes this mailbox."
        )
        fix = (
            f"Entra admin center ({ctx.admin_center}) > App registrations > {ctx.app_ref} > API permissions: add "
            f"{ctx.scopes_text()} and Grant admin consent (or open {ctx.admin_consent_url()}). "
            "Then run `alloy-tui login` so the new permission is in the token."
        )
        if ctx.on_behalf:
            fix += " For sending on behalf: " + send_on_behalf_fix(ctx)
    elif code in (
        "ErrorMailboxNotEnabledForRESTAPI",
        "MailboxNotEnabledForRESTAPI",
        "ErrorMailboxNotEnabledForRESTAPIV2",
    ):
        title = "The account has no Exchange Online mailbox"
        cause = (
            f"{account} has no mailbox in Exchange Online that Graph can use: it has no Exchange Online "
            "licence, the mailbox is inactive or soft-deleted, or it is hosted on-premises."
        )
        fix = (
            f"Microsoft 365 admin center > Users > Active users > {account} > Licenses and apps: assign a licence "
            "that includes Exchange Online, wait for the mailbox to be created (up to an hour), then send again. "
            'For an on-premises mailbox, use service = "exchange-server" instead.'
        )
    elif code == "InvalidAuthenticationToken" or (status == 401 and not code):
        title = "Sign-in token rejected: sign in again"
        cause = (
            f"Graph did not accept the access token for {account}: it expired, was revoked, or was issued for "
            "another cloud or resource."
        )
        fix = (
            "Run `alloy-tui login` to sign in again. If it keeps happening, check [exchange_online] cloud and "
            "graph_endpoint point at the same Microsoft cloud."
        )
    elif code in (
        "ErrorInvalidRecipients",
        "ErrorInvalidRecipientsAddress",
        "ErrorMailRecipientNotFound",
    ):
        title = "A recipient address is not valid"
        cause = f"Exchange rejected at least one recipient address. Microsoft says: {said or 'invalid recipients'}"
        fix = "Check every recipient address for typos (alloy-tui validates the syntax; Exchange checks the rest) and send again."
    elif code in ("ErrorInvalidUser", "ErrorNonExistentMailbox", "ErrorInvalidSmtpAddress"):
        target = ctx.from_address or account
        title = "Mailbox not found"
        cause = (
            f"Exchange Online does not know the mailbox {target}. Microsoft says: {said or code}"
        )
        fix = (
            f"Check the From address ({ctx.from_address or 'not set'}) and the signed-in account ({account}) "
            "are real mailboxes in this tenant (Exchange admin center > Recipients > Mailboxes)."
        )
    elif code == "ErrorMessageSubmissionBlocked":
        title = "The account is blocked from sending"
        cause = f"Exchange Online has restricted {account} from sending mail, usually after it exceeded sending limits or looked like spam."
        fix = (
            "Microsoft Defender portal (security.microsoft.com) > Email & collaboration > Review > Restricted entities: "
            f"release {account}, then find out why it was blocked before sending again."
        )
    elif code in ("ErrorMessageSizeExceeded", "ErrorQuotaExceeded", "ErrorSubmissionQuotaExceeded"):
        title = "Message too large or mailbox over quota"
        cause = f"Exchange refused the message: {said or code}"
        fix = "Send a smaller message, or free space in the sending mailbox (Exchange admin center > Mailboxes > quota)."
    elif status in (429, 503) or code in (
        "ApplicationThrottled",
        "TooManyRequests",
        "MailboxConcurrency",
        "ErrorServerBusy",
    ):
        retryable = True
        wait = _retry_after(headers)
        if wait:
            details["retry_after"] = wait
        title = "Microsoft is throttling requests" if status != 503 else "Microsoft Graph is busy"
        cause = (
            f"Graph answered {status}{' ' + code if code else ''}: too many requests for this app or mailbox, "
            f"or the service is busy. {f'It asked to wait {wait} s (Retry-After). ' if wait else ''}Exchange also "
            "limits a mailbox to 30 messages per minute."
        )
        fix = (
            "alloy-tui waits for Retry-After and retries a few times on its own; if it still fails, send less "
            "often (at most 30 messages per minute per mailbox) or spread notifications over more mailboxes."
        )
    elif code in ("ResourceNotFound", "Request_ResourceNotFound") or status == 404:
        title = "Graph address not found"
        cause = f"Graph answered 404{' ' + code if code else ''}: the address does not exist. {said}".strip()
        fix = (
            "Leave [exchange_online] graph_endpoint empty (the cloud's default) or set it to the service root, e.g. "
            "https://graph.microsoft.com, without /v1.0."
        )
    elif status >= 500:
        retryable = True
        title = "Microsoft Graph had a server error"
        cause = f"Graph answered {status}{' ' + code if code else ''}; this is on Microsoft's side. {said}".strip()
        fix = "Try again in a few minutes; check https://status.office.com (Service health in the Microsoft 365 admin center) if it persists."
    else:
        label = code or f"HTTP {status}"
        title = f"Graph refused the message ({label})"
        cause = f"Microsoft Graph answered {status} {code}: {said or 'no details given'}".replace(
            "  ", " "
        )
        fix = (
            "Check the alert log entry for details and the request id; search Microsoft's documentation for "
            f"'{label}', or report it to your Microsoft 365 admin with the request id."
        )
    return Explanation(
        title=title,
        cause=redact(cause),
        fix=redact(fix),
        code=code or f"http.{status}",
        request_id=request_id,
        retryable=retryable,
        details=details,
    )
