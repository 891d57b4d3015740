"""From, Reply-To and Sender of a message from a program (sendmail, the listener, the maildrop).

From is the sending account, keeping the program's display name with the host name added
(``"Cron Daemon (web01)" <alerts@contoso.com>``), unless it is the account itself or 'From'
delegation is on and it is a real mailbox. When From is rewritten:

- the original From goes into Reply-To (unless the message has one), so replies reach whoever
  the program meant; a local name (``root``, ``user@localhost``) is no address to reply to and
  is not copied;
- a Sender header other than the account is removed: Exchange would read it as sending on
  behalf of that address and refuse the message.

`rewrite_to_account` applies the same rules to a queued message whose From the service refused
(Graph/EWS ErrorSendAsDenied, SMTP 5.7.60): the outbox then sends it From the account.
"""

from __future__ import annotations

import os
from email.message import Message
from typing import TYPE_CHECKING, NamedTuple

from alloy_tui.core.config import setting
from alloy_tui.core.mail.local_names import Host, MessageRefused
from alloy_tui.core.mail.mime_headers import (
    addresses,
    display_text,
    format_address,
    header_block,
    parse_head,
    split_head,
    values,
)

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values


class FromChange(NamedTuple):
    sender: str  # the address the message goes out From
    changed: dict[str, str]  # header name -> new value (From, Reply-To)
    drop: tuple[str, ...]  # header names (lower case) to leave out (a foreign Sender)
    original: str  # the From the program wrote, when it was rewritten to the account ("" else)


def decide_from(
    msg: Message,
    host: Host,
    settings: Settings | Values,
    account: str,
    names: tuple[str, str, str],
) -> FromChange:
    """What happens to From, Reply-To and Sender.

    `names` is (-F full name, -f envelope sender, the submitting user's login): the fallbacks
    when the message has no From. A comment is a display name too (Vixie cron writes
    `From: root (Cron Daemon)`).
    """
    full_name, envelope_from, login = names
    try:
        found = addresses(msg, "From")
    except MessageRefused:
        found = []  # an unreadable From is replaced like any other that is not ours
    if not values(msg, "From") and envelope_from.strip("<>"):
        found = [("", envelope_from.strip("<>"))]
    name, spec = found[0] if found else ("", "")
    own = str(setting(settings, "message.default_from") or account)
    if not own:
        raise MessageRefused(
            "no account to send as: sign in first (run `alloy-tui login`, or `alloy-tui` for the "
            "setup wizard).",
            os.EX_CONFIG,
        )
    real = _real(spec, host)
    if len(found) == 1 and real:
        if spec.lower() in (own.lower(), account.lower()) or setting(
            settings, "exchange_online.from_delegation"
        ):
            if name or not full_name:
                return FromChange(spec, {}, (), "")
            return FromChange(spec, {"From": format_address(full_name, spec)}, (), "")
    display = display_text(name) or full_name or (spec.split("@", 1)[0] if spec else "")
    display = display or login or _login_name()
    return _to_account(msg, host, own, account, display, (name, spec) if real else None)


def _to_account(
    msg: Message,
    host: Host,
    own: str,
    account: str,
    display: str,
    original: tuple[str, str] | None,
) -> FromChange:
    """From the account (`own`), the original into Reply-To, a foreign Sender removed."""
    mine = {own.lower(), account.lower()} - {""}
    tag = f"({host.short})"
    if display and not display.endswith(tag):
        display = f"{display} {tag}"
    changed = {"From": format_address(display, own)}
    was = ""
    if original is not None and original[1].lower() not in mine:
        was = original[1]
        if not values(msg, "Reply-To"):
            changed["Reply-To"] = format_address(*original)
    try:
        senders = [a.lower() for _, a in addresses(msg, "Sender")]
    except MessageRefused:
        senders = ["?"]  # unreadable: not the account
    drop = ("sender",) if any(a not in mine for a in senders) else ()
    return FromChange(own, changed, drop, was)


def rewrite_to_account(raw: bytes, account: str) -> tuple[bytes, str]:
    """(the message From `account`, the address that was refused): the rules above applied to
    a queued message whose From (or Sender) the service refused; (raw, "") when it already is
    From the account with no other Sender."""
    head, linesep, body = split_head(raw)
    msg = parse_head(head)
    try:
        found = addresses(msg, "From")
    except MessageRefused:
        found = []
    name, spec = found[0] if found else ("", "")
    host = Host()
    if spec.lower() == account.lower():  # the From is fine: a foreign Sender, if any, goes
        change = _to_account(msg, host, account, account, "", None)
        if not change.drop:
            return raw, ""
        out = header_block(msg, {}, account, linesep.decode(), change.drop)
        return out + linesep + body, ", ".join(values(msg, "Sender")).strip()
    display = display_text(name) or (spec.split("@", 1)[0] if spec else "")
    real = _real(spec, host)
    change = _to_account(msg, host, account, account, display, (name, spec) if real else None)
    out = header_block(msg, change.changed, account, linesep.decode(), change.drop)
    return out + linesep + body, spec


def _real(spec: str, host: Host) -> bool:
    """An address with a domain that is not this host's (root, root@localhost are not)."""
    local, at, domain = spec.rpartition("@")
    return bool(local and at and domain) and not host.is_local(domain)


def _login_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return ""
