"""EWS stand-in: POST /EWS/Exchange.asmx, SOAP CreateItem (send), everything else ErrorInvalidOperation.

Auth: a Bearer token issued for the EWS resource (Exchange Online), or HTTP Basic for the
on-premises users in `Sandbox.ews_basic_users` (Exchange Server). Answers carry the
ServerVersionInfo header like Exchange 2016+/Exchange Online.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from alloy_tui.sandbox import ntlm
from alloy_tui.sandbox.graph import ADDRESS_RE, has_scope
from alloy_tui.sandbox.mailbox import deliver
from alloy_tui.sandbox.store import DEFAULT_DOMAIN
from alloy_tui.sandbox.wire import Request, Response

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
PATH = "/ews/exchange.asmx"

SERVER_VERSION = (
    '<h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="8769" '
    f'MinorBuildNumber="21" Version="V2018_01_08" xmlns:h="{T}" xmlns="{T}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"/>'
)
SEND_AS_DENIED = (
    "The user account which was used to submit this request does not have the right to send mail on "
    "behalf of the specified sending account., Cannot submit message."
)
XML = "text/xml; charset=utf-8"
IMPERSONATE_DENIED = "The account does not have permission to impersonate the requested user."


def envelope(body: str, header: bool = True) -> bytes:
    head = f"<s:Header>{SERVER_VERSION}</s:Header>" if header else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}">{head}'
        '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:xsd="http://www.w3.org/2001/XMLSchema">{body}</s:Body></s:Envelope>'
    ).encode()


def response_message(op: str, code: str = "NoError", text: str = "") -> Response:
    if code == "NoError":
        inner = f'<m:{op}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items/>'
    else:
        inner = (
            f'<m:{op}ResponseMessage ResponseClass="Error"><m:MessageText>{escape(text)}</m:MessageText>'
            f"<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        )
        inner += "<m:Items/>" if op == "CreateItem" else ""
    body = (
        f'<m:{op}Response xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>{inner}'
        f"</m:{op}ResponseMessage></m:ResponseMessages></m:{op}Response>"
    )
    return Response(200, envelope(body), XML)


def fault(code: str, text: str, back_off_ms: int | None = None) -> Response:
    extra = ""
    if back_off_ms is not None:
        extra = f'<t:MessageXml xmlns:t="{T}"><t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value></t:MessageXml>'
    body = (
        f'<s:Fault><faultcode xmlns:a="{T}">a:{code}</faultcode>'
        f'<faultstring xml:lang="en-US">{escape(text)}</faultstring><detail>'
        f'<e:ResponseCode xmlns:e="{E}">{code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{E}">{escape(text)}</e:Message>{extra}</detail></s:Fault>'
    )
    return Response(500, envelope(body, header=False), XML)


def unauthorized(sandbox: Sandbox, reason: str) -> Response:
    host = sandbox.host
    return Response(
        401,
        b"",
        "",
        {
            "WWW-Authenticate": [
                'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
                f'trusted_issuers="00000001-0000-0000-c000-000000000000@{sandbox.tenant}", '
                'token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"',
                "NTLM",
                "Negotiate",
                f"Basic realm={quoteattr(host)}",
            ],
            "x-ms-diagnostics": f'2000001;reason="{reason}";error_category="invalid_token"',
        },
    )


def mailbox_of(user: str) -> str:
    """The mailbox of an on-premises user name (DOMAIN\\user or a UPN)."""
    if "@" in user:
        return user.lower()
    return f"{user.rsplit(chr(92), 1)[-1]}@{DEFAULT_DOMAIN}".lower()


def basic_account(sandbox: Sandbox, header: str) -> str | None:
    """The mailbox of an on-premises user with a right password, else None."""
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = raw.partition(":")
    if not sep:
        return None
    for name, expected in sandbox.ews_basic_users.items():
        if name.lower() == user.lower() and expected == password:
            return mailbox_of(name)
    return None


def authenticate(sandbox: Sandbox, req: Request) -> tuple[str, bool] | Response:
    """(account, via_oauth) or a 401 (carrying the NTLM challenge while that handshake runs)."""
    auth = req.header("authorization")
    scheme = auth.split(" ", 1)[0].lower()
    if scheme in ("ntlm", "negotiate"):
        assert sandbox.workdir is not None
        challenge, principal = ntlm.step(req.conn, auth, sandbox.ews_basic_users, sandbox.workdir)
        if challenge:
            return Response(401, b"", "", {"WWW-Authenticate": challenge})
        req.conn.pop("ntlm_account", None)
        if not principal:
            return unauthorized(sandbox, "The user name or password is incorrect.")
        req.conn["ntlm_account"] = mailbox_of(principal)
        return req.conn["ntlm_account"], False
    if not auth and req.conn.get("ntlm_account"):
        return req.conn["ntlm_account"], False  # like IIS, the NTLM connection stays authenticated
    if scheme == "basic":
        account = basic_account(sandbox, auth)
        if account is None:
            return unauthorized(sandbox, "The user name or password is incorrect.")
        return account, False
    return bearer_account(sandbox, req)


def bearer_account(sandbox: Sandbox, req: Request) -> tuple[str, bool] | Response:
    """The account of a valid EWS access token (OAuth), or the 401 Exchange Online gives."""
    token = req.bearer()
    if not token:
        return unauthorized(sandbox, "No credentials were presented.")
    if sandbox.state.take("invalid_token", "ews"):
        return unauthorized(sandbox, "The token has an invalid signature.")
    rec = sandbox.state.lookup(token, "access")
    if rec is None:
        return unauthorized(sandbox, "The token is malformed.")
    if rec.expired():
        return unauthorized(sandbox, "The token has expired.")
    if rec.audience != "ews":
        return unauthorized(sandbox, "The audience claim value is invalid for current resource.")
    if rec.app:
        from alloy_tui.sandbox.app_only_ews import app_account

        return app_account(sandbox, req, rec)
    if not has_scope(rec, "EWS.AccessAsUser.All"):
        return unauthorized(sandbox, "The token does not contain the scope EWS.AccessAsUser.All.")
    return rec.account, True


def handle(sandbox: Sandbox, req: Request) -> Response:
    if req.method != "POST":
        return Response(405, b"", "", {"Allow": "POST"})
    who = authenticate(sandbox, req)
    if isinstance(who, Response):
        return who
    account, via_oauth = who
    state = sandbox.state
    sc = state.take("throttle", "ews")
    if sc is not None:
        ms = int(float(sc.options.get("retry_after", 1) or 0) * 1000)
        return fault(
            "ErrorServerBusy",
            "The server cannot service this request right now. Try again later.",
            ms,
        )
    sc = state.take("server_busy", "ews")
    if sc is not None:
        return Response(
            503,
            b"Service Unavailable",
            "text/plain",
            {} if sc.retry_after() < 0 else {"Retry-After": str(sc.retry_after())},
        )
    try:
        root = ET.fromstring(req.body)
    except ET.ParseError as e:
        return fault("ErrorSchemaValidation", f"The request failed schema validation: {e}")
    body = root.find(f"{{{SOAP}}}Body")
    op_elem = body[0] if body is not None and len(body) else None
    if op_elem is None or not op_elem.tag.startswith(f"{{{M}}}"):
        return fault(
            "ErrorSchemaValidation",
            "The request failed schema validation: no EWS operation in the Body.",
        )
    op = op_elem.tag.split("}", 1)[1]
    if via_oauth:
        sc = state.take("ews_blocked", "ews")
        if sc is not None:
            if sc.options.get("mode") == "http":
                return Response(403, b"Forbidden", "text/plain")
            return response_message(
                op,
                "ErrorAccessDenied",
                "Access is denied. EWS is turned off for this organization or this application is not allowed "
                "to use it (EWSEnabled / EWSAllowedAppIDs).",
            )
    if op != "CreateItem":
        return response_message(
            op, "ErrorInvalidOperation", f"The operation {op} is not supported by this server."
        )
    return create_item(sandbox, op_elem, account, app=via_oauth and is_app_token(sandbox, req))


def is_app_token(sandbox: Sandbox, req: Request) -> bool:
    """An app-only bearer token (already checked): it acts as the impersonated mailbox."""
    rec = sandbox.state.lookup(req.bearer() or "", "access")
    return rec is not None and rec.app


def _addresses(parent: ET.Element | None) -> list[str]:
    if parent is None:
        return []
    return [(e.text or "").strip() for e in parent.iter(f"{{{T}}}EmailAddress")]


def create_item(sandbox: Sandbox, op: ET.Element, account: str, *, app: bool = False) -> Response:
    disposition = op.get("MessageDisposition", "")
    if disposition not in ("SendOnly", "SendAndSaveCopy", "SaveOnly"):
        return response_message(
            "CreateItem",
            "ErrorInvalidOperation",
            "MessageDisposition is required for messages: SendOnly, SaveOnly or SendAndSaveCopy.",
        )
    messages = op.findall(f"{{{M}}}Items/{{{T}}}Message")
    if len(messages) != 1:
        return response_message(
            "CreateItem", "ErrorInvalidOperation", "Expected exactly one Message in Items."
        )
    msg = messages[0]
    mime = msg.find(f"{{{T}}}MimeContent")
    if mime is not None:
        return create_mime_item(sandbox, mime, account, disposition, app=app)
    to = _addresses(msg.find(f"{{{T}}}ToRecipients"))
    cc = _addresses(msg.find(f"{{{T}}}CcRecipients"))
    bcc = _addresses(msg.find(f"{{{T}}}BccRecipients"))
    for addr in to + cc + bcc:
        if not ADDRESS_RE.match(addr):
            return response_message(
                "CreateItem", "ErrorInvalidRecipients", "At least one recipient isn't valid."
            )
    if disposition != "SaveOnly" and not (to or cc or bcc):
        return response_message(
            "CreateItem",
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        )
    from_address, sender = account, ""
    froms = _addresses(msg.find(f"{{{T}}}From"))
    if froms and froms[0].lower() != account.lower():
        owner = froms[0].lower()
        if app and not sandbox.app_only.in_scope(owner):
            return response_message("CreateItem", "ErrorImpersonateUserDenied", IMPERSONATE_DENIED)
        if not sandbox.state.has_mailbox(owner):
            return response_message(
                "CreateItem",
                "ErrorNonExistentMailbox",
                f"The SMTP address {owner} has no mailbox associated with it.",
            )
        if not sandbox.state.may_send_on_behalf(owner, account):
            return response_message("CreateItem", "ErrorSendAsDenied", SEND_AS_DENIED)
        from_address, sender = owner, account
    if disposition == "SaveOnly":
        return response_message("CreateItem")
    body_elem = msg.find(f"{{{T}}}Body")
    deliver(
        sandbox,
        api="ews",
        account=account,
        from_address=from_address,
        sender=sender,
        to=to,
        cc=cc,
        bcc=bcc,
        subject=msg.findtext(f"{{{T}}}Subject", default=""),
        body=(body_elem.text or "") if body_elem is not None else "",
        html=body_elem is not None and body_elem.get("BodyType", "").upper() == "HTML",
    )
    return response_message("CreateItem")


def create_mime_item(
    sandbox: Sandbox, mime: ET.Element, account: str, disposition: str, *, app: bool = False
) -> Response:
    """A Message given as MimeContent (base64 of the RFC 5322 bytes): recipients from its headers."""
    from alloy_tui.sandbox.mime import Refusal, accept_mime

    try:
        raw = base64.b64decode((mime.text or "").strip(), validate=True)
    except (binascii.Error, ValueError):
        return response_message(
            "CreateItem",
            "ErrorMimeContentInvalidBase64String",
            "Invalid base64 string for MIME content.",
        )
    if disposition == "SaveOnly":
        return response_message("CreateItem")
    got = accept_mime(sandbox, api="ews", account=account, raw=raw, may_send_shared=True, app=app)
    if isinstance(got, Refusal):
        if got.code == "ErrorAccessDenied":  # a From outside the app's scope
            return response_message("CreateItem", "ErrorImpersonateUserDenied", IMPERSONATE_DENIED)
        code = "ErrorNonExistentMailbox" if got.code == "ErrorInvalidUser" else got.code
        return response_message("CreateItem", code, got.message)
    return response_message("CreateItem")
