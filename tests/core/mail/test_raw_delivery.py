"""Raw (MIME) delivery through real httpx/msal/exchangelib/smtplib: Graph base64 sendMail, EWS
MimeContent (Exchange Online and Exchange Server), SMTP bytes as is. The message arrives with
its Subject, Date, Message-ID and attachments unchanged; one token and one connection per run."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail import open_delivery
from alloy_tui.core.mail.headers import for_exchange
from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.mailbox import as_handed_over
from tests.helpers.m365 import (
    ACCOUNT,
    fresh_settings,
)
from tests.helpers.smtp_server import SmtpServer

ES_USER = "svc-alerts@contoso.example"
ES_PASSWORD = "Sandbox-Passw0rd"


def mime(subject: str, *, to: str = "ops@contoso.example", from_: str = ACCOUNT) -> bytes:
    m = EmailMessage()
    m["From"] = f"Cron Daemon (web01) <{from_}>"
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = "Wed, 02 Dec 2026 04:00:00 +0000"
    m["Message-ID"] = f"<{subject.replace(' ', '.')}@web01.example>"
    m.set_content("Disk /var is 93% full.\n\u00e9t\u00e9\n")
    m.add_attachment(
        b"\x00\x01binary\xff" * 100,
        maintype="application",
        subtype="octet-stream",
        filename="df.bin",
    )
    return m.as_bytes(policy=email.policy.SMTP)


@pytest.fixture
def eo(sb: Sandbox, signed_in: Settings, tmp_path: Path) -> Iterator[Settings]:
    yield fresh_settings(sb, signed_in, tmp_path)
    sb.clear_scenarios()


def delivered(sb: Sandbox, subject: str) -> list:  # noqa: ANN401 - DeliveredMessage
    return [m for m in sb.messages() if m.subject == subject]


def token_requests(sb: Sandbox) -> int:
    return sum(1 for r in sb.requests("entra") if r.path.endswith("/token"))


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_mime_arrives_unchanged_one_token_for_many(
    sb: Sandbox, eo: Settings, tmp_path: Path, api: str
) -> None:
    settings = eo.with_section("exchange_online", api=api)
    raws = [mime(f"{api} run {n}") for n in range(3)]
    with open_delivery(settings, tmp_path / "config.toml") as delivery:
        for raw in raws:
            result = delivery.send_raw(raw, ["ops@contoso.example"])
            assert result.api == api and result.account == ACCOUNT
    for n, raw in enumerate(raws):
        [got] = delivered(sb, f"{api} run {n}")
        assert got.mime and got.api == api and got.to == ("ops@contoso.example",)
        assert got.message_id == f"<{api}.run.{n}@web01.example>"
        assert got.date == "Wed, 02 Dec 2026 04:00:00 +0000"
        assert got.attachments == ("df.bin",)
        assert as_handed_over(Path(got.path)) == raw  # byte for byte
    # One token for all three: Graph's was cached at sign-in; EWS's needs one refresh grant.
    assert token_requests(sb) == (0 if api == "graph" else 1)
    assert len(sb.requests(api)) == 3
    if api == "graph":
        assert all(r.headers.get("content-type") == "text/plain" for r in sb.requests("graph"))


def test_bcc_and_envelope_only_recipients_are_delivered_hidden(
    sb: Sandbox, eo: Settings, tmp_path: Path
) -> None:
    raw = mime("bcc check", to="ops@contoso.example")
    with open_delivery(eo, tmp_path / "config.toml") as d:
        d.send_raw(raw, ["ops@contoso.example", "ceo@contoso.example"])
    [got] = delivered(sb, "bcc check")
    assert got.to == ("ops@contoso.example",) and got.bcc == ("ceo@contoso.example",)
    stored = as_handed_over(Path(got.path))
    assert b"ceo@contoso.example" not in stored  # no Bcc header in what recipients see


def test_sendmail_without_t_only_the_envelope_receives(tmp_path: Path) -> None:
    raw = mime("args only", to="someone@else.example, ops@contoso.example")
    out = for_exchange(raw, ["ops@contoso.example"])
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert parsed["To"] == "ops@contoso.example" and parsed["Bcc"] is None
    assert parsed["Subject"] == "args only" and out.endswith(raw.split(b"\r\n\r\n", 1)[1])


def test_graph_refusals_are_explained(sb: Sandbox, eo: Settings, tmp_path: Path) -> None:
    with open_delivery(eo, tmp_path / "config.toml") as d:
        with pytest.raises(ExplainedError) as e:
            d.send_raw(mime("bad from", from_="ceo@contoso.example"), ["ops@contoso.example"])
        assert e.value.explanation.code in ("ErrorAccessDenied", "ErrorSendAsDenied")
        sb.set_scenario("server_busy", retry_after=42, api="graph")
        with pytest.raises(ExplainedError) as e:
            d.send_raw(mime("busy"), ["ops@contoso.example"])
        assert e.value.explanation.details["status"] == 503
        assert e.value.explanation.details["retry_after"] == 42
        with pytest.raises(ExplainedError) as e:
            d.send_raw(mime("huge") + b"x" * (4 * 1024 * 1024), ["ops@contoso.example"])
        assert e.value.explanation.code == "message.too_big" and "MB" in e.value.explanation.cause
    assert delivered(sb, "busy") == [] and delivered(sb, "huge") == []


def test_exchange_server_mime_content(sb: Sandbox, tmp_path: Path) -> None:
    secrets.store_password("exchange-server", ES_USER, ES_PASSWORD)
    settings = (
        Settings(service="exchange-server")
        .with_section(
            "exchange_server", ews_endpoint=sb.ews_endpoint, username=ES_USER, auth="basic"
        )
        .with_section("network", ca_bundle=str(sb.ca_path), timeout=5.0)
    )
    raws = [mime(f"onprem {n}", from_=ES_USER) for n in range(2)]
    with open_delivery(settings, tmp_path / "config.toml") as d:
        for raw in raws:
            assert d.send_raw(raw, ["ops@contoso.example"]).api == "exchange-server"
    for n, raw in enumerate(raws):
        [got] = delivered(sb, f"onprem {n}")
        assert got.account == ES_USER and as_handed_over(Path(got.path)) == raw


def test_smtp_bytes_as_is_over_one_connection(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls") as server:
        settings = (
            Settings(service="smtp")
            .with_section("network", ca_bundle=str(server.tls.ca_path), timeout=5.0)
            .with_section("smtp", host="127.0.0.1", port=server.port, security="starttls")
            .with_section("message", default_from="server@contoso.test")
        )
        raws = [mime(f"smtp {n}", from_="server@contoso.test") for n in range(3)]
        with open_delivery(settings, tmp_path / "config.toml") as d:
            for raw in raws:
                d.send_raw(raw + b"", ["ops@contoso.test", "hidden@contoso.test"])
            assert d.connections == 1  # type: ignore[attr-defined]
        got = server.messages
        assert [g.rcpt_tos for g in got] == [["ops@contoso.test", "hidden@contoso.test"]] * 3
        for g, raw in zip(got, raws, strict=True):
            assert g.mail_from == "server@contoso.test"
            assert g.data.replace(b"\r\n", b"\n").rstrip(b"\n") == raw.replace(
                b"\r\n", b"\n"
            ).rstrip(b"\n")


def test_smtp_refused_recipient_is_explained(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {"nobody@contoso.test"}
        settings = (
            Settings(service="smtp")
            .with_section("smtp", host="127.0.0.1", port=server.port, security="none")
            .with_section("message", default_from="server@contoso.test")
        )
        with open_delivery(settings, tmp_path / "config.toml") as d:
            with pytest.raises(ExplainedError) as e:
                d.send_raw(mime("refused"), ["nobody@contoso.test"])
        assert e.value.explanation.code.startswith("smtp.5")
        assert "nobody@contoso.test" in e.value.explanation.cause
