"""The network: one SSL context (system store + `[network] ca_bundle`), proxies, timeouts, the
requests adapter exchangelib uses, and the endpoint table per cloud (`clouds`).

Outside this package, import from here: `from alloy_tui.core import net; net.http_client(...)`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.net import clouds
    from alloy_tui.core.net.logsafety import guard_loggers
    from alloy_tui.core.net.request_deadline import (
        Deadline,
        DeadlineExceeded,
        deadline,
        watch_socket,
    )
    from alloy_tui.core.net.request_deadline import current as current_deadline
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

# Loaded on first use (PEP 562): `status --check` needs the cloud table, not ssl or logging.
_FROM = {
    "alloy_tui.core.net.request_deadline": "Deadline DeadlineExceeded deadline watch_socket",
    "alloy_tui.core.net.logsafety": "guard_loggers",
    "alloy_tui.core.net.tls": (
        "USER_AGENT ca_bundle_path check_ca_bundle http_client last_request_id "
        "register_requests_host requests_adapter_class ssl_context timeout"
    ),
}
_LAZY = {name: module for module, names in _FROM.items() for name in names.split()}


def __getattr__(name: str) -> object:
    if name == "clouds":
        return importlib.import_module("alloy_tui.core.net.clouds")
    if name == "current_deadline":
        return importlib.import_module("alloy_tui.core.net.request_deadline").current
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


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
