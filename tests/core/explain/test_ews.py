"""exchangelib errors -> specific titles and fixes; EWS retirement wording by date."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.explain.dispatch import (
    ExplainContext,
    ews_retirement_warning,
    explain,
    explain_ews,
)
from tests.helpers.explain_contexts import ACCOUNT, CLIENT, OWNER, contexts
from tests.helpers.fault_servers import tls_server

CTX, PLAIN = contexts("ews")


def _errors() -> Any:
    import exchangelib.errors as errors

    return errors


def test_send_as_denied_same_on_behalf_wording() -> None:
    exc = _errors().ErrorSendAsDenied(
        "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account."
    )
    ex = explain_ews(exc, CTX)
    assert ex.code == "ErrorSendAsDenied"
    assert OWNER in ex.cause and ACCOUNT in ex.cause
    assert "Delegate Access > Add" in ex.fix and "None for each folder > OK" in ex.fix
    assert f'-GrantSendOnBehalfTo @{{Add="{ACCOUNT}"}}' in ex.fix


# class name, title contains, fix contains, retryable
CASES: list[tuple[str, str, list[str], bool]] = [
    ("ErrorAccessDenied", "Access denied", ["EWS.AccessAsUser.All", "EwsAllowedAppIDs"], False),
    ("ErrorNonExistentMailbox", "Mailbox not found", ["Recipients > Mailboxes"], False),
    ("ErrorServerBusy", "throttling", ["30 messages per minute"], True),
    ("ErrorMailboxStoreUnavailable", "temporarily unavailable", ["Try again"], True),
    ("ErrorMailboxMoveInProgress", "temporarily unavailable", ["Try again"], True),
    ("ErrorInternalServerError", "temporarily unavailable", ["Try again"], True),
    ("ErrorInvalidRecipients", "recipient", ["recipient address"], False),
    ("ErrorMessageSizeExceeded", "too large", ["smaller"], False),
    ("ErrorAccountDisabled", "disabled", ["enables"], False),
    ("ErrorInvalidServerVersion", "version", ["EWS endpoint"], False),
]


@pytest.mark.parametrize(("name", "title", "fixes", "retryable"), CASES, ids=[c[0] for c in CASES])
def test_ews_classes(name: str, title: str, fixes: list[str], retryable: bool) -> None:
    exc = getattr(_errors(), name)("Exchange says something.")
    ex = explain_ews(exc, PLAIN)
    assert ex.code == name
    assert title.lower() in ex.title.lower()
    for needle in fixes:
        assert needle in ex.fix, (needle, ex.fix)
    assert ex.retryable is retryable


def test_server_busy_back_off_reported() -> None:
    exc = _errors().ErrorServerBusy("busy", back_off=12)
    ex = explain_ews(exc, PLAIN)
    assert ex.details["retry_after"] == "12" and "12 s" in ex.cause


def test_rate_limit_error() -> None:
    ex = explain_ews(_errors().RateLimitError("Max timeout reached", wait=30.0), PLAIN)
    assert ex.retryable and "throttling" in ex.title


def test_unauthorized_mentions_token_permission_and_allow_list() -> None:
    ex = explain_ews(
        _errors().UnauthorizedError(
            "Invalid credentials for https://outlook.office365.com/EWS/Exchange.asmx"
        ),
        PLAIN,
    )
    assert "401" in ex.title
    assert "alloy-tui login" in ex.fix
    assert "EWS.AccessAsUser.All" in ex.fix
    assert "Set-OrganizationConfig -EwsEnabled $true" in ex.fix
    assert f'-EwsAllowedAppIDs @{{Add="{CLIENT}"}}' in ex.fix
    assert "EWSAllowedAppIDs" in ex.cause


def test_unauthorized_on_premises_talks_about_password() -> None:
    ctx = ExplainContext(service="exchange-server", api="exchange-server", account="CONTOSO\\svc")
    ex = explain_ews(
        _errors().UnauthorizedError(
            "Invalid credentials for https://mail.contoso.example/EWS/Exchange.asmx"
        ),
        ctx,
    )
    assert "password" in ex.fix and "ntlm" in ex.fix
    assert "EwsAllowedAppIDs" not in ex.fix


def test_locked_out() -> None:
    ex = explain_ews(
        _errors().UnauthorizedError("The referenced account is currently locked out"), PLAIN
    )
    assert ex.title == "Account locked out"


def test_cas_error() -> None:
    ex = explain_ews(_errors().CASError(cas_error="UnauthorizedAccess", response=None), PLAIN)
    assert "front-end" in ex.title and "UnauthorizedAccess" in ex.cause and ex.retryable


def test_unknown_exchangelib_error_generic() -> None:
    ex = explain(
        _errors().ErrorItemNotFound("The specified object was not found in the store."), PLAIN
    )
    assert ex.code == "ErrorItemNotFound"
    assert "ErrorItemNotFound" in ex.title
    assert "not found in the store" in ex.cause


def test_explain_dispatches_exchangelib() -> None:
    assert explain(_errors().ErrorSendAsDenied("x"), CTX).code == "ErrorSendAsDenied"


def _ews_send(endpoint: str) -> BaseException:
    from exchangelib import DELEGATE, OAUTH2, Account, Build, Configuration, Message, Version
    from exchangelib.credentials import OAuth2AuthorizationCodeCredentials
    from exchangelib.protocol import BaseProtocol, FailFast

    creds = OAuth2AuthorizationCodeCredentials(
        access_token={
            "access_token": "not-a-real-token",
            "token_type": "Bearer",
            "expires_in": 3600,
        }
    )
    config = Configuration(
        service_endpoint=endpoint,
        credentials=creds,
        auth_type=OAUTH2,
        version=Version(build=Build(15, 20), api_version="Exchange2016"),
        retry_policy=FailFast(),
    )
    account = Account(ACCOUNT, config=config, autodiscover=False, access_type=DELEGATE)
    try:
        with pytest.raises(Exception) as info:
            Message(account=account, subject="t", body="b", to_recipients=["bob@example.com"]).send(
                save_copy=False
            )
    finally:
        account.protocol.close()
        BaseProtocol  # noqa: B018 - imported to make sure nothing global was changed
    return info.value


def test_real_exchangelib_tls_failure_is_network(tmp_path: Path) -> None:
    """exchangelib wraps requests' SSLError in TransportError; the chain still says 'TLS'."""
    with tls_server(tmp_path) as srv:
        exc = _ews_send(f"https://localhost:{srv.port}/EWS/Exchange.asmx")
    assert type(exc).__module__.startswith("exchangelib")
    ex = explain(exc, PLAIN)
    assert ex.code == "tls.untrusted"
    assert "[network] ca_bundle" in ex.fix


