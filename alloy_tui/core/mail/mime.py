"""A message handed to sendmail, made ready for the outbox: recipients, From, local names, size.

Parsing is the stdlib ``email`` package's (headers only, its light compat32 parser and
``email.utils`` address lists: this runs for every cron job); the body is never parsed or
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
from email import utils as email_utils
from email.message import Message
from email.parser import BytesParser
from typing import TYPE_CHECKING, NamedTuple

from alloy_tui.core.config import setting
from alloy_tui.core.mail.addresses import LINE_BREAKS
from alloy_tui.core.mail.limits import MAX_MESSAGE_BYTES, mb
from alloy_tui.core.mail.local_names import Host, LocalNames
from alloy_tui.core.mail.local_names import MessageRefused as MessageRefused  # re-exported

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values

ADDRESS_HEADERS = ("To", "Cc", "Bcc")
FOLD_AT = 78  # rewritten address lists are folded to lines of about this length
Pair = tuple[str, str]  # (display name, address), as email.utils.getaddresses gives them


class Prepared(NamedTuple):
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


def sending_account(settings: Settings | Values) -> str:
    """The mailbox alloy-tui sends as: the signed-in account (app-only: the app's mailbox), or
    the SMTP/Exchange user name."""
    service = setting(settings, "service")
    if service == "exchange-online":
        app_only = setting(settings, "exchange_online.auth") == "certificate"
        return str(setting(settings, f"exchange_online.{'mailbox' if app_only else 'account'}"))
    user = str(setting(settings, f"{'smtp' if service == 'smtp' else 'exchange_server'}.username"))
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


def _parse_head(head: bytes) -> Message:
    if b"\x00" in head:
        raise MessageRefused("the message's headers contain a NUL byte; it is not RFC 5322.")
    msg = BytesParser().parsebytes(head, headersonly=True)
    leftover = msg.get_payload()
    if not msg.keys() or (isinstance(leftover, str) and leftover.strip()):
        line = (leftover if isinstance(leftover, str) else "").strip().splitlines() or [""]
        raise MessageRefused(
            f"the message is not RFC 5322: {line[0][:60]!r} is not a header line "
            "(Name: value). Send header lines (To:, Subject:), an empty line, then the body."
        )
    return msg


def _values(msg: Message, name: str) -> list[str]:
    """The raw values of every `name` header (8-bit bytes surrogate-escaped)."""
    return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]


def _addresses(msg: Message, name: str) -> list[Pair]:
    """Every address in the `name` headers; refuses one that can't be read (a lone group such
    as `undisclosed-recipients:;` holds none and is fine)."""
    out: list[Pair] = []
    for value in _values(msg, name):
        group = ":" in value and ";" in value
        for display, address in email_utils.getaddresses([value]):
            if not address and group:
                continue
            if not address or any(c in LINE_BREAKS for c in address):
                raise MessageRefused(
                    f"the {name} header has an address that can't be read: {value[:80]!r}."
                )
            out.append((display, _utf8(address)))
    return out


def _utf8(text: str) -> str:
    """Raw 8-bit bytes of a header (surrogate-escaped) as UTF-8 when they are UTF-8 (RFC 6532:
    a UTF-8 mailbox name in To/Cc), else unchanged."""
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return text


def _text(display: str) -> str:
    """A display name as a person reads it: encoded words decoded, raw 8-bit bytes as UTF-8
    (else Latin-1)."""
    if "=?" in display:
        from email.header import decode_header, make_header

        try:
            return str(make_header(decode_header(display)))
        except (ValueError, LookupError, UnicodeError):
            return display
    try:
        data = display.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return display.encode("utf-8", "replace").decode()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _format(display: str, address: str) -> str:
    return email_utils.formataddr((_text(display), address), charset="utf-8")


def _fold(items: list[str]) -> str:
    """An address list, folded (newline + space) before it passes FOLD_AT columns."""
    out, width = "", 4
    for i, item in enumerate(items):
        piece = item if i == 0 else ", " + item
        if i and width + len(piece) > FOLD_AT:
            out, width, piece = out + ",\n ", 1, item
        out += piece
        width += len(piece)
    return out


# ---------------------------------------------------------------- prepare


class _Work:
    """The state of one prepare() call."""

    def __init__(self, settings: Settings | Values) -> None:
        self.host = Host()
        self.mapper = LocalNames(settings, self.host)
        self.recipients: list[str] = []
        self._seen: set[str] = set()
        self.login = ""  # the sending user's name (the maildrop's runner is someone else)

    def add(self, addresses: Iterable[str]) -> None:
        for a in addresses:
            if a.lower() not in self._seen:
                self._seen.add(a.lower())
                self.recipients.append(a)

    def mapped(self, display: str, address: str) -> list[Pair]:
        user, at, domain = address.rpartition("@")
        targets = self.mapper.map(user if at else address, domain if at else "")
        if len(targets) == 1 and targets[0].lower() == address.lower():
            return [(display, address)]
        return [(display, t) for t in targets]


def _arg_recipients(work: _Work, args: Sequence[str]) -> None:
    for arg in args:
        if any(c in LINE_BREAKS for c in arg):
            raise MessageRefused(f"the recipient {arg!r} contains a line break.", os.EX_USAGE)
        for _, spec in email_utils.getaddresses([arg]):
            if not spec:
                raise MessageRefused(f"the recipient {arg!r} is not an address.", os.EX_USAGE)
            try:
                work.add(a for _, a in work.mapped("", spec))
            except MessageRefused as e:
                if e.exit_code == os.EX_DATAERR:
                    e.exit_code = os.EX_USAGE
                raise


def map_recipients(settings: Settings | Values, addresses: Sequence[str]) -> tuple[str, ...]:
    """Envelope recipients as prepare() will queue them (local names mapped, duplicates
    dropped), for a door that checks each recipient before the message (smtpd's RCPT).
    MessageRefused (64 usage, 67 no user) for one that can't be used."""
    work = _Work(settings)
    _arg_recipients(work, addresses)
    return tuple(work.recipients)


def _rewrite_recipient_headers(msg: Message, work: _Work, read: bool) -> dict[str, str]:
    """New To/Cc values where a local name had to be mapped; adds recipients when `read`."""
    changed: dict[str, str] = {}
    for name in ADDRESS_HEADERS:
        parts = _addresses(msg, name)
        try:
            mapped = [m for display, address in parts for m in work.mapped(display, address)]
        except MessageRefused as e:
            if e.exit_code != os.EX_DATAERR:
                raise
            raise MessageRefused(f"the {name} header: {e}") from None
        if read:
            work.add(a for _, a in mapped)
        if name != "Bcc" and mapped != parts:
            changed[name] = _fold([_format(d, a) for d, a in mapped])
    return changed


def _from_header(
    msg: Message, work: _Work, settings: Settings | Values, account: str, names: tuple[str, str]
) -> tuple[str, str | None]:
    """(sender address, new From value or None when the message's From is kept).

    `names` is (-F full name, -f envelope sender): the fallbacks when the message has no From.
    A comment is a display name too (Vixie cron writes `From: root (Cron Daemon)`).
    """
    full_name, envelope_from = names
    try:
        found = _addresses(msg, "From")
    except MessageRefused:
        found = []  # an unreadable From is replaced like any other that is not ours
    if not _values(msg, "From") and envelope_from.strip("<>"):
        found = [("", envelope_from.strip("<>"))]
    name, spec = found[0] if found else ("", "")
    own = setting(settings, "message.default_from") or account
    if not own:
        raise MessageRefused(
            "no account to send as: sign in first (run `alloy-tui login`, or `alloy-tui` for the "
            "setup wizard).",
            os.EX_CONFIG,
        )
    _, _, domain = spec.rpartition("@")
    if len(found) == 1 and domain and not work.host.is_local(domain):
        if spec.lower() in (own.lower(), account.lower()) or setting(
            settings, "exchange_online.from_delegation"
        ):
            if name or not full_name:
                return spec, None
            return spec, _format(full_name, spec)
    display = _text(name) or full_name or (spec.split("@", 1)[0] if spec else "")
    display = display or work.login or _login_name()
    if display:
        display = f"{display} ({work.host.short})"
    return own, _format(display, own)


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
    settings: Settings | Values,
    arg_recipients: Sequence[str],
    read_headers: bool,
    envelope_from: str = "",
    full_name: str = "",
    account: str = "",
    login: str = "",
) -> Prepared:
    """The message as it will be queued, or MessageRefused (with its sysexits code).
    `login`: the submitting user's name when it is not this process's (the maildrop)."""
    _check_line(envelope_from, "the sender (-f)")
    _check_line(full_name, "the full name (-F)")
    check_size(len(raw))
    if not raw.strip():
        raise MessageRefused("the message is empty; sendmail reads the message on stdin.")
    head, linesep, body = _split(raw)
    msg = _parse_head(head)
    work = _Work(settings)
    work.login = login
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


