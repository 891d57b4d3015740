"""The AADSTS table: each Entra ID sign-in error code -> (title, cause, fix) for this context.

Used by explain_aad.py; kept apart so each file stays small.
"""

from __future__ import annotations

from collections.abc import Callable

from alloy_tui.core.explain.common import ExplainContext

_Builder = Callable[[ExplainContext, str], tuple[str, str, str]]  # (title, cause, fix)


def _app_reg(ctx: ExplainContext, blade: str) -> str:
    return f"Entra admin center ({ctx.admin_center}) > App registrations > All applications > {ctx.app_ref} > {blade}"


def relogin() -> str:
    return "Run `alloy-tui login` (or choose Sign in / Change in the wizard) and complete the device-code sign-in again."


def _consent_fix(ctx: ExplainContext) -> str:
    return (
        f"A Global Administrator, Privileged Role Administrator or Cloud Application Administrator of "
        f"{ctx.tenant_ref} grants consent for the permissions ({ctx.scopes_text()}): either open "
        f"{ctx.admin_consent_url()} and accept, or {_app_reg(ctx, 'API permissions')} > "
        f"Grant admin consent for <your organisation> > Yes. Then run `alloy-tui login` again."
    )


def _7000218(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Public client flows are turned off",
        f"Entra ID treats {ctx.app_name} as a confidential client, so it refuses a device-code sign-in "
        "without a client secret. Device-code sign-in needs 'Allow public client flows'.",
        f"{_app_reg(ctx, 'Authentication')} > Advanced settings > Allow public client flows = Yes, then Save. "
        f"Or with Azure CLI: `az ad app update --id {ctx.app_ref} --is-fallback-public-client true`. "
        "Then run `alloy-tui login` again.",
    )


def _700016(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "App not found in the tenant",
        f"Entra ID has no application with client id {ctx.client_id or '(the configured one)'} in tenant "
        f"{ctx.tenant_ref}. The client id or tenant is mistyped, the app was deleted, it is a single-tenant "
        "app registered in another tenant, or the cloud is wrong (e.g. a GCC High app used with the global cloud).",
        f"Open {_app_reg(ctx, 'Overview')} and copy 'Application (client) ID' and 'Directory (tenant) ID' into "
        "[exchange_online] client_id and tenant (`alloy-tui config show` prints what is set). If the app lives in "
        "another tenant, make it multi-tenant (Authentication > Supported account types) or register one in this "
        "tenant; check [exchange_online] cloud matches where the tenant lives.",
    )


def _65001(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Permission not granted (consent required)",
        f"Nobody has consented to {ctx.app_name} using {ctx.scopes_text()} for {ctx.account_ref}, and users "
        "cannot consent on their own in this tenant (or the app asks for a permission that needs an admin).",
        _consent_fix(ctx),
    )


def _90094(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Admin consent required",
        f"The tenant's consent settings require an administrator to approve {ctx.app_name} for "
        f"{ctx.scopes_text()}; a regular user cannot consent.",
        _consent_fix(ctx),
    )


def _mfa(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Multi-factor authentication required",
        f"A Conditional Access or security-defaults rule requires {ctx.account_ref} to complete MFA. If this "
        "appeared while refreshing a saved sign-in, the saved sign-in no longer satisfies that rule.",
        "Sign in again with `alloy-tui login` and complete the MFA prompt in the browser, on the verification page "
        "shown with the code. "
        "A dedicated notification mailbox needs an MFA method registered (https://aka.ms/mfasetup) or an "
        "exclusion from the MFA policy (Entra admin center > Protection > Conditional Access).",
    )


def _50079(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "MFA registration required",
        f"{ctx.account_ref} must register a multi-factor authentication method before signing in.",
        f"Sign in as {ctx.account_ref} at https://aka.ms/mfasetup and register a method, then run `alloy-tui login`. "
        "Or exclude this account from the MFA registration policy (Entra admin center > Protection > "
        "Authentication methods > Registration campaign / Identity Protection > MFA registration policy).",
    )


