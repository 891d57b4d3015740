"""EWS (exchangelib) errors -> what to change.

Dispatch is by class name along the MRO, so this module never imports exchangelib: the Graph
path must not load it, and an exception object already tells us everything we need.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, exception_chain, first_line, redact
from alloy_tui.core.explain.graph import send_on_behalf_texts

EWS_BLOCK_DATE = date(2026, 10, 1)
EWS_SHUTDOWN_DATE = date(2027, 4, 1)


def _names(exc: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("exchangelib")]


def is_exchangelib_error(exc: BaseException) -> bool:
    return any(
        cls.__module__.startswith(("exchangelib", "oauthlib", "requests_oauthlib"))
        for cls in type(exc).__mro__
    )


def ews_allow_list_fix(ctx: ExplainContext) -> str:
    app = ctx.client_id or "<your app's client id>"
    return (
        "An Exchange admin allows this app to use EWS (Exchange Online PowerShell, `Connect-ExchangeOnline`): "
        "`Set-OrganizationConfig -EwsEnabled $true`, then add the app id to the allow-list: "
        f'`Set-OrganizationConfig -EwsAllowedAppIDs @{{Add="{app}"}}` (check with '
        "`Get-OrganizationConfig | Format-List Ews*`; changes take up to 24 hours). Better: switch to Microsoft "
        'Graph ([exchange_online] api = "graph"), since EWS in Exchange Online ends on 1 Apr 2027.'
    )


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


_SERVER_SIDE = {
    "ErrorMailboxStoreUnavailable": "The mailbox database is temporarily unavailable.",
    "ErrorMailboxMoveInProgress": "The mailbox is being moved between servers.",
    "ErrorInternalServerError": "Exchange had an internal error.",
    "ErrorInternalServerTransientError": "Exchange had a temporary internal error.",
    "ErrorConnectionFailed": "Exchange could not connect to the mailbox server.",
    "ErrorNoRespondingCASInDestinationSite": "No Exchange front-end server in the mailbox's site answered.",
    "ErrorTimeoutExpired": "The request to Exchange timed out.",
    "ErrorProxyRequestNotAllowed": "Exchange could not proxy the request to the mailbox's server.",
}
_THROTTLE = {
    "ErrorServerBusy",
    "RateLimitError",
    "ErrorTooManyObjectsOpened",
    "ErrorExceededConnectionCount",
}
_RECIPIENT = {"ErrorInvalidRecipients", "ErrorInvalidSmtpAddress", "ErrorMailRecipientNotFound"}


def explain_ews(exc: BaseException, ctx: ExplainContext) -> Explanation:
    """An exchangelib (or oauthlib) exception from an EWS send -> Explanation."""
    names = _names(exc) or [type(exc).__name__]
    name = names[0]
    said = first_line(str(exc))
    details: dict[str, Any] = {"error_type": name}
    if said:
        details["exchange_says"] = said
    account = ctx.account_ref
    retryable = False
    code = name

    def has(*candidates: str) -> bool:
        return any(c in names for c in candidates)

    if has("ErrorSendAsDenied"):
        title, cause, fix = send_on_behalf_texts(ctx)
    elif has("ErrorNotDelegate", "ErrorDelegateNoUser"):
        title, cause, fix = send_on_behalf_texts(ctx)
    elif has("ErrorAccessDenied", "ErrorImpersonateUserDenied"):
        title = "Access denied to the mailbox"
        cause = (
            f"Exchange refused {account} access"
            + (f" to the mailbox of {ctx.from_address}" if ctx.on_behalf else "")
            + f". Exchange says: {said or name}"
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
    elif has("ErrorNonExistentMailbox"):
        target = ctx.from_address or account
        title = "Mailbox not found"
        cause = f"Exchange has no mailbox for {target}. Exchange says: {said or name}"
        fix = _mailbox_fix(ctx)
    elif has("ErrorAccountDisabled"):
        title = "Account disabled"
        cause = f"The account {account} is disabled in Exchange."
        fix = "An admin enables the account (Microsoft 365 admin center > Users, or Active Directory on-premises)."
    elif has(*_RECIPIENT):
        title = "A recipient address is not valid"
        cause = f"Exchange rejected a recipient. Exchange says: {said or name}"
        fix = "Check every recipient address for typos and send again."
    elif has("ErrorMessageSizeExceeded", "ErrorQuotaExceeded", "ErrorSubmissionQuotaExceeded"):
        title = "Message too large or mailbox over quota"
        cause = f"Exchange refused the message. Exchange says: {said or name}"
        fix = "Send a smaller message, or free space in the sending mailbox."
    elif has(*_THROTTLE):
        retryable = True
        wait = getattr(exc, "back_off", None) or getattr(exc, "wait", None)
        if wait:
            details["retry_after"] = f"{float(wait):g}"
        title = "Exchange is throttling requests"
        cause = (
            "Exchange answered that it is busy or that this account sends too much"
            + (f" and asked to wait {float(wait):g} s" if wait else "")
            + ". Exchange also limits a mailbox to 30 messages per minute."
        )
        fix = "alloy-tui backs off and retries on its own; if it keeps failing, send less often (at most 30 messages per minute per mailbox)."
    elif has("UnauthorizedError"):
        if "locked out" in said.lower():
            title = "Account locked out"
            cause = f"Exchange reports {account} is locked out."
            fix = (
                "Wait for the lockout to end or ask an admin to unlock the account, then try again."
            )
        elif ctx.on_premises:
            title = "Exchange rejected the credentials"
            cause = f"Exchange answered 401 for {account}: wrong user name or password, or the authentication method is not enabled."
            fix = (
                "Check [exchange_server] username (DOMAIN\\user or user@domain), the password source "
                '(password_command / password_env), and auth = "ntlm" or "basic" matching the EWS virtual '
                "directory's authentication settings."
            )
        else:
            title = "EWS refused the sign-in (401)"
            after_block = date.today() >= EWS_BLOCK_DATE
            cause = (
                f"Exchange Online did not accept the token for {account}: it expired or was revoked, the app lacks "
                "the EWS.AccessAsUser.All permission"
                + (
                    ", or EWS is blocked for this tenant/app (since 1 Oct 2026 EWS works only for app ids on the "
                    "tenant's EWSAllowedAppIDs list)."
                    if after_block
                    else ", or EWS access is disabled for the tenant or this app (from 1 Oct 2026 EWS works only "
                    "for app ids on the tenant's EWSAllowedAppIDs list)."
                )
            )
            fix = (
                "1) Run `alloy-tui login` to sign in again. 2) Entra admin center > App registrations > "
                f"{ctx.app_ref} > API permissions: Office 365 Exchange Online > Delegated > EWS.AccessAsUser.All, "
                f"Grant admin consent ({ctx.admin_consent_url()}). 3) " + ews_allow_list_fix(ctx)
            )
    elif has("CASError"):
        cas = str(getattr(exc, "cas_error", "") or said)
        retryable = True
        title = "Exchange front-end error"
        cause = f"The Exchange front-end (CAS) answered with an error: {redact(cas)}."
        fix = "Usually temporary: try again in a few minutes. If it persists, check the mailbox exists and the EWS endpoint is right."
    elif has(*_SERVER_SIDE):
        retryable = True
        key = next(n for n in names if n in _SERVER_SIDE)
        title = "Exchange is temporarily unavailable"
        cause = f"{_SERVER_SIDE[key]} Exchange says: {said or key}"
        fix = "Try again in a few minutes; alloy-tui retries the next send on its own. Check Service health in the Microsoft 365 admin center if it persists."
        if key == "ErrorTimeoutExpired" and _network_cause(exc):
            return _network(exc, ctx)
    elif has(
        "ErrorInvalidSchemaVersionForMailboxVersion",
        "ErrorInvalidServerVersion",
        "ErrorIncorrectSchemaVersion",
    ):
        title = "EWS version mismatch"
        cause = f"The Exchange server does not accept the EWS schema version alloy-tui uses. Exchange says: {said or name}"
        fix = "Check the EWS endpoint points at the right Exchange server (Exchange 2013 or later is required)."
    elif has("MalformedResponseError") and _http_status(said):
        return _http_failure(exc, ctx, _http_status(said), said)
    elif has("MalformedResponseError", "RedirectError"):
        title = "The EWS address does not answer like EWS"
        cause = f"The server at the EWS endpoint did not give an EWS answer ({said or name})."
        fix = (
            "Check the EWS endpoint: it is the full URL ending in /EWS/Exchange.asmx "
            "(e.g. https://outlook.office365.com/EWS/Exchange.asmx, or https://mail.example.com/EWS/Exchange.asmx on-premises)."
        )
    elif type(exc).__name__ == "InsecureTransportError":
        title = "EWS endpoint must use https"
        cause = "The EWS endpoint is a plain http:// URL, and a sign-in token is never sent over an unencrypted connection."
        fix = "Set the EWS endpoint to the https:// address."
    elif type(exc).__name__ in ("TokenExpiredError", "InvalidGrantError", "InvalidClientIdError"):
        title = "Sign-in expired: sign in again"
        cause = f"The token for {account} expired and could not be renewed."
        fix = "Run `alloy-tui login` to sign in again."
    elif _network_cause(exc):
        return _network(exc, ctx)
    else:
        title = f"EWS error ({name})"
        cause = f"Exchange answered with {name}: {said or 'no details given'}"
        fix = "See the alert log entry for details; search Microsoft's EWS documentation for the error code, or report it to your Exchange admin."
    return Explanation(
        title=title,
        cause=redact(cause),
        fix=redact(fix),
        code=code,
        retryable=retryable,
        details=details,
    )


def _http_status(text: str) -> int:
    match = re.search(r"Code: (\d{3})\b", text)
    return int(match.group(1)) if match else 0


def _http_failure(exc: BaseException, ctx: ExplainContext, status: int, said: str) -> Explanation:
    """exchangelib's 'Unknown failure in response. Code: 403 headers: ... content: ...'."""
    content = said.split("content:", 1)[1].strip() if "content:" in said else ""
    content = redact(content[:200])
    details: dict[str, Any] = {"error_type": type(exc).__name__, "status": status}
    if content:
        details["exchange_says"] = content
    host = ctx.host or "the EWS endpoint"
    if status == 403:
        if ctx.on_premises:
            fix = (
                f"Check {ctx.account_ref} may use EWS (Exchange Management Shell: `Set-CASMailbox {ctx.account_ref} "
                "-EwsEnabled $true`), and the EWS virtual directory's authentication settings in IIS / "
                "`Get-WebServicesVirtualDirectory | Format-List *Authentication*`."
            )
        else:
            fix = ews_allow_list_fix(ctx)
        return Explanation(
            "EWS access forbidden (403)",
            f"{host} refused EWS for {ctx.account_ref} with HTTP 403"
            + (
                ": EWS is turned off for this mailbox or organisation, or this app's id is not on the tenant's "
                "EWSAllowedAppIDs list (required since 1 Oct 2026)."
                if not ctx.on_premises
                else ": EWS is turned off for this mailbox, or the server refuses this authentication method."
            ),
            fix,
            code="http.403",
            details=details,
        )
    if status == 404:
        return Explanation(
            "EWS address not found (404)",
            f"{host} has nothing at the EWS path.",
            "Check the EWS endpoint: it is the full URL ending in /EWS/Exchange.asmx.",
            code="http.404",
            details=details,
        )
    if status >= 500:
        return Explanation(
            f"Exchange server error ({status})",
            f"{host} answered HTTP {status}: the server had a problem{': ' + content if content else ''}.",
            "Usually temporary: try again in a few minutes; if it persists, check the server's health "
            "(Service health in the Microsoft 365 admin center, or the Exchange server's event log).",
            code=f"http.{status}",
            retryable=True,
            details=details,
        )
    return Explanation(
        f"EWS request refused ({status})",
        f"{host} answered HTTP {status}{': ' + content if content else ''}.",
        "Check the EWS endpoint and the account; see the alert log entry for details.",
        code=f"http.{status}",
        details=details,
    )


