"""The EWS error table: exchangelib error class names -> (title, cause, fix) for this failure.

Used by ews.py, which picks the first row naming a class in the exception's MRO; kept apart
so each file stays small. No exchangelib import: class names say everything we need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, redact
from alloy_tui.core.explain.ews_http import (
    ews_allow_list_fix,
    http_failure,
    http_status,
    network,
    network_cause,
)
from alloy_tui.core.explain.graph_codes import send_on_behalf_texts

EWS_BLOCK_DATE = date(2026, 10, 1)
EWS_SHUTDOWN_DATE = date(2027, 4, 1)


@dataclass(frozen=True)
class EwsFailure:
    """The exception and what the builders read from it."""

    exc: BaseException
    ctx: ExplainContext
    names: list[str]  # exchangelib class names along the MRO (or the bare type name)
    said: str  # the first line of the error text, redacted
    details: dict[str, Any]  # builders may add (retry_after)

    @property
    def name(self) -> str:
        return self.names[0]


class Texts(NamedTuple):
    title: str
    cause: str
    fix: str
    retryable: bool = False
    verdict: str = ""  # one of errors.VERDICTS (what it means for the outbox)


# A row gives the texts, or a whole Explanation when another explainer knows better.
Builder = Callable[[EwsFailure], "Texts | Explanation"]


def _mailbox_fix(ctx: ExplainContext) -> str:
    if ctx.on_premises:
        return (
            "Check the addresses are real mailboxes (Exchange admin center > Recipients > Mailboxes, or "
            f"`Get-Mailbox {ctx.from_address or ctx.account_ref}` in the Exchange Management Shell)."
        )
    return (
        "Check the addresses are real mailboxes in this tenant (Exchange admin center > Recipients > Mailboxes); "
        f"the signed-in account ({ctx.account_ref}) needs an Exchange Online licence."
    )


def _send_on_behalf(f: EwsFailure) -> Texts:
    return Texts(*send_on_behalf_texts(f.ctx), verdict="message")  # this message's From


def _access_denied(f: EwsFailure) -> Texts:
    ctx, account = f.ctx, f.ctx.account_ref
    cause = (
        f"Exchange refused {account} access"
        + (f" to the mailbox of {ctx.from_address}" if ctx.on_behalf else "")
        + f". Exchange says: {f.said or f.name}"
    )
    if ctx.on_premises:
        fix = (
            f"Check {account} has a mailbox and may use EWS (Exchange Management Shell: "
            f"`Get-CASMailbox {account} | Format-List EwsEnabled` should not be False; "
            f"`Set-CASMailbox {account} -EwsEnabled $true` turns it on)."
        )
    else:
        fix = (
            "Check the token carries Office 365 Exchange Online > Delegated > EWS.AccessAsUser.All with admin "
            f"consent ({ctx.admin_consent_url()}), then `alloy-tui login`."
        )
    if ctx.on_behalf:
        fix += " For sending on behalf: " + send_on_behalf_texts(ctx)[2]
    if ctx.service == "exchange-online":
        fix += " If EWS is blocked for the tenant: " + ews_allow_list_fix(ctx)
    return Texts("Access denied to the mailbox", cause, fix, verdict="settings")


def _no_mailbox(f: EwsFailure) -> Texts:
    target = f.ctx.from_address or f.ctx.account_ref
    return Texts(
        "Mailbox not found",
        f"Exchange has no mailbox for {target}. Exchange says: {f.said or f.name}",
        _mailbox_fix(f.ctx),
        verdict="message",  # the From this message names
    )


def _account_disabled(f: EwsFailure) -> Texts:
    return Texts(
        "Account disabled",
        f"The account {f.ctx.account_ref} is disabled in Exchange.",
        "An admin enables the account (Microsoft 365 admin center > Users, or Active Directory on-premises).",
        verdict="settings",
    )


def _bad_recipient(f: EwsFailure) -> Texts:
    return Texts(
        "A recipient address is not valid",
        f"Exchange rejected a recipient. Exchange says: {f.said or f.name}",
        "Check every recipient address for typos and send again.",
        verdict="recipients",
    )


def _too_large(f: EwsFailure) -> Texts:
    quota = bool({"ErrorQuotaExceeded", "ErrorSubmissionQuotaExceeded"} & set(f.names))
    return Texts(
        "Message too large or mailbox over quota",
        f"Exchange refused the message. Exchange says: {f.said or f.name}",
        "Send a smaller message, or free space in the sending mailbox.",
        verdict="service" if quota else "message",
    )


def _throttled(f: EwsFailure) -> Texts:
    wait = getattr(f.exc, "back_off", None) or getattr(f.exc, "wait", None)
    if wait:
        f.details["retry_after"] = f"{float(wait):g}"
    return Texts(
        "Exchange is throttling requests",
        "Exchange answered that it is busy or that this account sends too much"
        + (f" and asked to wait {float(wait):g} s" if wait else "")
        + ". Exchange also limits a mailbox to 30 messages per minute.",
        "alloy-tui backs off and retries on its own; if it keeps failing, send less often (at most 30 messages per minute per mailbox).",
        retryable=True,
        verdict="service",
    )


def _unauthorized(f: EwsFailure) -> Texts:
    account = f.ctx.account_ref
    if "locked out" in f.said.lower():
        return Texts(
            "Account locked out",
            f"Exchange reports {account} is locked out.",
            "Wait for the lockout to end or ask an admin to unlock the account, then try again.",
            verdict="settings",
        )
    if f.ctx.on_premises:
        return Texts(
            "Exchange rejected the credentials",
            f"Exchange answered 401 for {account}: wrong user name or password, or the authentication method is not enabled.",
            "Check [exchange_server] username (DOMAIN\\user or user@domain), the password source "
            '(password_command / password_env), and auth = "ntlm" or "basic" matching the EWS virtual '
            "directory's authentication settings.",
            verdict="settings",
        )
    return _token_refused(f)


def _token_refused(f: EwsFailure) -> Texts:
    ctx = f.ctx
    blocked = (
        ", or EWS is blocked for this tenant/app (since 1 Oct 2026 EWS works only for app ids on the "
        "tenant's EWSAllowedAppIDs list)."
        if date.today() >= EWS_BLOCK_DATE
        else ", or EWS access is disabled for the tenant or this app (from 1 Oct 2026 EWS works only "
        "for app ids on the tenant's EWSAllowedAppIDs list)."
    )
    return Texts(
        "EWS refused the sign-in (401)",
        f"Exchange Online did not accept the token for {ctx.account_ref}: it expired or was revoked, the app lacks "
        "the EWS.AccessAsUser.All permission" + blocked,
        "1) Run `alloy-tui login` to sign in again. 2) Entra admin center > App registrations > "
        f"{ctx.app_ref} > API permissions: Office 365 Exchange Online > Delegated > EWS.AccessAsUser.All, "
        f"Grant admin consent ({ctx.admin_consent_url()}). 3) " + ews_allow_list_fix(ctx),
        verdict="service",  # sign-in needed (the runner first refreshes the token once)
    )


def _front_end(f: EwsFailure) -> Texts:
    cas = str(getattr(f.exc, "cas_error", "") or f.said)
    return Texts(
        "Exchange front-end error",
        f"The Exchange front-end (CAS) answered with an error: {redact(cas)}.",
        "Usually temporary: try again in a few minutes. If it persists, check the mailbox exists and the EWS endpoint is right.",
        retryable=True,
        verdict="service",
    )


SERVER_SIDE = {
    "ErrorMailboxStoreUnavailable": "The mailbox database is temporarily unavailable.",
    "ErrorMailboxMoveInProgress": "The mailbox is being moved between servers.",
    "ErrorInternalServerError": "Exchange had an internal error.",
    "ErrorInternalServerTransientError": "Exchange had a temporary internal error.",
    "ErrorConnectionFailed": "Exchange could not connect to the mailbox server.",
    "ErrorNoRespondingCASInDestinationSite": "No Exchange front-end server in the mailbox's site answered.",
    "ErrorTimeoutExpired": "The request to Exchange timed out.",
    "ErrorProxyRequestNotAllowed": "Exchange could not proxy the request to the mailbox's server.",
}


def _server_side(f: EwsFailure) -> Texts | Explanation:
    key = next(n for n in f.names if n in SERVER_SIDE)
    if key == "ErrorTimeoutExpired" and network_cause(f.exc):
        return network(f.exc, f.ctx)
    return Texts(
        "Exchange is temporarily unavailable",
        f"{SERVER_SIDE[key]} Exchange says: {f.said or key}",
        "Try again in a few minutes; alloy-tui retries the next send on its own. Check Service health in the Microsoft 365 admin center if it persists.",
        retryable=True,
        verdict="service",
    )


def _version_mismatch(f: EwsFailure) -> Texts:
    return Texts(
        "EWS version mismatch",
        f"The Exchange server does not accept the EWS schema version alloy-tui uses. Exchange says: {f.said or f.name}",
        "Check the EWS endpoint points at the right Exchange server (Exchange 2013 or later is required).",
        verdict="settings",
    )


def _not_ews(f: EwsFailure) -> Texts | Explanation:
    if "MalformedResponseError" in f.names and (status := http_status(f.said)):
        return http_failure(f.exc, f.ctx, status, f.said)
    return Texts(
        "The EWS address does not answer like EWS",
        f"The server at the EWS endpoint did not give an EWS answer ({f.said or f.name}).",
        "Check the EWS endpoint: it is the full URL ending in /EWS/Exchange.asmx "
        "(e.g. https://outlook.office365.com/EWS/Exchange.asmx, or https://mail.example.com/EWS/Exchange.asmx on-premises).",
        verdict="settings",
    )


def _plain_http(_f: EwsFailure) -> Texts:
    return Texts(
        "EWS endpoint must use https",
        "The EWS endpoint is a plain http:// URL, and a sign-in token is never sent over an unencrypted connection.",
        "Set the EWS endpoint to the https:// address.",
        verdict="settings",
    )


def _expired(f: EwsFailure) -> Texts:
    return Texts(
        "Sign-in expired: sign in again",
        f"The token for {f.ctx.account_ref} expired and could not be renewed.",
        "Run `alloy-tui login` to sign in again.",
        verdict="service",  # sign-in needed
    )


def unknown(f: EwsFailure) -> Texts:
    return Texts(
        f"EWS error ({f.name})",
        f"Exchange answered with {f.name}: {f.said or 'no details given'}",
        "See the alert log entry for details; search Microsoft's EWS documentation for the error code, or report it to your Exchange admin.",
        # An EWS response code (Error...) is Exchange's answer about this message; any other
        # exchangelib failure is the transport's, so the service's.
        verdict="message" if f.name.startswith("Error") else "service",
    )


# First row naming a class in the exception's MRO wins, so the order matters.
BY_CLASS: list[tuple[frozenset[str], Builder]] = [
    (frozenset({"ErrorSendAsDenied", "ErrorNotDelegate", "ErrorDelegateNoUser"}), _send_on_behalf),
    (frozenset({"ErrorAccessDenied", "ErrorImpersonateUserDenied"}), _access_denied),
    (frozenset({"ErrorNonExistentMailbox"}), _no_mailbox),
    (frozenset({"ErrorAccountDisabled"}), _account_disabled),
    (
        frozenset(
            {"ErrorInvalidRecipients", "ErrorInvalidSmtpAddress", "ErrorMailRecipientNotFound"}
        ),
        _bad_recipient,
    ),
    (
        frozenset(
            {"ErrorMessageSizeExceeded", "ErrorQuotaExceeded", "ErrorSubmissionQuotaExceeded"}
        ),
        _too_large,
    ),
    (
        frozenset(
            {
                "ErrorServerBusy",
                "RateLimitError",
                "ErrorTooManyObjectsOpened",
                "ErrorExceededConnectionCount",
            }
        ),
        _throttled,
    ),
    (frozenset({"UnauthorizedError"}), _unauthorized),
    (frozenset({"CASError"}), _front_end),
    (frozenset(SERVER_SIDE), _server_side),
    (
        frozenset(
            {
                "ErrorInvalidSchemaVersionForMailboxVersion",
                "ErrorInvalidServerVersion",
                "ErrorIncorrectSchemaVersion",
            }
        ),
        _version_mismatch,
    ),
    (frozenset({"MalformedResponseError", "RedirectError"}), _not_ews),
]
# oauthlib's errors (no exchangelib class in their MRO), by the exception's own class name.
BY_TYPE: dict[str, Builder] = {
    "InsecureTransportError": _plain_http,
    "TokenExpiredError": _expired,
    "InvalidGrantError": _expired,
    "InvalidClientIdError": _expired,
}
