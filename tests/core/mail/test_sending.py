"""send_message / send_test_message: transport choice, one alert-log entry per attempt, explained
failures, and bad input that never reaches the network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message, send_test_message
from alloy_tui.core.mail.services import open_delivery
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import (
    ACCOUNT,
    log_entries,
    settings_for,
    sign_in,
    signed_in_settings,  # noqa: F401 - fixture `settings`
)


def test_delivery_choice() -> None:
    s = Settings()
    assert type(open_delivery(s, Path("c.toml"))).__name__ == "GraphDelivery"
    ews = s.with_section("exchange_online", api="ews")
    assert type(open_delivery(ews, Path("c.toml"))).__name__ == "EwsDelivery"


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_test_message_is_sent_and_logged(
    sb: Sandbox, settings: Settings, tmp_path: Path, api: str
) -> None:
    s = settings.with_section("exchange_online", api=api)
    if api == "ews":
        sign_in(sb, s, tmp_path / "config.toml")  # EWS consent on the same account
    r = send_test_message(s, tmp_path / "config.toml", "bob@example.com")
    assert r.api == api and r.account == ACCOUNT
    m = sb.messages()[-1]
    text = m.subject + " " + m.body
    assert "alloy-tui" in text and ACCOUNT in text and "test" in text.lower()
    entry = log_entries(s)[-1]
    assert entry["event"] == "test_message.sent" and entry["level"] == "info"
    d = entry["details"]
    assert d["to"] == ["bob@example.com"] and d["from"] == ACCOUNT and d["account"] == ACCOUNT
    assert d["api"] == api and d["service"] == "exchange-online" and d["attempts"] == 1
    assert isinstance(d["duration_ms"], int) and d["error_code"] == ""
    if api == "graph":
        assert d["request_id"]


def test_notification_failure_is_logged_once_and_explained(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    s = settings.with_section("exchange_online", from_delegation=True)
    before = len(log_entries(s))
    with pytest.raises(ExplainedError) as ei:
        send_message(
            s,
            tmp_path / "config.toml",
            OutgoingMessage(
                ("bob@example.com",), "CPU", "high", from_address="ceo@contoso.example"
            ),
        )
    entries = log_entries(s)[before:]
    assert len(entries) == 1
    e = entries[0]
    assert e["event"] == "notification.failed" and e["level"] == "error"
    assert e["details"]["error_code"] == "ErrorSendAsDenied" == ei.value.explanation.code
    assert e["details"]["request_id"] and e["details"]["from"] == "ceo@contoso.example"
    assert e["details"]["account"] == ACCOUNT


def test_throttling_attempts_are_logged(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    sb.set_scenario("throttle", api="graph", retry_after=0, count=1)
    r = send_message(settings, tmp_path / "c.toml", OutgoingMessage(("bob@example.com",), "s", "b"))
    assert r.attempts == 2
    assert log_entries(settings)[-1]["details"]["attempts"] == 2


@pytest.mark.parametrize(
    ("to", "subject", "from_address", "words"),
    [
        ((), "s", "", "No recipient"),
        (("bob@@example.com",), "s", "", "bob@@example.com"),
        (("bob@example.com\nBcc: eve@example.com",), "s", "", "line break"),
        (("bob@example.com",), "Alert\r\nBcc: eve@example.com", "", "line break"),
        (("bob@example.com",), "s", "helpdesk@contoso.example\r\n", "line break"),
        (("Bob <bob@example.com>, eve@example.com",), "s", "", "bob@example.com"),
    ],
)
def test_bad_input_is_refused_logged_and_sends_nothing(
    sb: Sandbox,
    settings: Settings,
    tmp_path: Path,
    to: tuple[str, ...],
    subject: str,
    from_address: str,
    words: str,
) -> None:
    with pytest.raises(ExplainedError) as ei:
        send_message(
            settings,
            tmp_path / "c.toml",
            OutgoingMessage(to, subject, "body", from_address=from_address),
        )
    ex = ei.value.explanation
    assert ex.code == "input" and words in ex.cause
    assert sb.requests() == []
    entry = log_entries(settings)[-1]
    assert entry["event"] == "notification.failed" and entry["details"]["error_code"] == "input"


def test_bad_test_recipient(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ExplainedError) as ei:
        send_test_message(settings, tmp_path / "c.toml", "bob@example.com\r\nBcc: eve@example.com")
    assert ei.value.explanation.code == "input"
    assert sb.requests() == []
    assert log_entries(settings)[-1]["event"] == "test_message.failed"


def test_not_signed_in(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    with pytest.raises(ExplainedError) as ei:
        send_test_message(s, tmp_path / "c.toml", "bob@example.com")
    assert ei.value.explanation.code == "not_signed_in"
    assert log_entries(s)[-1]["details"]["error_code"] == "not_signed_in"


def test_unreachable_graph_endpoint(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    s = settings.with_section("exchange_online", graph_endpoint=f"https://127.0.0.1:{port}/graph")
    with pytest.raises(ExplainedError) as ei:
        send_test_message(s, tmp_path / "c.toml", "bob@example.com")
    ex = ei.value.explanation
    assert str(port) in ex.cause + ex.fix or "127.0.0.1" in ex.cause + ex.fix
    assert log_entries(s)[-1]["details"]["error_code"] == ex.code


@pytest.mark.parametrize("bundle", ["missing", "not-pem"])
def test_bad_ca_bundle_stops_before_any_request(
    sb: Sandbox, settings: Settings, tmp_path: Path, bundle: str
) -> None:
    path = tmp_path / "ca.pem"
    if bundle == "not-pem":
        path.write_bytes(b"\x30\x82 binary DER")
    s = settings.with_section("network", ca_bundle=str(path))
    with pytest.raises(ExplainedError) as ei:
        send_test_message(s, tmp_path / "c.toml", "bob@example.com")
    assert "network.ca_bundle" in ei.value.explanation.cause
    assert sb.requests() == []


def test_graph_server_that_does_not_verify_gets_no_request(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    with Sandbox() as other:
        s = settings.with_section("exchange_online", graph_endpoint=other.graph_endpoint)
        with pytest.raises(ExplainedError) as ei:
            send_test_message(s, tmp_path / "c.toml", "bob@example.com")
        assert other.requests() == []
    ex = ei.value.explanation
    assert "certificate" in (ex.title + ex.cause).lower()
    assert log_entries(s)[-1]["event"] == "test_message.failed"
