"""EWS (exchangelib) errors -> what to change (the table is in `ews_codes`).

Dispatch is by class name along the MRO, so this module never imports exchangelib: the Graph
path must not load it, and an exception object already tells us everything we need.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, first_line, redact
from alloy_tui.core.explain.ews_codes import (
    BY_CLASS,
    BY_TYPE,
    EWS_BLOCK_DATE,
    EWS_SHUTDOWN_DATE,
    Builder,
    EwsFailure,
    unknown,
)
from alloy_tui.core.explain.ews_http import network, network_cause

__all__ = [
    "EWS_BLOCK_DATE",
    "EWS_SHUTDOWN_DATE",
    "ews_retirement_warning",
    "explain_ews",
    "is_exchangelib_error",
]


def _names(exc: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("exchangelib")]


def is_exchangelib_error(exc: BaseException) -> bool:
    return any(
        cls.__module__.startswith(("exchangelib", "oauthlib", "requests_oauthlib"))
        for cls in type(exc).__mro__
    )


def _row(failure: EwsFailure) -> Builder | None:
    """The first `BY_CLASS` row naming a class of the exception, else its `BY_TYPE` row."""
    for names, builder in BY_CLASS:
        if any(n in names for n in failure.names):
            return builder
    return BY_TYPE.get(type(failure.exc).__name__)


def explain_ews(exc: BaseException, ctx: ExplainContext) -> Explanation:
    """An exchangelib (or oauthlib) exception from an EWS send -> Explanation."""
    names = _names(exc) or [type(exc).__name__]
    said = first_line(str(exc))
    details: dict[str, Any] = {"error_type": names[0]}
    if said:
        details["exchange_says"] = said
    failure = EwsFailure(exc, ctx, names, said, details)
    builder = _row(failure)
    if builder is None and network_cause(exc):
        return network(exc, ctx)
    texts = (builder or unknown)(failure)
    if isinstance(texts, Explanation):
        return texts
    return Explanation(
        title=texts.title,
        cause=redact(texts.cause),
        fix=redact(texts.fix),
        code=names[0],
        retryable=texts.retryable,
        details=details,
        verdict=texts.verdict or "service",
    )


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
