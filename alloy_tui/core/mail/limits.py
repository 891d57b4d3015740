"""The size limits every door and transport applies, in one place.

`message_limit(settings)` is the most a message may have for the configured service, with the
limit named in words; sendmail refuses a bigger one with 65 (`mime.check_size`) and the SMTP
listener with 552, both saying the sentence `over_limit` gives. Light: sendmail imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values

MAX_MESSAGE_BYTES = 35 * 1024 * 1024  # Exchange Online's default maximum message size
# Graph's sendMail takes the base64 of the MIME in one request of at most 4 MB: 3 MiB of MIME.
GRAPH_MAX_RAW_BYTES = 3 * 1024 * 1024


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def message_limit(settings: Settings | Values | None = None) -> tuple[int, str]:
    """(most bytes a message may have, that limit in words) for the configured service; with
    no settings, the largest any service takes."""
    if settings is not None:
        from alloy_tui.core.config import setting

        graph = (
            setting(settings, "service") == "exchange-online"
            and setting(settings, "exchange_online.api") == "graph"
        )
        if graph and not setting(settings, "exchange_online.large_messages"):
            return GRAPH_MAX_RAW_BYTES, (
                f"Microsoft Graph takes at most {mb(GRAPH_MAX_RAW_BYTES)} ({GRAPH_MAX_RAW_BYTES} "
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
