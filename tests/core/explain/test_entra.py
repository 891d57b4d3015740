"""Every AADSTS code and OAuth error string maps to a specific title and an actionable fix."""

from __future__ import annotations

from typing import Any

import pytest

from alloy_tui.core.explain.dispatch import ExplainContext, explain, explain_aad
from alloy_tui.core.explain.entra import aad_code, explain_msal_value_error

CLIENT = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CTX = ExplainContext(
    api="graph", account="alerts@contoso.example", client_id=CLIENT, tenant=TENANT, cloud="global"
)


def msal_error(
    code: int, error: str = "invalid_grant", sentence: str = "Something went wrong.", **kw: Any
) -> dict[str, Any]:
    """The shape MSAL returns: error, error_description with trace lines, error_codes, ids."""
    return {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {sentence} Second sentence here.\r\n"
            "Trace ID: 0f0f0f0f-1111-2222-3333-444444444444\r\n"
            "Correlation ID: 9e9e9e9e-1111-2222-3333-444444444444\r\nTimestamp: 2026-11-01 10:00:00Z"
        ),
        "error_codes": [code],
        "timestamp": "2026-11-01 10:00:00Z",
        "trace_id": "0f0f0f0f-1111-2222-3333-444444444444",
        "correlation_id": "9e9e9e9e-1111-2222-3333-444444444444",
        **kw,
    }


# code, error, title must contain, fix must contain (all of)
CASES: list[tuple[int, str, str, list[str]]] = [
    (
        7000218,
        "invalid_client",
        "Public client flows",
        ["Allow public client flows = Yes", CLIENT, "Authentication"],
    ),
    (
        700016,
        "unauthorized_client",
        "App not found",
        ["Application (client) ID", "Directory (tenant) ID", "client_id"],
    ),
    (
        65001,
        "invalid_grant",
        "consent",
        [
            f"https://login.microsoftonline.com/{TENANT}/adminconsent?client_id={CLIENT}",
            "Mail.Send",
        ],
    ),
    (
        90094,
        "invalid_grant",
        "Admin consent",
        ["adminconsent?client_id=" + CLIENT, "Grant admin consent"],
    ),
    (90095, "invalid_grant", "Admin consent", ["adminconsent", "Global Administrator"]),
    (50076, "invalid_grant", "Multi-factor", ["alloy-tui login", "MFA"]),
    (50079, "invalid_grant", "MFA registration", ["https://aka.ms/mfasetup"]),
    (
        53003,
        "access_denied",
        "Conditional Access",
        ["Sign-in logs", "Conditional Access", "exclude"],
    ),
    (90002, "invalid_request", "Tenant not found", ["[exchange_online] tenant", "cloud"]),
    (50059, "invalid_request", "No tenant", ["[exchange_online] tenant"]),
    (50194, "invalid_request", "Single-tenant", ["Directory (tenant) ID"]),
    (70000, "invalid_grant", "sign in again", ["alloy-tui login"]),
    (70008, "invalid_grant", "sign in again", ["alloy-tui login"]),
    (700082, "invalid_grant", "sign in again", ["alloy-tui login", "alloy-tui status"]),
    (50173, "invalid_grant", "sign in again", ["alloy-tui login"]),
    (70043, "invalid_grant", "sign in again", ["alloy-tui login", "Sign-in frequency"]),
    (70016, "authorization_pending", "Waiting", ["verification page", "enter the code"]),
    (70018, "bad_verification_code", "Wrong code", ["alloy-tui login"]),
    (70019, "expired_token", "expired", ["alloy-tui login"]),
    (
        65002,
        "invalid_grant",
        "Microsoft's own app id",
        ["New registration", "[exchange_online] client_id"],
    ),
]


@pytest.mark.parametrize(("code", "error", "title", "fixes"), CASES, ids=[str(c[0]) for c in CASES])
def test_every_aadsts_code(code: int, error: str, title: str, fixes: list[str]) -> None:
    ex = explain_aad(msal_error(code, error), CTX)
    assert ex.code == f"AADSTS{code}"
    assert title.lower() in ex.title.lower()
    for needle in fixes:
        assert needle in ex.fix, (needle, ex.fix)
    assert ex.cause and ex.cause[-1] in ".)'" or ex.cause.endswith(")")
    assert ex.request_id == "0f0f0f0f-1111-2222-3333-444444444444"
    assert "AADSTS" not in ex.title  # words, not a number


def test_retryable_only_for_pending() -> None:
    assert explain_aad(msal_error(70016, "authorization_pending"), CTX).retryable
    assert not explain_aad(msal_error(7000218, "invalid_client"), CTX).retryable
    assert not explain_aad(msal_error(700082), CTX).retryable


def test_consent_names_who_and_which_scopes() -> None:
    ex = explain_aad(msal_error(65001), ExplainContext(api="ews", client_id=CLIENT, tenant=TENANT))
    assert "EWS.AccessAsUser.All" in ex.fix
    assert "Global Administrator" in ex.fix
    delegated = ExplainContext(
        api="graph",
        account="a@contoso.example",
        from_address="b@contoso.example",
        client_id=CLIENT,
        tenant=TENANT,
    )
    assert "Mail.Send.Shared" in explain_aad(msal_error(65001), delegated).fix


