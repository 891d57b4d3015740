"""explain() dispatch, the generic fallback, ExplainContext helpers and redaction."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError, Explanation, UserInputError
from alloy_tui.core.explain.dispatch import ExplainContext, explain, explained_error, redact
from tests.helpers.fault_servers import json_responder, tls_server

CTX = ExplainContext(
    api="graph", account="alerts@contoso.example", client_id="11111111-2222-3333-4444-555555555555"
)
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJlMTIzNDU2"
OPAQUE = "0.AXEAtC1k2p3Q4r5S6t7U8v9W0xYzAbCdEfGhIjKlMnOpQrStUvWx"


def test_explained_error_passes_through() -> None:
    original = Explanation("T", "C", "F", code="X")
    assert explain(ExplainedError(original), CTX) is original
    err = explained_error(ExplainedError(original), CTX)
    assert err.explanation is original


def test_explained_error_wraps() -> None:
    err = explained_error(ConnectionRefusedError(111, "Connection refused"), CTX)
    assert isinstance(err, ExplainedError) and err.explanation.code == "refused"


def test_user_input_error() -> None:
    ex = explain(UserInputError("The recipient address 'x' is not valid."), CTX)
    assert ex.title == "Invalid input" and "'x'" in ex.cause


def test_generic_unknown_error_redacted() -> None:
    exc = RuntimeError(f"boom while sending with Authorization: Bearer {JWT}\nsecond line {OPAQUE}")
    ex = explain(exc, CTX)
    assert ex.title == "Unexpected error (RuntimeError)"
    assert "boom while sending" in ex.cause
    assert JWT not in ex.cause and "second line" not in ex.cause
    assert "alert log" in ex.fix and "report" in ex.fix


def test_generic_uses_cause_when_message_empty() -> None:
    try:
        try:
            raise KeyError("missing-key")
        except KeyError as inner:
            raise RuntimeError() from inner
    except RuntimeError as e:
        ex = explain(e, CTX)
    assert "KeyError" in ex.cause


def test_file_errors() -> None:
    ex = explain(FileNotFoundError(2, "No such file or directory", "/etc/corp-ca.pem"), CTX)
    assert "/etc/corp-ca.pem" in ex.cause and "ca_bundle" in ex.fix
    ex = explain(PermissionError(13, "Permission denied", "/var/lib/alloy/cache.bin"), CTX)
    assert ex.code == "file.permission" and "/var/lib/alloy/cache.bin" in ex.fix


def test_smtplib_goes_to_explain_smtp() -> None:
    exc = smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid")
    ex = explain(
        exc,
        ExplainContext(
            service="smtp", api="smtp", account="svc@contoso.example", host="smtp.contoso.example"
        ),
    )
    assert ex.code.startswith("smtp")
    assert ex.fix


def test_msal_service_error() -> None:
    from msal.exceptions import MsalServiceError

    exc = MsalServiceError(
        error="server_error",
        error_description="AADSTS90033: A transient error has occurred. Please try again.",
    )
    ex = explain(exc, CTX)
    assert ex.code == "AADSTS90033"
    assert "A transient error has occurred." in ex.cause
    assert ex.retryable


def test_real_msal_unknown_tenant_value_error(tmp_path: Path) -> None:
    """MSAL's constructor raises ValueError when OIDC discovery for the tenant answers 400."""
    import httpx
    import msal

    body = {
        "error": "invalid_tenant",
        "error_description": "AADSTS90002: Tenant 'contso.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID.",
        "error_codes": [90002],
    }
    with tls_server(tmp_path, respond=json_responder(400, body)) as srv:
        ctx_ssl = srv.trusting_context()
        with httpx.Client(verify=ctx_ssl, trust_env=False, timeout=5) as client:
            with pytest.raises(ValueError) as info:
                msal.PublicClientApplication(
                    CTX.client_id,
                    authority=f"https://localhost:{srv.port}/contso.onmicrosoft.com",
                    instance_discovery=False,
                    http_client=client,
                )
    ex = explain(info.value, ExplainContext(tenant="contso.onmicrosoft.com"))
    assert ex.code == "AADSTS90002"
    assert ex.title == "Tenant not found"
    assert "contso.onmicrosoft.com" in ex.cause
    assert "[exchange_online] tenant" in ex.fix


def test_ssl_error_dispatches_to_network() -> None:
    assert (
        explain(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), CTX).code
        == "tls"
    )


def test_config_error_like_alloy_errors() -> None:
    from alloy_tui.core.errors import AlloyError

    class ConfigError(AlloyError):
        pass

    ex = explain(ConfigError('config.toml:3: exchange_online.api must be "graph" or "ews"'), CTX)
    assert ex.code == "config" and "config.toml:3" in ex.cause


def test_context_from_settings() -> None:
    s = Settings().with_section(
        "exchange_online",
        api="ews",
        client_id="11111111-2222-3333-4444-555555555555",
        tenant="contoso.example",
        cloud="usgov-high",
        account="a@contoso.example",
    )
    ctx = ExplainContext.from_settings(s, from_address="b@contoso.example")
    assert ctx.api == "ews" and ctx.cloud == "usgov-high" and ctx.account == "a@contoso.example"
    assert ctx.on_behalf
    assert (
        ctx.admin_consent_url()
        == "https://login.microsoftonline.us/contoso.example/adminconsent?client_id=11111111-2222-3333-4444-555555555555"
    )
    smtp = ExplainContext.from_settings(
        Settings().with_section("smtp", host="mx.example.com").__class__(service="smtp")
    )
    assert smtp.api == "smtp"


# Redaction -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        ("{'Authorization': 'Bearer abcDEF123ghiJKL'}", "abcDEF123ghiJKL"),
        (f"headers={{'authorization': 'Bearer {OPAQUE}'}}", OPAQUE),
        (f"token {JWT} leaked", JWT),
        (f"refresh_token={OPAQUE}&client_id=x", OPAQUE),
        ('{"access_token": "AbCdEf0123456789xyz", "x": 1}', "AbCdEf0123456789xyz"),
        ("password=hunter2", "hunter2"),
        (f"opaque {OPAQUE} here", OPAQUE),
        ("https://x.example/cb?code=M.R3_BAY.abcdef123&state=1", "M.R3_BAY.abcdef123"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ],
)
def test_redact_removes_secrets(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "[redacted]" in out


@pytest.mark.parametrize(
    "text",
    [
        "request-id 0a1b2c3d-1111-2222-3333-444455556666",
        "AADSTS7000218: The request body must contain client_assertion or client_secret.",
        "Basic authentication is disabled for this tenant",
        "Bearer token expired",
        "see /usr/lib/python3/dist-packages/certifi/cacert.pem",
        "https://login.microsoftonline.com/error?code=7000218",
        "ErrorMailboxNotEnabledForRESTAPI",
        "alerts@contoso.example could not send to bob@example.com",
    ],
)
def test_redact_keeps_harmless_text(text: str) -> None:
    assert redact(text) == text
