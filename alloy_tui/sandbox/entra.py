"""Entra ID stand-in: the device code endpoint, the token endpoint (device code and refresh
grants, and each failure the scenarios ask for), and approving a code from the sign-in page."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from alloy_tui.sandbox import app_only
from alloy_tui.sandbox.aad import (
    DEVICE_GRANT,
    PATH_RE,
    RESERVED_SCOPES,
    aad_error,
    b64url,
    classify,
    discovery,
    scope_list,
)
from alloy_tui.sandbox.store import DeviceCode, normalise_user_code
from alloy_tui.sandbox.wire import Request, Response, json_response

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox


def handle(sandbox: Sandbox, req: Request) -> Response | None:
    m = PATH_RE.match(req.path)
    if not m:
        return None
    tenant, rest = m.group("tenant"), m.group("rest")
    if not sandbox.knows_tenant(tenant):
        return aad_error(
            sandbox,
            req,
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
            "signing into the correct cloud. Check with your subscription administrator, this may happen "
            "if there are no active subscriptions for the tenant.",
        )
    if rest.endswith("openid-configuration"):
        return json_response(200, discovery(sandbox, tenant))
    if rest.endswith("keys"):
        return json_response(200, {"keys": []})
    if req.method != "POST":
        return aad_error(
            sandbox, req, "invalid_request", 900561, "The endpoint only accepts POST requests."
        )
    form = req.form()
    if tenant.lower() == "common":
        return aad_error(
            sandbox,
            req,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any provided "
            "credentials.",
        )
    client_id = form.get("client_id", "")
    if not client_id:
        return aad_error(
            sandbox,
            req,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        )
    if client_id.lower() != sandbox.client_id.lower():
        return aad_error(
            sandbox,
            req,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory 'Contoso Sandbox'. "
            "This can happen if the application has not been installed by the administrator of the tenant "
            "or consented to by any user in the tenant. You may have sent your authentication request to the "
            "wrong tenant.",
        )
    if rest.endswith("devicecode"):
        return device_code(sandbox, req, tenant, form)
    if form.get("grant_type") == app_only.GRANT:
        return app_only.token(sandbox, req, tenant, form)
    return token(sandbox, req, form)


def device_code(sandbox: Sandbox, req: Request, tenant: str, form: dict[str, str]) -> Response:
    scopes = scope_list(form)
    _, problem = classify(scopes)
    if problem:
        return aad_error(sandbox, req, "invalid_scope", 70011, problem)
    expired = sandbox.state.take("device_code_expired", "entra") is not None
    lifetime = 0.0 if expired else sandbox.device_code_lifetime
    dc = sandbox.state.new_device_code(sandbox.client_id, tenant, scopes, lifetime)
    expires_in = max(int(sandbox.device_code_lifetime), 1)
    return json_response(
        200,
        {
            "user_code": dc.user_code,
            "device_code": dc.device_code,
            "verification_uri": sandbox.verification_url,
            "expires_in": expires_in,
            "interval": sandbox.interval,
            "message": (
                f"To sign in, use a web browser to open the page {sandbox.verification_url} and enter "
                f"the code {dc.user_code} to authenticate."
            ),
        },
    )


# What Entra ID says when a refresh token is dead (the `refresh_rejected` scenario's codes).
REFRESH_REJECTIONS = {
    700082: "The refresh token has expired due to inactivity. The token was issued on "
    "2026-09-01T00:00:00Z and was inactive for 90.00:00:00.",
    50173: "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
    "The user might have changed or reset their password.",
    50133: "Session is invalid due to expiration or recent password change.",
    70043: "The refresh token has expired or is invalid due to sign-in frequency checks by "
    "conditional access.",
}


def token(sandbox: Sandbox, req: Request, form: dict[str, str]) -> Response:
    grant = form.get("grant_type", "")
    if grant not in (DEVICE_GRANT, "refresh_token"):
        return aad_error(
            sandbox,
            req,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'.",
        )
    if sandbox.state.take("public_client_disabled", "entra"):
        return aad_error(
            sandbox,
            req,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            status=401,
        )
    if grant == DEVICE_GRANT:
        return device_grant(sandbox, req, form)
    return refresh_grant(sandbox, req, form)


def common_blocks(sandbox: Sandbox, req: Request, scopes: tuple[str, ...]) -> Response | None:
    """Scenarios that stop any token request once the user is known."""
    sc = sandbox.state.active("consent_required")
    if sc is not None:
        wanted = str(sc.options.get("scope", "")).lower()
        if not wanted or any(s.lower().endswith(wanted) for s in scopes):
            sandbox.state.take("consent_required")
            return aad_error(
                sandbox,
                req,
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the application with ID "
                f"'{sandbox.client_id}' named 'Alloy Sandbox App'. Send an interactive authorization "
                "request for this user and resource.",
                suberror="consent_required",
            )
    if sandbox.state.take("ca_blocked", "entra"):
        return aad_error(
            sandbox,
            req,
            "invalid_grant",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow "
            "token issuance.",
            suberror="message_only",
        )
    return None


def device_grant(sandbox: Sandbox, req: Request, form: dict[str, str]) -> Response:
    code = form.get("device_code") or form.get("code", "")
    state = sandbox.state
    with state.lock:
        dc = state.device_codes.get(code)
        if dc is None or dc.status == "redeemed":
            return aad_error(
                sandbox, req, "invalid_grant", 70000, "Provided grant is invalid or malformed."
            )
        now = time.time()
        if dc.status == "pending" and state.take("declined", "entra"):
            dc.status = "declined"
        if dc.status == "pending" and now >= dc.expires_at:
            dc.status = "expired"
        if dc.status == "expired":
            return aad_error(sandbox, req, "expired_token", 70019, "Verification code expired.")
        if dc.status == "declined":
            return aad_error(
                sandbox,
                req,
                "authorization_declined",
                70000,
                "The user declined the authorization request.",
            )
        if (
            dc.status == "pending"
            and sandbox.auto_approve_after is not None
            and now - dc.issued_at >= sandbox.auto_approve_after
        ):
            dc.status, dc.account = "approved", sandbox.auto_approve_account
        if dc.status == "pending":
            return aad_error(
                sandbox,
                req,
                "authorization_pending",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            )
        blocked = common_blocks(sandbox, req, dc.scopes)
        if blocked is not None:
            dc.status = "redeemed"
            return blocked
        dc.status = "redeemed"
    scopes = scope_list(form) or dc.scopes
    return issue_tokens(sandbox, dc.account, scopes, dc)


def refresh_grant(sandbox: Sandbox, req: Request, form: dict[str, str]) -> Response:
    rec = sandbox.state.lookup(form.get("refresh_token", ""), "refresh")
    if rec is None:
        return aad_error(
            sandbox,
            req,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )
    if rec.expired() or sandbox.state.take("refresh_token_expired", "entra"):
        return aad_error(
            sandbox,
            req,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new "
            "interactive authorization request for this user and resource.",
        )
    rejected = sandbox.state.take("refresh_rejected", "entra")
    if rejected is not None:
        code = int(rejected.options.get("code", 700082))
        return aad_error(sandbox, req, "invalid_grant", code, REFRESH_REJECTIONS[code])
    scopes = scope_list(form) or rec.scopes
    audience, problem = classify(scopes)
    if problem:
        return aad_error(sandbox, req, "invalid_scope", 70011, problem)
    if sandbox.state.take("mfa_required", "entra"):
        resource = (
            "00000003-0000-0000-c000-000000000000"
            if audience == "graph"
            else "00000002-0000-0ff1-ce00-000000000000"
        )
        return aad_error(
            sandbox,
            req,
            "invalid_grant",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new "
            f"location, you must use multi-factor authentication to access '{resource}'.",
            suberror="basic_action",
        )
    blocked = common_blocks(sandbox, req, scopes)
    if blocked is not None:
        return blocked
    return issue_tokens(sandbox, rec.account, scopes, None)


def issue_tokens(
    sandbox: Sandbox, account: str, scopes: tuple[str, ...], dc: DeviceCode | None
) -> Response:
    audience, problem = classify(scopes)
    granted = tuple(s for s in scopes if s.lower() not in RESERVED_SCOPES)
    state = sandbox.state
    at = state.issue(
        "access", account, audience, granted, sandbox.access_token_lifetime, sandbox.client_id
    )
    rt = state.issue(
        "refresh", account, "", granted, sandbox.refresh_token_lifetime, sandbox.client_id
    )
    oid, tid, now = state.oid(account), sandbox.tenant, int(time.time())
    claims = {
        "aud": sandbox.client_id,
        "iss": f"{sandbox.base_url}/{tid}/v2.0",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "name": state.display_name(account),
        "oid": oid,
        "preferred_username": account,
        "sub": b64url(oid.encode())[:43],
        "tid": tid,
        "ver": "2.0",
    }
    header = {"typ": "JWT", "alg": "RS256", "kid": "sandbox"}
    id_token = ".".join(
        [
            b64url(json.dumps(header).encode()),
            b64url(json.dumps(claims).encode()),
            b64url(b"sandbox-signature"),
        ]
    )
    lifetime = int(sandbox.access_token_lifetime)
    return json_response(
        200,
        {
            "token_type": "Bearer",
            "scope": " ".join(granted),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": at.value,
            "refresh_token": rt.value,
            "id_token": id_token,
            "client_info": b64url(json.dumps({"uid": oid, "utid": tid}).encode()),
        },
    )


def approve(sandbox: Sandbox, user_code: str, account: str, decline: bool = False) -> str:
    """Approve (or decline) a pending sign-in from the verification page. Returns "" or a problem."""
    state = sandbox.state
    with state.lock:
        dc = state.find_user_code(user_code)
        if dc is None or not normalise_user_code(user_code):
            return "That code wasn't recognised. Check the code and try again."
        if dc.status != "pending":
            return f"That code was already used ({dc.status})."
        if time.time() >= dc.expires_at:
            dc.status = "expired"
            return "That code has expired. Start the sign-in again to get a new code."
        if decline:
            dc.status = "declined"
            return ""
        if not state.has_mailbox(account):
            return f"There is no account {account} in this directory."
        dc.status, dc.account = "approved", account.lower()
        return ""
