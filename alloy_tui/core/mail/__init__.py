"""Sending: one small interface (`Transport.send`), one module per way of sending, the message
model, address checks, the test message, and `send_message` that picks the transport.

Heavy libraries load only in the transport that needs them: Graph never imports exchangelib.
Outside this package, import from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.mail import exchange_server, smtp
    from alloy_tui.core.mail.addresses import check_header_text, parse_address, parse_addresses
    from alloy_tui.core.mail.body import MessageTooLarge, body_limit, decode_body, read_body
    from alloy_tui.core.mail.compose import (
        Attachment,
        compose_mime,
        read_attachment,
        send_mime,
    )
    from alloy_tui.core.mail.exchange_server import mailbox_address
    from alloy_tui.core.mail.exchange_server_discover import discover_ews_url, needs_discovery
    from alloy_tui.core.mail.limits import MAX_MESSAGE_BYTES
    from alloy_tui.core.mail.message import OutgoingMessage, SendResult, Transport, validate_message
    from alloy_tui.core.mail.mime import (
        MessageRefused,
        Prepared,
        check_size,
        end_at_lone_dot,
        map_recipients,
        prepare,
        sending_account,
    )
    from alloy_tui.core.mail.raw import Delivery, header_recipients, open_delivery
    from alloy_tui.core.mail.sending import API_LABELS, send_message, send_test_message

# Loaded on first use (PEP 562): smtplib and the Exchange Server code stay out of `--help`,
# and sendmail (every cron job) loads only mime.py and what it needs.
_LAZY = {
    "check_header_text": ("alloy_tui.core.mail.addresses", "check_header_text"),
    "parse_address": ("alloy_tui.core.mail.addresses", "parse_address"),
    "parse_addresses": ("alloy_tui.core.mail.addresses", "parse_addresses"),
    "MessageTooLarge": ("alloy_tui.core.mail.body", "MessageTooLarge"),
    "body_limit": ("alloy_tui.core.mail.body", "body_limit"),
    "decode_body": ("alloy_tui.core.mail.body", "decode_body"),
    "read_body": ("alloy_tui.core.mail.body", "read_body"),
    "OutgoingMessage": ("alloy_tui.core.mail.message", "OutgoingMessage"),
    "SendResult": ("alloy_tui.core.mail.message", "SendResult"),
    "Transport": ("alloy_tui.core.mail.message", "Transport"),
    "validate_message": ("alloy_tui.core.mail.message", "validate_message"),
    "MAX_MESSAGE_BYTES": ("alloy_tui.core.mail.limits", "MAX_MESSAGE_BYTES"),
    "Delivery": ("alloy_tui.core.mail.raw", "Delivery"),
    "header_recipients": ("alloy_tui.core.mail.raw", "header_recipients"),
    "open_delivery": ("alloy_tui.core.mail.raw", "open_delivery"),
    "API_LABELS": ("alloy_tui.core.mail.sending", "API_LABELS"),
    "send_message": ("alloy_tui.core.mail.sending", "send_message"),
    "send_test_message": ("alloy_tui.core.mail.sending", "send_test_message"),
    "smtp": ("alloy_tui.core.mail.smtp", None),
    "exchange_server": ("alloy_tui.core.mail.exchange_server", None),
    "mailbox_address": ("alloy_tui.core.mail.exchange_server", "mailbox_address"),
    "needs_discovery": ("alloy_tui.core.mail.exchange_server_discover", "needs_discovery"),
    "discover_ews_url": ("alloy_tui.core.mail.exchange_server_discover", "discover_ews_url"),
    # sendmail's hand-off: the email package loads only for it.
    "MessageRefused": ("alloy_tui.core.mail.mime", "MessageRefused"),
    "Prepared": ("alloy_tui.core.mail.mime", "Prepared"),
    "check_size": ("alloy_tui.core.mail.mime", "check_size"),
    "end_at_lone_dot": ("alloy_tui.core.mail.mime", "end_at_lone_dot"),
    "map_recipients": ("alloy_tui.core.mail.mime", "map_recipients"),
    "prepare": ("alloy_tui.core.mail.mime", "prepare"),
    "sending_account": ("alloy_tui.core.mail.mime", "sending_account"),
    # send --attach / --queue: the message built as MIME.
    "Attachment": ("alloy_tui.core.mail.compose", "Attachment"),
    "compose_mime": ("alloy_tui.core.mail.compose", "compose_mime"),
    "read_attachment": ("alloy_tui.core.mail.compose", "read_attachment"),
    "send_mime": ("alloy_tui.core.mail.compose", "send_mime"),
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
    "Attachment",
    "Delivery",
    "MAX_MESSAGE_BYTES",
    "MessageRefused",
    "MessageTooLarge",
    "OutgoingMessage",
    "Prepared",
    "SendResult",
    "Transport",
    "body_limit",
    "check_header_text",
    "check_size",
    "compose_mime",
    "decode_body",
    "discover_ews_url",
    "end_at_lone_dot",
    "exchange_server",
    "mailbox_address",
    "map_recipients",
    "header_recipients",
    "needs_discovery",
    "open_delivery",
    "parse_address",
    "parse_addresses",
    "prepare",
    "read_attachment",
    "read_body",
    "send_message",
    "send_mime",
    "send_test_message",
    "sending_account",
    "smtp",
    "validate_message",
]