def test_admin_consent_url_uses_cloud_login_host() -> None:
    for cloud, host in [
        ("usgov-high", "login.microsoftonline.us"),
        ("china", "login.partner.microsoftonline.cn"),
    ]:
        ctx = ExplainContext(client_id=CLIENT, tenant=TENANT, cloud=cloud)
        ex = explain_aad(msal_error(90094), ctx)
        assert f"https://{host}/{TENANT}/adminconsent?client_id={CLIENT}" in ex.fix


def test_admin_consent_url_placeholders_without_context() -> None:
    ex = explain_aad(msal_error(65001), ExplainContext())
    assert "https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client_id}" in ex.fix


def test_mfa_and_conditional_access_explained_not_dumped() -> None:
    ex = explain_aad(msal_error(53003, "access_denied"), CTX)
    assert "device code flow" in ex.cause.lower()
    assert "alerts@contoso.example" in ex.fix


@pytest.mark.parametrize(
    ("error", "title"),
    [
        ("authorization_declined", "declined"),
        ("expired_token", "expired"),
        ("bad_verification_code", "Wrong code"),
        ("invalid_client", "app registration"),
        ("interaction_required", "interaction required"),
        ("invalid_grant", "sign in again"),
        ("access_denied", "denied"),
        ("authorization_pending", "Waiting"),
    ],
)
def test_error_strings_without_codes(error: str, title: str) -> None:
    ex = explain_aad({"error": error, "error_description": ""}, CTX)
    assert title.lower() in ex.title.lower()
    assert ex.code == error
    assert ex.fix


@pytest.mark.parametrize(
    ("suberror", "title"),
    [
        ("basic_action", "action required"),
        ("additional_action", "more action"),
        ("bad_token", "expired"),
        ("message_only", "Sign in again"),
    ],
)
def test_invalid_grant_suberrors(suberror: str, title: str) -> None:
    ex = explain_aad({"error": "invalid_grant", "error_description": "", "suberror": suberror}, CTX)
    assert title.lower() in ex.title.lower()
    assert "alloy-tui login" in ex.fix
    assert ex.details["suberror"] == suberror


def test_consent_required_suberror_gives_consent_fix() -> None:
    ex = explain_aad(
        {"error": "invalid_grant", "error_description": "", "suberror": "consent_required"}, CTX
    )
    assert "adminconsent" in ex.fix


def test_unknown_code_generic_quotes_number_and_first_sentence() -> None:
    ex = explain_aad(msal_error(9999999, "invalid_request", "The frobnicator is unhappy."), CTX)
    assert ex.code == "AADSTS9999999"
    assert "AADSTS9999999" in ex.title
    assert "The frobnicator is unhappy." in ex.cause
    assert "Second sentence" not in ex.cause
    assert "Trace ID" not in ex.cause
    assert "https://login.microsoftonline.com/error?code=9999999" in ex.fix


def test_unknown_code_with_known_error_string_still_quotes_number() -> None:
    ex = explain_aad(msal_error(12345, "invalid_grant", "A new reason."), CTX)
    assert "alloy-tui login" in ex.fix
    assert "AADSTS12345" in ex.cause and "A new reason." in ex.cause


def test_generic_never_quotes_tokens() -> None:
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJl"
    result = msal_error(
        9999998, "invalid_request", f"Bad assertion {token} refresh_token=0.AXEAabc123DEF."
    )
    ex = explain_aad(result, CTX)
    text = f"{ex.title} {ex.cause} {ex.fix} {ex.details}"
    assert token not in text and "eyJ0eXAi" not in text and "0.AXEAabc123DEF" not in text


def test_code_from_description_when_no_error_codes() -> None:
    result = {
        "error": "invalid_client",
        "error_description": "AADSTS7000218: The request body must contain client_assertion.",
    }
    assert aad_code(result) == "7000218"
    assert "Allow public client flows" in explain_aad(result, CTX).fix


def test_explain_dispatches_mappings_to_aad() -> None:
    assert explain(msal_error(7000218, "invalid_client"), CTX).code == "AADSTS7000218"


def test_msal_value_error_for_unknown_tenant_message() -> None:
    exc = ValueError(
        "Unable to get authority configuration for https://login.microsoftonline.com/contso.onmicrosoft.com. "
        "Authority would typically be in a format of https://login.microsoftonline.com/your_tenant "
        "Also please double check your tenant name or GUID is correct."
    )
    ex = explain_msal_value_error(exc, ExplainContext())
    assert ex is not None
    assert ex.code == "AADSTS90002"
    assert "contso.onmicrosoft.com" in ex.cause
    assert explain(exc, ExplainContext()).code == "AADSTS90002"
    assert explain_msal_value_error(ValueError("something else"), CTX) is None


def test_one_line_description_without_final_period() -> None:
    """The sandbox (and some Entra answers) put Trace ID on the same line."""
    result = {
        "error": "invalid_request",
        "error_description": "AADSTS9999997: No period here Trace ID: 0f0f Correlation ID: 9e9e Timestamp: 2026-11-01",
        "error_codes": [9999997],
    }
    ex = explain_aad(result, CTX)
    assert "No period here" in ex.cause
    assert "Trace ID" not in ex.cause and "0f0f" not in ex.cause
