"""Microsoft Graph stand-in: POST /v1.0/me/sendMail, POST /v1.0/users/{mailbox}/sendMail,
GET /v1.0/me and the drafts of large messages under /me/messages or /users/{mailbox}/messages
(under the /graph prefix). App-only tokens may use only /users/{mailbox}, for a mailbox in the
app's scope (else 403 ErrorAccessDenied, like Exchange RBAC for Applications).

Errors use Graph's body: {"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}} with request-id / client-request-id headers on every answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any

from alloy_tui.sandbox.mailbox import deliver
from alloy_tui.sandbox.store import TokenRecord
from alloy_tui.sandbox.wire import Request, Response, iso_now, json_response, new_id

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

PREFIX = "/graph"
MAX_REQUEST = 4 * 1024 * 1024  # Graph refuses larger request bodies
USERS_SEND_RE = re.compile(r"^/v1\.0/users/(?P<mailbox>[^/]+)/sendmail$")
# drafts of large messages: /me/messages... or /users/{mailbox}/messages...
MESSAGES_RE = re.compile(r"^/v1\.0/(?:me|users/(?P<mailbox>[^/]+))(?P<rest>/messages(?:/.*)?)$")
ACCESS_DENIED = "Access is denied. Check credentials and try again."
ADDRESS_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
SEND_AS_DENIED = (
    "The user account which was used to submit this request does not have the right to send mail on "
    "behalf of the specified sending account., Cannot submit message."
)


def has_scope(rec: TokenRecord, name: str) -> bool:
    name = name.lower()
    return any(s.lower() == name or s.lower().endswith("/" + name) for s in rec.scopes)


def retry_after_header(wait: int) -> dict[str, str]:
    """{"Retry-After": seconds}, or no header for a scenario set with retry_after=None."""
    return {} if wait < 0 else {"Retry-After": str(wait)}


class GraphCall:
    def __init__(self, sandbox: Sandbox, req: Request) -> None:
        self.sandbox, self.req = sandbox, req
        self.request_id = new_id()
        self.client_request_id = req.header("client-request-id") or self.request_id

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str | list[str]]:
        h: dict[str, str | list[str]] = {
            "request-id": self.request_id,
            "client-request-id": self.client_request_id,
        }
        h.update(extra or {})
        return h

    def error(
        self, status: int, code: str, message: str, extra: dict[str, str] | None = None
    ) -> Response:
        body = {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": iso_now(),
                    "request-id": self.request_id,
                    "client-request-id": self.client_request_id,
                },
            }
        }
        return json_response(status, body, self.headers(extra))

    def authenticate(self) -> TokenRecord | Response:
        state = self.sandbox.state
        token = self.req.bearer()
        if not token:
            return self.error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if state.take("invalid_token", "graph"):
            return self.error(401, "InvalidAuthenticationToken", "Access token validation failure.")
        rec = state.lookup(token, "access")
        if rec is None:
            return self.error(
                401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed."
            )
        if rec.expired():
            return self.error(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            )
        if rec.audience != "graph":
            return self.error(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
            )
        return rec

    def busy(self) -> Response | None:
        state = self.sandbox.state
        sc = state.take("throttle", "graph")
        if sc is not None:
            return self.error(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
                retry_after_header(sc.retry_after()),
            )
        sc = state.take("server_busy", "graph")
        if sc is not None:
            return self.error(
                503,
                "ServiceUnavailable",
                "The service is temporarily unavailable. Please try again later.",
                retry_after_header(sc.retry_after()),
            )
        return None


def handle(sandbox: Sandbox, req: Request) -> Response:
    call = GraphCall(sandbox, req)
    path = req.path[len(PREFIX) :].rstrip("/").lower()
    if len(req.body) > MAX_REQUEST:
        return call.error(413, "RequestEntityTooLarge", "The request is larger than 4 MB.")
    large = large_message_route(sandbox, call, path)
    if large is not None:
        return large
    users = USERS_SEND_RE.match(path)
    if users is None and path not in ("/v1.0/me/sendmail", "/v1.0/me"):
        return call.error(
            400, "BadRequest", f"Resource not found for the segment '{path.rsplit('/', 1)[-1]}'."
        )
    rec = call.authenticate()
    if isinstance(rec, Response):
        return rec
    busy = call.busy()
    if busy is not None:
        return busy
    if rec.app and users is None:
        return call.error(
            400, "BadRequest", "/me request is only valid with delegated authentication flow."
        )
    if users is not None:
        return send_as_user(sandbox, call, rec, users.group("mailbox"))
    if sandbox.state.take("mailbox_not_enabled", "graph"):
        return call.error(
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        )
    if path == "/v1.0/me":
        if req.method != "GET":
            return call.error(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
        return json_response(200, me(sandbox, rec.account), call.headers())
    if req.method != "POST":
        return call.error(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    return send_mail(sandbox, call, rec)


def me(sandbox: Sandbox, account: str) -> dict[str, Any]:
    return {
        "@odata.context": f"{sandbox.graph_endpoint}/v1.0/$metadata#users/$entity",
        "id": sandbox.state.oid(account),
        "displayName": sandbox.state.display_name(account),
        "userPrincipalName": account,
        "mail": account,
    }


def recipients(value: Any, field: str) -> list[str] | str:
    """Addresses from a Graph recipient list, or a problem text."""
    if value is None:
        return []
    if not isinstance(value, list):
        return f"Invalid value for property '{field}': expected an array of recipients."
    out: list[str] = []
    for item in value:
        addr = item.get("emailAddress", {}).get("address") if isinstance(item, dict) else None
        if not isinstance(addr, str) or not ADDRESS_RE.match(addr):
            return f"At least one recipient is not valid., Recipient '{addr}' is not resolved. All recipients must be resolved before a message can be submitted."
        out.append(addr)
    return out


def send_mime(sandbox: Sandbox, call: GraphCall, rec: TokenRecord, account: str) -> Response:
    """sendMail with Content-Type text/plain: the body is the base64 of a MIME message."""
    from alloy_tui.sandbox.mime import Refusal, accept_mime

    try:
        raw = base64.b64decode(call.req.body, validate=True)
    except (binascii.Error, ValueError):
        return call.error(
            400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content."
        )
    if not has_scope(rec, "Mail.Send"):
        return call.error(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )
    got = accept_mime(
        sandbox,
        api="graph",
        account=account,
        raw=raw,
        may_send_shared=has_scope(rec, "Mail.Send.Shared"),
        app=rec.app,
    )
    if isinstance(got, Refusal):
        return call.error(got.status, got.code, got.message)
    return Response(202, b"", "", call.headers())


def send_mail(sandbox: Sandbox, call: GraphCall, rec: TokenRecord, mailbox: str = "") -> Response:
    """Send as `mailbox` (/users/{mailbox}) or as the token's account (/me)."""
    account = mailbox or rec.account
    if call.req.header("content-type").split(";")[0].strip().lower() == "text/plain":
        return send_mime(sandbox, call, rec, account)
    try:
        payload = json.loads(call.req.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return call.error(
            400,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    msg = payload.get("message") if isinstance(payload, dict) else None
    if not isinstance(msg, dict):
        return call.error(
            400, "ErrorInvalidParameter", "The value of the parameter 'Message' is empty."
        )
    if not has_scope(rec, "Mail.Send"):
        return call.error(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )
    lists: dict[str, list[str]] = {}
    for field in ("toRecipients", "ccRecipients", "bccRecipients"):
        got = recipients(msg.get(field), field)
        if isinstance(got, str):
            return call.error(400, "ErrorInvalidRecipients", got)
        lists[field] = got
    if not any(lists.values()):
        return call.error(
            400,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        )
    content = message_content(call, msg)
    if isinstance(content, Response):
        return content
    subject, text, html = content
    sender_of = from_and_sender(sandbox, call, rec, msg, account)
    if isinstance(sender_of, Response):
        return sender_of
    from_address, sender = sender_of
    deliver(
        sandbox,
        api="graph",
        account=account,
        from_address=from_address,
        sender=sender,
        to=lists["toRecipients"],
        cc=lists["ccRecipients"],
        bcc=lists["bccRecipients"],
        subject=subject,
        body=text,
        html=html,
    )
    return Response(202, b"", "", call.headers())


def message_content(call: GraphCall, msg: dict[str, Any]) -> tuple[str, str, bool] | Response:
    """(subject, body text, is HTML), or the 400 Graph gives for a malformed body or subject."""
    body = msg.get("body") or {}
    if not isinstance(body, dict):
        return call.error(400, "RequestBodyRead", "Invalid value for property 'body'.")
    content_type = str(body.get("contentType", "text")).lower()
    if content_type not in ("text", "html"):
        return call.error(
            400, "RequestBodyRead", f"Requested value '{body.get('contentType')}' was not found."
        )
    subject = msg.get("subject", "")
    if not isinstance(subject, str) or not isinstance(body.get("content", ""), str):
        return call.error(400, "RequestBodyRead", "Invalid value for property 'subject' or 'body'.")
    return subject, str(body.get("content", "")), content_type == "html"


def from_and_sender(
    sandbox: Sandbox, call: GraphCall, rec: TokenRecord, msg: dict[str, Any], account: str
) -> tuple[str, str] | Response:
    """(From, Sender): the account itself, or a mailbox that granted it Send On Behalf."""
    from_address, sender = account, ""
    sent_from = msg.get("from")
    if sent_from is not None:
        addr = (
            sent_from.get("emailAddress", {}).get("address")
            if isinstance(sent_from, dict)
            else None
        )
        if not isinstance(addr, str) or not ADDRESS_RE.match(addr):
            return call.error(
                400, "ErrorInvalidRecipients", f"The From address '{addr}' is not valid."
            )
        if addr.lower() != account.lower():
            if rec.app and not sandbox.app_only.in_scope(addr):
                return call.error(403, "ErrorAccessDenied", ACCESS_DENIED)
            if not rec.app and not has_scope(rec, "Mail.Send.Shared"):
                return call.error(403, "ErrorAccessDenied", ACCESS_DENIED)
            if not sandbox.state.has_mailbox(addr):
                return call.error(
                    404, "ErrorInvalidUser", f"The requested user '{addr}' is invalid."
                )
            if not sandbox.state.may_send_on_behalf(addr, account):
                return call.error(403, "ErrorSendAsDenied", SEND_AS_DENIED)
            from_address, sender = addr.lower(), account
    return from_address, sender


def large_message_route(sandbox: Sandbox, call: GraphCall, path: str) -> Response | None:
    """Upload-session chunks (no token: the URL is the secret) and drafts; None: neither."""
    from alloy_tui.sandbox import drafts

    if path.startswith("/upload/"):
        return drafts.upload_chunk(sandbox, call.req, path[len("/upload/") :])
    messages = MESSAGES_RE.match(path)
    if messages is None:
        return None
    return drafts_route(sandbox, call, messages.group("mailbox"), messages.group("rest"))


def drafts_route(sandbox: Sandbox, call: GraphCall, quoted: str | None, rest: str) -> Response:
    """Large messages' drafts, of /me (quoted None) or of /users/{mailbox}."""
    from alloy_tui.sandbox import drafts

    rec = call.authenticate()
    if isinstance(rec, Response):
        return rec
    busy = call.busy()
    if busy is not None:
        return busy
    mailbox = sending_mailbox(sandbox, call, rec, quoted, "Mail.ReadWrite")
    if isinstance(mailbox, Response):
        return mailbox
    return drafts.handle(sandbox, call, rec, rest, mailbox)


def sending_mailbox(
    sandbox: Sandbox, call: GraphCall, rec: TokenRecord, quoted: str | None, role: str
) -> str | Response:
    """The mailbox a request acts on: /me is the token's own (never an app's); /users/{mailbox}
    is the token's own mailbox, or for an app token one in its scope with the role."""
    from urllib.parse import unquote

    if quoted is None:
        if rec.app:
            return call.error(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        return rec.account
    mailbox = unquote(quoted)
    if not rec.app and mailbox.lower() != rec.account.lower():
        return call.error(403, "ErrorAccessDenied", ACCESS_DENIED)
    if rec.app and not (has_scope(rec, role) and sandbox.app_only.in_scope(mailbox)):
        return call.error(403, "ErrorAccessDenied", ACCESS_DENIED)
    if not sandbox.state.has_mailbox(mailbox):
        return call.error(404, "ErrorInvalidUser", f"The requested user '{mailbox}' is invalid.")
    return mailbox.lower()


def send_as_user(sandbox: Sandbox, call: GraphCall, rec: TokenRecord, quoted: str) -> Response:
    """POST /users/{mailbox}/sendMail: the token's own mailbox, or (app-only) one in its scope."""
    if call.req.method != "POST":
        return call.error(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    mailbox = sending_mailbox(sandbox, call, rec, quoted, "Mail.Send")
    if isinstance(mailbox, Response):
        return mailbox
    return send_mail(sandbox, call, rec, mailbox)
