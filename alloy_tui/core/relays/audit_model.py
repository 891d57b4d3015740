"""What `audit` reports for one program: the file, the key, the host, whether a password is
used, whether that host is Exchange Online, and the change that points it at alloy-tui smtpd."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from alloy_tui.core.relays.mapping import exchange_online_cloud

LISTENER = "127.0.0.1:2525"


@dataclass(frozen=True)
class AuditFinding:
    program: str  # "grafana", "postfix", ...
    file: str
    line: int
    key: str  # the setting that names the host
    host: str
    port: int
    password: bool  # a password (or password file) is configured
    change: str  # what to set so it sends through alloy-tui smtpd

    @property
    def cloud(self) -> str:
        return exchange_online_cloud(self.host)

    @property
    def exchange_online(self) -> bool:
        return bool(self.cloud)

    @property
    def at_risk(self) -> bool:
        """Sends to Exchange Online with a password: breaks when Basic auth goes."""
        return self.exchange_online and self.password

    @property
    def urgency(self) -> int:
        """0 most urgent: Exchange Online with a password, then other passwords, then the rest."""
        if self.at_risk:
            return 0
        if self.password:
            return 1
        return 2 if self.exchange_online else 3

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            exchange_online=self.exchange_online, cloud=self.cloud or None, at_risk=self.at_risk
        )
        return data


def split_host(value: str, default_port: int = 0) -> tuple[str, int]:
    """`host:587`, `[host]:587`, `host` -> (host, port)."""
    value = value.strip().strip("'\"")
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.lstrip(":")
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:
        host, port = value, ""
    return host.strip(), int(port) if port.strip().isdigit() else default_port
