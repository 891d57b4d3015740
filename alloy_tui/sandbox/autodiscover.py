"""Exchange Server (on-premises) Autodiscover stand-in: POST /autodiscover/autodiscover.xml (POX).

The Outlook "POX" protocol every on-premises Exchange (2013 and later) answers: the request names
an e-mail address; the answer gives the mailbox's EWS URL (``Protocol/Type EXCH`` internal and
``EXPR`` external, both the sandbox's EWS here), a ``redirectAddr`` for addresses listed in
`Sandbox.autodiscover_redirects`, or ``Error 500`` for an unknown address. Authentication is the
same as the sandbox's EWS (Basic or NTLM for `Sandbox.ews_basic_users`); without it, a 401.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from alloy_tui.sandbox.wire import Request, Response

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

PATH = "/autodiscover/autodiscover.xml"
REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
XML = "text/xml; charset=utf-8"


def _answer(inner: str) -> Response:
    text = f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{RESPONSE_NS}">{inner}</Autodiscover>'
    return Response(200, text.encode("utf-8"), XML)


def error(code: int, message: str) -> Response:
    return _answer(
        f'<Response><Error Time="12:00:00.0000000" Id="2563436925"><ErrorCode>{code}</ErrorCode>'
        f"<Message>{escape(message)}</Message><DebugData /></Error></Response>"
    )


def account(inner: str, address: str = "", name: str = "") -> Response:
    user = (
        f"<User><DisplayName>{escape(name)}</DisplayName>"
        f"<AutoDiscoverSMTPAddress>{escape(address)}</AutoDiscoverSMTPAddress></User>"
        if address
        else ""
    )
    return _answer(
        f'<Response xmlns="{OUTLOOK_NS}">{user}<Account><AccountType>email</AccountType>'
        f"{inner}</Account></Response>"
    )


def requested_address(body: bytes) -> str | None:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    found = root.find(f"{{{REQUEST_NS}}}Request/{{{REQUEST_NS}}}EMailAddress")
    return (found.text or "").strip() if found is not None else None


def handle(sandbox: Sandbox, req: Request) -> Response:
    from alloy_tui.sandbox.ews import authenticate

    if req.method != "POST":
        return Response(405, b"", "", {"Allow": "POST"})
    who = authenticate(sandbox, req)
    if isinstance(who, Response):
        return who
    address = requested_address(req.body)
    if not address:
        return error(600, "Invalid Request")
    redirect = sandbox.autodiscover_redirects.get(address.lower())
    if redirect:
        return account(
            f"<Action>redirectAddr</Action><RedirectAddr>{escape(redirect)}</RedirectAddr>"
        )
    if not sandbox.state.has_mailbox(address):
        return error(500, "The email address can't be found.")
    url = escape(sandbox.ews_endpoint)
    protocols = "".join(
        f"<Protocol><Type>{kind}</Type><Server>127.0.0.1</Server><EwsUrl>{url}</EwsUrl></Protocol>"
        for kind in ("EXCH", "EXPR")
    )
    name = sandbox.state.display_name(address)
    return account(f"<Action>settings</Action>{protocols}", address.lower(), name)
