"""The sandbox's client-credentials grant with a certificate assertion, driven by the real
msal ConfidentialClientApplication over HTTPS (and raw httpx for the malformed cases)."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import httpx
import msal
import pytest

from alloy_tui.core.signin import certificate
from alloy_tui.core.signin.app_only import FormTextHttpClient
from alloy_tui.core.signin.cache_read import decode_claims
from alloy_tui.sandbox import Sandbox
from tests.helpers.app_only import new_certificate, pem_with_validity, write_pem
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`

GRAPH = ["https://graph.microsoft.com/.default"]


@pytest.fixture
def cred(sb: Sandbox, tmp_path: Path) -> certificate.AppCredential:
    sb.clear_scenarios()
    sb.set_app_roles(["Mail.Send", "EWS.AccessAsApp"])
    c = new_certificate(tmp_path / "app.pem")
    sb.register_certificate(c.certificate_pem)
    return c


def http(sb: Sandbox) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=str(sb.ca_path)))


def app(
    sb: Sandbox, client_credential: dict[str, str], *, wrap: bool = True
) -> msal.ConfidentialClientApplication:
    client = http(sb)
    return msal.ConfidentialClientApplication(
        sb.client_id,
        client_credential=client_credential,
        authority=sb.authority,
        instance_discovery=False,
        http_client=FormTextHttpClient(client) if wrap else client,
    )


def sha256_cred(c: certificate.AppCredential) -> dict[str, str]:
    return {"private_key": c.private_key_pem, "public_certificate": c.certificate_pem}


def test_real_msal_gets_an_app_token_with_roles(
    sb: Sandbox, cred: certificate.AppCredential
) -> None:
    result = app(sb, sha256_cred(cred)).acquire_token_for_client(scopes=GRAPH)
    assert "access_token" in result, result
    claims = decode_claims(result["access_token"])
    assert claims["roles"] == ["Mail.Send"]
    assert claims["appid"] == sb.client_id and claims["idtyp"] == "app"


def test_sha1_thumbprint_rs256_is_accepted_too(
    sb: Sandbox, cred: certificate.AppCredential
) -> None:
    c = {"private_key": cred.private_key_pem, "thumbprint": cred.info.sha1}
    result = app(sb, c).acquire_token_for_client(scopes=["https://outlook.office365.com/.default"])
    assert decode_claims(result["access_token"])["roles"] == ["EWS.AccessAsApp"]


def test_bare_httpx_sends_bytes_text_and_is_refused_50027(
    sb: Sandbox, cred: certificate.AppCredential
) -> None:
    """The pitfall: MSAL gives httpx the assertion as bytes, httpx sends "b'eyJ...'"."""
    result = app(sb, sha256_cred(cred), wrap=False).acquire_token_for_client(scopes=GRAPH)
    assert "access_token" not in result
    assert result["error_codes"] == [50027]


def test_unregistered_certificate_is_700027(sb: Sandbox, tmp_path: Path) -> None:
    other = certificate.write_new(tmp_path / "other.pem", 30)
    result = app(sb, sha256_cred(other)).acquire_token_for_client(scopes=GRAPH)
    assert result["error_codes"] == [700027]
    assert "The key was not found" in result["error_description"]


def test_expired_registered_certificate_is_700027_key_expired(sb: Sandbox, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    path = write_pem(
        tmp_path / "old.pem",
        pem_with_validity(now - dt.timedelta(days=40), now - dt.timedelta(days=1)),
    )
    old = certificate.parse(path.read_bytes(), path)
    sb.register_certificate(old.certificate_pem)
    result = app(sb, sha256_cred(old)).acquire_token_for_client(scopes=GRAPH)
    assert result["error_codes"] == [700027]
    assert "The key used is expired" in result["error_description"]


def test_signature_by_another_key_is_refused(
    sb: Sandbox, cred: certificate.AppCredential, tmp_path: Path
) -> None:
    other = certificate.write_new(tmp_path / "other.pem", 30)
    forged = {"private_key": other.private_key_pem, "thumbprint": cred.info.sha1}
    result = app(sb, forged).acquire_token_for_client(scopes=GRAPH)
    assert result["error_codes"] == [700027]
    assert "signature" in result["error_description"]


def _post(sb: Sandbox, tenant: str, form: dict[str, str]) -> httpx.Response:
    with http(sb) as c:
        return c.post(f"{sb.base_url}/{tenant}/oauth2/v2.0/token", data=form)


def _assertion(cred: certificate.AppCredential, sb: Sandbox, **claims: object) -> str:
    import time

    import jwt

    from alloy_tui.sandbox.aad import b64url

    now = time.time()
    payload = {
        "aud": f"{sb.base_url}/{sb.tenant}/oauth2/v2.0/token",
        "iss": sb.client_id,
        "sub": sb.client_id,
        "exp": now + 600,
        "nbf": now,
        "jti": "x",
        **claims,
    }
    thumb = b64url(bytes.fromhex(cred.info.sha256))
    return jwt.encode(payload, cred.private_key_pem, algorithm="PS256", headers={"x5t#S256": thumb})


def _form(sb: Sandbox, assertion: str, scope: str = GRAPH[0]) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": sb.client_id,
        "scope": scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }


def test_expired_and_not_yet_valid_assertions_are_700024(
    sb: Sandbox, cred: certificate.AppCredential
) -> None:
    import time

    old = _assertion(cred, sb, exp=time.time() - 3600, nbf=time.time() - 7200)
    assert _post(sb, sb.tenant, _form(sb, old)).json()["error_codes"] == [700024]
    future = _assertion(cred, sb, nbf=time.time() + 3600, exp=time.time() + 7200)
    assert _post(sb, sb.tenant, _form(sb, future)).json()["error_codes"] == [700024]
    good = _assertion(cred, sb)
    assert "access_token" in _post(sb, sb.tenant, _form(sb, good)).json()


def test_wrong_client_tenant_scope_and_missing_assertion(
    sb: Sandbox, cred: certificate.AppCredential
) -> None:
    good = _assertion(cred, sb)
    wrong_client = {**_form(sb, good), "client_id": "00000000-0000-0000-0000-000000000001"}
    assert _post(sb, sb.tenant, wrong_client).json()["error_codes"] == [700016]
    assert _post(sb, "11111111-2222-3333-4444-555555555555", _form(sb, good)).json()[
        "error_codes"
    ] == [90002]
    mismatch = _assertion(cred, sb, iss="someone-else", sub="someone-else")
    assert _post(sb, sb.tenant, _form(sb, mismatch)).json()["error_codes"] == [700021]
    short = _form(sb, good, scope="https://graph.microsoft.com/Mail.Send")
    assert _post(sb, sb.tenant, short).json()["error_codes"] == [1002012]
    none = {k: v for k, v in _form(sb, good).items() if k != "client_assertion"}
    assert _post(sb, sb.tenant, none).json()["error_codes"] == [7000216]
    as_bytes_text = _form(sb, f"b'{good}'")
    assert _post(sb, sb.tenant, as_bytes_text).json()["error_codes"] == [50027]


def test_consent_missing_two_ways(sb: Sandbox, cred: certificate.AppCredential) -> None:
    sb.set_app_roles([])
    result = app(sb, sha256_cred(cred)).acquire_token_for_client(scopes=GRAPH)
    assert "roles" not in decode_claims(result["access_token"])
    sb.set_scenario("consent_required", count=1)
    result = app(sb, sha256_cred(cred)).acquire_token_for_client(scopes=GRAPH)
    assert result["error_codes"] == [65001]


def test_the_sandbox_page_registers_a_certificate(sb: Sandbox, tmp_path: Path) -> None:
    c = certificate.write_new(tmp_path / "paged.pem", 30)
    with http(sb) as client:
        page = client.post(f"{sb.base_url}/appcerts", data={"cert": c.certificate_pem})
    assert page.status_code == 200 and c.info.sha1 in page.text
    assert c.info.sha1 in sb.app_only.certificates
    result = app(sb, sha256_cred(c)).acquire_token_for_client(scopes=GRAPH)
    assert "access_token" in result
    with http(sb) as client:
        bad = client.post(f"{sb.base_url}/appcerts", data={"cert": "nope"})
    assert bad.status_code == 400


def test_the_assertion_is_not_recorded(sb: Sandbox, cred: certificate.AppCredential) -> None:
    sb.clear_requests()
    app(sb, sha256_cred(cred)).acquire_token_for_client(scopes=GRAPH)
    (rec,) = [r for r in sb.requests("entra") if r.path.endswith("/token")]
    assert "client_assertion" not in rec.form and rec.form["grant_type"] == "client_credentials"
