"""A message handed to sendmail, made ready for the outbox: recipients, From, local names, size.

Parsing is the stdlib ``email`` package's (headers only); the body is never parsed or
re-encoded, so 8-bit, non-UTF-8 and binary bodies, MIME structure and attachments are kept byte
for byte. Only the header block is rewritten:

- local recipients (``root``, a bare name, ``user@localhost``, ``user@<this host>``) go to
  ``[sendmail.aliases]`` or ``[sendmail] admin``, and that address replaces them in To/Cc;
- From is the sending account, keeping the program's display name (with the host name added),
  unless it is the account itself or 'From' delegation is on and it is a real mailbox;
- Bcc is removed (its recipients are still delivered); Date and Message-ID are added if missing.

Every refusal is a `MessageRefused` carrying a sysexits code (64 usage, 65 data, 67 no user,
78 config) and one sentence saying what to change.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import policy as email_policy
from email import utils as email_utils
from email.headerregistry import Address, Group
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.mail.addresses import LINE_BREAKS
from alloy_tui.core.mail.local_names import Host, LocalNames, MessageRefused
from alloy_tui.core.mail.raw import MAX_MESSAGE_BYTES, mb

ADDRESS_HEADERS = ("To", "Cc", "Bcc")
UNREADABLE = ("invalid address", "end of header")  # the email parser's defects that lose text
# Headers kept byte for byte (never refolded); 8-bit header bytes pass through as they came.
POLICY = email_policy.default.clone(refold_source="none", cte_type="8bit")


@dataclass(frozen=True)
class Prepared:
    raw: bytes  # the message to deliver: rewritten headers, the original body bytes
    recipients: tuple[str, ...]  # envelope recipients, local names already mapped
    sender: str  # the address the message goes out From


def check_size(size: int) -> None:
    if size > MAX_MESSAGE_BYTES:
        raise MessageRefused(
            f"the message is {mb(size)} ({size} bytes); at most {mb(MAX_MESSAGE_BYTES)} "
            f"({MAX_MESSAGE_BYTES} bytes, Exchange Online's limit) can be sent. "
            "Send large files as a link instead of an attachment.",
            os.EX_DATAERR,
        )


def end_at_lone_dot(raw: bytes) -> bytes:
    """Classic sendmail without -i/-oi: a line holding only "." ends the message."""
    if raw.startswith((b".\n", b".\r\n")) or raw in (b".", b".\r"):
        return b""
    for marker in (b"\n.\n", b"\n.\r\n"):
        at = raw.find(marker)
        if at >= 0:
            raw = raw[: at + 1]
    if raw.endswith(b"\n."):
        raw = raw[:-1]
    return raw


def sending_account(settings: Settings) -> str:
    """The mailbox alloy-tui sends as: the signed-in account, or the SMTP/Exchange user name."""
    if settings.service == "exchange-online":
        return settings.exchange_online.account
    user = (
        settings.smtp.username if settings.service == "smtp" else settings.exchange_server.username
    )
    return user if "@" in user else ""


# ---------------------------------------------------------------- parsing


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block, line ending, body): the body starts after the first empty line."""
    if raw.startswith((b"\n", b"\r\n")):
        raise MessageRefused(
            "the message starts with an empty line, so it has no headers; sendmail reads an "
            "RFC 5322 message: header lines (To:, Subject:), an empty line, then the body."
        )
    ends = [(raw.find(sep), sep) for sep in (b"\n\n", b"\n\r\n")]
    found = [(at, sep) for at, sep in ends if at >= 0]
    at, sep = min(found) if found else (len(raw), b"")
    head = raw[: at + 1] if found else raw
    body = raw[at + len(sep) :] if found else b""
    first_line = head.split(b"\n", 1)[0]
    linesep = "\r\n" if first_line.endswith(b"\r") else "\n"
    return head, linesep.encode(), body


