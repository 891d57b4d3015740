"""Exchange Server (on-premises) through the delivery path (the MIME as one CreateItem, as `send`
and `test-send` send) against the sandbox's EWS with HTTP Basic and NTLM, for real."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError, UserInputError
from alloy_tui.core.mail.exchange_server.status import status
from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.sandbox import Sandbox
from tests.helpers.on_premises import PASSWORD, UPN, USER, exchange_server_settings
from tests.helpers.outgoing import foreground_sender, message_maker
from tests.helpers.sandboxes import module_sandbox  # noqa: F401 - fixture `sandbox`


@pytest.fixture(autouse=True)
def _fresh_grants(sandbox: Sandbox) -> Iterator[None]:
    yield
    sandbox.revoke_send_on_behalf("helpdesk@contoso.example", UPN)
    sandbox.clear_scenarios()


def settings_for(sandbox: Sandbox, **kw: object) -> Settings:
    return exchange_server_settings(sandbox, **kw)


msg = message_maker("ops@contoso.example", "Backup finished", "All good.")


send = foreground_sender(msg)


def _find(sandbox: Sandbox, subject: str) -> list[object]:
    return [m for m in sandbox.messages() if m.subject == subject]


def test_send_with_stored_password(sandbox: Sandbox, tmp_path: Path) -> None:
    secrets.store_password("exchange-server", USER, PASSWORD)
    result = send(settings_for(sandbox), tmp_path, msg(subject="stored-pw"))
    (got,) = _find(sandbox, "stored-pw")
    assert got.account == UPN and got.to == ("ops@contoso.example",) and got.body == "All good."  # type: ignore[attr-defined]
    assert result.api == "exchange-server" and result.account == USER
    assert result.from_address == UPN and result.extra["version"] == "Exchange2013_SP1"


def test_send_html_with_upn_and_env_password(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOY_EXCH_PW", PASSWORD)
    s = settings_for(sandbox, username=UPN, password_env="ALLOY_EXCH_PW").with_section(
        "message", default_from=""
    )
    result = send(s, tmp_path, msg(subject="upn-html", html=True, body="<p>ok</p>"))
    (got,) = _find(sandbox, "upn-html")
    assert got.html and got.from_address == UPN  # type: ignore[attr-defined]
    assert result.from_address == UPN


def test_wrong_password_is_explained_without_it(sandbox: Sandbox, tmp_path: Path) -> None:
    wrong = "Wrong-Passw0rd-xyz"
    with pytest.raises(ExplainedError) as e:
        send(settings_for(sandbox), tmp_path, msg(subject="wrong-pw"), password=wrong)
    ex = e.value.explanation
    assert ex.title == "Exchange rejected the credentials"
    assert "401" in ex.cause and 'auth = "ntlm" or "basic"' in ex.fix
    assert ex.details["auth"] == "basic" and ex.details["duration_ms"] >= 0
    assert wrong not in f"{e.value} {ex} {ex.details}"
    assert not _find(sandbox, "wrong-pw")


def test_ntlm_send_and_wrong_password(sandbox: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sandbox, auth="ntlm")
    result = send(s, tmp_path, msg(subject="ntlm-ok"), password=PASSWORD)
    (got,) = _find(sandbox, "ntlm-ok")
    assert got.account == UPN and result.extra["auth"] == "ntlm"  # type: ignore[attr-defined]
    with pytest.raises(ExplainedError) as e:
        send(s, tmp_path, msg(subject="ntlm-wrong"), password="Not-The-One-9")
    assert e.value.explanation.title == "Exchange rejected the credentials"
    assert "Not-The-One-9" not in f"{e.value} {e.value.explanation.details}"
    assert not _find(sandbox, "ntlm-wrong")


def test_on_behalf_denied_then_allowed(sandbox: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sandbox)
    with pytest.raises(ExplainedError) as e:
        send(
            s,
            tmp_path,
            msg(subject="obo-denied", from_address="helpdesk@contoso.example"),
            password=PASSWORD,
        )
    ex = e.value.explanation
    assert ex.code == "ErrorSendAsDenied"
    text = f"{ex.cause} {ex.fix}"
    assert "helpdesk@contoso.example" in text and USER in text and "Delegate Access" in text
    assert not _find(sandbox, "obo-denied")

    sandbox.grant_send_on_behalf("helpdesk@contoso.example", UPN)
    result = send(
        s,
        tmp_path,
        msg(subject="obo-ok", from_address="helpdesk@contoso.example"),
        password=PASSWORD,
    )
    (got,) = _find(sandbox, "obo-ok")
    assert got.from_address == "helpdesk@contoso.example" and got.sender == UPN  # type: ignore[attr-defined]
    assert result.from_address == "helpdesk@contoso.example"


def test_untrusted_certificate_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sandbox).with_section("network", ca_bundle="")
    before = len(sandbox.requests("ews"))
    with pytest.raises(ExplainedError) as e:
        send(s, tmp_path, password=PASSWORD)
    assert "certificate" in f"{e.value.explanation.title} {e.value.explanation.cause}".lower()
    assert "ca_bundle" in e.value.explanation.fix
    assert len(sandbox.requests("ews")) == before


def test_password_never_logged(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ExplainedError):
        send(settings_for(sandbox), tmp_path, password="Leaky-Secret-123")
    send(settings_for(sandbox), tmp_path, password=PASSWORD)
    assert "Leaky-Secret-123" not in caplog.text and PASSWORD not in caplog.text
    from exchangelib.protocol import CachingProtocol

    # exchangelib's process-wide protocol cache must not keep the credentials around.
    keys = list(CachingProtocol._protocol_cache)
    assert not [
        k for k in keys if getattr(k[1], "password", None) in (PASSWORD, "Leaky-Secret-123")
    ]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"ews_endpoint": ""}, "ews_endpoint is empty"),
        ({"ews_endpoint": "http://mail.example.com/EWS/Exchange.asmx"}, "must be an https:// URL"),
        ({"username": ""}, "username is empty"),
        ({"auth": "kerberos"}, "ntlm"),
    ],
)
def test_bad_settings_fail_before_any_traffic(
    sandbox: Sandbox, tmp_path: Path, kw: dict[str, object], match: str
) -> None:
    before = len(sandbox.requests("ews"))
    with pytest.raises((UserInputError, ExplainedError), match=match):
        send(settings_for(sandbox, **kw), tmp_path, password=PASSWORD)
    assert len(sandbox.requests("ews")) == before


def test_domain_user_without_an_address_needs_default_from(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    s = settings_for(sandbox).with_section("message", default_from="")
    with pytest.raises((UserInputError, ExplainedError), match="default_from"):
        send(s, tmp_path, password=PASSWORD)


def test_password_command_failing_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    before = len(sandbox.requests("ews"))
    with pytest.raises(ExplainedError, match="exited with code 2"):
        send(settings_for(sandbox, password_command="echo nope >&2; exit 2"), tmp_path)
    assert len(sandbox.requests("ews")) == before


def test_status(sandbox: Sandbox, tmp_path: Path) -> None:
    secrets.store_password("exchange-server", USER, PASSWORD)
    ok, lines = status(settings_for(sandbox), tmp_path / "config.toml")
    assert ok, lines
    assert any(line.startswith("Signed in: the credentials were accepted") for line in lines)
    assert any("from the secrets file" in line for line in lines)
    secrets.store_password("exchange-server", USER, "Nope-123")
    ok, lines = status(settings_for(sandbox), tmp_path / "config.toml")
    assert not ok and "FAILED: Exchange rejected the credentials" in lines
    assert "Nope-123" not in "\n".join(lines)
