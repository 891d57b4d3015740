"""The rules every config value is checked by, with no typed model: plain values in, plain
values out. `settings.from_mapping` builds the dataclasses from what `check_mapping` returns, and
the doors that run for every cron job and every monitoring poll (`quick.read_values`) use the
same checks without importing dataclasses (a tenth of the interpreter's start-up).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from alloy_tui.core.config.defaults import DEFAULTS
from alloy_tui.core.config.smtpd_keys import MAX_MESSAGE_BYTES as SMTPD_MAX_BYTES
from alloy_tui.core.config.smtpd_keys import USER, parse_listen


class Why(NamedTuple):
    """One thing wrong: the dotted key and a sentence for a person."""

    key: str
    message: str


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

# Patterns are text, matched through re's own cache: each is compiled the first time a value
# needs it, not whenever a door starts.
# One mailbox address, no display name: local@domain, nothing that could break a header.
ADDRESS = r"^[^@\s<>\",;:()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}$"
LOCAL_NAME = r"^[A-Za-z0-9._+-]{1,64}$"
ADDRESS_KEYS = {"sendmail.admin"}

GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# https://, or plain http:// to this machine only (a local relay).
WEBHOOK = r"(?i)^(https://[^\s/?#]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)([/?#]\S*)?$"
# A tenant is a GUID, a verified domain (contoso.onmicrosoft.com), or "organizations".
DOMAIN = r"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"

# The mailbox an app-only sign-in sends as: one plain address (no name, no brackets, no list).
MAILBOX = r"^[^@\s<>\"',;()]+@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+$"


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
    "queue.refused_max_files": (0, 1_000_000),
    "queue.refused_max_mb": (0, 1_000_000),
    "smtpd.max_message_bytes": (1024, SMTPD_MAX_BYTES),
    "smtpd.max_recipients": (1, 1000),
    "smtpd.max_connections": (1, 10000),
    "smtpd.idle_timeout_seconds": (1, 3600),
    "smtpd.command_timeout_seconds": (1, 3600),
    "smtpd.data_timeout_seconds": (1, 86400),
    "smtpd.session_timeout_seconds": (1, 86400),
    "smtpd.max_connections_per_client": (1, 10000),
    "smtpd.auth_failures_before_lockout": (1, 1000),
    "smtpd.auth_lockout_minutes": (1, 10080),
    "smtpd.max_header_bytes": (1024, SMTPD_MAX_BYTES),
    "monitor.pending_warning_minutes": (1, 525600),
    "monitor.pending_critical_minutes": (1, 525600),
    "monitor.failed_window_hours": (1, 8760),
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


def _check_aliases(key: str, value: Any) -> tuple[dict[str, str], Why | None]:
    """[sendmail.aliases]: local name -> one address, each checked like sendmail.admin."""
    if not isinstance(value, Mapping):
        return {}, Why(key, f"must be a table ([{key}]), got {_type_name(value)}")
    for name, address in value.items():
        if not re.match(LOCAL_NAME, str(name)):
            return {}, Why(f"{key}.{name}", "must be a local user name such as root or www-data")
        if not isinstance(address, str) or not re.match(ADDRESS, address):
            return {}, Why(
                f"{key}.{name}", f"must be one address like alerts@contoso.com, got {address!r}"
            )
    return {str(k): str(v) for k, v in value.items()}, None


def _coerce(key: str, default: Any, value: Any) -> tuple[Any, Why | None]:
    """`value` as the type of `default` (an int is a float where a float is wanted), or why not."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            return default, Why(key, f"must be true or false, got {value!r}")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            return default, Why(key, f"must be a whole number, got {value!r}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default, Why(key, f"must be a number, got {value!r}")
        value = float(value)
    elif isinstance(default, str):
        if not isinstance(value, str):
            return default, Why(key, f"must be text (in quotes), got {_type_name(value)} {value!r}")
        value = str(value)
    return value, None


def check_value(key: str, default: Any, value: Any) -> tuple[Any, Why | None]:
    """Coerce one value to the type of its default, or say why it can't be."""
    if isinstance(default, dict):
        return _check_aliases(key, value)
    if isinstance(default, list):
        why = check_list(value) or check_smtpd_value(key, value)
        return (default, Why(key, why)) if why else (list(value), None)
    value, problem = _coerce(key, default, value)
    if problem:
        return value, problem
    if key in CHOICES and value not in CHOICES[key]:
        options = " or ".join(f'"{c}"' for c in CHOICES[key])
        return default, Why(key, f'must be {options}, got "{value}"')
    if key in RANGES:
        lo, hi = RANGES[key]
        if not lo <= value <= hi:
            return default, Why(key, f"must be between {lo:n} and {hi:n}, got {value}")
    problem = _check_text(key, value) if isinstance(value, str) and value else None
    return value, problem


