"""The network: one SSL context (system store + `[network] ca_bundle`), proxies, timeouts, the
requests adapter exchangelib uses, and the endpoint table per cloud (`clouds`).

Outside this package, import from here: `from alloy_tui.core import net; net.http_client(...)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core import lazy_names

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
__getattr__ = lazy_names(
    globals(),
    {
        "clouds": ".",
        "request_deadline": (
            "Deadline DeadlineExceeded deadline watch_socket current_deadline=current"
        ),
        "logsafety": "guard_loggers",
        "tls": (
            "USER_AGENT ca_bundle_path check_ca_bundle http_client last_request_id "
            "register_requests_host requests_adapter_class ssl_context timeout"
        ),
    },
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
