"""A message handed to sendmail, made ready for the outbox: recipients, From, local names, size.

Parsing is the stdlib ``email`` package's (headers only, its light compat32 parser and
``email.utils`` address lists: this runs for every cron job); the body is never parsed or
re-encoded here, so 8-bit, non-UTF-8 and binary bodies, MIME structure and attachments are kept
byte for byte in the outbox (each delivery makes a copy fit to send: `sendable.py`). Only the
header block is rewritten:

- local recipients (``root``, a bare name, ``user@localhost``, ``user@<this host>``) go to
  ``[sendmail.aliases]`` or ``[sendmail] admin``, and that address replaces them in To/Cc;
- From is the sending account, keeping the program's display name (with the host name added),
  unless it is the account itself or 'From' delegation is on and it is a real mailbox; the
  original From then goes into Reply-To and a foreign Sender is removed (`mime_from.py`);
- Bcc is removed (its recipients are still delivered); Date and Message-ID are added if missing.

A message over the configured service's limit (`limits.message_limit`: 3 MB for Graph without
large messages, else 35 MB), counted as it will go out, is refused with 65 naming the limit.
Every refusal is a `MessageRefused` carrying a sysexits code (64 usage, 65 data, 67 no user,
78 config) and one sentence saying what to change.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from email import utils as email_utils
from email.message import Message
from typing import TYPE_CHECKING, NamedTuple

from alloy_tui.core.mail.addresses import LINE_BREAKS
from alloy_tui.core.mail.limits import MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES  # re-exported
from alloy_tui.core.mail.limits import message_limit, over_limit
from alloy_tui.core.mail.local_names import Host, LocalNames
from alloy_tui.core.mail.local_names import MessageRefused as MessageRefused  # re-exported
from alloy_tui.core.mail.mime_from import decide_from
from alloy_tui.core.mail.mime_headers import (
    Pair,
    addresses,
    fold,
    format_address,
    header_block,
    parse_head,
    split_head,
)
from alloy_tui.core.mail.sendable import sendable_size
from alloy_tui.core.mail.services import sending_account as sending_account  # re-exported

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values

ADDRESS_HEADERS = ("To", "Cc", "Bcc")


class Prepared(NamedTuple):
    raw: bytes  # the message to deliver: rewritten headers, the original body bytes
    recipients: tuple[str, ...]  # envelope recipients, local names already mapped
    sender: str  # the address the message goes out From


def check_size(size: int, settings: Settings | Values | None = None) -> None:
    """MessageRefused (65) naming the limit when `size` is over the service's limit (with no
    settings: the largest any service takes)."""
    problem = over_limit(size, settings)
    if problem:
        raise MessageRefused(problem, os.EX_DATAERR, size_limit=message_limit(settings)[0])


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


# ---------------------------------------------------------------- prepare


class _Work:
    """The state of one prepare() call."""

    def __init__(self, settings: Settings | Values) -> None:
        self.host = Host()
        self.mapper = LocalNames(settings, self.host)
        self.recipients: list[str] = []
        self._seen: set[str] = set()

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
        parts = addresses(msg, name)
        try:
            mapped = [m for display, address in parts for m in work.mapped(display, address)]
        except MessageRefused as e:
            if e.exit_code != os.EX_DATAERR:
                raise
            raise MessageRefused(f"the {name} header: {e}") from None
        if read:
            work.add(a for _, a in mapped)
        if name != "Bcc" and mapped != parts:
            changed[name] = fold([format_address(d, a) for d, a in mapped])
    return changed


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
    head, linesep, body = split_head(raw)
    msg = parse_head(head)
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
    who = decide_from(msg, work.host, settings, account, (full_name, envelope_from, login))
    changed.update(who.changed)
    out = header_block(msg, changed, who.sender, linesep.decode(), who.drop) + linesep + body
    check_size(sendable_size(out), settings)  # the service's limit, as the message will go
    return Prepared(out, tuple(work.recipients), who.sender)
