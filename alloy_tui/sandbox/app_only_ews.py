"""EWS with an app-only token: the token needs the role EWS.AccessAsApp (or full_access_as_app)
and the SOAP ExchangeImpersonation header naming a mailbox in the app's scope; X-AnchorMailbox
alone is not enough (like Exchange Online)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from alloy_tui.sandbox.app_only import EWS_ROLES
from alloy_tui.sandbox.graph import has_scope
from alloy_tui.sandbox.store import TokenRecord
from alloy_tui.sandbox.wire import Request, Response

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
IDENTITY_FIELDS = ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName")


def impersonated(body: bytes) -> str:
    """The mailbox named in the ExchangeImpersonation header, or ""."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return ""
    sid = root.find(f"{{{SOAP}}}Header/{{{T}}}ExchangeImpersonation/{{{T}}}ConnectingSID")
    if sid is None:
        return ""
    for name in IDENTITY_FIELDS:
        text = (sid.findtext(f"{{{T}}}{name}") or "").strip()
        if text:
            return text.lower()
    return ""


def app_account(sandbox: Sandbox, req: Request, rec: TokenRecord) -> tuple[str, bool] | Response:
    """(mailbox, True) for an app token that may act on the impersonated mailbox, else the refusal."""
    from alloy_tui.sandbox.ews import fault, unauthorized

    if not any(has_scope(rec, role) for role in EWS_ROLES):
        return unauthorized(
            sandbox, "The token contains no permissions, or permissions can not be understood."
        )
    mailbox = impersonated(req.body)
    if not mailbox:
        return fault(
            "ErrorInvalidExchangeImpersonationHeaderData",
            "ExchangeImpersonation SOAP header must be present for this type of OAuth token.",
        )
    if not sandbox.state.has_mailbox(mailbox):
        return fault(
            "ErrorNonExistentMailbox",
            f"The SMTP address {mailbox} has no mailbox associated with it.",
        )
    with sandbox.state.lock:
        allowed = sandbox.app_only.in_scope(mailbox)
    if not allowed:
        return fault(
            "ErrorImpersonateUserDenied",
            "The account does not have permission to impersonate the requested user.",
        )
    return mailbox, True
