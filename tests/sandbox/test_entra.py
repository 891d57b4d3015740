"""Sign-in against the sandbox with real msal: device flow, refresh, and each Entra error."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.scopes import EWS_SCOPE, GRAPH_SEND, GRAPH_SHARED

TOKEN_KEYS = {
    "token_type",
    "scope",
    "expires_in",
    "ext_expires_in",
    "access_token",
    "refresh_token",
}


def test_discovery_has_the_endpoints_msal_needs(sandbox: Sandbox, http: Any) -> None:
    doc = http.get(f"{sandbox.authority}/v2.0/.well-known/openid-configuration").json()
    base = f"{sandbox.base_url}/{sandbox.tenant}/oauth2/v2.0"
    assert doc["token_endpoint"] == f"{base}/token"
    assert doc["device_authorization_endpoint"] == f"{base}/devicecode"
    assert doc["authorization_endpoint"] == f"{base}/authorize"
    assert doc["issuer"] == f"{sandbox.base_url}/{sandbox.tenant}/v2.0"
    v1 = http.get(f"{sandbox.authority}/.well-known/openid-configuration")
    assert v1.status_code == 200


def test_unknown_tenant_is_aadsts90002(sandbox: Sandbox, http: Any) -> None:
    r = http.get(f"{sandbox.base_url}/contoso.typo/v2.0/.well-known/openid-configuration")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "invalid_tenant" and body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'contoso.typo' not found")
    for key in ("timestamp", "trace_id", "correlation_id"):
        assert body[key]


def test_unknown_tenant_makes_msal_raise(sandbox: Sandbox, ssl_ctx: Any) -> None:
    import httpx
    import msal

    with pytest.raises(ValueError):
        msal.PublicClientApplication(
            sandbox.client_id,
            authority=f"{sandbox.base_url}/00000000-0000-0000-0000-000000000000",
            instance_discovery=False,
            http_client=httpx.Client(verify=ssl_ctx),
        )


def approve_via_page(
    sandbox: Sandbox, http: Any, user_code: str, account: str, action: str = "approve"
) -> Any:
    return http.post(
        sandbox.verification_url, data={"code": user_code, "account": account, "action": action}
    )


def test_device_flow_approved_on_the_verification_page(
    sandbox: Sandbox, http: Any, app_factory: Callable
) -> None:
    app = app_factory()
    flow = app.initiate_device_flow([GRAPH_SEND])
    assert flow["verification_uri"] == sandbox.verification_url
    assert len(flow["user_code"]) == 9 and flow["user_code"][4] == "-"
    assert flow["user_code"] in flow["message"] and sandbox.verification_url in flow["message"]
    page = http.get(sandbox.verification_url)
    assert page.status_code == 200 and "<form" in page.text and "ops@contoso.example" in page.text

    def approve_soon() -> None:
        time.sleep(0.3)
        r = approve_via_page(sandbox, http, flow["user_code"].lower(), "ops@contoso.example")
        assert r.status_code == 200 and "ops@contoso.example" in r.text

    t = threading.Thread(target=approve_soon)
    t.start()
    result = app.acquire_token_by_device_flow(flow)
    t.join()
    assert TOKEN_KEYS <= set(result), result
    assert result["scope"].split() == [GRAPH_SEND]
    assert result["id_token_claims"]["preferred_username"] == "ops@contoso.example"
    assert result["id_token_claims"]["tid"] == sandbox.tenant
    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == ["ops@contoso.example"]
    assert {result["access_token"], result["refresh_token"]} <= sandbox.issued_tokens()
    # One pending poll at least, then the grant; the code is now used up.
    polls = [r for r in sandbox.requests("entra") if r.path.endswith("/token")]
    assert [r.status for r in polls][-1] == 200 and 400 in [r.status for r in polls]
    again = approve_via_page(sandbox, http, flow["user_code"], "alerts@contoso.example")
    assert again.status_code == 400 and "already used" in again.text


def test_auto_approve_after_delay(sandbox: Sandbox, app_factory: Callable) -> None:
    sandbox.auto_approve_after = 0.5
    app = app_factory()
    flow = app.initiate_device_flow([GRAPH_SEND])
    started = time.monotonic()
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert time.monotonic() - started < 5
    assert result["id_token_claims"]["preferred_username"] == "alerts@contoso.example"


def test_silent_refresh_and_second_resource(sandbox: Sandbox, sign_in: Callable) -> None:
    first = sign_in([GRAPH_SEND, GRAPH_SHARED])
    app = first["_app"]
    account = app.get_accounts()[0]
    cached = app.acquire_token_silent([GRAPH_SEND, GRAPH_SHARED], account=account)
    assert cached["access_token"] == first["access_token"]  # scope echoed verbatim: a cache hit
    # A short lifetime (msal refreshes anything expiring within 5 minutes) forces refreshes.
    sandbox.access_token_lifetime = 60
    forced = app.acquire_token_silent(
        [GRAPH_SEND, GRAPH_SHARED], account=account, force_refresh=True
    )
    assert forced["access_token"] != first["access_token"] and forced["expires_in"] == 60
    refreshed = app.acquire_token_silent([GRAPH_SEND, GRAPH_SHARED], account=account)
    assert refreshed["access_token"] not in (first["access_token"], forced["access_token"])
    ews = app.acquire_token_silent([EWS_SCOPE], account=account)
    assert ews["scope"] == EWS_SCOPE
    grants = [
        r.form.get("grant_type") for r in sandbox.requests("entra") if r.path.endswith("/token")
    ]
    assert grants.count("refresh_token") == 3
    assert all("refresh_token" not in r.form for r in sandbox.requests("entra"))


def test_unknown_client_id_is_aadsts700016(sandbox: Sandbox, app_factory: Callable) -> None:
    app = app_factory("11111111-2222-3333-4444-555555555555")
    flow = app.initiate_device_flow([GRAPH_SEND])
    assert "user_code" not in flow
    assert flow["error"] == "unauthorized_client" and 700016 in flow["error_codes"]


def test_mixed_resources_rejected(sandbox: Sandbox, app_factory: Callable) -> None:
    flow = app_factory().initiate_device_flow([GRAPH_SEND, EWS_SCOPE])
    assert (
        flow["error"] == "invalid_scope" and "more than one resource" in flow["error_description"]
    )


def token_error(
    sandbox: Sandbox, app_factory: Callable, scopes: list[str] | None = None
) -> dict[str, Any]:
    sandbox.auto_approve_after = 0
    app = app_factory()
    flow = app.initiate_device_flow(scopes or [GRAPH_SEND])
    assert "user_code" in flow, flow
    return app.acquire_token_by_device_flow(flow)


@pytest.mark.parametrize(
    ("scenario", "error", "code", "suberror"),
    [
        ("consent_required", "invalid_grant", 65001, "consent_required"),
        ("public_client_disabled", "invalid_client", 7000218, None),
        ("ca_blocked", "invalid_grant", 53003, "message_only"),
        ("device_code_expired", "expired_token", 70019, None),
        ("declined", "authorization_declined", 70000, None),
    ],
)
def test_device_flow_scenarios(
    sandbox: Sandbox,
    app_factory: Callable,
    scenario: str,
    error: str,
    code: int,
    suberror: str | None,
) -> None:
    sandbox.set_scenario(scenario)
    result = token_error(sandbox, app_factory)
    assert result["error"] == error, result
    assert result["error_codes"] == [code]
    assert result["error_description"].startswith(f"AADSTS{code}: ")
    assert result.get("suberror") == suberror
    assert {"timestamp", "trace_id", "correlation_id"} <= set(result)
    sandbox.clear_scenarios()
    assert "access_token" in token_error(sandbox, app_factory)


def test_consent_for_one_scope_only(sandbox: Sandbox, app_factory: Callable) -> None:
    sandbox.set_scenario("consent_required", scope="Mail.Send.Shared")
    assert "access_token" in token_error(sandbox, app_factory, [GRAPH_SEND])
    result = token_error(sandbox, app_factory, [GRAPH_SEND, GRAPH_SHARED])
    assert result["error_codes"] == [65001]


def test_declined_on_the_page(sandbox: Sandbox, http: Any, app_factory: Callable) -> None:
    app = app_factory()
    flow = app.initiate_device_flow([GRAPH_SEND])
    r = approve_via_page(sandbox, http, flow["user_code"], "alerts@contoso.example", "decline")
    assert r.status_code == 200 and "declined" in r.text
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == "authorization_declined"


def test_page_refuses_bad_input(sandbox: Sandbox, http: Any, app_factory: Callable) -> None:
    r = approve_via_page(sandbox, http, "ZZZZ-ZZZZ", "alerts@contoso.example")
    assert r.status_code == 400 and "recognised" in r.text
    flow = app_factory().initiate_device_flow([GRAPH_SEND])
    r = approve_via_page(sandbox, http, flow["user_code"], "nobody@contoso.example")
    assert r.status_code == 400 and "no account" in r.text
    r = approve_via_page(sandbox, http, flow["user_code"], "alerts@contoso.example", "maybe")
    assert r.status_code == 400
    assert (
        approve_via_page(sandbox, http, flow["user_code"], "alerts@contoso.example").status_code
        == 200
    )


def test_expired_code_on_the_page(sandbox: Sandbox, http: Any, app_factory: Callable) -> None:
    sandbox.set_scenario("device_code_expired")
    flow = app_factory().initiate_device_flow([GRAPH_SEND])
    r = approve_via_page(sandbox, http, flow["user_code"], "alerts@contoso.example")
    assert r.status_code == 400 and "expired" in r.text


@pytest.mark.parametrize(
    ("scenario", "code", "suberror"),
    [("refresh_token_expired", 70008, None), ("mfa_required", 50076, "basic_action")],
)
def test_refresh_scenarios(
    sandbox: Sandbox, sign_in: Callable, scenario: str, code: int, suberror: str | None
) -> None:
    app = sign_in([GRAPH_SEND])["_app"]
    sandbox.set_scenario(scenario)
    account = app.get_accounts()[0]
    result = app.acquire_token_silent_with_error([EWS_SCOPE], account=account)
    assert result is not None and result["error"] == "invalid_grant", result
    assert result["error_codes"] == [code]
    assert result.get("suberror") == suberror


def test_revoked_refresh_token(sandbox: Sandbox, sign_in: Callable) -> None:
    app = sign_in([GRAPH_SEND])["_app"]
    sandbox.revoke_refresh_tokens()
    result = app.acquire_token_silent_with_error([EWS_SCOPE], account=app.get_accounts()[0])
    assert result["error_codes"] == [70008]


def test_unknown_scenario_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown sandbox scenario 'nope'"):
        sandbox.set_scenario("nope")


def test_scenario_options_are_checked(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown option"):
        sandbox.set_scenario("throttle", retry=5)
    with pytest.raises(ValueError, match="api must be"):
        sandbox.set_scenario("throttle", api="smtp")
    with pytest.raises(ValueError, match="count must be"):
        sandbox.set_scenario("throttle", count=0)
    assert sandbox.state.scenarios == {}


def test_consent_needed_again_when_delegation_is_turned_on(
    sandbox: Sandbox, sign_in: Callable
) -> None:
    app = sign_in([GRAPH_SEND])["_app"]
    sandbox.set_scenario("consent_required", scope="Mail.Send.Shared")
    account = app.get_accounts()[0]
    result = app.acquire_token_silent_with_error([GRAPH_SEND, GRAPH_SHARED], account=account)
    assert result["error_codes"] == [65001] and result["suberror"] == "consent_required"


def raw_token(sandbox: Sandbox, http: Any, **form: str) -> Any:
    return http.post(f"{sandbox.authority}/oauth2/v2.0/token", data=form)


def test_token_endpoint_refuses_bad_requests(sandbox: Sandbox, http: Any) -> None:
    cid = sandbox.client_id
    cases = [
        ({"grant_type": "refresh_token"}, 400, 900144),
        ({"client_id": cid, "grant_type": "password"}, 400, 70003),
        (
            {
                "client_id": cid,
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": "x",
            },
            400,
            70000,
        ),
        (
            {"client_id": cid, "grant_type": "refresh_token", "refresh_token": "forged"},
            400,
            9002313,
        ),
    ]
    for form, status, code in cases:
        r = raw_token(sandbox, http, **form)
        assert r.status_code == status and r.json()["error_codes"] == [code], (form, r.text)
    assert http.get(f"{sandbox.authority}/oauth2/v2.0/token").json()["error_codes"] == [900561]
    common = http.post(f"{sandbox.base_url}/common/oauth2/v2.0/devicecode", data={"client_id": cid})
    assert common.json()["error_codes"] == [50059]
    assert http.get(f"{sandbox.base_url}/no/such/path").status_code == 404
    bad_scope = http.post(
        f"{sandbox.authority}/oauth2/v2.0/devicecode",
        data={"client_id": cid, "scope": "https://evil.example/x"},
    )
    assert bad_scope.json()["error"] == "invalid_scope"


def test_tenant_by_domain_works(sandbox: Sandbox, ssl_ctx: Any) -> None:
    import httpx
    import msal

    app = msal.PublicClientApplication(
        sandbox.client_id,
        authority=f"{sandbox.base_url}/contoso.onmicrosoft.com",
        instance_discovery=False,
        http_client=httpx.Client(verify=ssl_ctx),
    )
    sandbox.auto_approve_after = 0
    result = app.acquire_token_by_device_flow(app.initiate_device_flow([GRAPH_SEND]))
    assert result["id_token_claims"]["tid"] == sandbox.tenant