def _parse_head(head: bytes) -> EmailMessage:
    if b"\x00" in head:
        raise MessageRefused("the message's headers contain a NUL byte; it is not RFC 5322.")
    msg = BytesParser(policy=POLICY, _class=EmailMessage).parsebytes(head, headersonly=True)
    leftover = msg.get_payload()
    if not msg.keys() or (isinstance(leftover, str) and leftover.strip()):
        line = (leftover if isinstance(leftover, str) else "").strip().splitlines() or [""]
        raise MessageRefused(
            f"the message is not RFC 5322: {line[0][:60]!r} is not a header line "
            "(Name: value). Send header lines (To:, Subject:), an empty line, then the body."
        )
    return msg


def _addresses(msg: EmailMessage, name: str) -> list[tuple[str, list[Address]]]:
    """Each header `name` as (group display name or "", its addresses); refuses unreadable ones."""
    out: list[tuple[str, list[Address]]] = []
    for header in msg.get_all(name, []):
        groups: Iterable[Any] = getattr(header, "groups", ())
        if any(str(d).startswith(UNREADABLE) for d in getattr(header, "defects", ())):
            raise MessageRefused(
                f"the {name} header has an address that can't be read: {str(header)[:80]!r}."
            )
        for group in groups:
            for a in group.addresses:
                if not a.username or any(c in LINE_BREAKS for c in a.addr_spec):
                    raise MessageRefused(
                        f"the {name} header has an address that can't be read: {str(header)[:80]!r}."
                    )
            out.append((group.display_name or "", list(group.addresses)))
    return out


# ---------------------------------------------------------------- prepare


class _Work:
    """The state of one prepare() call."""

    def __init__(self, settings: Settings) -> None:
        self.host = Host()
        self.mapper = LocalNames(settings, self.host)
        self.recipients: list[str] = []
        self._seen: set[str] = set()

    def add(self, addresses: Iterable[str]) -> None:
        for a in addresses:
            if a.lower() not in self._seen:
                self._seen.add(a.lower())
                self.recipients.append(a)

    def mapped(self, a: Address) -> list[Address]:
        targets = self.mapper.map(a.username, a.domain)
        if len(targets) == 1 and targets[0].lower() == a.addr_spec.lower():
            return [a]
        return [Address(display_name=a.display_name, addr_spec=t) for t in targets]


def _arg_recipients(work: _Work, args: Sequence[str]) -> None:
    for arg in args:
        if any(c in LINE_BREAKS for c in arg):
            raise MessageRefused(f"the recipient {arg!r} contains a line break.", os.EX_USAGE)
        for part in email_utils.getaddresses([arg]):
            spec = part[1]
            if not spec:
                raise MessageRefused(f"the recipient {arg!r} is not an address.", os.EX_USAGE)
            user, _, domain = spec.rpartition("@") if "@" in spec else (spec, "", "")
            try:
                work.add(work.mapper.map(user, domain))
            except MessageRefused as e:
                if e.exit_code == os.EX_DATAERR:
                    e.exit_code = os.EX_USAGE
                raise


def _rewrite_recipient_headers(msg: EmailMessage, work: _Work, read: bool) -> dict[str, Any]:
    """New To/Cc values where a local name had to be mapped; adds recipients when `read`."""
    changed: dict[str, Any] = {}
    for name in ADDRESS_HEADERS:
        parts = _addresses(msg, name)
        new_parts: list[tuple[str, list[Address]]] = []
        for display, addrs in parts:
            mapped = [m for a in addrs for m in work.mapped(a)]
            if read:
                work.add(a.addr_spec for a in mapped)
            new_parts.append((display, mapped))
        if name != "Bcc" and parts != new_parts:
            changed[name] = ", ".join(
                str(Group(d, a)) if d else ", ".join(str(x) for x in a) for d, a in new_parts
            )
    return changed


def _from_header(
    msg: EmailMessage, work: _Work, settings: Settings, account: str, names: tuple[str, str]
) -> tuple[str, str | None]:
    """(sender address, new From value or None when the message's From is kept).

    `names` is (-F full name, -f envelope sender): the fallbacks when the message has no From.
    """
    full_name, envelope_from = names
    found = _from_addresses(msg)
    if not msg.get_all("From") and envelope_from.strip("<>"):
        found = [("", envelope_from.strip("<>"))]
    name, spec = found[0] if found else ("", "")
    own = settings.message.default_from or account
    if not own:
        raise MessageRefused(
            "no account to send as: sign in first (run `alloy-tui login`, or `alloy-tui` for the "
            "setup wizard).",
            os.EX_CONFIG,
        )
    user, _, domain = spec.rpartition("@")
    if len(found) == 1 and domain and not work.host.is_local(domain):
        if (
            spec.lower() in (own.lower(), account.lower())
            or settings.exchange_online.from_delegation
        ):
            if name or not full_name:
                return spec, None
            return spec, str(Address(display_name=full_name, addr_spec=spec))
    display = name or full_name or (spec.split("@", 1)[0] if spec else _login_name())
    if display:
        display = f"{display} ({work.host.short})"
    return own, str(Address(display_name=display, addr_spec=own))


