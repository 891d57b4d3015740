"""What is sent and what came back, independent of the transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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


class Transport(Protocol):
    """Sends one message; raises ExplainedError (alloy_tui.core.errors) on any failure."""

    def send(self, message: OutgoingMessage) -> SendResult: ...
