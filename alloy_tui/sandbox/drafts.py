"""Graph drafts for large messages: POST /me/messages or /users/{mailbox}/messages (needs
Mail.ReadWrite; graph.py says which mailbox a token may use), attachments (inline under 3 MB,
else createUploadSession and PUT chunks to the upload URL), then POST .../messages/{id}/send,
which delivers the message with its attachments, From checked as sendMail checks it."""

from __future__ import annotations

import base64
import binascii
import email.policy
import json
import re
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid
from typing import TYPE_CHECKING, Any

from alloy_tui.sandbox.mailbox import ACCOUNT_HEADER, API_HEADER, BCC_HEADER, store_raw
from alloy_tui.sandbox.wire import Request, Response, json_response

if TYPE_CHECKING:
    from alloy_tui.sandbox.graph import GraphCall
    from alloy_tui.sandbox.server import Sandbox
    from alloy_tui.sandbox.store import TokenRecord

CHUNK_UNIT = 320 * 1024  # upload chunks are multiples of this, except the last
MAX_CHUNK = 4 * 1024 * 1024
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_PATH = re.compile(r"^/messages(?:/([0-9a-f]+)(/send|/attachments(/createuploadsession)?)?)?$")


def _addresses(value: Any) -> list[str]:
    out = []
    for item in value or []:
        addr = item.get("emailAddress", {}).get("address") if isinstance(item, dict) else None
        if isinstance(addr, str):
            out.append(addr)
    return out


