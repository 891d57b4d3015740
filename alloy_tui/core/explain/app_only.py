"""Refusals of app-only sign-in (client credentials with a certificate) and of its sends.

Each names the step to redo (register the certificate, scope the app, grant consent, fix the
clock, the ids) and shows the command. `AppHints` carries what the commands need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, first_sentence, redact
from alloy_tui.core.explain.entra import aad_code, explain_aad


@dataclass(frozen=True)
class AppHints:
    certificate: Path  # the PEM with the key
    public_pem: Path  # the certificate alone, for `az ... --cert @file`
    sha1: str = ""
    mailbox: str = ""


def _register(ctx: ExplainContext, hints: AppHints) -> str:
    app = ctx.client_id or "<client id>"
    return f"`az ad app credential reset --id {app} --cert @{hints.public_pem} --append`"


def _scoping(ctx: ExplainContext, hints: AppHints) -> str:
    from alloy_tui.core.explain import app_commands

    lines = app_commands.scoping_commands(
        ctx.client_id, hints.mailbox, ctx.api, large_messages=ctx.large_messages
    )[1:]
    cmds = "; ".join(f"`{c}`" for c in lines)
    return (
        f"In Exchange Online PowerShell: {cmds}. Changes take {app_commands.APPLY_DELAY} to apply."
    )


def _consent(ctx: ExplainContext) -> str:
    role = "Office 365 Exchange Online > full_access_as_app" if ctx.api == "ews" else "Mail.Send"
    return (
        f"Grant admin consent: open {ctx.admin_consent_url()} as a Global or Privileged Role "
        f"Administrator and accept (or Entra admin center > App registrations > the app > API "
        f"permissions > Grant admin consent), or assign the Exchange role instead (RBAC for "
        f"Applications, scoped to the mailbox; an Entra {role} application permission is unscoped). "
        "Then run `alloy-tui login` again."
    )


def _texts(code: str, desc: str, ctx: ExplainContext, hints: AppHints) -> tuple[str, str, str]:
    low = desc.lower()
    thumb = hints.sha1 or "(see `alloy-tui status`)"
    if code == "700027" and "expired" in low:
        return (
            "The certificate has expired",
            f"Entra ID refused the certificate {thumb}: the key registered on the app has expired.",
            f"Make a new one with `alloy-tui app-cert create --out {hints.certificate}` and register "
            f"it: {_register(ctx, hints)}. Then `alloy-tui login`.",
        )
    if code == "700027":
        return (
            "Certificate not registered on the app",
            f"Entra ID does not know the certificate with thumbprint {thumb} for app "
            f"{ctx.client_id}, or the signature does not match it (AADSTS700027).",
            f"Register this certificate on the app registration: {_register(ctx, hints)} (or Entra "
            "admin center > App registrations > the app > Certificates & secrets > Certificates > "
            "Upload certificate). Then run `alloy-tui login`.",
        )
    if code == "700024":
        return (
            "Sign-in assertion outside its valid time",
            "Entra ID refused the signed assertion as expired or not yet valid (AADSTS700024); "
            "this server's clock is probably wrong.",
            "Set the clock right (`timedatectl set-ntp true`, then `timedatectl` shows 'System "
            "clock synchronized: yes') and run `alloy-tui login` again.",
        )
    if code in ("700016", "700021"):
        return (
            "Wrong tenant or client id",
            f"Entra ID has no app {ctx.client_id} in tenant {ctx.tenant_ref} (AADSTS{code}).",
            "Copy 'Application (client) ID' and 'Directory (tenant) ID' from Entra admin center > "
            "App registrations > the app > Overview into [exchange_online] client_id and tenant, "
            "then run `alloy-tui login`.",
        )
    if code in ("65001", "90094", "90095"):
        return (
            "Admin consent missing",
            f"Nobody has granted consent for app {ctx.client_id} to use its application "
            f"permissions in {ctx.tenant_ref} (AADSTS{code}).",
            _consent(ctx),
        )
    if code == "50027":
        return (
            "Sign-in assertion malformed",
            "Entra ID could not read the signed assertion (AADSTS50027).",
            "Report this to the alloy-tui maintainers with the alert log entry; meanwhile check "
            f"{hints.certificate} with `alloy-tui status`.",
        )
    return ("", "", "")


def explain_app_token(
    result: Mapping[str, Any], ctx: ExplainContext, hints: AppHints
) -> Explanation:
    """An MSAL error dict from `acquire_token_for_client` -> Explanation with the step to redo."""
    code = aad_code(result)
    desc = str(result.get("error_description") or "")
    title, cause, fix = _texts(code, desc, ctx, hints)
    if not title:
        return explain_aad(result, ctx)
    details: dict[str, Any] = {"error": str(result.get("error") or ""), "aadsts": code}
    if desc:
        details["microsoft_says"] = first_sentence(desc)
    return Explanation(
        title,
        redact(cause),
        redact(fix),
        code=f"AADSTS{code}",
        request_id=str(result.get("trace_id") or result.get("correlation_id") or ""),
        details=details,
        verdict="settings",  # the certificate, the app or its consent must change
    )


def explain_no_roles(ctx: ExplainContext, hints: AppHints) -> Explanation:
    return Explanation(
        "Admin consent missing (the token has no roles)",
        f"Entra ID issued app {ctx.client_id} a token without application roles, so admin "
        "consent for Mail.Send / full_access_as_app was not granted. (If you deliberately "
        "granted access only through the Exchange role assignment, this is expected: check with "
        "`alloy-tui test-send`.)",
        _consent(ctx),
        code="consent",
        verdict="settings",
    )


def refine_send(ex: Explanation, ctx: ExplainContext, hints: AppHints) -> Explanation:
    """A send refusal seen by an app-only sign-in: name the scope, role or grant to fix."""
    box, other = hints.mailbox, ctx.from_address
    code = ex.code
    if ctx.api == "ews" and code in ("ErrorAccessDenied", "http.403"):
        ex.title = "EWS is blocked for this app"
        ex.cause = (
            f"Exchange Online refused EWS to app {ctx.client_id}: EWS is turned off for the "
            "organisation, or the app is not in its EWSAllowedAppIDs list (or has no EWS role). "
            f"Exchange says: {ex.cause}"
        )
        ex.fix = (
            "In Exchange Online PowerShell: `Set-OrganizationConfig -EWSEnabled $true` and add "
            f"{ctx.client_id} to EWSAllowedAppIDs (`Get-OrganizationConfig | Format-List "
            "EWSEnabled,EWSAllowedAppIDs` shows them; changes take up to 24 hours); the app also "
            f'needs the role "Application EWS.AccessAsApp" for {box}. EWS for Exchange Online '
            'shuts down on 1 April 2027: prefer api = "graph".'
        )
        ex.verdict = "settings"  # the app's EWS access: nothing goes until it is allowed
    elif code in ("ErrorAccessDenied", "ErrorImpersonateUserDenied", "http.403"):
        ex.title = "The app may not send as this mailbox (outside its scope)"
        ex.cause = (
            f"Exchange refused app {ctx.client_id} access to {other or box}: the mailbox is "
            "outside the app's management scope, the role assignment is missing, or admin "
            f"consent is missing. Exchange says: {ex.cause}"
        )
        ex.fix = (
            f"{_scoping(ctx, AppHints(hints.certificate, hints.public_pem, hints.sha1, other or box))} "
            "Check with `Test-ServicePrincipalAuthorization`."
        )
        ex.details = {**ex.details, "refused_mailbox": other or box}
        # Another From outside the scope: this message; the configured mailbox: every message.
        ex.verdict = "message" if other and other.lower() != box.lower() else "settings"
    elif code == "ErrorSendAsDenied":
        ex.title = f"{other} has not granted {box} Send As or Send on Behalf"
        ex.cause = (
            f"The message asks for From: {other}, sent from the mailbox {box}; Exchange allows "
            f"that only when {other} granted {box} Send As or Send on Behalf, and it has neither."
        )
        ex.fix = (
            f"Grant one in Exchange Online PowerShell: `Add-RecipientPermission {other} "
            f"-AccessRights SendAs -Trustee {box}` (Send As) or `Set-Mailbox {other} "
            f"-GrantSendOnBehalfTo @{{Add='{box}'}}` (Send on Behalf); {other} must also be in "
            "the app's management scope."
        )
    elif code in ("ErrorInvalidUser", "ErrorNonExistentMailbox"):
        ex.fix = f"Check [exchange_online] mailbox: {box} must be an existing mailbox's address."
    elif code == "http.401" or "UnauthorizedError" in code:
        ex.fix = f"{_consent(ctx)} {ex.fix}".strip()
    return ex
