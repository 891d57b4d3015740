"""Sending: one small interface (`Transport.send`), one module per way of sending, the message
model, address checks, the test message, and `send_message` that picks the transport.

Heavy libraries load only in the transport that needs them: Graph never imports exchangelib.
Outside this package, import from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core.mail.addresses import check_header_text, parse_address, parse_addresses
from alloy_tui.core.mail.body import MessageTooLarge, body_limit, decode_body, read_body
from alloy_tui.core.mail.message import OutgoingMessage, SendResult, Transport, validate_message
from alloy_tui.core.mail.sending import API_LABELS, send_message, send_test_message

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.mail import exchange_server, smtp
    from alloy_tui.core.mail.exchange_server import mailbox_address
    from alloy_tui.core.mail.exchange_server_discover import discover_ews_url, needs_discovery

# Loaded on first use (PEP 562): smtplib and the Exchange Server code stay out of `--help`.
_LAZY = {
    "smtp": ("alloy_tui.core.mail.smtp", None),
    "exchange_server": ("alloy_tui.core.mail.exchange_server", None),
    "mailbox_address": ("alloy_tui.core.mail.exchange_server", "mailbox_address"),
    "needs_discovery": ("alloy_tui.core.mail.exchange_server_discover", "needs_discovery"),
    "discover_ews_url": ("alloy_tui.core.mail.exchange_server_discover", "discover_ews_url"),
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name)
    return module if attr is None else getattr(module, attr)


__all__ = [
    "API_LABELS",
    "MessageTooLarge",
    "OutgoingMessage",
    "SendResult",
    "Transport",
    "body_limit",
    "check_header_text",
    "decode_body",
    "discover_ews_url",
    "exchange_server",
    "mailbox_address",
    "needs_discovery",
    "parse_address",
    "parse_addresses",
    "read_body",
    "send_message",
    "send_test_message",
    "smtp",
    "validate_message",
]
