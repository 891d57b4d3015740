"""The network: one SSL context (system store + `[network] ca_bundle`), proxies, timeouts, the
requests adapter exchangelib uses, and the endpoint table per cloud (`clouds`).

Outside this package, import from here: `from alloy_tui.core import net; net.http_client(...)`.
"""

from __future__ import annotations

from alloy_tui.core.net import clouds
from alloy_tui.core.net.deadline import Deadline, DeadlineExceeded, deadline, watch_socket
from alloy_tui.core.net.deadline import current as current_deadline
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
    "Deadline",
    "DeadlineExceeded",
    "USER_AGENT",
    "ca_bundle_path",
    "check_ca_bundle",
    "clouds",
    "current_deadline",
    "deadline",
    "guard_loggers",
    "http_client",
    "last_request_id",
    "register_requests_host",
    "requests_adapter_class",
    "ssl_context",
    "timeout",
    "watch_socket",
]
