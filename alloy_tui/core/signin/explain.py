"""Sign-in explanations that need the token cache: not signed in, and a new consent needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import Explanation
from alloy_tui.core.net import clouds
from alloy_tui.core.signin import cache_read as auth_cache

CONSENT_CODES = {"65001", "90094", "90095", "65004"}


def not_signed_in(cache_path: Path, who: str, damaged: bool, why: str = "") -> Explanation:
    cause = (
        f"The token cache ({cache_path}) holds no usable sign-in for {who}."
        if who
        else f"No Microsoft 365 account is signed in (token cache {cache_path})."
    )
    if damaged:
        cause = (
            f"The token cache {cache_path} is damaged ({why or 'it is not a token cache alloy-tui wrote'}), "
            "so no sign-in can be read from it. The next sign-in (or `alloy-tui logout`) keeps it as "
            f"{cache_path.name}.damaged and writes a fresh cache."
        )
    return Explanation(
        title="Not signed in",
        cause=cause,
        fix="Run `alloy-tui login` (or the wizard's Sign in step) and enter the code shown.",
        code="not_signed_in",
        verdict="service",
    )


def is_consent_error(result: dict[str, Any]) -> bool:
    codes = {str(c) for c in result.get("error_codes") or []}
    return bool(
        codes & CONSENT_CODES
        or result.get("suberror") == "consent_required"
        or result.get("error") == "consent_required"
    )


def has_shared_scope(
    view: auth_cache.CacheView, account: dict[str, Any], settings: Settings
) -> bool:
    """Whether any cached access token of this account was granted Mail.Send.Shared."""
    shared = f"{clouds.cloud(settings).graph_resource}/{clouds.GRAPH_SHARED_SCOPE}".lower()
    q = {
        "home_account_id": account.get("home_account_id"),
        "environment": account.get("environment"),
    }
    return any(
        shared in str(at.get("target", "")).lower().split()
        for at in view.search(auth_cache.ACCESS_TOKEN, query=q)
    )


def delegation_consent(
    ex: Explanation,
    result: dict[str, Any],
    settings: Settings,
    view: auth_cache.CacheView,
    account: dict[str, Any],
    username: str,
) -> Explanation:
    """'From' delegation was turned on after the sign-in: the saved sign-in has no
    Mail.Send.Shared and Microsoft refused to add it silently. Say so, and how to fix it."""
    if not is_consent_error(result) or has_shared_scope(view, account, settings):
        return ex
    ex.title = "Sending on behalf needs a new consent (Mail.Send.Shared)"
    ex.cause = (
        "'From' address delegation is on, so alloy-tui now asks for Mail.Send.Shared, but the saved "
        f"sign-in of {username or 'the account'} was made without it and Microsoft refused to add "
        f"it silently. {ex.cause}"
    )
    ex.fix = (
        "Grant the app the delegated permission Microsoft Graph > Mail.Send.Shared (Entra admin "
        f"center > App registrations > {settings.exchange_online.client_id} > API permissions > Add "
        "> Grant admin consent), then run `alloy-tui login` (or the wizard's Sign in step) so the "
        f"sign-in includes it. {ex.fix}"
    )
    ex.code = ex.code or "consent_required"
    return ex
