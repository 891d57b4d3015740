"""The typed settings model: one source of truth for every key in config.toml.

Parsing (`from_mapping`) validates every key and returns each problem with its dotted key,
so the store can turn it into ``config.toml:12: exchange_online.api must be ...``.
`to_mapping` gives back plain values for the store to merge into the tomlkit document
(keeping the admin's comments, key order and unknown keys).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from alloy_tui.core.config.checks import GUID, SERVICES, check_mapping
from alloy_tui.core.config.smtpd_keys import MAX_HEADER_BYTES as SMTPD_MAX_HEADER_BYTES
from alloy_tui.core.config.smtpd_keys import MAX_MESSAGE_BYTES as SMTPD_MAX_MESSAGE_BYTES
from alloy_tui.core.errors import AlloyError

Service = Literal["exchange-online", "smtp", "exchange-server"]
Api = Literal["graph", "ews"]
Cloud = Literal["global", "usgov-high", "usgov-dod", "china"]
SignInMode = Literal["device-code", "certificate"]

GUID_RE = re.compile(GUID)  # an application (client) or tenant ID


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the settings: the dotted key and a sentence for a person."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key} {self.message}" if self.key else self.message


class SettingsError(AlloyError, ValueError):
    """Raised when settings do not validate; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], lines: list[str] | None = None) -> None:
        self.problems = problems
        self.lines = lines or [str(p) for p in problems]
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True)
class ExchangeOnline:
    api: Api = "graph"
    tenant: str = ""
    client_id: str = ""
    cloud: Cloud = "global"
    account: str = ""  # the signed-in account's UPN, kept so the cache lookup is exact
    from_delegation: bool = False
    large_messages: bool = False  # Graph: over ~3 MB via a draft + upload session (Mail.ReadWrite)
    token_cache: str = ""  # empty: the platform's state folder
    login_endpoint: str = (
        ""  # override of the authority host, e.g. https://login.microsoftonline.com
    )
    graph_endpoint: str = ""  # override of the Graph service root, e.g. https://graph.microsoft.com
    ews_endpoint: str = ""  # override of the full EWS URL
    auth: SignInMode = "device-code"  # "certificate": app-only (client credentials), no user
    certificate: str = ""  # auth = "certificate": PEM file with the private key and the certificate
    mailbox: str = ""  # auth = "certificate": the mailbox the app sends as


@dataclass(frozen=True)
class Network:
    ca_bundle: str = ""  # PEM file of extra trusted CAs, added to the system store
    timeout: float = 30.0  # seconds for each HTTP request


@dataclass(frozen=True)
class MessageDefaults:
    default_from: str = ""  # empty: the signed-in account (Exchange Online) or smtp username
    format: Literal["text", "html"] = "text"
    host_name: str = ""  # empty: the FQDN, else the host name (the test message names it)


@dataclass(frozen=True)
class AlertLog:
    path: str = ""  # empty: the platform's state folder
    max_bytes: int = 10 * 1024 * 1024
    keep: int = 5
    retention_days: int = 90  # entries older than this are dropped when the log rotates


@dataclass(frozen=True)
class MailLog:
    syslog: bool = True  # the mail log: a line per delivery attempt to syslog (facility mail)


@dataclass(frozen=True)
class Smtp:
    host: str = ""
    port: int = 587
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str = ""
    password_command: str = ""
    password_env: str = ""


@dataclass(frozen=True)
class ExchangeServer:
    ews_endpoint: str = ""
    username: str = ""
    auth: Literal["ntlm", "basic"] = "ntlm"
    password_command: str = ""
    password_env: str = ""


@dataclass(frozen=True)
class Queue:
    path: str = ""  # empty: <state dir>/queue; relative: next to the config file
    lifetime_hours: int = 120  # a message still pending after this becomes failed
    max_per_minute: int = 30  # sending pace (Exchange Online's per-mailbox limit); 0 = off
    maildrop: str = ""  # system mode's drop folder; empty: /var/spool/alloy-tui/maildrop
    failure_notices: bool = True  # a notice to the sender when recipients fail for good
    refused_max_files: int = 1000  # refused maildrop files kept in <outbox>/refused/ ...
    refused_max_mb: int = 100  # ... and their size: the oldest are pruned


@dataclass(frozen=True)
class Sendmail:
    admin: str = ""  # where mail for root and other local names goes
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> address


