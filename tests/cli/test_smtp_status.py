"""`status` for SMTP says "ready" only when a send could work: a host, a From address, a
reachable server that greets, encrypts as configured and accepts the sign-in."""

from __future__ import annotations

from pathlib import Path

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.mail.smtp.status import status
from tests.helpers.smtp_server import SmtpServer


def settings_for(server: SmtpServer) -> Settings:
    s = Settings(service="smtp")
    s = s.with_section("network", ca_bundle=str(server.tls.ca_path), timeout=5.0)
    s = s.with_section("smtp", host="127.0.0.1", port=server.port, security=server.mode)
    return s.with_section("message", default_from="server@contoso.test")


def test_not_ready_without_a_from_address(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls") as server:
        ok, lines = status(settings_for(server), tmp_path / "c.toml")
        assert ok and "From: server@contoso.test" in lines, lines
        no_from = settings_for(server).with_section("message", default_from="")
        ok, lines = status(no_from, tmp_path / "c.toml")
    assert not ok and lines[-1].startswith("FAILED: No From address")


def test_not_ready_with_nothing_set_up(tmp_path: Path) -> None:
    ok, lines = status(Settings(service="smtp"), tmp_path / "c.toml")
    assert not ok and lines[-1].startswith("FAILED: smtp.host is empty")


def test_not_ready_when_starttls_is_missing(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls", offer_starttls=False) as server:
        ok, lines = status(settings_for(server), tmp_path / "c.toml")
    assert not ok and "FAILED: The server does not offer STARTTLS" in lines
    assert not server.messages