def _53003(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Blocked by Conditional Access",
        f"A Conditional Access policy in {ctx.tenant_ref} blocked this sign-in for {ctx.account_ref}. Many "
        "tenants block the device code flow (Conditional Access > Conditions > Authentication flows), or "
        "allow sign-in only from compliant devices or trusted locations.",
        "Entra admin center > Identity > Monitoring & health > Sign-in logs: open the failed sign-in (search by "
        "the request id below) > Conditional Access tab to see which policy blocked it. Then in Protection > "
        f"Conditional Access > Policies > <that policy> > exclude {ctx.app_name} (Target resources / Exclude) or the "
        f"account {ctx.account_ref} (Users / Exclude), or allow device code flow from this server's network location.",
    )


def _90002(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return explain_tenant_not_found_texts(ctx)


def explain_tenant_not_found_texts(ctx: ExplainContext) -> tuple[str, str, str]:
    return (
        "Tenant not found",
        f"Entra ID does not know the tenant '{ctx.tenant or '(empty)'}' on {ctx.login_host}. The tenant id or "
        "domain is mistyped, or the tenant lives in another cloud (GCC High / DoD / China).",
        "Set [exchange_online] tenant to the 'Directory (tenant) ID' GUID from Entra admin center > Overview "
        "(or a verified domain such as contoso.onmicrosoft.com), and [exchange_online] cloud to "
        '"global", "usgov-high", "usgov-dod" or "china" to match the tenant. Then run `alloy-tui login`.',
    )


def _50059(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "No tenant given",
        "The sign-in went to a generic endpoint (such as /common) so Entra ID could not tell which tenant to use.",
        "Set [exchange_online] tenant to your 'Directory (tenant) ID' GUID (Entra admin center > Overview) or "
        'a verified domain such as contoso.onmicrosoft.com, or "organizations" for a multi-tenant app.',
    )


def _50194(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Single-tenant app used without a tenant",
        f"{ctx.app_name} is registered as single-tenant, so it cannot sign in through /common or /organizations.",
        "Set [exchange_online] tenant to your 'Directory (tenant) ID' GUID (Entra admin center > Overview), or "
        f"make the app multi-tenant: {_app_reg(ctx, 'Authentication')} > Supported account types.",
    )


RT_CAUSES = {
    "70000": "The saved sign-in (refresh token) was rejected: it was revoked, the password was changed, or "
    "the grant is otherwise no longer valid.",
    "70008": "The saved sign-in (refresh token) has expired.",
    "700082": "The saved sign-in (refresh token) expired because it was not used for 90 days.",
    "50173": "The saved sign-in was revoked, usually because the account's password was changed or an "
    "admin revoked its sessions.",
    "70043": "The saved sign-in is older than the sign-in frequency a Conditional Access policy allows.",
    "50132": "The saved sign-in was revoked (password change or session revocation).",
    "50133": "The saved sign-in was revoked (password change or session revocation).",
}


def _dead_rt(code: str) -> _Builder:
    def build(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
        extra = (
            " To stop it happening again, exclude this account or app from the policy's Session > "
            "Sign-in frequency setting (Entra admin center > Protection > Conditional Access)."
            if code == "70043"
            else " Notifications stop until then; `alloy-tui status` shows the sign-in's health."
        )
        return ("Sign-in expired: sign in again", RT_CAUSES[code], f"{relogin()}{extra}")

    return build


def _70016(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Waiting for the sign-in to be approved",
        "The code has not been entered and approved yet.",
        "Open the verification page shown with the code (on any device with a browser), enter the code, and sign in as the "
        "notification account.",
    )


def _70018(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Wrong code entered",
        "The code typed on the sign-in page does not match.",
        "Run `alloy-tui login` again and type the new code exactly as shown (letters are not case-sensitive; "
        "copy it rather than retyping over SSH if you can).",
    )


def _70019(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Sign-in code expired",
        "The code was not used within its lifetime (15 minutes), so the sign-in was abandoned.",
        "Run `alloy-tui login` again and complete the sign-in in the browser before the code expires.",
    )


def _65002(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
    return (
        "Microsoft's own app id cannot be used",
        f"The client id {ctx.client_id or '(configured)'} belongs to a Microsoft first-party application that "
        "is not pre-authorised for this resource.",
        "Register your own app: Entra admin center > App registrations > New registration (single tenant), "
        "then Authentication > Allow public client flows = Yes, API permissions > add "
        f"{ctx.scopes_text()} > Grant admin consent. Put its Application (client) ID in [exchange_online] client_id.",
    )


def _simple(title: str, cause: str, fix: str) -> _Builder:
    def build(ctx: ExplainContext, _d: str) -> tuple[str, str, str]:
        return (
            title,
            cause.format(account=ctx.account_ref, app=ctx.app_name, tenant=ctx.tenant_ref),
            fix.format(
                account=ctx.account_ref,
                app=ctx.app_name,
                tenant=ctx.tenant_ref,
                relogin=relogin(),
                host=ctx.login_host,
            ),
        )

    return build


AADSTS: dict[str, _Builder] = {
    "7000218": _7000218,
    "700016": _700016,
    "65001": _65001,
    "90094": _90094,
    "90095": _90094,
    "50076": _mfa,
    "50079": _50079,
    "53003": _53003,
    "90002": _90002,
    "50059": _50059,
    "50194": _50194,
    "70000": _dead_rt("70000"),
    "70008": _dead_rt("70008"),
    "700082": _dead_rt("700082"),
    "50173": _dead_rt("50173"),
    "50132": _dead_rt("50132"),
    "50133": _dead_rt("50133"),
    "70043": _dead_rt("70043"),
    "70016": _70016,
    "70018": _70018,
    "70019": _70019,
    "65002": _65002,
    "50020": _simple(
        "Account is from another tenant",
        "{account} is not a member of tenant {tenant}, and the app does not accept guests from other tenants.",
        "Sign in with an account of {tenant}, or set [exchange_online] tenant to the account's own tenant. {relogin}",
    ),
    "50034": _simple(
        "Account does not exist",
        "The account typed at sign-in does not exist in tenant {tenant}.",
        "Check the spelling of the account (its UPN, usually the e-mail address), then {relogin}",
    ),
    "50053": _simple(
        "Account locked",
        "{account} is locked after too many failed sign-ins, or sign-in came from a blocked address.",
        "Wait for the lockout to end or ask an admin to unlock it (Entra admin center > Users > the user), then {relogin}",
    ),
    "50055": _simple(
        "Password expired",
        "The password of {account} has expired.",
        "Change the password at https://aka.ms/sspr or in the Microsoft 365 portal, then {relogin}",
    ),
    "50057": _simple(
        "Account disabled",
        "{account} is disabled in Entra ID.",
        "An admin enables it: Entra admin center > Users > the user > Edit properties > Account enabled = Yes. Then {relogin}",
    ),
    "50105": _simple(
        "Account not assigned to the app",
        "{app} requires user assignment and {account} is not assigned to it.",
        "Entra admin center > Enterprise applications > the app > Users and groups > Add user/group > "
        "choose the account > Assign (or set Properties > Assignment required = No). Then {relogin}",
    ),
    "500011": _simple(
        "Resource not found in the tenant",
        "The service the token is for (Microsoft Graph or Office 365 Exchange Online) is not available in "
        "tenant {tenant}; usually the tenant has no Exchange Online licence or the cloud setting is wrong.",
        "Check [exchange_online] cloud matches the tenant, and that the tenant has Exchange Online. Then {relogin}",
    ),
    "530002": _simple(
        "Compliant device required",
        "A Conditional Access policy requires a compliant or hybrid-joined device, which this server is not.",
        "Exclude the account or app from that policy: Entra admin center > Protection > Conditional Access > "
        "Policies (find it through the sign-in log entry's Conditional Access tab).",
    ),
    "530003": _simple(
        "Managed device required",
        "A Conditional Access policy requires a managed device for {account}.",
        "Exclude the account or app from that policy: Entra admin center > Protection > Conditional Access > "
        "Policies (find it through the sign-in log entry's Conditional Access tab).",
    ),
    "70011": _simple(
        "Invalid permission requested",
        "The scope requested is not valid for this app or resource (often a Graph scope with the wrong cloud's host).",
        "Check [exchange_online] cloud and graph_endpoint; the app's API permissions must include the requested "
        "permissions. Then {relogin}",
    ),
}

# Error strings that come without a useful AADSTS code ------------------------------------------
ERRORS: dict[str, _Builder] = {
    "authorization_declined": _simple(
        "Sign-in declined",
        "The sign-in was declined in the browser (someone pressed Cancel or 'No, this wasn't me').",
        "Run `alloy-tui login` again and approve the sign-in with the notification account.",
    ),
    "expired_token": _70019,
    "bad_verification_code": _70018,
    "authorization_pending": _70016,
    "access_denied": _simple(
        "Sign-in denied",
        "Entra ID denied the sign-in for {account}.",
        "Check the sign-in log (Entra admin center > Identity > Monitoring & health > Sign-in logs) for the reason, then {relogin}",
    ),
    "invalid_client": _simple(
        "The app registration rejected the request",
        "Entra ID rejected the client id: it is not a public client, or it does not exist in this tenant.",
        "In Entra admin center > App registrations > your app: check the Application (client) ID matches "
        "[exchange_online] client_id, and Authentication > Advanced settings > Allow public client flows = Yes.",
    ),
    "unauthorized_client": _simple(
        "The app may not use this sign-in flow",
        "{app} is not allowed to use the device code flow.",
        "Entra admin center > App registrations > the app > Authentication > Allow public client flows = Yes, then Save.",
    ),
    "invalid_scope": AADSTS["70011"],
    "interaction_required": _simple(
        "Sign in again (interaction required)",
        "The saved sign-in cannot be renewed silently: a policy now requires the user to sign in interactively "
        "(MFA, terms of use, or a changed password).",
        "{relogin}",
    ),
    "invalid_grant": _simple(
        "Sign-in expired: sign in again",
        "The saved sign-in (refresh token) is no longer accepted.",
        "{relogin} Notifications stop until then; `alloy-tui status` shows the sign-in's health.",
    ),
    "temporarily_unavailable": _simple(
        "Microsoft sign-in temporarily unavailable",
        "Entra ID answered that it is temporarily unavailable.",
        "Try again in a few minutes; alloy-tui retries the next send on its own.",
    ),
}

SUBERRORS: dict[str, tuple[str, str]] = {
    "consent_required": (
        "Consent required",
        "The app now needs consent it does not have (for example a permission was added).",
    ),
    "basic_action": (
        "Sign in again (action required)",
        "The user must do something in the browser, such as accept terms or reset a password.",
    ),
    "additional_action": (
        "Sign in again (more action required)",
        "The user must complete an extra step, such as MFA registration.",
    ),
    "message_only": (
        "Sign in again",
        "Entra ID has a message for the user that can only be shown in the browser.",
    ),
    "bad_token": ("Sign-in expired: sign in again", "The saved sign-in is invalid or was revoked."),
    "token_expired": ("Sign-in expired: sign in again", "The saved sign-in has expired."),
    "user_password_expired": ("Password expired", "The account's password has expired."),
    "client_mismatch": (
        "Sign in again",
        "The saved sign-in belongs to a different app registration.",
    ),
    "protection_policy_required": ("Sign in again", "An app protection policy must be applied."),
}
