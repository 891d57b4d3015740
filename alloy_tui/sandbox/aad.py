"""Entra ID details shared by the endpoints: AADSTS error bodies, OIDC discovery, scope rules.

Error bodies follow Entra's shape: error, error_description "AADSTSnnnn: ...", error_codes,
timestamp, trace_id, correlation_id, error_uri and suberror where Entra gives one.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING

from alloy_tui.sandbox.wire import Request, Response, json_response, new_id, now_utc

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
RESERVED_SCOPES = {"openid", "profile", "offline_access", "email"}
GRAPH_HOSTS = (
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
    "00000003-0000-0000-c000-000000000000",
)
EWS_HOSTS = (
    "outlook.office365.com",
    "outlook.office.com",
    "outlook.office365.us",
    "partner.outlook.cn",
    "00000002-0000-0ff1-ce00-000000000000",
)
GRAPH_SHORT = {"mail.send", "mail.send.shared", "user.read", "mail.readwrite", "mail.read"}

PATH_RE = re.compile(
    r"^/(?P<tenant>[^/]+)(?P<rest>/v2\.0/\.well-known/openid-configuration|/\.well-known/openid-configuration"
    r"|/oauth2/v2\.0/devicecode|/oauth2/v2\.0/token|/oauth2/devicecode|/oauth2/token"
    r"|/discovery/v2\.0/keys)$"
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def aad_error(
    sandbox: Sandbox,
    req: Request,
    error: str,
    code: int,
    text: str,
    *,
    status: int = 400,
    suberror: str = "",
) -> Response:
    trace_id, correlation_id = new_id(), req.header("client-request-id") or new_id()
    stamp = now_utc().strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, object] = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {text} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{sandbox.base_url}/error?code={code}",
    }
    if suberror:
        body["suberror"] = suberror
    return json_response(status, body)


def discovery(sandbox: Sandbox, tenant: str) -> dict[str, object]:
    base = f"{sandbox.base_url}/{tenant}"
    issuer_tenant = (
        sandbox.tenant if tenant.lower() not in ("organizations", "common") else "{tenantid}"
    )
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{sandbox.base_url}/{issuer_tenant}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{sandbox.graph_endpoint}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "name",
            "oid",
            "tid",
            "preferred_username",
        ],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "sandbox.local",
    }


def classify(scopes: tuple[str, ...]) -> tuple[str, str]:
    """(audience, problem): audience "graph" | "ews"; problem is an AADSTS text when invalid."""
    audiences: set[str] = set()
    for s in scopes:
        low = s.lower()
        if low in RESERVED_SCOPES:
            continue
        if low in GRAPH_SHORT:
            audiences.add("graph")
        elif any(low.startswith(f"https://{h}/") or low.startswith(f"{h}/") for h in GRAPH_HOSTS):
            audiences.add("graph")
        elif any(low.startswith(f"https://{h}/") or low.startswith(f"{h}/") for h in EWS_HOSTS):
            audiences.add("ews")
        else:
            return (
                "",
                f"The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid.",
            )
    if len(audiences) > 1:
        return "", (
            "Provided value for the input parameter scope is not valid because it contains more than one "
            f"resource. Scope {' '.join(scopes)} is not valid."
        )
    return (audiences.pop() if audiences else "graph"), ""


def scope_list(form: dict[str, str]) -> tuple[str, ...]:
    return tuple(s for s in form.get("scope", "").split() if s)
