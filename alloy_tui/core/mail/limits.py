"""The size limits every door and delivery applies, and the one size check.

`message_limit(settings)` is the most a message may have for the configured service (its row
in `services`), with the limit named in words; sendmail refuses a bigger one with 65
(`mime.check_size`), the SMTP listener with 552, both saying the sentence `over_limit` gives;
every delivery refuses it before any request (`size_refusal`, verdict "message"), and a
foreground send before anything is sent (`MessageTooLarge`, exit 2). Light: sendmail imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core.errors import ExplainedError, Explanation
from alloy_tui.core.mail.services import GRAPH_MAX_RAW_BYTES as GRAPH_MAX_RAW_BYTES
from alloy_tui.core.mail.services import GRAPH_MAX_REQUEST as GRAPH_MAX_REQUEST
from alloy_tui.core.mail.services import MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES
from alloy_tui.core.mail.services import service_of

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def message_limit(settings: Settings | Values | None = None) -> tuple[int, str]:
    """(most bytes a message may have, that limit in words) for the configured service; with
    no settings, the largest any service takes."""
    if settings is not None:
        from alloy_tui.core.config import setting

        row = service_of(settings)
        if row.one_request and not setting(settings, "exchange_online.large_messages"):
            return row.one_request, (
                f"{row.label} takes at most {mb(row.one_request)} ({row.one_request} "
                "bytes) in one request (about 4 MB once base64-encoded); larger messages need "
                "[exchange_online] large_messages = true (and the Mail.ReadWrite permission)"
            )
    return MAX_MESSAGE_BYTES, (
        f"at most {mb(MAX_MESSAGE_BYTES)} ({MAX_MESSAGE_BYTES} bytes, Exchange Online's limit) "
        "can be sent"
    )


def over_limit(size: int, settings: Settings | Values | None = None) -> str:
    """ "" when a message of `size` bytes can go, else one sentence naming size and limit."""
    limit, words = message_limit(settings)
    if size <= limit:
        return ""
    return (
        f"the message is {mb(size)} ({size} bytes); {words}. "
        "Send large files as a link instead of an attachment."
    )


def too_big(size: int, limit: int, what: str, fix: str) -> Explanation:
    return Explanation(
        title="The message is too large to send",
        cause=f"The message is {mb(size)} ({size} bytes); {what} is {mb(limit)}. It was not sent.",
        fix=fix,
        code="message.too_big",
        verdict="message",
        details={"size": size, "limit": limit},
    )


def size_refusal(size: int, settings: Settings, one_request_fix: str = "") -> Explanation | None:
    """A delivery's check before any request: None when `size` bytes can go through the
    configured service, else why not (verdict "message": this message never goes as it is)."""
    limit, _ = message_limit(settings)
    if size <= limit:
        return None
    if limit < MAX_MESSAGE_BYTES:  # one request's worth (Graph without large messages)
        return too_big(
            size,
            limit,
            "the most Graph's sendMail takes in one request (about 4 MB once base64-encoded)",
            one_request_fix,
        )
    return too_big(
        size,
        MAX_MESSAGE_BYTES,
        "the limit (Exchange Online's default maximum message size)",
        "Send a smaller message: put large files on a share and send a link instead.",
    )


def sendable_within_limit(message: bytes, settings: Settings) -> bytes:
    """A delivery's first step: the message made fit to send (NUL, bare CR, unlabelled 8-bit)
    and checked against the configured service's limit (ExplainedError, verdict "message")."""
    from alloy_tui.core.mail.sendable import make_sendable

    message = make_sendable(message)
    refused = size_refusal(len(message), settings)
    if refused is not None:
        raise ExplainedError(refused)
    return message


class MessageTooLarge(ExplainedError):
    """The message is over the service's size limit; nothing was sent (bad input: exit 2)."""

    exit_code = 2


_SHORTER = (
    "Send a shorter body: the end of a log is usually what matters "
    "(`tail -c 1000000 FILE | alloy-tui send ...`), or leave the file where the "
    "recipients can fetch it and send its location."
)


def _too_large(cause: str) -> MessageTooLarge:
    return MessageTooLarge(
        Explanation(
            title="The message is too large to send",
            cause=cause,
            fix=_SHORTER,
            code="too_large",
            verdict="message",
        )
    )


def too_large(size: str, why: str) -> MessageTooLarge:
    return _too_large(f"The message is {size}; {why}. Nothing was sent.")


def check_now(size: int, settings: Settings) -> None:
    """A message composed now (`send`, `test-send`) over the service's limit: MessageTooLarge
    (exit 2) before anything is sent, saying `over_limit`'s sentence."""
    said = over_limit(size, settings)
    if said:
        raise _too_large(f"{said[0].upper()}{said[1:]} Nothing was sent.")
