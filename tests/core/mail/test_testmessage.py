"""The test message says what it is, from where, through what, as whom and when."""

from __future__ import annotations

import html
import socket
from datetime import UTC, datetime, timedelta, timezone

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import UserInputError
from alloy_tui.core.mail.testmessage import build_test_message

NOW = datetime(2026, 11, 2, 9, 30, 5, tzinfo=UTC)
ACCOUNT = "alerts@contoso.example"


def graph_settings(**eo: object) -> Settings:
    return Settings().with_section("exchange_online", **{"api": "graph", **eo})


def test_plain_text_graph_own_mailbox() -> None:
    m = build_test_message(
        graph_settings(), ACCOUNT, "bob@example.com", host="srv1.contoso.example", now=NOW
    )
    assert m.subject == "alloy-tui test message from srv1.contoso.example"
    assert m.to == ("bob@example.com",)
    assert not m.html
    assert m.from_address == ""  # the account's own address
    body = m.body
    assert "This is a test message from alloy-tui." in body
    assert "Host:    srv1.contoso.example" in body
    assert "Service: Exchange Online (Microsoft 365)" in body
    assert "API:     Microsoft Graph" in body
    assert f"Account: {ACCOUNT}" in body
    assert f"From:    {ACCOUNT}" in body
    assert "2026-11-02 09:30:05 UTC" in body
    assert "local time" in body
    assert "<" not in body


def test_on_behalf_names_both() -> None:
    m = build_test_message(
        graph_settings(from_delegation=True),
        ACCOUNT,
        "bob@example.com",
        "ceo@contoso.example",
        host="h",
        now=NOW,
    )
    assert m.from_address == "ceo@contoso.example"
    assert f"ceo@contoso.example (sent by {ACCOUNT} on behalf of ceo@contoso.example)" in m.body


def test_from_equal_to_account_is_not_delegation() -> None:
    m = build_test_message(
        graph_settings(), ACCOUNT, "bob@example.com", ACCOUNT.upper(), host="h", now=NOW
    )
    assert m.from_address == ""
    assert "on behalf" not in m.body


def test_default_from_used_when_no_from_given() -> None:
    s = graph_settings().with_section("message", default_from="noreply@contoso.example")
    m = build_test_message(s, ACCOUNT, "bob@example.com", host="h", now=NOW)
    assert m.from_address == "noreply@contoso.example"
    assert "on behalf of noreply@contoso.example" in m.body


def test_ews_and_cloud_named() -> None:
    s = graph_settings(api="ews", cloud="usgov-high")
    m = build_test_message(s, ACCOUNT, "bob@example.com", host="h", now=NOW)
    assert "Exchange Online (Microsoft 365), US Government GCC High" in m.body
    assert "Exchange Web Services (EWS)" in m.body


def test_smtp_and_exchange_server_describe_the_route() -> None:
    s = Settings(service="smtp").with_section(
        "smtp", host="smtp.contoso.example", port=465, security="ssl", username="svc"
    )
    m = build_test_message(s, "svc", "bob@example.com", host="h", now=NOW)
    assert "Service: SMTP" in m.body
    assert "SMTP to smtp.contoso.example:465 (SSL/TLS)" in m.body
    s = Settings(service="exchange-server").with_section(
        "exchange_server",
        ews_endpoint="https://mail.contoso.example/EWS/Exchange.asmx",
        auth="ntlm",
    )
    m = build_test_message(s, "CONTOSO\\svc", "bob@example.com", host="h", now=NOW)
    assert "Microsoft Exchange Server (on-premises)" in m.body
    assert "EWS at https://mail.contoso.example/EWS/Exchange.asmx (NTLM)" in m.body


def test_html_escapes_everything() -> None:
    s = graph_settings().with_section("message", format="html")
    m = build_test_message(
        s, "a&b<script>@contoso.example", "bob@example.com", host="<b>evil</b>", now=NOW
    )
    assert m.html
    assert "<b>evil</b>" not in m.body and html.escape("<b>evil</b>") in m.body
    assert "<script>" not in m.body and "a&amp;b&lt;script&gt;" in m.body
    assert m.body.startswith("<!DOCTYPE html>")
    assert "This is a test message from alloy-tui." in m.body
    assert "2026-11-02 09:30:05 UTC" in m.body


def test_local_time_shown_from_aware_now() -> None:
    other = NOW.astimezone(timezone(timedelta(hours=5)))
    m = build_test_message(graph_settings(), ACCOUNT, "bob@example.com", host="h", now=other)
    assert "2026-11-02 09:30:05 UTC" in m.body


def test_naive_now_is_taken_as_utc() -> None:
    m = build_test_message(
        graph_settings(), ACCOUNT, "bob@example.com", host="h", now=NOW.replace(tzinfo=None)
    )
    assert "2026-11-02 09:30:05 UTC" in m.body


def test_default_host_is_the_fqdn_else_the_host_name() -> None:
    """Where /etc/hosts maps the host name to 127.0.0.1, getfqdn() says "localhost": no admin
    recognises their server by that, so the host name is used instead."""
    fqdn, name = socket.getfqdn(), socket.gethostname()
    real_fqdn = "." in fqdn and not fqdn.lower().startswith("localhost")
    expected = fqdn if real_fqdn else name
    m = build_test_message(graph_settings(), ACCOUNT, "bob@example.com", now=NOW)
    assert m.subject == f"alloy-tui test message from {expected}"
    if name.lower() != "localhost":
        assert "localhost" not in m.subject


def test_host_name_setting_names_the_host() -> None:
    settings = graph_settings().with_section("message", host_name="mail-relay-07.example.net")
    m = build_test_message(settings, ACCOUNT, "bob@example.com", now=NOW)
    assert m.subject == "alloy-tui test message from mail-relay-07.example.net"
    assert "Host:    mail-relay-07.example.net" in m.body


def test_default_now_is_current() -> None:
    m = build_test_message(graph_settings(), ACCOUNT, "bob@example.com", host="h")
    assert (
        datetime.now(UTC).strftime("%Y-%m-%d") in m.body
        or (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d") in m.body
    )


def test_host_with_line_break_cannot_inject_headers() -> None:
    m = build_test_message(
        graph_settings(), ACCOUNT, "bob@example.com", host="h\r\nBcc: eve@evil.example", now=NOW
    )
    assert "\r" not in m.subject and "\n" not in m.subject


@pytest.mark.parametrize(
    ("to", "from_address", "match"),
    [
        ("", "", "At least one recipient"),
        ("bob@example.com\r\nBcc: x@example.com", "", "line break"),
        ("Bob <bob@example.com>", "", "display name"),
        ("bob@example.com", "ceo\n@contoso.example", "The From address"),
        ("bob@example.com", "not-an-address", "The From address 'not-an-address'"),
    ],
)
def test_bad_addresses_refused(to: str, from_address: str, match: str) -> None:
    with pytest.raises(UserInputError, match=match):
        build_test_message(graph_settings(), ACCOUNT, to, from_address, host="h", now=NOW)
