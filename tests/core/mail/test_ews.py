"""EWS on Exchange Online through the delivery path (the message's MIME as one CreateItem,
real exchangelib + MSAL bearer token against the sandbox), as `send` and `test-send` send."""

from __future__ import annotations

import base64
import email
import email.policy
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.backoff import Backoff
from alloy_tui.core.mail.message import OutgoingMessage, SendResult
from alloy_tui.core.mail.sending import send_message
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import (
    ACCOUNT,
    fresh_settings,
    settings_for,
    sign_in,
    signed_in_template,
)
from tests.helpers.outgoing import message_maker


@pytest.fixture(scope="module")
def signed_in(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return signed_in_template(sb, tmp_path_factory, api="ews")


@pytest.fixture
def settings(sb: Sandbox, signed_in: Settings, tmp_path: Path) -> Iterator[Settings]:
    yield fresh_settings(sb, signed_in, tmp_path, api="ews")
    sb.clear_scenarios()


msg = message_maker("bob@example.com", "Backup failed", "see log")


def send(settings: Settings, tmp_path: Path, message: OutgoingMessage, **kw: object) -> SendResult:
    return send_message(settings, tmp_path / "c.toml", message, **kw)  # type: ignore[arg-type]


def mime_of(body: bytes) -> email.message.EmailMessage:
    """The MIME message inside a CreateItem's MimeContent."""
    found = re.search(rb"<t:MimeContent[^>]*>([^<]*)</t:MimeContent>", body)
    assert found, body[:500]
    parsed = email.message_from_bytes(base64.b64decode(found.group(1)), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_send_is_one_create_item(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    before = len(sb.messages())
    r = send(settings, tmp_path, msg())
    assert r.api == "ews" and r.account == ACCOUNT and r.from_address == ACCOUNT and r.attempts == 1
    reqs = sb.requests("ews")
    assert len(reqs) == 1  # no autodiscover, no version probe, no GetFolder
    body = reqs[0].body.decode()
    assert "CreateItem" in body and 'MessageDisposition="SendOnly"' in body
    assert "Exchange2016" in body
    mime = mime_of(reqs[0].body)  # the message goes as MIME, as queued mail does
    assert mime["From"] == ACCOUNT and mime["Subject"] == "Backup failed"
    assert reqs[0].headers.get("x-anchormailbox") == ACCOUNT
    [m] = sb.messages()[before:]
    assert m.subject == "Backup failed" and list(m.to) == ["bob@example.com"] and m.api == "ews"


def test_html_body(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    send(settings, tmp_path, msg(body="<p>x</p>", html=True))
    assert mime_of(sb.requests("ews")[0].body).get_content_type() == "text/html"
    assert sb.messages()[-1].html


def test_on_behalf_allowed_is_the_mime_from(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    s = settings.with_section("exchange_online", from_delegation=True)
    r = send(s, tmp_path, msg(from_address="helpdesk@contoso.example"))
    assert r.from_address == "helpdesk@contoso.example"
    assert mime_of(sb.requests("ews")[0].body)["From"] == "helpdesk@contoso.example"
    assert sb.messages()[-1].from_address == "helpdesk@contoso.example"


def test_on_behalf_denied_is_explained(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    s = settings.with_section("exchange_online", from_delegation=True)
    with pytest.raises(ExplainedError) as ei:
        send(s, tmp_path, msg(from_address="ceo@contoso.example"))
    ex = ei.value.explanation
    assert ex.code == "ErrorSendAsDenied"
    assert "ceo@contoso.example" in ex.cause + ex.fix and ACCOUNT in ex.cause + ex.fix
    assert "Delegate Access" in ex.fix


def test_delegation_off_refused_before_any_request(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg(from_address="helpdesk@contoso.example"))
    assert ei.value.explanation.code == "delegation_off"
    assert sb.requests() == []


def test_server_busy_backs_off_then_sends(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("throttle", api="ews", retry_after=0.5, count=1)
    t0 = time.monotonic()
    r = send(settings, tmp_path, msg())
    assert r.attempts == 2 and time.monotonic() - t0 >= 0.5
    assert len(sb.requests("ews")) == 2


def test_503_with_retry_after_then_sends(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("server_busy", api="ews", retry_after=0, count=1)
    assert send(settings, tmp_path, msg()).attempts == 2


def test_server_busy_gives_up(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("throttle", api="ews", retry_after=0.1, count=None)
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg(), backoff=Backoff(max_attempts=2))
    ex = ei.value.explanation
    assert ex.details["attempts"] == 2 and "gave up" in ex.cause
    assert len(sb.requests("ews")) == 2


@pytest.mark.parametrize("mode", ["soap", "http"])
def test_ews_blocked_for_the_tenant(
    sb: Sandbox, settings: Settings, tmp_path: Path, mode: str
) -> None:
    sb.set_scenario("ews_blocked", mode=mode, count=1)
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg())
    ex = ei.value.explanation
    assert "EWS" in ex.title + ex.cause + ex.fix
    if mode == "http":
        assert ex.code == "http.403" and "EwsEnabled" in ex.fix
    else:
        assert ex.code == "ErrorAccessDenied"


def test_a_refused_token_is_renewed_once_then_sends(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    sb.set_scenario("invalid_token", api="ews", count=1)
    assert send(settings, tmp_path, msg()).attempts == 1
    grants = [q.form.get("grant_type") for q in sb.requests("entra") if q.path.endswith("/token")]
    assert grants == ["refresh_token"] and len(sb.requests("ews")) == 2


def test_invalid_token_twice_is_explained(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("invalid_token", api="ews", count=2)
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg())
    ex = ei.value.explanation
    assert ex.code == "UnauthorizedError" and "alloy-tui login" in ex.fix


def test_expired_token_is_refreshed_through_msal(tmp_path: Path) -> None:
    with Sandbox(access_token_lifetime=301.5) as sb:
        s = settings_for(sb, tmp_path, api="ews")
        signin = sign_in(sb, s, tmp_path / "c.toml")
        signin.get_token("ews")
        time.sleep(1.6)  # under MSAL's 5-minute margin now: the next silent call refreshes
        sb.clear_requests()
        send(s, tmp_path, msg())
        grants = [
            q.form.get("grant_type") for q in sb.requests("entra") if q.path.endswith("/token")
        ]
        assert grants == ["refresh_token"] and len(sb.requests("ews")) == 1


def test_unverified_ews_host_gets_no_request(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    # Sign-in works (login trusts the sandbox CA), but EWS goes to a second server with another CA.
    with Sandbox() as other:
        s = settings.with_section("exchange_online", ews_endpoint=other.ews_endpoint)
        with pytest.raises(ExplainedError) as ei:
            send(s, tmp_path, msg())
        assert other.requests() == []
    assert "certificate" in (ei.value.explanation.title + ei.value.explanation.cause).lower()
