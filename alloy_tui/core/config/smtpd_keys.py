"""The ``[smtpd]`` section: the local SMTP listener's settings and the checks of its values.

Split from settings.py (which imports `Smtpd` and calls `check_smtpd_value`). The rules that
need several keys at once (a non-loopback listen needs users and a TLS certificate) are the
listener's, checked when it starts: core/smtpd/options.py.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LISTEN = "127.0.0.1:2525"
MAX_MESSAGE_BYTES = 35 * 1024 * 1024  # Exchange Online's limit (core/mail/raw.py says the same)
USER_RE = re.compile(r"^[A-Za-z0-9._@+-]{1,128}$")
_ADDRESS_RE = re.compile(r"^[^@\s<>\",;:()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}$")
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"
)


@dataclass(frozen=True)
class Smtpd:
    # "" : `alloy-tui smtpd` listens on 127.0.0.1:2525 and `queue run --daemon` runs no listener
    listen: str = ""
    users: list[str] = field(default_factory=list)  # AUTH names; passwords in the secrets file
    tls_certificate: str = ""  # PEM certificate (chain) for STARTTLS
    tls_key: str = ""  # its PEM private key
    allowed_senders: list[str] = field(default_factory=list)  # MAIL FROM: addresses or @domains
    allowed_recipient_domains: list[str] = field(default_factory=list)
    max_message_bytes: int = MAX_MESSAGE_BYTES
    max_recipients: int = 100
    max_connections: int = 100
    idle_timeout_seconds: int = 60


RANGES: dict[str, tuple[float, float]] = {
    "smtpd.max_message_bytes": (1024, MAX_MESSAGE_BYTES),
    "smtpd.max_recipients": (1, 1000),
    "smtpd.max_connections": (1, 10000),
    "smtpd.idle_timeout_seconds": (1, 3600),
}

_LIST_RULES: dict[str, tuple[Any, str]] = {
    "smtpd.users": (USER_RE, 'a user name such as "grafana" (letters, digits, . _ @ + -)'),
    "smtpd.allowed_senders": (
        re.compile(f"{_ADDRESS_RE.pattern}|^@{_DOMAIN_RE.pattern[1:]}"),
        'an address like "grafana@contoso.com" or a domain like "@contoso.com"',
    ),
    "smtpd.allowed_recipient_domains": (_DOMAIN_RE, 'a domain like "contoso.com"'),
}


def parse_listen(value: str) -> tuple[str, int]:
    """("127.0.0.1", 2525) from "127.0.0.1:2525"; "[::1]:2525" for IPv6. ValueError if not."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError("must be host:port, such as 127.0.0.1:2525 or [::1]:2525")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError("an IPv6 address goes in brackets: [::1]:2525")
    port = int(port_text)
    if port > 65535:  # 0: any free port (tests, the benchmark)
        raise ValueError(f"the port must be between 1 and 65535, got {port}")
    if not host or re.search(r"[\s/\[\]]", host):
        raise ValueError(f"the host {host!r} is not an address or a host name")
    return host, port


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost"; a name other than localhost is not loopback."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
            if not isinstance(item, str) or not pattern.match(item):
                return f"must be a list of {what}, got {item!r}"
    return None


def check_list(value: Any) -> str | None:
    """Why `value` is not a TOML array of strings, or None."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return 'must be a list of text values, such as ["grafana", "zabbix"]'
    return None
