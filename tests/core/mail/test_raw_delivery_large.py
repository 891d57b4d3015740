"""Graph messages over the request limit: a draft, attachments posted or uploaded in chunks, then
send (`[exchange_online] large_messages = true`, Mail.ReadWrite); without it, failed at once
explaining what to turn on. Real msal/httpx against the sandbox, which refuses bodies over 4 MB."""

from __future__ import annotations

import email
import email.policy
import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail import open_delivery
from alloy_tui.core.outbox.policy import is_permanent
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import (
    ACCOUNT,
    fresh_settings,
    settings_for,
    sign_in,
    signed_in_template,
)

BIG = os.urandom(9 * 1024 * 1024 + 12345)  # several upload chunks, the last one short
SMALL = os.urandom(200_000)


def large_mime(subject: str) -> bytes:
    m = EmailMessage()
    m["From"] = f"Backup job <{ACCOUNT}>"
    m["To"] = "ops@contoso.example"
    m["Subject"] = subject
    m["Message-ID"] = "<backup-report-42@web01.example>"
    m["X-Backup-Job"] = "nightly"
    m.set_content("Backup report attached.\n")
    m.add_attachment(SMALL, maintype="application", subtype="gzip", filename="log.gz")
    m.add_attachment(BIG, maintype="application", subtype="octet-stream", filename="dump.bin")
    return m.as_bytes(policy=email.policy.SMTP)


@pytest.fixture(scope="module")
def signed_in(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return signed_in_template(sb, tmp_path_factory, large_messages=True)


@pytest.fixture
def settings(sb: Sandbox, signed_in: Settings, tmp_path: Path) -> Iterator[Settings]:
    yield fresh_settings(sb, signed_in, tmp_path, large_messages=True)
    sb.clear_scenarios()


def test_large_message_goes_through_a_draft_and_upload_session(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    raw = large_mime("nightly backup")
    assert len(raw) > 12 * 1024 * 1024
    with open_delivery(settings, tmp_path / "config.toml") as d:
        result = d.send_raw(raw, ["ops@contoso.example", "ceo@contoso.example"])
    assert result.extra["via"] == "draft"
    [got] = [m for m in sb.messages() if m.subject == "nightly backup"]
    assert got.to == ("ops@contoso.example",) and got.bcc == ("ceo@contoso.example",)
    assert got.message_id == "<backup-report-42@web01.example>"
    assert got.attachments == ("log.gz", "dump.bin")
    parsed = email.message_from_bytes(Path(got.path).read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage) and parsed["X-Backup-Job"] == "nightly"
    payloads = [a.get_payload(decode=True) for a in parsed.iter_attachments()]
    assert payloads == [SMALL, BIG]  # byte for byte, through the chunks
    puts = [r for r in sb.requests("graph") if r.method == "PUT"]
    assert len(puts) == 3 and all(len(r.body) <= 4 * 1024 * 1024 for r in puts)
    assert all("authorization" not in r.headers for r in puts)
    assert sb.state.drafts == {} and sb.state.uploads == {}


def test_without_large_messages_it_fails_at_once_saying_what_to_turn_on(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    off = settings.with_section("exchange_online", large_messages=False)
    with open_delivery(off, tmp_path / "config.toml") as d:
        with pytest.raises(ExplainedError) as e:
            d.send_raw(large_mime("too big for sendMail"), ["ops@contoso.example"])
    ex = e.value.explanation
    assert ex.code == "message.too_big" and is_permanent(ex)
    assert "large_messages = true" in ex.fix and "Mail.ReadWrite" in ex.fix
    assert "MB" in ex.cause and sb.requests("graph") == []


def test_over_35_mb_is_refused_with_the_sizes(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    raw = b"To: ops@contoso.example\r\nSubject: huge\r\n\r\n" + b"x" * (36 * 1024 * 1024)
    with open_delivery(settings, tmp_path / "config.toml") as d:
        with pytest.raises(ExplainedError) as e:
            d.send_raw(raw, ["ops@contoso.example"])
    assert e.value.explanation.code == "message.too_big"
    assert "36.0 MB" in e.value.explanation.cause and "35.0 MB" in e.value.explanation.cause


def test_the_scope_is_asked_only_with_large_messages() -> None:
    from alloy_tui.core.net.clouds import scopes

    assert not any("Mail.ReadWrite" in s for s in scopes(Settings(), "graph"))
    on = Settings().with_section("exchange_online", large_messages=True)
    assert any(s.endswith("/Mail.ReadWrite") for s in scopes(on, "graph"))


def test_mail_readwrite_not_consented_stays_temporary(sb: Sandbox, tmp_path: Path) -> None:
    """Signed in before large_messages was turned on: the token lacks Mail.ReadWrite and the
    tenant has not consented to it; the message is not failed, the explanation says what to do."""
    before = settings_for(sb, tmp_path)
    sign_in(sb, before, tmp_path / "config.toml")
    sb.set_scenario("consent_required", scope="Mail.ReadWrite", count=None)
    try:
        on = before.with_section("exchange_online", large_messages=True)
        with open_delivery(on, tmp_path / "config.toml") as d:
            with pytest.raises(ExplainedError) as e:
                d.send_raw(large_mime("needs consent"), ["ops@contoso.example"])
    finally:
        sb.clear_scenarios()
    ex = e.value.explanation
    assert not is_permanent(ex) and ex.code.startswith("AADSTS")
    assert "consent" in (ex.title + ex.cause + ex.fix).lower()


def test_permission_texts_name_mail_readwrite_only_with_large_messages() -> None:
    from alloy_tui.core.explain import ExplainContext

    off = ExplainContext.from_settings(Settings())
    on = ExplainContext.from_settings(
        Settings().with_section("exchange_online", large_messages=True)
    )
    assert "Mail.ReadWrite" not in off.scopes_text() and "Mail.ReadWrite" in on.scopes_text()