def _line(name: str, value: str, linesep: str) -> bytes:
    """One header field as bytes: continuation lines on `linesep`, 8-bit bytes as they came."""
    value = value.replace("\r\n", "\n").replace("\n", linesep)
    return f"{name}: {value}{linesep}".encode("utf-8", "surrogateescape")


def _headers(msg: Message, changed: dict[str, str], sender: str, linesep: str) -> bytes:
    """The header block: kept headers byte for byte, changed ones in place, Bcc dropped."""
    lines: list[bytes] = []
    done: set[str] = set()
    for name, value in msg.raw_items():
        key = name.title() if name.lower() in ("to", "cc", "from") else name
        if name.lower() == "bcc":
            continue
        if key in changed:
            if key not in done:
                done.add(key)
                lines.append(_line(key, changed[key], linesep))
            continue
        lines.append(_line(name, str(value), linesep))
    extra = {k: v for k, v in changed.items() if k not in done}
    present = {k.lower() for k in msg.keys()}
    if "date" not in present:
        extra["Date"] = email_utils.formatdate(localtime=True)
    if "message-id" not in present:
        extra["Message-ID"] = email_utils.make_msgid(domain=sender.rsplit("@", 1)[-1])
    lines.extend(_line(key, value, linesep) for key, value in extra.items())
    return b"".join(lines)