def _network_cause(exc: BaseException) -> bool:
    from alloy_tui.core.explain.network import is_network_error

    return any(
        is_network_error(e) for e in exception_chain(exc) if e is not exc
    ) or "SSLError" in str(exc)


def _network(exc: BaseException, ctx: ExplainContext) -> Explanation:
    from alloy_tui.core.explain.network import explain_network

    return explain_network(exc, ctx)


def ews_retirement_warning(today: date | None = None, *, client_id: str = "") -> Explanation:
    """The warning shown whenever EWS is chosen for Exchange Online; wording follows the date."""
    today = today or date.today()
    app = client_id or "this app's client id"
    allow = (
        f"an Exchange admin runs `Set-OrganizationConfig -EwsEnabled $true` and "
        f'`Set-OrganizationConfig -EwsAllowedAppIDs @{{Add="{client_id or "<client id>"}"}}`'
    )
    graph = 'Use Microsoft Graph instead ([exchange_online] api = "graph", the default).'
    details = {
        "block_date": EWS_BLOCK_DATE.isoformat(),
        "shutdown_date": EWS_SHUTDOWN_DATE.isoformat(),
    }
    if today >= EWS_SHUTDOWN_DATE:
        return Explanation(
            "EWS in Exchange Online has been turned off",
            "Microsoft turned off Exchange Web Services in Exchange Online permanently on 1 Apr 2027; EWS sends "
            "to Exchange Online will fail. (Exchange Server on-premises is not affected.)",
            graph,
            code="ews-retired",
            details=details,
        )
    days = (EWS_SHUTDOWN_DATE - today).days
    if today >= EWS_BLOCK_DATE:
        return Explanation(
            "EWS in Exchange Online is now blocked unless allow-listed",
            f"Since 1 Oct 2026 Exchange Online blocks EWS unless the tenant allow-lists the app id ({app}) with "
            f"EWSEnabled and EWSAllowedAppIDs; on 1 Apr 2027 (in {days} days) EWS is turned off for good.",
            f"{graph} To keep EWS until then, {allow}.",
            code="ews-retirement",
            details=details,
        )
    return Explanation(
        "EWS in Exchange Online is being retired",
        f"From 1 Oct 2026 Exchange Online blocks EWS unless the tenant allow-lists the app id ({app}) with "
        "EWSEnabled and EWSAllowedAppIDs, and on 1 Apr 2027 it turns EWS off permanently.",
        f"{graph} To keep EWS until 1 Apr 2027, before 1 Oct 2026 {allow}.",
        code="ews-retirement",
        details=details,
    )
