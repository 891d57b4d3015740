"""Graph messages over the ~4 MB request limit (``[exchange_online] large_messages = true``):
a draft (POST /me/messages, or /users/{mailbox}/messages for app-only, under the transport's
`mailbox_url`; needs Mail.ReadWrite) with the message's subject, body, recipients,
Message-ID and X- headers; attachments under 3 MB posted whole, larger ones through an upload
session (PUT chunks of 320 KiB multiples, at most 4 MiB, to the pre-authorised upload URL);
then POST .../messages/{id}/send. A body that would make the draft's JSON bigger than one
request goes as `output.txt` with a short note instead (`text.py`). A draft left by
a failure is deleted (best effort).
"""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any, Protocol

from alloy_tui.core.errors import ExplainedError, Explanation
from alloy_tui.core.mail.graph.text import body_as_attachment, with_body_of
from alloy_tui.core.mail.headers import other_from


class GraphRequests(Protocol):
    """What the draft path needs of the Graph delivery (`delivery.GraphDelivery`)."""

    _account: str

    @property
    def app_only(self) -> bool: ...

    @property
    def mailbox_url(self) -> str: ...

    def _call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        mime: bool = False,
        auth: bool = True,
    ) -> Any: ...

    def _explain(self, resp: Any, from_address: str = "") -> Explanation: ...


INLINE_LIMIT = 3_000_000  # attachments under this go in one request (base64: 4 MB less JSON)
CHUNK = 10 * 320 * 1024  # 3.2 MiB: a multiple of 320 KiB, under 4 MiB


def _recipients(msg: EmailMessage, name: str) -> list[dict[str, Any]]:
    pairs = getaddresses([str(v) for v in msg.get_all(name, [])])
    return [{"emailAddress": {"address": a, **({"name": n} if n else {})}} for n, a in pairs if a]


def draft_of(msg: EmailMessage, account: str) -> dict[str, Any]:
    body = msg.get_body(preferencelist=("html", "plain"))
    content = body.get_content() if body is not None else ""
    draft: dict[str, Any] = {
        "subject": str(msg.get("Subject", "")),
        "body": {
            "contentType": "HTML"
            if body is not None and body.get_content_subtype() == "html"
            else "Text",
            "content": content if isinstance(content, str) else "",
        },
        "toRecipients": _recipients(msg, "To"),
        "ccRecipients": _recipients(msg, "Cc"),
        "bccRecipients": _recipients(msg, "Bcc"),
    }
    if msg.get("Message-ID"):
        draft["internetMessageId"] = str(msg["Message-ID"])
    extra = [{"name": k, "value": str(v)} for k, v in msg.items() if k.lower().startswith("x-")]
    if extra:
        draft["internetMessageHeaders"] = extra
    senders = getaddresses([str(msg.get("From", ""))])
    if senders and senders[0][1] and senders[0][1].lower() != account.lower():
        draft["from"] = {"emailAddress": {"address": senders[0][1]}}
    return draft


def needs_read_write(account: str) -> Explanation:
    return Explanation(
        title="Large messages need the Mail.ReadWrite permission",
        cause=(
            f"The message is over Graph's 4 MB request limit, so it is sent as a draft, and Graph "
            f"refused to create a draft for {account or 'the account'} (no Mail.ReadWrite in the token)."
        ),
        fix=(
            "Entra admin center > App registrations > the app > API permissions: add Microsoft Graph > "
            "Delegated > Mail.ReadWrite and grant consent; then run `alloy-tui login` so the token "
            "carries it. The message stays queued until then."
        ),
        code="large.mail_readwrite",
        verdict="retry",  # large messages only wait for the permission; the others go
    )


def send_large(d: GraphRequests, message: bytes, mime: bytes) -> str:
    """Send through a draft; returns the request id of the send. ExplainedError on failure.
    `mime` is `message` with its recipient headers made for Exchange (`for_exchange`)."""
    exchange = with_body_of(mime, message)
    msg = email.message_from_bytes(exchange, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    base = f"{d.mailbox_url}/messages"
    draft = draft_of(msg, d._account)
    text_part = body_as_attachment(draft)  # a body over Graph's request limit: output.txt
    resp = d._call("POST", base, json=draft)
    if resp.status_code == 403:  # an app: its role assignment or scope (the commands name both)
        refused = d._explain(resp) if d.app_only else needs_read_write(d._account)
        refused.verdict = "retry"  # only large messages wait for the permission; the others go
        raise ExplainedError(refused)
    if resp.status_code != 201:
        raise ExplainedError(d._explain(resp))
    draft_id = str(resp.json()["id"])
    try:
        parts = [text_part] if text_part is not None else []
        for part in [*parts, *msg.iter_attachments()]:
            _attach(d, f"{base}/{draft_id}/attachments", part)
        resp = d._call("POST", f"{base}/{draft_id}/send")
        if resp.status_code != 202:
            raise ExplainedError(d._explain(resp, other_from(message, d._account)))
    except BaseException:
        try:
            d._call("DELETE", f"{base}/{draft_id}")
        except Exception:  # noqa: BLE001 - the original failure is what matters
            pass
        raise
    return str(resp.headers.get("request-id", ""))


def _attach(d: GraphRequests, url: str, part: EmailMessage) -> None:
    data = part.get_payload(decode=True)
    content = data if isinstance(data, bytes) else b""
    item: dict[str, Any] = {
        "name": part.get_filename() or "attachment",
        "contentType": part.get_content_type(),
        "isInline": part.get_content_disposition() == "inline",
    }
    if part.get("Content-ID"):
        item["contentId"] = str(part["Content-ID"]).strip("<>")
    if len(content) < INLINE_LIMIT:
        body = {
            "@odata.type": "#microsoft.graph.fileAttachment",
            **item,
            "contentBytes": base64.b64encode(content).decode(),
        }
        resp = d._call("POST", url, json=body)
        if resp.status_code != 201:
            raise ExplainedError(d._explain(resp))
        return
    session = d._call(
        "POST",
        f"{url}/createUploadSession",
        json={"AttachmentItem": {"attachmentType": "file", **item, "size": len(content)}},
    )
    if session.status_code != 201:
        raise ExplainedError(d._explain(session))
    upload_url = str(session.json()["uploadUrl"])
    for start in range(0, len(content), CHUNK):
        chunk = content[start : start + CHUNK]
        end = start + len(chunk) - 1
        headers = {"Content-Range": f"bytes {start}-{end}/{len(content)}"}
        resp = d._call("PUT", upload_url, content=chunk, headers=headers, auth=False)
        if resp.status_code not in (200, 201):
            raise ExplainedError(d._explain(resp))