def _from_addresses(msg: EmailMessage) -> list[tuple[str, str]]:
    """(display name, address) of each From address; a comment (`root (Cron Daemon)`) is a name."""
    out: list[tuple[str, str]] = []
    raws = [v for k, v in msg.raw_items() if k.lower() == "from"]
    for header, raw in zip(msg.get_all("From", []), raws, strict=False):
        comments = email_utils.getaddresses([str(raw)])
        for i, a in enumerate(getattr(header, "addresses", ())):
            name = a.display_name or (comments[i][0] if i < len(comments) else "")
            if a.username:
                out.append((_unescape(name), a.addr_spec))
    return out


def _unescape(text: str) -> str:
    """Text from raw 8-bit header bytes (surrogate-escaped): UTF-8, else Latin-1."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _login_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return ""


def _check_line(value: str, what: str) -> None:
    if any(c in LINE_BREAKS for c in value):
        raise MessageRefused(
            f"{what} {value!r} contains a line break; it must be one line.", os.EX_USAGE
        )


def prepare(
    raw: bytes,
    *,
    settings: Settings,
    arg_recipients: Sequence[str],
    read_headers: bool,
    envelope_from: str = "",
    full_name: str = "",
    account: str = "",
) -> Prepared:
    """The message as it will be queued, or MessageRefused (with its sysexits code)."""
    _check_line(envelope_from, "the sender (-f)")
    _check_line(full_name, "the full name (-F)")
    check_size(len(raw))
    if not raw.strip():
        raise MessageRefused("the message is empty; sendmail reads the message on stdin.")
    head, linesep, body = _split(raw)
    msg = _parse_head(head)
    work = _Work(settings)
    _arg_recipients(work, arg_recipients)
    changed = _rewrite_recipient_headers(msg, work, read_headers)
    if not work.recipients:
        how = (
            "the To, Cc or Bcc headers"
            if read_headers
            else "arguments (or use -t to read the To, Cc and Bcc headers)"
        )
        raise MessageRefused(f"the message has no recipient: none in {how}.")
    account = account or sending_account(settings)
    sender, new_from = _from_header(msg, work, settings, account, (full_name, envelope_from))
    if new_from is not None:
        changed["From"] = new_from
    out = _headers(msg, changed, sender, linesep.decode())
    return Prepared(out + linesep + body, tuple(work.recipients), sender)


def _headers(msg: EmailMessage, changed: dict[str, Any], sender: str, linesep: str) -> bytes:
    """The header block: kept headers byte for byte, changed ones in place, Bcc dropped."""
    policy = POLICY.clone(linesep=linesep)
    lines: list[bytes] = []
    done: set[str] = set()
    for name, value in msg.raw_items():
        key = name.title() if name.lower() in ("to", "cc", "from") else name
        if name.lower() == "bcc":
            continue
        if key in changed:
            if key not in done:
                done.add(key)
                lines.append(policy.fold_binary(key, policy.header_factory(key, changed[key])))
            continue
        lines.append(policy.fold_binary(name, value))
    extra = {k: v for k, v in changed.items() if k not in done}
    if "date" not in (k.lower() for k in msg.keys()):
        extra["Date"] = email_utils.formatdate(localtime=True)
    if "message-id" not in (k.lower() for k in msg.keys()):
        extra["Message-ID"] = email_utils.make_msgid(domain=sender.rsplit("@", 1)[-1])
    for key, value in extra.items():
        lines.append(policy.fold_binary(key, policy.header_factory(key, value)))
    return b"".join(lines)
