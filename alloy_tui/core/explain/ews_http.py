"""EWS failures the table (ews_codes.py) hands on: an HTTP status inside exchangelib's error
text (403 EWS forbidden, 404, 5xx), a network error underneath, and the EWS allow-list fix
both use. No exchangelib import.
"""

from __future__ import annotations

import re
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, exception_chain, redact
from alloy_tui.core.explain.graph_codes import status_verdict


def ews_allow_list_fix(ctx: ExplainContext) -> str:
    app = ctx.client_id or "<your app's client id>"
    return (
        "An Exchange admin allows this app to use EWS (Exchange Online PowerShell, `Connect-ExchangeOnline`): "
        "`Set-OrganizationConfig -EwsEnabled $true`, then add the app id to the allow-list: "
        f'`Set-OrganizationConfig -EwsAllowedAppIDs @{{Add="{app}"}}` (check with '
        "`Get-OrganizationConfig | Format-List Ews*`; changes take up to 24 hours). Better: switch to Microsoft "
        'Graph ([exchange_online] api = "graph"), since EWS in Exchange Online ends on 1 Apr 2027.'
    )


def http_status(text: str) -> int:
    match = re.search(r"Code: (\d{3})\b", text)
    return int(match.group(1)) if match else 0


def network_cause(exc: BaseException) -> bool:
    from alloy_tui.core.explain.network import is_network_error

    return any(
        is_network_error(e) for e in exception_chain(exc) if e is not exc
    ) or "SSLError" in str(exc)


def network(exc: BaseException, ctx: ExplainContext) -> Explanation:
    from alloy_tui.core.explain.network import explain_network

    return explain_network(exc, ctx)


def http_failure(exc: BaseException, ctx: ExplainContext, status: int, said: str) -> Explanation:
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
            verdict="settings",
        )
    if status == 404:
        return Explanation(
            "EWS address not found (404)",
            f"{host} has nothing at the EWS path.",
            "Check the EWS endpoint: it is the full URL ending in /EWS/Exchange.asmx.",
            code="http.404",
            details=details,
            verdict="settings",
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
            verdict="service",
        )
    return Explanation(
        f"EWS request refused ({status})",
        f"{host} answered HTTP {status}{': ' + content if content else ''}.",
        "Check the EWS endpoint and the account; see the alert log entry for details.",
        code=f"http.{status}",
        details=details,
        verdict=status_verdict(status),
    )
