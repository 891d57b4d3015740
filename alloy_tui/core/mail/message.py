"""What is sent (and the one check of it, `validate_message`) and what came back, whatever the
service: a foreground send composes the message as MIME (`compose`) and every service's
delivery sends it (`raw.Delivery.send_raw`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from alloy_tui.core.errors import Explanation, UserInputError, clean_fields
from alloy_tui.core.mail.addresses import check_header_text, parse_address, parse_addresses


@dataclass(frozen=True)
class OutgoingMessage:
    to: tuple[str, ...]
    subject: str
    body: str
    html: bool = False
    from_address: str = ""  # empty: the account's own address (no delegation)
    body_charset: str = "utf-8"  # what the body bytes were read as (core.mail.body.decode_body)


@dataclass(frozen=True)
class SendResult:
    api: str  # "graph", "ews", "smtp", "exchange-server"
    account: str  # who authenticated
    from_address: str  # who the recipients see in From
    to: tuple[str, ...]
    duration_ms: int
    request_id: str = ""  # Microsoft request id / SMTP queue id when known
    attempts: int = 1
    extra: dict[str, str] = field(default_factory=dict)
    # Recipients the service refused while it took the message for the others (`to`): each
    # with its explanation (verdict "recipients": for good; "retry": a 4xx, try again later).
    refused: dict[str, Explanation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean_fields(self, "account", "from_address", "request_id")  # the server may set these


def validate_message(message: OutgoingMessage) -> OutgoingMessage:
    """The one check of a message before anything is sent (the command line, `send_message`,
    the test message): at least one valid recipient, a one-line subject, a valid From when given.
    Returns it normalised; UserInputError (one sentence naming the field) if not."""
    if not message.to:
        raise UserInputError("No recipient: give at least one address to send to (--to).")
    to = parse_addresses(list(message.to))
    subject = check_header_text(message.subject, "subject")
    from_address = (
        parse_address(message.from_address, "From address") if message.from_address else ""
    )
    return dataclasses.replace(message, to=tuple(to), subject=subject, from_address=from_address)
