"""Every message alloy-tui writes itself (`send`, `send --attach`, `send --queue`, `test-send`,
the wizard's test message) built as MIME (stdlib email): sent now by `sending.send_message`
through the service's delivery, or handed to the outbox, which sends it the same way.
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

from alloy_tui.core.errors import UserInputError
from alloy_tui.core.mail.limits import MAX_MESSAGE_BYTES, mb
from alloy_tui.core.mail.message import OutgoingMessage


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
    msg["Message-ID"] = email_utils.make_msgid(
        domain=domain if domain.isascii() and domain else "localhost"
    )
    from alloy_tui import __version__

    msg["X-Mailer"] = f"alloy-tui {__version__}"
    body: Any = message.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    # 8-bit text as quoted-printable: 7-bit safe through every relay (no 8BITMIME needed)
    cte = None if text.isascii() else "quoted-printable"
    msg.set_content(text, subtype="html" if message.html else "plain", charset="utf-8", cte=cte)
    for a in attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
    raw = msg.as_bytes()
    if len(raw) > MAX_MESSAGE_BYTES:
        raise UserInputError(
            f"The message with its attachments is {mb(len(raw))}; at most {mb(MAX_MESSAGE_BYTES)} can be sent."
        )
    return raw
