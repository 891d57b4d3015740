"""Each app-only refusal names the step to redo and shows the command (sandbox answers fed in)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alloy_tui.core.explain import AppHints, ExplainContext, explain_app_token, explain_no_roles

CTX = ExplainContext(
    api="graph",
    client_id="11111111-2222-3333-4444-555555555555",
    tenant="contoso.onmicrosoft.com",
    account="alerts@contoso.com",
)
HINTS = AppHints(
    Path("/etc/alloy/app.pem"), Path("/etc/alloy/app.public.pem"), "AB12", "alerts@contoso.com"
)


def result(code: int, text: str, error: str = "invalid_client") -> dict[str, object]:
    return {"error": error, "error_description": f"AADSTS{code}: {text}", "error_codes": [code]}


@pytest.mark.parametrize(
    ("code", "text", "title", "command"),
    [
        (
            700027,
            "Client assertion failed signature validation. [Reason - The key was not found.]",
            "Certificate not registered on the app",
            "az ad app credential reset --id 11111111-2222-3333-4444-555555555555 --cert @/etc/alloy/app.public.pem --append",
        ),
        (
            700027,
            "Client assertion contains an invalid signature. [Reason - The key used is expired.]",
            "The certificate has expired",
            "alloy-tui app-cert create --out /etc/alloy/app.pem",
        ),
        (
            700024,
            "Client assertion is not within its valid time range.",
            "Sign-in assertion outside its valid time",
            "timedatectl set-ntp true",
        ),
        (
            700016,
            "Application with identifier 'x' was not found in the directory.",
            "Wrong tenant or client id",
            "[exchange_online] client_id and tenant",
        ),
        (
            65001,
            "The user or administrator has not consented to use the application.",
            "Admin consent missing",
            "adminconsent",
        ),
    ],
)
def test_refusals_name_the_step_and_command(code: int, text: str, title: str, command: str) -> None:
    ex = explain_app_token(result(code, text), CTX, HINTS)
    assert ex.title == title
    assert command in ex.fix
    assert ex.code == f"AADSTS{code}"


def test_no_roles_says_consent_and_how() -> None:
    ex = explain_no_roles(CTX, HINTS)
    assert "consent" in ex.title.lower()
    assert "adminconsent" in ex.fix and "RBAC for Applications" in ex.fix


def test_other_codes_fall_back_to_the_general_table() -> None:
    ex = explain_app_token(
        result(53003, "Blocked by Conditional Access.", "invalid_grant"), CTX, HINTS
    )
    assert ex.code == "AADSTS53003"
