"""`send --attach` and `send --queue`: the message built as MIME (stdlib email), then sent raw
through the configured service or handed to the outbox.

Sending raw reuses `send_message` (same checks, same alert-log entry, same explanations) with a
small transport that hands the MIME bytes to the raw delivery.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy as email_policy
from email import utils as email_utils
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import UserInputError
from alloy_tui.core.mail.limits import MAX_MESSAGE_BYTES, mb
from alloy_tui.core.mail.message import OutgoingMessage, SendResult


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str


def read_attachment(path: Path) -> Attachment:
    """The file as an attachment, or UserInputError (missing, a folder, unreadable, too big)."""
    try:
        size = path.stat().st_size
        if size > MAX_MESSAGE_BYTES:
            raise UserInputError(
                f"The attachment {path} is {mb(size)}; a message can be at most {mb(MAX_MESSAGE_BYTES)}."
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise UserInputError(f"The attachment {path} is a folder, not a file.") from None
    except FileNotFoundError:
        raise UserInputError(f"The attachment {path} does not exist.") from None
    except PermissionError:
        raise UserInputError(f"The attachment {path} can't be read: permission denied.") from None
    except OSError as e:
        raise UserInputError(f"The attachment {path} can't be read: {e.strerror or e}.") from None
    guessed, encoding = mimetypes.guess_type(path.name)
    content_type = guessed if guessed and not encoding else "application/octet-stream"
    return Attachment(path.name, data, content_type)


def compose_mime(message: OutgoingMessage, attachments: Sequence[Attachment], sender: str) -> bytes:
    """The MIME message: From, To, Subject, Date, Message-ID, the body, then each attachment."""
    msg = EmailMessage(policy=email_policy.SMTP)
    msg["From"] = message.from_address or sender
    msg["To"] = ", ".join(message.to)
    msg["Subject"] = message.subject
    msg["Date"] = email_utils.formatdate(localtime=True)
    domain = (message.from_address or sender).rsplit("@", 1)[-1] or "localhost"
    msg["Message-ID"] = email_utils.make_msgid(domain=domain)
    body: Any = message.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    msg.set_content(text, subtype="html" if message.html else "plain")
    for a in attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
    raw = msg.as_bytes()
    if len(raw) > MAX_MESSAGE_BYTES:
        raise UserInputError(
            f"The message with its attachments is {mb(len(raw))}; at most {mb(MAX_MESSAGE_BYTES)} can be sent."
        )
    return raw


class _RawTransport:
    """A Transport that sends prepared MIME bytes through an open raw delivery."""

    def __init__(self, delivery: Any, raw: bytes) -> None:
        self.delivery = delivery
        self.raw = raw
        self.signin = getattr(delivery, "signin", None)

    def send(self, message: OutgoingMessage) -> SendResult:
        result: SendResult = self.delivery.send_raw(
            self.raw, list(message.to), sender=message.from_address
        )
        return result


def send_mime(
    settings: Settings, config_path: Path, message: OutgoingMessage, raw: bytes
) -> SendResult:
    """Send `raw` (built from `message`) now: one alert-log entry, ExplainedError on failure."""
    from alloy_tui.core.mail.sending import send_message
    from alloy_tui.core.mail.services import open_delivery

    with open_delivery(settings, config_path) as delivery:
        return send_message(settings, config_path, message, transport=_RawTransport(delivery, raw))
