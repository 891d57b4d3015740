"""SMTP through the delivery path (the message composed as MIME and sent by `send_raw`, as
`send` and `test-send` send) against a real aiosmtpd server: plain, STARTTLS, SSL/TLS, auth,
failures."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError, UserInputError
from alloy_tui.core.mail.smtp.client import default_port, queue_id
from alloy_tui.core.mail.smtp.status import status
from alloy_tui.core.secrets import passwords as secrets
from tests.helpers.outgoing import foreground_sender, message_maker
from tests.helpers.smtp_server import QUEUE_ID, DroppingServer, SmtpServer, free_port

PASSWORD = "Tr0ub4dor&3-secret"
USER = "alerts@contoso.test"


def settings_for(server: SmtpServer | None, port: int = 0, **smtp: object) -> Settings:
    s = Settings(service="smtp")
    if server is not None:
        s = s.with_section("network", ca_bundle=str(server.tls.ca_path), timeout=5.0)
        port = server.port
        smtp.setdefault("security", server.mode)
    s = s.with_section("smtp", host=smtp.pop("host", "127.0.0.1"), port=port, **smtp)
    return s.with_section("message", default_from="server@contoso.test")


msg = message_maker("ops@contoso.test", "Disk almost full", "94% used\n")


send = foreground_sender(msg)


@pytest.mark.parametrize("mode", ["none", "starttls", "ssl"])
def test_send_each_security_mode(tmp_path: Path, mode: str) -> None:
    with SmtpServer(tmp_path, mode) as server:
        result = send(settings_for(server), tmp_path)
    assert len(server.messages) == 1
    got = server.messages[0]
    assert got.mail_from == "server@contoso.test"
    assert got.rcpt_tos == ["ops@contoso.test"]
    parsed = email.message_from_bytes(got.data, policy=email.policy.default)
    assert parsed["Subject"] == "Disk almost full"
    assert parsed["From"] == "server@contoso.test"
    assert parsed["Message-ID"].endswith("@contoso.test>")
    assert parsed["Date"]
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content().replace("\r\n", "\n") == "94% used\n"
    assert result.api == "smtp" and result.request_id == QUEUE_ID
    assert result.from_address == "server@contoso.test" and result.to == ("ops@contoso.test",)
    assert result.extra["security"] == mode and result.extra["message_id"] == parsed["Message-ID"]
    assert result.duration_ms >= 0


def test_html_unicode_and_from_override(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls") as server:
        send(
            settings_for(server),
            tmp_path,
            msg(
                html=True,
                subject="Überwachung ✓",
                body="<p>Zürich: <b>ok</b></p>",
                from_address="noc@contoso.test",
            ),
        )
    parsed = email.message_from_bytes(server.messages[0].data, policy=email.policy.default)
    assert parsed.get_content_type() == "text/html"
    assert parsed["Subject"] == "Überwachung ✓"
    assert parsed["From"] == "noc@contoso.test"
    assert "Zürich" in parsed.get_content()
    assert server.messages[0].data.isascii()  # 7-bit safe on the wire


def test_auth_accepted_with_stored_password(tmp_path: Path) -> None:
    secrets.store_password("smtp", USER, PASSWORD)
    with SmtpServer(tmp_path, "starttls", users={USER: PASSWORD}, auth_required=True) as server:
        result = send(settings_for(server, username=USER), tmp_path)
    assert server.messages[0].login == USER
    assert result.account == USER
    assert PASSWORD not in repr(result)


def test_auth_over_plain_and_from_defaults_to_username(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none", users={USER: PASSWORD}) as server:
        s = settings_for(server, username=USER).with_section("message", default_from="")
        result = send(s, tmp_path, password=PASSWORD)
    assert server.messages[0].mail_from == USER
    assert "unencrypted" in result.extra["warning"]


def test_auth_non_ascii_password_uses_utf8_plain(tmp_path: Path) -> None:
    pw = "pässwörd-ß"
    with SmtpServer(tmp_path, "ssl", users={USER: pw}) as server:
        send(settings_for(server, username=USER), tmp_path, password=pw)
    assert server.attempts == [("PLAIN", USER)]


def test_auth_refused_is_explained_without_the_password(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls", users={USER: "other"}) as server:
        with pytest.raises(ExplainedError) as e:
            send(settings_for(server, username=USER), tmp_path, password=PASSWORD)
    ex = e.value.explanation
    assert ex.title == "The username or password is wrong"
    assert ex.code == "smtp.535" and ex.details["enhanced"] == "5.7.8"
    assert ex.details["duration_ms"] >= 0 and ex.details["host"] == "127.0.0.1"
    assert not server.messages
    assert PASSWORD not in f"{e.value} {ex} {ex.details}"


def test_o365_basic_auth_disabled_5_7_139(tmp_path: Path) -> None:
    reply = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
    with SmtpServer(tmp_path, "starttls", users={}, auth_message=reply) as server:
        with pytest.raises(ExplainedError) as e:
            send(settings_for(server, username=USER), tmp_path, password=PASSWORD)
    ex = e.value.explanation
    assert ex.code == "smtp.535-5.7.139"
    assert (
        "Set-CASMailbox -Identity alerts@contoso.test -SmtpClientAuthenticationDisabled $false"
        in ex.fix
    )
    assert "Microsoft 365 (Exchange Online)" in ex.fix


@pytest.mark.parametrize(
    ("where", "reply", "code", "title"),
    [
        (
            "mail_reply",
            "530 5.7.57 Client not authenticated to send mail",
            "smtp.530-5.7.57",
            "requires authentication",
        ),
        (
            "rcpt_reply",
            "554 5.7.1 <ops@contoso.test>: Relay access denied",
            "smtp.554",
            "refuses to relay",
        ),
        ("rcpt_reply", "550 5.7.1 Unable to relay", "smtp.550", "refuses to relay"),
        (
            "mail_reply",
            "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
            "smtp.550-5.7.60",
            "send as",
        ),
        (
            "data_reply",
            "550 5.7.30 Basic authentication is not supported for Client Submission",
            "smtp.550-5.7.30",
            "Basic authentication",
        ),
        (
            "mail_reply",
            "451 4.7.500 Server busy. Please try again later",
            "smtp.451",
            "try again later",
        ),
    ],
)
def test_server_replies_are_explained(
    tmp_path: Path, where: str, reply: str, code: str, title: str
) -> None:
    with SmtpServer(tmp_path, "none") as server:
        setattr(server.handler, where, reply)
        with pytest.raises(ExplainedError) as e:
            send(settings_for(server), tmp_path, msg(from_address="boss@contoso.test"))
    ex = e.value.explanation
    assert ex.code == code
    assert title in ex.title
    if "5.7.60" in reply:
        assert "Add-RecipientPermission -Identity boss@contoso.test" in ex.fix
        assert "Delegate Access" in ex.fix
    assert ex.retryable is reply.startswith("4")


def test_some_recipients_refused_still_sends_and_reports(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {"ghost@contoso.test"}
        result = send(
            settings_for(server), tmp_path, msg(to=("ops@contoso.test", "ghost@contoso.test"))
        )
    assert server.messages[0].rcpt_tos == ["ops@contoso.test"]
    assert "ghost@contoso.test: 550 5.1.1 User unknown" in result.extra["refused"]


def test_all_recipients_refused(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {"ops@contoso.test"}
        with pytest.raises(ExplainedError, match="The recipient does not exist"):
            send(settings_for(server), tmp_path)


def test_starttls_not_offered_never_falls_back(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls", offer_starttls=False) as server:
        with pytest.raises(ExplainedError) as e:
            send(settings_for(server), tmp_path)
    assert e.value.explanation.code == "smtp.starttls_missing"
    assert not server.messages


def test_auth_not_offered(tmp_path: Path) -> None:
    # Like many servers, AUTH is only offered once the connection is encrypted.
    with SmtpServer(tmp_path, "none", users={USER: PASSWORD}, auth_require_tls=True) as server:
        with pytest.raises(ExplainedError) as e:
            send(settings_for(server, username=USER), tmp_path, password=PASSWORD)
    assert e.value.explanation.code == "smtp.auth_missing"
    assert 'smtp.security = "starttls"' in e.value.explanation.cause
    assert server.attempts == []


def test_untrusted_certificate_without_ca_bundle(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "ssl") as server:
        s = settings_for(server).with_section("network", ca_bundle="")
        with pytest.raises(ExplainedError) as e:
            send(s, tmp_path)
    assert e.value.explanation.code == "tls.untrusted"
    assert "network.ca_bundle" in e.value.explanation.fix
    assert not server.messages


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_wrong_hostname_on_certificate(tmp_path: Path, host: str) -> None:
    with SmtpServer(tmp_path, "starttls", cert_names=("mail.contoso.test",)) as server:
        with pytest.raises(ExplainedError) as e:
            send(settings_for(server, host=host), tmp_path)
    ex = e.value.explanation
    assert ex.code == "tls.hostname" and "name on the server's certificate" in ex.fix
    assert not server.messages


def test_ssl_against_a_plain_port(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        with pytest.raises(ExplainedError) as e:
            send(settings_for(server, security="ssl"), tmp_path)
    assert e.value.explanation.code == "smtp.tls_mismatch"


def test_server_drops_the_connection(tmp_path: Path) -> None:
    with DroppingServer() as server:
        s = settings_for(None, port=server.port, security="none")
        with pytest.raises(ExplainedError) as e:
            send(s, tmp_path)
    assert e.value.explanation.code == "smtp.disconnected"
    assert e.value.explanation.retryable


def test_connection_refused(tmp_path: Path) -> None:
    s = settings_for(None, port=free_port(), security="none")
    with pytest.raises(ExplainedError) as e:
        send(s, tmp_path)
    assert e.value.explanation.code == "smtp.refused"
    assert f"127.0.0.1:{s.smtp.port}" in e.value.explanation.cause


def test_dns_failure(tmp_path: Path) -> None:
    s = settings_for(None, port=25, host="no-such-host.invalid", security="none")
    with pytest.raises(ExplainedError) as e:
        send(s, tmp_path)
    assert e.value.explanation.code == "dns"


@pytest.mark.parametrize(
    ("smtp", "match"),
    [
        ({"port": 0}, "between 1 and 65535"),
        ({"port": 70000}, "between 1 and 65535"),
        ({"port": "587"}, "whole number"),
        ({"host": "mail server.example.com"}, "without spaces"),
        ({"host": ""}, "smtp.host is empty"),
        ({"security": "tls"}, "smtp.security"),
    ],
)
def test_bad_settings_fail_before_any_traffic(
    tmp_path: Path, smtp: dict[str, object], match: str
) -> None:
    base = {"host": "127.0.0.1", "port": 2525, "security": "none"}
    base.update(smtp)
    s = (
        Settings(service="smtp")
        .with_section("smtp", **base)
        .with_section("message", default_from="a@b.test")
    )
    with pytest.raises((UserInputError, ExplainedError), match=match):
        send(s, tmp_path)


def test_settings_validation_covers_port_and_host() -> None:
    from alloy_tui.core.config.settings import from_mapping

    _, problems = from_mapping({"smtp": {"port": 70000, "host": "a b", "security": "tls"}})
    text = " ".join(str(p) for p in problems)
    assert "smtp.port must be between 1 and 65535" in text
    assert "smtp.host must be a host name without spaces" in text
    assert "smtp.security must be" in text
    _, problems = from_mapping({"smtp": {"port": "x"}})
    assert "smtp.port must be a whole number" in str(problems[0])


def test_password_problems_fail_before_connecting(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none", users={USER: PASSWORD}) as server:
        s = settings_for(server, username=USER, password_command="exit 4")
        with pytest.raises(ExplainedError, match="exited with code 4"):
            send(s, tmp_path)
        s = settings_for(server, username=USER)  # nothing stored, no command, no env
        with pytest.raises(ExplainedError) as e:
            send(s, tmp_path)
        assert e.value.explanation.code == "password.missing"
    assert server.attempts == [] and not server.messages


def test_password_from_command_is_used(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "ssl", users={USER: PASSWORD}) as server:
        send(settings_for(server, username=USER, password_command=f"echo '{PASSWORD}'"), tmp_path)
    assert server.messages[0].login == USER


def test_no_from_address_is_a_clear_error(tmp_path: Path) -> None:
    s = settings_for(None, port=2525, security="none").with_section("message", default_from="")
    with pytest.raises((UserInputError, ExplainedError), match="No From address"):
        send(s, tmp_path)


def test_status_ok_and_failing(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls", users={USER: PASSWORD}) as server:
        secrets.store_password("smtp", USER, PASSWORD)
        ok, lines = status(settings_for(server, username=USER), tmp_path / "config.toml")
        assert ok, lines
        text = "\n".join(lines)
        assert "Encrypted: TLSv1." in text and "Signed in as alerts@contoso.test" in text
        assert "from the secrets file" in text and "AUTH" in text
        secrets.store_password("smtp", USER, "wrong-" + PASSWORD)
        ok, lines = status(settings_for(server, username=USER), tmp_path / "config.toml")
    assert not ok
    assert any("The username or password is wrong" in line for line in lines)
    assert PASSWORD not in "\n".join(lines)
    ok, lines = status(settings_for(None, port=free_port(), security="none"), tmp_path / "c.toml")
    assert not ok and lines[-3] == "FAILED: Connection refused"


def test_defaults_and_queue_ids() -> None:
    assert (default_port("starttls"), default_port("ssl"), default_port("none")) == (587, 465, 25)
    assert queue_id("250 2.0.0 Ok: queued as 4ABC12") == "4ABC12"
    assert (
        queue_id("250 2.6.0 <x@y> [InternalId=123456, Hostname=EX1] Queued mail for delivery")
        == "123456"
    )
    assert queue_id("250 OK id=1rX2-0003-Ab") == "1rX2-0003-Ab"
    assert queue_id("250 2.0.0 4A1B2C3D Message accepted for delivery") == "4A1B2C3D"
    assert queue_id("250 OK") == ""
