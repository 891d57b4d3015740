"""Entra ID (AADSTS) sign-in errors, as MSAL returns them, turned into the setting to change."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, first_line, first_sentence, redact
from alloy_tui.core.explain.entra_codes import (
    AADSTS,
    ERRORS,
    RT_CAUSES,
    SUBERRORS,
    explain_tenant_not_found_texts,
    relogin,
)

__all__ = ["AADSTS", "aad_code", "explain_aad", "explain_msal_value_error"]

_CODE_RE = re.compile(r"AADSTS(\d{4,7})")
_CODE_PREFIX = re.compile(r"^AADSTS\d+:\s*")


def aad_code(result: Mapping[str, Any]) -> str:
    """The AADSTS number from an MSAL result: error_codes[0], or the one quoted in the description."""
    codes = result.get("error_codes") or []
    if isinstance(codes, list | tuple) and codes:
        return str(codes[0])
    match = _CODE_RE.search(str(result.get("error_description") or ""))
    return match.group(1) if match else ""


def explain_aad(result: Mapping[str, Any], ctx: ExplainContext) -> Explanation:
    """An MSAL error dict (`{"error", "error_description", "error_codes", ...}`) -> Explanation."""
    error = str(result.get("error") or "")
    desc = str(result.get("error_description") or "")
    suberror = str(result.get("suberror") or "")
    code = aad_code(result)
    request_id = str(result.get("trace_id") or result.get("correlation_id") or "")
    details: dict[str, Any] = {"error": error}
    if code:
        details["aadsts"] = code
    if suberror:
        details["suberror"] = suberror
    if result.get("correlation_id"):
        details["correlation_id"] = str(result["correlation_id"])
    if desc:
        details["microsoft_says"] = first_sentence(desc)

    if suberror == "consent_required" or (
        error == "invalid_grant" and code in ("65001", "90094", "90095")
    ):
        title, cause, fix = AADSTS[code if code in AADSTS else "65001"](ctx, desc)
    elif error == "authorization_declined" and error in ERRORS:
        # A declined device code may carry AADSTS70000, which otherwise reads as a dead refresh token.
        title, cause, fix = ERRORS[error](ctx, desc)
    elif code in AADSTS:
        title, cause, fix = AADSTS[code](ctx, desc)
    elif suberror in SUBERRORS:
        title, cause = SUBERRORS[suberror]
        fix = relogin()
    elif error in ERRORS:
        title, cause, fix = ERRORS[error](ctx, desc)
        if code and desc:
            cause = f"{cause} Microsoft says: AADSTS{code}: {first_sentence(_CODE_PREFIX.sub('', desc.strip(), count=1))}"
    else:
        said = (
            first_sentence(_CODE_PREFIX.sub("", desc.strip(), count=1)) or error or "no description"
        )
        number = f"AADSTS{code}" if code else (error or "an error")
        title = f"Sign-in failed ({number})"
        cause = f"Microsoft Entra ID refused the sign-in with {number}: {said}"
        fix = (
            f"Look up {number} at https://login.microsoftonline.com/error?code={code} "
            if code
            else "Check the Entra sign-in logs (Entra admin center > Identity > Monitoring & health > Sign-in logs) "
        ) + "and the alert log entry for details; then run `alloy-tui login` again."
    retryable = code in ("70016", "90033") or error in (
        "server_error",
        "authorization_pending",
        "slow_down",
        "temporarily_unavailable",
    )
    return Explanation(
        title=title,
        cause=redact(cause),
        fix=redact(fix),
        code=f"AADSTS{code}" if code else error,
        request_id=request_id,
        retryable=retryable,
        details=details,
        verdict=signin_verdict(code, error, suberror, retryable),
    )


# A sign-in that only needs the admin to sign in again (or Microsoft to answer): the service's.
_SIGN_IN_AGAIN = frozenset({"invalid_grant", "interaction_required", "expired_token"})


def signin_verdict(code: str, error: str, suberror: str, retryable: bool) -> str:
    """`service` when waiting or signing in again fixes it; `settings` when the app
    registration, consent, tenant or policy must change first."""
    if retryable or code in RT_CAUSES or suberror in SUBERRORS:
        return "service"
    if code:
        return "settings"
    return "service" if error in _SIGN_IN_AGAIN or not error else "settings"


_AUTHORITY_RE = re.compile(
    r"Unable to get authority configuration for (https://[^\s/]+)/([^\s/.]+(?:\.[^\s/]+)*?)\.?\s"
)


def explain_msal_value_error(exc: BaseException, ctx: ExplainContext) -> Explanation | None:
    """MSAL's constructor raises ValueError for an unknown tenant (AADSTS90002) or a bad authority URL.

    Returns None when the ValueError is not one of those.
    """
    if not isinstance(exc, ValueError):
        return None
    text = str(exc)
    if "Unable to get authority configuration" in text or "tenant name or GUID" in text:
        match = _AUTHORITY_RE.search(text + " ")
        tenant = ctx.tenant or (match.group(2) if match else "")
        title, cause, fix = explain_tenant_not_found_texts(
            ExplainContext(**{**ctx.__dict__, "tenant": tenant})
        )
        return Explanation(
            title,
            redact(cause),
            fix,
            code="AADSTS90002",
            details={"microsoft_says": first_line(text)},
            verdict="settings",
        )
    if "should consist of an https url" in text:
        return Explanation(
            "Sign-in address must use https",
            "The login endpoint is not an https:// URL with a tenant, so the sign-in library refuses it.",
            "Set [exchange_online] login_endpoint to an https:// address (or leave it empty for the cloud's "
            "default), and check [exchange_online] tenant is set.",
            code="authority",
            details={"microsoft_says": first_line(text)},
            verdict="settings",
        )
    if "invalid_instance" in text:
        return Explanation(
            "Unknown sign-in host",
            "The sign-in library does not recognise the login endpoint host as a Microsoft cloud.",
            "Leave [exchange_online] login_endpoint empty and pick the right [exchange_online] cloud.",
            code="authority",
            details={"microsoft_says": first_line(text)},
            verdict="settings",
        )
    return None
