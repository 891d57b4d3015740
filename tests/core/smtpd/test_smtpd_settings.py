"""The [smtpd] section: every value checked when the config is read, lists kept through a save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config import Settings, from_mapping, load, save
from alloy_tui.core.config.smtpd_keys import is_loopback, parse_listen


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"listen": "2525"}, "smtpd.listen must be host:port"),
        ({"listen": "::1:2525"}, "in brackets"),
        ({"listen": "127.0.0.1:70000"}, "between 1 and 65535"),
        ({"users": "grafana"}, "smtpd.users must be a list"),
        ({"users": ["bad name"]}, "smtpd.users must be a list of a user name"),
        ({"allowed_senders": ["not-an-address"]}, "smtpd.allowed_senders"),
        ({"allowed_recipient_domains": ["@contoso.com"]}, "smtpd.allowed_recipient_domains"),
        ({"max_message_bytes": 100 * 1024 * 1024}, "smtpd.max_message_bytes must be between"),
        ({"idle_timeout_seconds": 0}, "smtpd.idle_timeout_seconds must be between"),
        ({"max_connections": "many"}, "smtpd.max_connections must be a whole number"),
    ],
)
def test_a_wrong_value_is_named(values: dict[str, Any], problem: str) -> None:
    _, problems = from_mapping({"smtpd": values})
    assert any(problem in str(p) for p in problems), problems


def test_good_values_load() -> None:
    settings, problems = from_mapping(
        {
            "smtpd": {
                "listen": "[::1]:2525",
                "users": ["grafana", "zabbix@web01"],
                "allowed_senders": ["grafana@contoso.com", "@monitoring.contoso.com"],
                "allowed_recipient_domains": ["contoso.com"],
                "idle_timeout_seconds": 30,
            }
        }
    )
    assert problems == []
    assert settings.smtpd.users == ["grafana", "zabbix@web01"]
    assert parse_listen(settings.smtpd.listen) == ("::1", 2525)


def test_lists_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n[smtpd]\nmax_recipients = 5\n")
    loaded = load(path)
    changed = loaded.settings.with_section("smtpd", users=["grafana"])
    save(loaded, changed)
    again = load(path)
    assert again.settings.smtpd.users == ["grafana"] and again.settings.smtpd.max_recipients == 5
    assert "# mine" in path.read_text()
    assert Settings().smtpd.listen == ""


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.2", False),
        ("mail.contoso.com", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