def _check_text(key: str, value: str) -> Why | None:
    if any(c in value for c in "\r\n\x00"):
        return Why(key, "must be a single line")
    if key in URL_KEYS and not re.match(r"^https://[^\s/]+", value, re.I):
        # A token or password goes to every one of these: never over plain http, not even
        # to a loopback address (the sandbox and the tests use https too).
        return Why(key, f'must be a URL starting with https://, got "{value}"')
    if key == "alerts.webhook_url" and not re.match(WEBHOOK, value):
        # Never echo it back: the URL is the webhook's password.
        return Why(
            key, "must be a URL starting with https:// (http:// only to 127.0.0.1 or localhost)"
        )
    if key == "exchange_online.client_id" and not re.match(GUID, value):
        return Why(
            key,
            f'must be the application (client) ID, a GUID like "00000000-0000-0000-0000-000000000000", got "{value}"',
        )
    if key == "exchange_online.tenant" and not (
        re.match(GUID, value) or re.match(DOMAIN, value) or value == "organizations"
    ):
        return Why(
            key,
            f'must be the directory (tenant) ID GUID or a domain like contoso.onmicrosoft.com, got "{value}"',
        )
    if key in ADDRESS_KEYS and not re.match(ADDRESS, value):
        return Why(key, f'must be one address like alerts@contoso.com, got "{value}"')
    if key == "exchange_online.mailbox" and not re.match(MAILBOX, value):
        return Why(
            key, f'must be the e-mail address of the mailbox the app sends as, got "{value}"'
        )
    if key in ("smtp.host", "message.host_name") and re.search(r"\s", value):
        return Why(key, f'must be a host name without spaces, got "{value}"')
    why = check_smtpd_value(key, value)
    return Why(key, f'{why}, got "{value}"') if why else None


def check_mapping(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[Why]]:
    """Every key's value (the default where the file has none or a wrong one) as nested plain
    dicts shaped like DEFAULTS, and every problem found. Unknown keys are ignored here."""
    problems: list[Why] = []
    service, p = check_value(
        "service", DEFAULTS["service"], data.get("service", DEFAULTS["service"])
    )
    if p:
        problems.append(p)
    out: dict[str, Any] = {"service": service}
    for name, defaults in DEFAULTS.items():
        if name == "service":
            continue
        raw = data.get(name, {})
        if not isinstance(raw, Mapping):
            problems.append(Why(name, f"must be a table ([{name}]), got {_type_name(raw)}"))
            raw = {}
        values = {key: _fresh(default) for key, default in defaults.items()}
        for key, default in defaults.items():
            if key in raw:
                values[key], p = check_value(f"{name}.{key}", default, raw[key])
                if p:
                    problems.append(p)
        out[name] = values
    return out, problems


def _fresh(default: Any) -> Any:
    """A default list or table copied, so no caller ever shares (and changes) DEFAULTS."""
    return type(default)(default) if isinstance(default, list | dict) else default


_LIST_RULES: dict[str, tuple[str, str]] = {
    "smtpd.users": (USER, 'a user name such as "grafana" (letters, digits, . _ @ + -)'),
    "smtpd.allowed_senders": (
        f"{ADDRESS}|^@{DOMAIN[1:]}",
        'an address like "grafana@contoso.com" or a domain like "@contoso.com"',
    ),
    "smtpd.allowed_recipient_domains": (DOMAIN, 'a domain like "contoso.com"'),
}


def check_smtpd_value(key: str, value: Any) -> str | None:
    """Why a [smtpd] value (already of the right type) is wrong, or None."""
    if key == "smtpd.listen" and value:
        try:
            parse_listen(value)
        except ValueError as e:
            return str(e)
    if key in _LIST_RULES:
        pattern, what = _LIST_RULES[key]
        for item in value:
            if not isinstance(item, str) or not re.match(pattern, item):
                return f"must be a list of {what}, got {item!r}"
    return None


def check_list(value: Any) -> str | None:
    """Why `value` is not a TOML array of strings, or None."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return 'must be a list of text values, such as ["grafana", "zabbix"]'
    return None