def test_real_exchangelib_401(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain http to a local server

    def respond(_h: Any) -> tuple[int, dict[str, str], bytes]:
        return 401, {"WWW-Authenticate": 'Bearer realm=""'}, b""

    with tls_server(tmp_path, respond=respond, tls=False) as srv:
        exc = _ews_send(f"http://127.0.0.1:{srv.port}/EWS/Exchange.asmx")
    assert type(exc).__name__ == "UnauthorizedError"
    ex = explain(exc, PLAIN)
    assert "EwsAllowedAppIDs" in ex.fix
    assert "not-a-real-token" not in f"{ex.cause} {ex.fix} {ex.details}"


def test_graph_path_does_not_import_exchangelib() -> None:
    import subprocess

    code = (
        "import sys\n"
        "from alloy_tui.core.explain.dispatch import explain, ExplainContext, explain_graph\n"
        "explain(ConnectionRefusedError(111, 'refused'), ExplainContext())\n"
        "explain_graph(403, {'error': {'code': 'ErrorSendAsDenied'}}, {}, ExplainContext())\n"
        "bad = [m for m in ('exchangelib', 'msal', 'httpx', 'requests', 'textual') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("today", "title", "words"),
    [
        (date(2026, 6, 1), "being retired", ["From 1 Oct 2026", "1 Apr 2027", "before 1 Oct 2026"]),
        (date(2026, 10, 1), "now blocked unless allow-listed", ["Since 1 Oct 2026", "1 Apr 2027"]),
        (date(2026, 11, 27), "now blocked unless allow-listed", ["in 125 days"]),
        (date(2027, 4, 1), "has been turned off", ["permanently on 1 Apr 2027"]),
        (date(2028, 1, 1), "has been turned off", ["permanently"]),
    ],
)
def test_ews_retirement_warning_follows_date(today: date, title: str, words: list[str]) -> None:
    ex = ews_retirement_warning(today)
    assert title in ex.title
    for w in words:
        assert w in ex.cause + " " + ex.fix, w
    assert "Graph" in ex.fix


def test_ews_retirement_warning_names_client_id() -> None:
    ex = ews_retirement_warning(date(2026, 6, 1), client_id=CLIENT)
    assert CLIENT in ex.cause and f'@{{Add="{CLIENT}"}}' in ex.fix
    assert "EwsEnabled $true" in ex.fix


def test_ews_retirement_warning_default_today() -> None:
    ex = ews_retirement_warning()
    assert ex.code in ("ews-retirement", "ews-retired")


def test_on_premises_wording() -> None:
    ctx = ExplainContext(
        service="exchange-server",
        api="exchange-server",
        account="svc@contoso.example",
        from_address=OWNER,
    )
    denied = explain_ews(_errors().ErrorSendAsDenied("denied"), ctx)
    assert (
        "Exchange Management Shell" in denied.fix and "Exchange Online PowerShell" not in denied.fix
    )
    access = explain_ews(_errors().ErrorAccessDenied("denied"), ctx)
    assert "Set-CASMailbox svc@contoso.example -EwsEnabled $true" in access.fix
    assert "adminconsent" not in access.fix and "EwsAllowedAppIDs" not in access.fix
    missing = explain_ews(_errors().ErrorNonExistentMailbox("No mailbox"), ctx)
    assert f"Get-Mailbox {OWNER}" in missing.fix and "licence" not in missing.fix


@pytest.mark.parametrize(
    ("status", "title", "retryable"),
    [
        (403, "forbidden (403)", False),
        (404, "not found (404)", False),
        (500, "server error (500)", True),
        (418, "refused (418)", False),
    ],
)
def test_real_exchangelib_http_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, title: str, retryable: bool
) -> None:
    """exchangelib turns a non-SOAP HTTP answer into MalformedResponseError('... Code: 403 ...')."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")

    def respond(_h: Any) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "text/plain"}, b"Nope"

    with tls_server(tmp_path, respond=respond, tls=False) as srv:
        exc = _ews_send(f"http://127.0.0.1:{srv.port}/EWS/Exchange.asmx")
    assert type(exc).__name__ == "MalformedResponseError"
    ex = explain(exc, PLAIN)
    assert title in ex.title
    assert ex.retryable is retryable
    assert ex.details["status"] == status
    assert "headers" not in ex.cause
    if status == 403:
        assert "EWSAllowedAppIDs" in ex.cause and "EwsAllowedAppIDs" in ex.fix
