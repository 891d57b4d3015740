"""Sending: the table of services (`services.py`, the only module that names the ways of
sending), one delivery per service (`Delivery.send_raw`, MIME) that every message goes
through, the message model, address checks, the test message, and `send_message`, which
composes a message as MIME and sends it now.

Heavy libraries load only in the transport that needs them: Graph never imports exchangelib.
Outside this package, import from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core import lazy_names

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.mail.addresses import check_header_text, parse_address, parse_addresses
    from alloy_tui.core.mail.body import body_limit, decode_body, read_body
    from alloy_tui.core.mail.compose import (
        Attachment,
        compose_mime,
        read_attachment,
    )
    from alloy_tui.core.mail.exchange_server.client import mailbox_address
    from alloy_tui.core.mail.exchange_server.discover import discover_ews_url, needs_discovery
    from alloy_tui.core.mail.from_refused import send_queued
    from alloy_tui.core.mail.headers import header_recipients
    from alloy_tui.core.mail.limits import MAX_MESSAGE_BYTES, MessageTooLarge, message_limit
    from alloy_tui.core.mail.message import OutgoingMessage, SendResult, validate_message
    from alloy_tui.core.mail.mime import (
        MessageRefused,
        Prepared,
        check_size,
        end_at_lone_dot,
        map_recipients,
        prepare,
    )
    from alloy_tui.core.mail.raw import Delivery
    from alloy_tui.core.mail.sending import API_LABELS, send_message, send_test_message
    from alloy_tui.core.mail.services import (
        SERVICES,
        Service,
        not_set_up,
        open_delivery,
        probe_status,
        relay,
        sending_account,
        sends_to,
        service_of,
    )

# Loaded on first use (PEP 562): smtplib and the Exchange Server code stay out of `--help`,
# and sendmail (every cron job) loads only mime.py and what it needs.
__getattr__ = lazy_names(
    globals(),
    {
        "addresses": "check_header_text parse_address parse_addresses",
        "body": "body_limit decode_body read_body",
        "message": "OutgoingMessage SendResult validate_message",
        "limits": "MAX_MESSAGE_BYTES MessageTooLarge message_limit",
        "raw": "Delivery",
        "headers": "header_recipients",
        # the table of services: the only place that names the ways of sending
        "services": (
            "SERVICES Service not_set_up open_delivery probe_status service_of sending_account "
            "sends_to relay"
        ),
        "sending": "API_LABELS send_message send_test_message",
        # the Exchange Server wizard step: who the account is, and Autodiscover
        "exchange_server.client": "mailbox_address",
        "exchange_server.discover": "needs_discovery discover_ews_url",
        # the outbox: a program's message whose From the service refused goes From the account
        "from_refused": "send_queued",
        # sendmail's hand-off: the email package loads only for it.
        "mime": ("MessageRefused Prepared check_size end_at_lone_dot map_recipients prepare"),
        # send --attach / --queue: the message built as MIME.
        "compose": "Attachment compose_mime read_attachment",
    },
)


__all__ = [
    "API_LABELS",
    "Attachment",
    "Delivery",
    "MAX_MESSAGE_BYTES",
    "MessageRefused",
    "MessageTooLarge",
    "OutgoingMessage",
    "Prepared",
    "SERVICES",
    "SendResult",
    "Service",
    "body_limit",
    "check_header_text",
    "check_size",
    "compose_mime",
    "decode_body",
    "discover_ews_url",
    "end_at_lone_dot",
    "mailbox_address",
    "map_recipients",
    "message_limit",
    "header_recipients",
    "needs_discovery",
    "not_set_up",
    "open_delivery",
    "parse_address",
    "parse_addresses",
    "prepare",
    "probe_status",
    "read_attachment",
    "read_body",
    "relay",
    "send_message",
    "send_queued",
    "send_test_message",
    "sends_to",
    "service_of",
    "sending_account",
    "validate_message",
]
