"""A relay's settings onto alloy-tui's: Exchange Online hosts (global, smtp-legacy, GCC High/DoD,
21Vianet) become the exchange-online service; any other host the smtp service."""

from __future__ import annotations

import pytest

from alloy_tui.core.config import Settings, validate
from alloy_tui.core.relays import Relay, exchange_online_cloud, plan_takeover


@pytest.mark.parametrize(
    ("host", "cloud"),
    [
        ("smtp.office365.com", "global"),
        ("SMTP-Legacy.Office365.com", "global"),
        ("[smtp.office365.com]", "global"),
        ("smtp.office365.us", "usgov-high"),
        ("smtp.partner.outlook.cn", "china"),
        ("smtp.gmail.com", ""),
        ("contoso-com.mail.protection.outlook.com", ""),
    ],
)
def test_exchange_online_hosts(host: str, cloud: str) -> None:
    assert exchange_online_cloud(host) == cloud


def relay(**values: object) -> Relay:
    r = Relay("postfix", "postfix (/etc/postfix/main.cf)")
    for key, value in values.items():
        setattr(r, key, value)
    r.sources = {"host": "/etc/postfix/main.cf:3", "admin": "/etc/aliases:1"}
    return r


def test_exchange_online_relay_becomes_graph_with_the_mailbox() -> None:
    r = relay(
        host="smtp.office365.us",
        port=587,
        security="starttls",
        user="ops@agency.gov",
        password="pw",
        password_file="/etc/postfix/sasl_passwd:1",
        admin="it@agency.gov",
    )
    plan = plan_takeover(r, Settings())
    s = plan.settings
    assert (s.service, s.exchange_online.api, s.exchange_online.cloud) == (
        "exchange-online",
        "graph",
        "usgov-high",
    )
    assert s.message.default_from == "ops@agency.gov" and s.sendmail.admin == "it@agency.gov"
    assert plan.secret_password == ""  # no password is kept for Exchange Online
    assert any("alloy-tui login" in step for step in plan.next_steps)
    assert any("usgov-dod" in step for step in plan.next_steps)
    assert any("sasl_passwd:1" in n for n in plan.not_carried)
    assert plan.comments["service"].startswith("from /etc/postfix/main.cf:3")
    assert validate(s) == []


def test_other_relay_becomes_smtp_with_the_password_for_the_secrets_file() -> None:
    current = Settings().with_section("queue", max_per_minute=5)
    r = relay(
        host="mail.contoso.test",
        port=465,
        security="ssl",
        user="u@contoso.test",
        password="pw",
        aliases={"www-data": "web@contoso.test"},
    )
    plan = plan_takeover(r, current)
    s = plan.settings
    assert s.service == "smtp"
    assert (s.smtp.host, s.smtp.port, s.smtp.security, s.smtp.username) == (
        "mail.contoso.test",
        465,
        "ssl",
        "u@contoso.test",
    )
    assert (plan.secret_user, plan.secret_password) == ("u@contoso.test", "pw")
    assert s.queue.max_per_minute == 5  # the rest of the config is kept
    assert s.sendmail.aliases == {"www-data": "web@contoso.test"}
    assert "pw" not in repr(plan)


def test_passwordeval_becomes_password_command() -> None:
    r = relay(
        host="mail.contoso.test",
        port=587,
        security="starttls",
        user="u",
        password_command="pass show smtp",
    )
    plan = plan_takeover(r, Settings())
    assert plan.settings.smtp.password_command == "pass show smtp"
    assert plan.secret_password == ""


def test_a_password_without_a_user_is_named_not_carried() -> None:
    plan = plan_takeover(
        relay(host="mail.contoso.test", password="pw", password_file="/x:1"), Settings()
    )
    assert plan.secret_password == ""
    assert any("/x:1" in n and "no user name" in n for n in plan.not_carried)


def test_the_commands_kinds_are_the_cores() -> None:
    from alloy_tui.commands.takeover_cmd import KIND_CHOICES
    from alloy_tui.core.relays import KINDS

    assert KIND_CHOICES == KINDS
