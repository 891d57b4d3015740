"""A text body too big for one Graph request (a 4.6 MB cron output, say).

Graph's draft carries its body in the JSON of one request (4 MB at most: a bigger one is
413 RequestEntityTooLarge), and upload sessions carry attachments only. So when the draft would
be over the limit, the body goes as an attachment, `output.txt` (`output.html` for an HTML
body; UTF-8), through the upload session, and the body says so, with the first lines of the
text, for someone reading on a phone.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

from alloy_tui.core.mail.headers import split_head
from alloy_tui.core.mail.limits import GRAPH_MAX_REQUEST, mb

DRAFT_LIMIT = GRAPH_MAX_REQUEST - 64 * 1024  # room for headers and JSON escapes
PREVIEW_LINES = 20
PREVIEW_CHARS = 2000


def with_body_of(exchange: bytes, original: bytes) -> bytes:
    """`exchange`'s header block (recipients rewritten, CRLF) over `original`'s body bytes, so
    text read from it, and output.txt, has the line ends the program wrote."""
    head, blank, _ = split_head(exchange)
    body = split_head(original)[2]
    return exchange if not blank or not body else head + blank + body


def draft_size(draft: dict[str, Any]) -> int:
    return len(json.dumps(draft).encode("utf-8"))


def body_as_attachment(draft: dict[str, Any]) -> EmailMessage | None:
    """When the draft's JSON is over the request limit, its body is replaced (in `draft`) by a
    short note, and the part to attach is returned; None when the draft fits."""
    if draft_size(draft) <= DRAFT_LIMIT:
        return None
    body = draft.get("body") or {}
    html = str(body.get("contentType", "")).lower() == "html"
    text = str(body.get("content", ""))
    data = text.encode("utf-8")
    name = "output.html" if html else "output.txt"
    preview = "\n".join(text[:PREVIEW_CHARS].replace("\x00", "").splitlines()[:PREVIEW_LINES])
    note = (
        f"The message's text was {mb(len(data))} ({len(data)} bytes), too long for the body "
        f"of one message sent through Microsoft Graph, so it is attached as {name} "
        "(UTF-8).\n"
    )
    if preview and not html:
        note += f"\nIt begins:\n\n{preview}\n"
    draft["body"] = {"contentType": "Text", "content": note}
    part = EmailMessage()
    part.set_content(
        data,
        maintype="text",
        subtype="html" if html else "plain",
        disposition="attachment",
        filename=name,
    )
    return part
