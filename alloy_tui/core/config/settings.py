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

from alloy_tui.core.config.smtpd_keys import RANGES as SMTPD_RANGES
from alloy_tui.core.config.smtpd_keys import Smtpd, check_list, check_smtpd_value
from alloy_tui.core.errors import AlloyError

SERVICES = ("exchange-online", "smtp", "exchange-server")
APIS = ("graph", "ews")
CLOUDS = ("global", "usgov-high", "usgov-dod", "china")
#: Each cloud's one name, wherever it is shown (the wizard, `status`, the test message).
CLOUD_LABELS = {
    "global": "Global (commercial, GCC)",
    "usgov-high": "US Government GCC High",
    "usgov-dod": "US Government DoD",
    "china": "China (21Vianet)",
}
SMTP_SECURITY = ("none", "starttls", "ssl")
EXCHANGE_AUTH = ("ntlm", "basic")
MESSAGE_FORMATS = ("text", "html")
EXCHANGE_ONLINE_AUTH = ("device-code", "certificate")

Service = Literal["exchange-online", "smtp", "exchange-server"]
Api = Literal["graph", "ews"]
Cloud = Literal["global", "usgov-high", "usgov-dod", "china"]
SignInMode = Literal["device-code", "certificate"]

# One mailbox address, no display name: local@domain, nothing that could break a header.
ADDRESS_RE = re.compile(r"^[^@\s<>\",;:()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}$")
LOCAL_NAME_RE = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
ADDRESS_KEYS = {"sendmail.admin"}

GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# https://, or plain http:// to this machine only (a local relay).
WEBHOOK_RE = re.compile(
    r"^(https://[^\s/?#]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)([/?#]\S*)?$", re.I
)
# A tenant is a GUID, a verified domain (contoso.onmicrosoft.com), or "organizations".
DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"
)

# The mailbox an app-only sign-in sends as: one plain address (no name, no brackets, no list).
MAILBOX_RE = re.compile(r"^[^@\s<>\"',;()]+@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+$")


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


@dataclass(frozen=True)
class Sendmail:
    admin: str = ""  # where mail for root and other local names goes
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> address


@dataclass(frozen=True)
class Monitor:
    pending_warning_minutes: int = 30  # `status --check`: WARNING when a message waits longer
    pending_critical_minutes: int = 120  # ...and CRITICAL (an alert is sent) past this


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
    "smtp": Smtp,
    "exchange_server": ExchangeServer,
    "queue": Queue,
    "sendmail": Sendmail,
    "smtpd": Smtpd,
    "monitor": Monitor,
    "alerts": Alerts,
}

CHOICES: dict[str, tuple[str, ...]] = {
    "service": SERVICES,
    "exchange_online.api": APIS,
    "exchange_online.cloud": CLOUDS,
    "exchange_online.auth": EXCHANGE_ONLINE_AUTH,
    "message.format": MESSAGE_FORMATS,
    "smtp.security": SMTP_SECURITY,
    "exchange_server.auth": EXCHANGE_AUTH,
}

# (minimum, maximum) for whole-number keys.
RANGES: dict[str, tuple[float, float]] = {
    "alert_log.max_bytes": (4096, 2**40),
    "alert_log.keep": (0, 1000),
    "alert_log.retention_days": (0, 36500),
    "smtp.port": (1, 65535),
    "network.timeout": (1, 600),
    "queue.lifetime_hours": (1, 24 * 365),
    "queue.max_per_minute": (0, 100000),
    **SMTPD_RANGES,
    "monitor.pending_warning_minutes": (1, 525600),
    "monitor.pending_critical_minutes": (1, 525600),
    "alerts.repeat_hours": (1, 8760),
}

URL_KEYS = {
    "exchange_online.login_endpoint",
    "exchange_online.graph_endpoint",
    "exchange_online.ews_endpoint",
    "exchange_server.ews_endpoint",
}


def _type_name(value: object) -> str:
    return {bool: "true/false", int: "a whole number", float: "a number", str: "text"}.get(
        type(value), type(value).__name__
    )


def _check_aliases(key: str, value: Any) -> tuple[dict[str, str], Problem | None]:
    """[sendmail.aliases]: local name -> one address, each checked like sendmail.admin."""
    if not isinstance(value, Mapping):
        return {}, Problem(key, f"must be a table ([{key}]), got {_type_name(value)}")
    for name, address in value.items():
        if not LOCAL_NAME_RE.match(str(name)):
            return {}, Problem(
                f"{key}.{name}", "must be a local user name such as root or www-data"
            )
        if not isinstance(address, str) or not ADDRESS_RE.match(address):
            return {}, Problem(
                f"{key}.{name}", f"must be one address like alerts@contoso.com, got {address!r}"
            )
    return {str(k): str(v) for k, v in value.items()}, None


