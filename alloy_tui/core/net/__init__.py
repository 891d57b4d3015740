"""The network: one SSL context (system store + `[network] ca_bundle`), proxies, timeouts, the
requests adapter exchangelib uses, and the endpoint table per cloud (`clouds`).

Outside this package, import from here: `from alloy_tui.core import net; net.http_client(...)`.
"""

from __future__ import annotations

from alloy_tui.core.net import clouds
from alloy_tui.core.net.logsafety import guard_loggers
from alloy_tui.core.net.tls import (
    USER_AGENT,
    ca_bundle_path,
    check_ca_bundle,
    http_client,
    last_request_id,
    register_requests_host,
    requests_adapter_class,
    ssl_context,
    timeout,
)

__all__ = [
    "USER_AGENT",
    "ca_bundle_path",
    "check_ca_bundle",
    "clouds",
    "guard_loggers",
    "http_client",
    "last_request_id",
    "register_requests_host",
    "requests_adapter_class",
    "ssl_context",
    "timeout",
]