@dataclass(frozen=True)
class Smtpd:
    # "" : `alloy-tui smtpd` listens on 127.0.0.1:2525 and `queue run --daemon` runs no listener
    listen: str = ""
    users: list[str] = field(default_factory=list)  # AUTH names; passwords in the secrets file
    tls_certificate: str = ""  # PEM certificate (chain) for STARTTLS
    tls_key: str = ""  # its PEM private key
    allowed_senders: list[str] = field(default_factory=list)  # MAIL FROM: addresses or @domains
    allowed_recipient_domains: list[str] = field(default_factory=list)
    max_message_bytes: int = SMTPD_MAX_MESSAGE_BYTES
    max_recipients: int = 100
    max_connections: int = 100
    idle_timeout_seconds: int = 60
    command_timeout_seconds: int = 60  # a command line complete within this (slow bytes too)
    data_timeout_seconds: int = 600  # DATA complete (up to the final dot) within this
    session_timeout_seconds: int = 1800  # a whole connection at most this long
    max_connections_per_client: int = 20  # from one address (loopback included)
    auth_failures_before_lockout: int = 10  # per client address, then refused for...
    auth_lockout_minutes: int = 15  # ...this long (the right password too)
    max_header_bytes: int = SMTPD_MAX_HEADER_BYTES  # the header block; more gets 552


@dataclass(frozen=True)
class Monitor:
    pending_warning_minutes: int = 30  # `status --check`: WARNING when a message waits longer
    pending_critical_minutes: int = 120  # ...and CRITICAL (an alert is sent) past this
    failed_window_hours: int = 24  # `status --check`: WARNING while a message failed this recently


@dataclass(frozen=True)
class Alerts:
    webhook_url: str = ""  # Slack/Mattermost/Teams incoming webhook; a secret: never logged
    repeat_hours: int = 6  # at most one alert per condition per this many hours
    syslog: bool = True  # also to syslog/journald (tag alloy-tui)


@dataclass(frozen=True)
class Settings:
    service: Service = "exchange-online"
    exchange_online: ExchangeOnline = field(default_factory=ExchangeOnline)
    network: Network = field(default_factory=Network)
    message: MessageDefaults = field(default_factory=MessageDefaults)
    alert_log: AlertLog = field(default_factory=AlertLog)
    log: MailLog = field(default_factory=MailLog)
    smtp: Smtp = field(default_factory=Smtp)
    exchange_server: ExchangeServer = field(default_factory=ExchangeServer)
    queue: Queue = field(default_factory=Queue)
    sendmail: Sendmail = field(default_factory=Sendmail)
    smtpd: Smtpd = field(default_factory=Smtpd)
    monitor: Monitor = field(default_factory=Monitor)
    alerts: Alerts = field(default_factory=Alerts)

    def with_section(self, name: str, **changes: Any) -> Settings:
        """A copy with some keys of one section changed (sections are frozen)."""
        return replace(self, **{name: replace(getattr(self, name), **changes)})

    def section_name(self, service: str = "") -> str:
        """The table that configures `service` (default: the chosen one): "exchange_online",
        "smtp" or "exchange_server". ValueError for a service alloy-tui does not know."""
        service = service or self.service
        if service not in SERVICE_SECTIONS:
            raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
        return SERVICE_SECTIONS[service]

    def service_section(self, service: str = "") -> ExchangeOnline | Smtp | ExchangeServer:
        """The values of that table (default: the chosen service's)."""
        section: ExchangeOnline | Smtp | ExchangeServer = getattr(self, self.section_name(service))
        return section


# The table that configures each service (see `Settings.section_name`).
SERVICE_SECTIONS: dict[str, str] = {
    "exchange-online": "exchange_online",
    "smtp": "smtp",
    "exchange-server": "exchange_server",
}


SECTIONS: dict[str, type] = {
    "exchange_online": ExchangeOnline,
    "network": Network,
    "message": MessageDefaults,
    "alert_log": AlertLog,
    "log": MailLog,
    "smtp": Smtp,
    "exchange_server": ExchangeServer,
    "queue": Queue,
    "sendmail": Sendmail,
    "smtpd": Smtpd,
    "monitor": Monitor,
    "alerts": Alerts,
}


def from_mapping(data: Mapping[str, Any]) -> tuple[Settings, list[Problem]]:
    """Build Settings from parsed TOML (checked by `checks.check_mapping`, the doors' rules too).
    Unknown keys are kept by the store, and ignored here.

    Returns the settings (with defaults where a value was wrong) and every problem found.
    """
    values, whys = check_mapping(data)
    kwargs: dict[str, Any] = {"service": values["service"]}
    for name, cls in SECTIONS.items():
        kwargs[name] = cls(**values[name])
    return Settings(**kwargs), [Problem(w.key, w.message) for w in whys]


def to_mapping(settings: Settings) -> dict[str, Any]:
    """Plain nested dict of every key, for the store to merge into the TOML document."""
    out: dict[str, Any] = {"service": settings.service}
    for name in SECTIONS:
        section = getattr(settings, name)
        out[name] = {f.name: _plain(getattr(section, f.name)) for f in fields(section)}
    return out


def _plain(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


def validate(settings: Settings) -> list[Problem]:
    """Problems with a Settings built in code (the wizard's draft), same rules as loading."""
    _, problems = from_mapping(to_mapping(settings))
    return problems