def _coerce(key: str, default: Any, value: Any) -> tuple[Any, Problem | None]:
    """`value` as the type of `default` (an int is a float where a float is wanted), or why not."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            return default, Problem(key, f"must be true or false, got {value!r}")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            return default, Problem(key, f"must be a whole number, got {value!r}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default, Problem(key, f"must be a number, got {value!r}")
        value = float(value)
    elif isinstance(default, str):
        if not isinstance(value, str):
            return default, Problem(
                key, f"must be text (in quotes), got {_type_name(value)} {value!r}"
            )
        value = str(value)
    return value, None


def _check_value(key: str, default: Any, value: Any) -> tuple[Any, Problem | None]:
    """Coerce one value to the type of its default, or say why it can't be."""
    if isinstance(default, dict):
        return _check_aliases(key, value)
    if isinstance(default, list):
        why = check_list(value) or check_smtpd_value(key, value)
        return (default, Problem(key, why)) if why else (list(value), None)
    value, problem = _coerce(key, default, value)
    if problem:
        return value, problem
    if key in CHOICES and value not in CHOICES[key]:
        options = " or ".join(f'"{c}"' for c in CHOICES[key])
        return default, Problem(key, f'must be {options}, got "{value}"')
    if key in RANGES:
        lo, hi = RANGES[key]
        if not lo <= value <= hi:
            return default, Problem(key, f"must be between {lo:n} and {hi:n}, got {value}")
    problem = _check_text(key, value) if isinstance(value, str) and value else None
    return value, problem


def _check_text(key: str, value: str) -> Problem | None:
    if any(c in value for c in "\r\n\x00"):
        return Problem(key, "must be a single line")
    if key in URL_KEYS and not re.match(r"^https://[^\s/]+", value, re.I):
        # A token or password goes to every one of these: never over plain http, not even
        # to a loopback address (the sandbox and the tests use https too).
        return Problem(key, f'must be a URL starting with https://, got "{value}"')
    if key == "alerts.webhook_url" and not WEBHOOK_RE.match(value):
        # Never echo it back: the URL is the webhook's password.
        return Problem(
            key, "must be a URL starting with https:// (http:// only to 127.0.0.1 or localhost)"
        )
    if key == "exchange_online.client_id" and not GUID_RE.match(value):
        return Problem(
            key,
            f'must be the application (client) ID, a GUID like "00000000-0000-0000-0000-000000000000", got "{value}"',
        )
    if key == "exchange_online.tenant" and not (
        GUID_RE.match(value) or DOMAIN_RE.match(value) or value == "organizations"
    ):
        return Problem(
            key,
            f'must be the directory (tenant) ID GUID or a domain like contoso.onmicrosoft.com, got "{value}"',
        )
    if key in ADDRESS_KEYS and not ADDRESS_RE.match(value):
        return Problem(key, f'must be one address like alerts@contoso.com, got "{value}"')
    if key == "exchange_online.mailbox" and not MAILBOX_RE.match(value):
        return Problem(
            key, f'must be the e-mail address of the mailbox the app sends as, got "{value}"'
        )
    if key in ("smtp.host", "message.host_name") and re.search(r"\s", value):
        return Problem(key, f'must be a host name without spaces, got "{value}"')
    why = check_smtpd_value(key, value)
    return Problem(key, f'{why}, got "{value}"') if why else None


def from_mapping(data: Mapping[str, Any]) -> tuple[Settings, list[Problem]]:
    """Build Settings from parsed TOML. Unknown keys are kept by the store, and ignored here.

    Returns the settings (with defaults where a value was wrong) and every problem found.
    """
    problems: list[Problem] = []
    kwargs: dict[str, Any] = {}
    service = data.get("service", Settings.service)
    kwargs["service"], p = _check_value("service", Settings.service, service)
    if p:
        problems.append(p)
    for name, cls in SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, Mapping):
            problems.append(Problem(name, f"must be a table ([{name}]), got {_type_name(raw)}"))
            raw = {}
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in raw:
                key = f"{name}.{f.name}"
                values[f.name], p = _check_value(key, getattr(defaults, f.name), raw[f.name])
                if p:
                    problems.append(p)
        kwargs[name] = cls(**values)
    return Settings(**kwargs), problems


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
