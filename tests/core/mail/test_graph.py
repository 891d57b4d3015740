"""Graph through the delivery path (MIME `sendMail`, real httpx against the sandbox), as
`send`, `test-send` and the wizard send: sent, on behalf, refused, throttled."""

from __future__ import annotations

import base64
import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError, UserInputError
from alloy_tui.core.mail.backoff import Backoff
from alloy_tui.core.mail.message import OutgoingMessage, SendResult
from alloy_tui.core.mail.sending import send_message
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import (
    ACCOUNT,
    copy_cache,
    settings_for,
    signed_in_settings,  # noqa: F401 - fixture `settings`
    signed_in_template,
)
from tests.helpers.outgoing import message_maker


@pytest.fixture(scope="module")
def signed_in(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return signed_in_template(sb, tmp_path_factory, from_delegation=True)


msg = message_maker("bob@example.com", "Disk almost full", "92% used")


def posted(sb: Sandbox) -> list[EmailMessage]:
    """The MIME messages alloy-tui posted to sendMail (text/plain: the base64 of the MIME)."""
    out = []
    for r in sb.requests("graph"):
        assert r.path.endswith("/sendMail") and r.headers["content-type"] == "text/plain"
        parsed = email.message_from_bytes(base64.b64decode(r.body), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        out.append(parsed)
    return out


def send(settings: Settings, tmp_path: Path, message: OutgoingMessage, **kw: object) -> SendResult:
    return send_message(settings, tmp_path / "config.toml", message, **kw)  # type: ignore[arg-type]


def test_send_plain_text(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    before = len(sb.messages())
    result = send(settings, tmp_path, msg())
    assert result.api == "graph" and result.account == ACCOUNT and result.from_address == ACCOUNT
    assert result.to == ("bob@example.com",) and result.attempts == 1 and result.request_id
    [body] = posted(sb)
    assert body["From"] == ACCOUNT and body["To"] == "bob@example.com"
    assert body.get_content_type() == "text/plain" and body.get_content().strip() == "92% used"
    assert body["Message-ID"] == result.extra["message_id"]
    [delivered] = sb.messages()[before:]
    assert delivered.subject == "Disk almost full" and list(delivered.to) == ["bob@example.com"]
    [req] = sb.requests("graph")
    assert req.headers.get("request-id") is None  # the sandbox records what we sent, not its answer
    assert req.headers["client-request-id"] == result.extra["client_request_id"]


def test_send_html_to_several(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    send(
        settings, tmp_path, msg(to=("a@example.com", "b@example.com"), body="<b>hi</b>", html=True)
    )
    [body] = posted(sb)
    assert body.get_content_type() == "text/html"
    assert body["To"] == "a@example.com, b@example.com"
    assert list(sb.messages()[-1].to) == ["a@example.com", "b@example.com"]


def test_own_address_as_from_is_not_delegation(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    r = send(settings, tmp_path, msg(from_address="Alerts@Contoso.example"))
    assert r.from_address == ACCOUNT
    assert posted(sb)[0]["From"] == ACCOUNT  # the account itself: no delegation


def test_on_behalf_allowed(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    s = settings.with_section("exchange_online", from_delegation=True)
    r = send(s, tmp_path, msg(from_address="helpdesk@contoso.example"))
    assert r.from_address == "helpdesk@contoso.example" and r.account == ACCOUNT
    assert posted(sb)[0]["From"] == "helpdesk@contoso.example"
    delivered = sb.messages()[-1]
    assert delivered.from_address == "helpdesk@contoso.example" and delivered.sender == ACCOUNT


def test_on_behalf_denied_names_who_must_grant_what(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    s = settings.with_section("exchange_online", from_delegation=True)
    with pytest.raises(ExplainedError) as ei:
        send(s, tmp_path, msg(from_address="ceo@contoso.example"))
    ex = ei.value.explanation
    assert ex.code == "ErrorSendAsDenied" and ex.request_id
    text = ex.cause + " " + ex.fix
    assert "ceo@contoso.example" in text and ACCOUNT in text
    assert "Delegate Access" in ex.fix and "None" in ex.fix


def test_other_from_with_delegation_off_is_refused_before_any_request(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg(from_address="helpdesk@contoso.example"))
    ex = ei.value.explanation
    assert (
        ex.code == "delegation_off"
        and "from_delegation" in ex.fix
        and "helpdesk@contoso.example" in ex.cause
    )
    assert sb.requests() == []


def test_throttled_then_sent_after_retry_after(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    sb.set_scenario("throttle", api="graph", retry_after=1, count=1)
    t0 = time.monotonic()
    r = send(settings, tmp_path, msg())
    assert r.attempts == 2
    assert time.monotonic() - t0 >= 1.0  # waited at least Retry-After
    assert [q.status for q in sb.requests("graph")] == [429, 202]


def test_503_then_sent(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("server_busy", api="graph", retry_after=0, count=2)
    r = send(settings, tmp_path, msg())
    assert r.attempts == 3


def test_throttling_gives_up_after_bounded_retries(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    sb.set_scenario("throttle", api="graph", retry_after=0, count=None)
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg(), backoff=Backoff(max_attempts=3))
    ex = ei.value.explanation
    assert ex.details["attempts"] == 3 and "gave up" in ex.cause
    assert "throttl" in (ex.title + ex.cause).lower()
    assert [q.status for q in sb.requests("graph")] == [429, 429, 429]


def test_throttling_wait_longer_than_the_cap_gives_up_at_once(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    sb.set_scenario("throttle", api="graph", retry_after=120, count=None)
    t0 = time.monotonic()
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg(), backoff=Backoff(max_total_wait=5))
    assert time.monotonic() - t0 < 3
    assert ei.value.explanation.details["attempts"] == 1
    assert "120" in ei.value.explanation.cause + ei.value.explanation.fix


def test_mailbox_not_enabled(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("mailbox_not_enabled", count=1)
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg())
    assert ei.value.explanation.code == "MailboxNotEnabledForRESTAPI"


def test_401_refreshes_once_then_sends(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("invalid_token", api="graph", count=1)
    r = send(settings, tmp_path, msg())
    assert r.attempts == 1  # a refused token is renewed and sent at once, within the attempt
    assert [q.status for q in sb.requests("graph")] == [401, 202]
    grants = [q.form.get("grant_type") for q in sb.requests("entra") if q.path.endswith("/token")]
    assert grants == ["refresh_token"]


def test_401_twice_is_explained(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("invalid_token", api="graph", count=2)
    with pytest.raises(ExplainedError) as ei:
        send(settings, tmp_path, msg())
    assert ei.value.explanation.code == "InvalidAuthenticationToken"


@pytest.mark.parametrize(
    ("message", "match"),
    [
        (msg(to=()), "No recipient"),
        (msg(to=("not-an-address",)), "not-an-address"),
        (msg(to=("bob@example.com\r\nBcc: eve@example.com",)), "line break"),
        (msg(subject="Hi\r\nBcc: eve@example.com"), "line break"),
        (msg(from_address="x@y\nz"), "line break"),
    ],
)
def test_bad_input_never_reaches_the_network(
    sb: Sandbox, settings: Settings, tmp_path: Path, message: OutgoingMessage, match: str
) -> None:
    with pytest.raises((UserInputError, ExplainedError), match=match):
        send_message(settings, tmp_path / "c.toml", message)
    assert sb.requests() == []


def test_graph_path_never_imports_exchangelib(
    sb: Sandbox, signed_in: Settings, tmp_path: Path
) -> None:
    import subprocess
    import sys

    copy_cache(signed_in, tmp_path)
    s = settings_for(sb, tmp_path)
    code = (
        "import sys, pickle\n"
        "from pathlib import Path\n"
        "from alloy_tui.core.mail import OutgoingMessage, send_message\n"
        "s = pickle.loads(bytes.fromhex(sys.argv[1]))\n"
        "send_message(s, Path(sys.argv[2]), OutgoingMessage(('bob@example.com',), 's', 'b'))\n"
        "print('EXCHANGELIB' if 'exchangelib' in sys.modules else 'CLEAN')\n"
    )
    import pickle

    out = subprocess.run(
        [sys.executable, "-c", code, pickle.dumps(s).hex(), str(tmp_path / "c.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "CLEAN", out.stderr
