"""A relay's settings onto alloy-tui's: Exchange Online hosts become `service = "exchange-online"`
(Graph, the host's cloud, the mailbox as `[message] default_from`, then a sign-in); any other host
becomes `service = "smtp"` with its host, port, security and user, the password for the 0600
secrets file (or msmtp's `passwordeval` as `password_command`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from alloy_tui.core.config import Settings
from alloy_tui.core.relays.files import is_address
from alloy_tui.core.relays.model import Relay

#: Exchange Online's SMTP submission hosts and the cloud each belongs to.
EXCHANGE_ONLINE_HOSTS = {
    "smtp.office365.com": "global",
    "smtp-legacy.office365.com": "global",
    "outlook.office365.com": "global",
    "smtp.office365.us": "usgov-high",  # GCC High and DoD share it; DoD: cloud = "usgov-dod"
    "smtp.partner.outlook.cn": "china",  # 21Vianet
}


def exchange_online_cloud(host: str) -> str:
    """The cloud of an Exchange Online SMTP host, or "" for any other host."""
    return EXCHANGE_ONLINE_HOSTS.get(host.strip().strip("[]").rstrip(".").lower(), "")


@dataclass
class Plan:
    """What `takeover` would write: the settings, where each value came from, the secret."""

    relay: Relay
    settings: Settings
    comments: dict[str, str] = field(default_factory=dict)  # dotted key -> "from FILE:LINE"
    secret_user: str = ""  # the password goes to the secrets file under ("smtp", this user)
    secret_password: str = field(default="", repr=False)
    next_steps: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)

    @property
    def exchange_online(self) -> bool:
        from alloy_tui.core.mail import service_of

        return service_of(self.settings).signs_in


def plan_takeover(relay: Relay, current: Settings) -> Plan:
    """The settings `current` becomes when it takes over `relay` (other sections are kept)."""
    cloud = exchange_online_cloud(relay.host)
    plan = Plan(relay, current, not_carried=list(relay.not_carried))
    src = relay.sources

    def came(key: str, what: str) -> None:
        if what in src:
            plan.comments[key] = f"from {src[what]} ({relay.kind})"

    if cloud:
        _exchange_online(plan, cloud)
        came("service", "host")
        came("exchange_online.cloud", "host")
        plan.comments["exchange_online.api"] = "Microsoft Graph: sends without SMTP passwords"
    else:
        _smtp(plan)
        came("service", "host")
        for key, what in (
            ("host", "host"),
            ("port", "port"),
            ("security", "security"),
            ("username", "user"),
            ("password_command", "password_command"),
        ):
            if getattr(plan.settings.smtp, key):
                came(f"smtp.{key}", what)
    sender = relay.from_address or (relay.user if cloud and is_address(relay.user) else "")
    if sender:
        plan.settings = plan.settings.with_section("message", default_from=sender)
        came("message.default_from", "from" if relay.from_address else "user")
    if relay.admin:
        plan.settings = plan.settings.with_section("sendmail", admin=relay.admin)
        came("sendmail.admin", "admin")
    if relay.aliases:
        aliases = {**plan.settings.sendmail.aliases, **relay.aliases}
        plan.settings = plan.settings.with_section("sendmail", aliases=aliases)
        plan.comments["sendmail.aliases"] = f"from the aliases file ({relay.kind})"
    if relay.oauth:
        plan.not_carried.append(relay.oauth)
    return plan


def _exchange_online(plan: Plan, cloud: str) -> None:
    relay = plan.relay
    plan.settings = plan.settings.with_section("exchange_online", api="graph", cloud=cloud)
    plan.settings = _replace_service(plan.settings, "exchange-online")
    if relay.password or relay.password_command:
        where = relay.password_file or "passwordeval"
        plan.not_carried.append(
            f"the password found in {where}: Exchange Online turns SMTP passwords off; "
            "alloy-tui signs in with OAuth and keeps no password"
        )
    who = f" as {relay.user}" if relay.user else ""
    plan.next_steps.append(f"sign in{who}: alloy-tui login (a code to type on any device)")
    plan.next_steps.append(
        "or, without a person: app-only sign-in with a certificate: alloy-tui app-cert create"
    )
    if cloud == "usgov-high":
        plan.next_steps.append(
            'smtp.office365.us serves GCC High and DoD: for DoD set exchange_online.cloud = "usgov-dod"'
        )


def _smtp(plan: Plan) -> None:
    relay = plan.relay
    security = relay.security or "starttls"
    changes: dict[str, object] = {
        "host": relay.host,
        "port": relay.port or (465 if security == "ssl" else 25),
        "security": security,
        "username": relay.user,
        "password_command": relay.password_command,
        "password_env": "",
    }
    plan.settings = _replace_service(plan.settings.with_section("smtp", **changes), "smtp")
    if relay.password and relay.user and not relay.password_command:
        plan.secret_user, plan.secret_password = relay.user, relay.password
    elif relay.password and not relay.user:
        plan.not_carried.append(
            f"the password found in {relay.password_file} has no user name with it; not carried"
        )
    if relay.password and security == "none":
        plan.not_carried.append(
            "the relay sends its password without TLS; alloy-tui does too until security is set"
        )
    plan.next_steps.append("check it: alloy-tui config validate && alloy-tui test-send --to YOU")


def _replace_service(settings: Settings, service: Literal["exchange-online", "smtp"]) -> Settings:
    return replace(settings, service=service)