def handle(
    sandbox: Sandbox, call: GraphCall, rec: TokenRecord, path: str, account: str
) -> Response:
    """`path`: /messages... under the mailbox root; `account`: the mailbox the drafts are in."""
    from alloy_tui.sandbox.graph import has_scope

    m = _PATH.match(path)
    if m is None:
        return call.error(400, "BadRequest", "Resource not found.")
    if not has_scope(rec, "Mail.ReadWrite"):
        return call.error(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )
    drafts = sandbox.state.drafts
    draft_id, action, upload = m.group(1), m.group(2), m.group(3)
    if draft_id is None:
        if call.req.method != "POST":
            return call.error(405, "Request_BadRequest", "Method not allowed.")
        return create(sandbox, call, account)
    draft = drafts.get(draft_id)
    if draft is None or draft["account"] != account:
        return call.error(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    if action is None and call.req.method == "DELETE":
        drafts.pop(draft_id, None)
        return Response(204, b"", "", call.headers())
    if action == "/send":
        return send(sandbox, call, rec, draft_id)
    if upload:
        return create_upload(sandbox, call, draft_id)
    if action == "/attachments" and call.req.method == "POST":
        return add_attachment(call, draft)
    return call.error(400, "BadRequest", "Unsupported request on a draft.")


def create(sandbox: Sandbox, call: GraphCall, account: str) -> Response:
    try:
        msg = json.loads(call.req.body)
    except ValueError:
        return call.error(400, "BadRequest", "Unable to read JSON request payload.")
    draft_id = secrets.token_hex(16)
    sandbox.state.drafts[draft_id] = {"account": account, "message": msg, "attachments": []}
    return json_response(201, {"id": draft_id, "isDraft": True}, call.headers())


def add_attachment(call: GraphCall, draft: dict[str, Any]) -> Response:
    try:
        att = json.loads(call.req.body)
        content = base64.b64decode(att["contentBytes"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return call.error(400, "ErrorInvalidRequest", "Invalid attachment.")
    draft["attachments"].append({**att, "content": content})
    return json_response(201, {"id": secrets.token_hex(8), "size": len(content)}, call.headers())


def create_upload(sandbox: Sandbox, call: GraphCall, draft_id: str) -> Response:
    try:
        item = json.loads(call.req.body)["AttachmentItem"]
        size = int(item["size"])
    except (ValueError, KeyError, TypeError):
        return call.error(400, "ErrorInvalidRequest", "AttachmentItem with a size is required.")
    token = secrets.token_hex(16)
    sandbox.state.uploads[token] = {"draft": draft_id, "item": item, "size": size, "data": b""}
    url = f"{sandbox.graph_endpoint}/upload/{token}"
    return json_response(201, {"uploadUrl": url, "nextExpectedRanges": ["0-"]}, call.headers())


def upload_chunk(sandbox: Sandbox, req: Request, token: str) -> Response:
    """PUT to an upload URL: no Authorization header (the URL is the credential)."""
    up = sandbox.state.uploads.get(token)
    if up is None or req.method != "PUT":
        return json_response(
            404, {"error": {"code": "ErrorItemNotFound", "message": "No such upload."}}
        )
    m = _RANGE.match(req.header("content-range"))
    if m is None or req.header("authorization"):
        return json_response(
            400, {"error": {"code": "InvalidRequest", "message": "Bad upload request."}}
        )
    start, end, total = (int(g) for g in m.groups())
    got = len(up["data"])
    last = end + 1 == total
    bad_size = len(req.body) != end - start + 1 or len(req.body) > MAX_CHUNK
    if start != got or total != up["size"] or bad_size or (not last and len(req.body) % CHUNK_UNIT):
        return json_response(
            416, {"error": {"code": "InvalidRange", "message": "Unexpected range."}}
        )
    up["data"] += req.body
    if not last:
        return json_response(200, {"nextExpectedRanges": [f"{end + 1}-"]})
    draft = sandbox.state.drafts.get(up["draft"])
    if draft is not None:
        draft["attachments"].append({**up["item"], "content": up["data"]})
    del sandbox.state.uploads[token]
    return Response(201, b"", "", {})


def send(sandbox: Sandbox, call: GraphCall, rec: TokenRecord, draft_id: str) -> Response:
    from alloy_tui.sandbox.graph import from_and_sender

    draft = sandbox.state.drafts.pop(draft_id)
    m = draft["message"]
    to, cc, bcc = (_addresses(m.get(k)) for k in ("toRecipients", "ccRecipients", "bccRecipients"))
    if not (to or cc or bcc):
        return call.error(
            400,
            "ErrorInvalidRecipients",
            "A message can't be sent because it contains no recipients.",
        )
    from alloy_tui.sandbox.mime import refused_recipient

    unresolved = refused_recipient(sandbox, to + cc + bcc)
    if unresolved is not None:
        return call.error(unresolved.status, unresolved.code, unresolved.message)
    sender_of = from_and_sender(sandbox, call, rec, m, draft["account"])
    if isinstance(sender_of, Response):
        return sender_of
    msg = EmailMessage()
    msg["From"], sender = sender_of
    if sender:
        msg["Sender"] = sender
    if to:
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = str(m.get("subject", ""))
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = m.get("internetMessageId") or make_msgid(domain="sandbox.contoso.example")
    for h in m.get("internetMessageHeaders") or []:
        msg[str(h["name"])] = str(h["value"])
    body = m.get("body") or {}
    subtype = "html" if str(body.get("contentType", "")).lower() == "html" else "plain"
    msg.set_content(str(body.get("content", "")), subtype=subtype)
    for att in draft["attachments"]:
        maintype, _, sub = str(att.get("contentType") or "application/octet-stream").partition("/")
        msg.add_attachment(
            att["content"],
            maintype=maintype,
            subtype=sub or "octet-stream",
            filename=str(att.get("name", "")),
        )
    head = f"{API_HEADER}: graph\r\n{ACCOUNT_HEADER}: {draft['account']}\r\n"
    if bcc:
        head += f"{BCC_HEADER}: {', '.join(bcc)}\r\n"
    store_raw(sandbox, head.encode() + msg.as_bytes(policy=email.policy.SMTP), "graph")
    return Response(202, b"", "", call.headers())
