"""The submitting side: any local user writes one message into the maildrop folder.

Why this is private: the folder is mode 3733 (setup-system makes it so), like postfix's
maildrop plus the set-group-ID bit. Everyone may create files in it (w+x) but nobody except its
owner may list it (no r for group or others), and the sticky bit lets nobody but a file's owner
(and the folder's owner) rename or remove it. A drop file's name ends in 128 random bits, so
another user can neither see it nor guess it. And the file is 0640 in the folder's group (the
set-group-ID bit gives every new file the folder's group, the runner's): even a user who knew
the name could not read it, while a runner that is not root still can (root reads it anyway).

The steps: ``.<uid>.<random>.tmp`` created with O_CREAT|O_EXCL|O_NOFOLLOW (a planted symlink or
an existing name is never written through), the bytes written and fsynced, the file renamed to
``<uid>.<random>`` (only complete files ever carry a name without the dot), then the folder
made durable. The submitting user cannot open the folder (no r) to fsync it, so then the whole
file system is synced (syncfs(2) on the file, else sync(2)). On any failure the temp file is
removed: nothing half-written is ever left visible.

The writing itself is writing.py (light: no json, pathlib, typing or email on cron's path).

The file: one header line, then the message exactly as read. ``ignore_dots`` false (sendmail
without ``-i``): the runner ends the message at a lone "." line (`parse` does it); a file
without the field (an older sendmail, ``-bs``) had that applied before it was written.
sendmail checks nothing about the message itself before it exits 0 (no email parsing): the
runner applies the rules, and what they refuse becomes a failure notice (pickup.py).
The header is ``alloy-maildrop 1 <JSON>\\n``: the envelope as given on the command line and not
applied yet (argument recipients, ``-t``, ``-f``, ``-F``; the DSN requests as ``dsn``, when
any), because applying them needs the config (aliases, the admin address, the account), which
only the runner can read. ``sendmail -bs`` without the config writes the same files: its RCPT
TO addresses as the recipients, MAIL FROM as ``envelope_from`` ("<>" for the null sender).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from alloy_tui.core.maildrop.writing import (
    EX_CANTCREAT,
    EX_CONFIG,
    EX_TEMPFAIL,
    MAGIC,
    MAILDROP_ENV,
    MAX_HEADER_BYTES,
    VERSION,
    MaildropError,
    drop_bytes,
    header_bytes,
    submit_path,
)
from alloy_tui.core.maildrop.writing import open_maildrop as _open_maildrop

__all__ = [
    "DEFAULT_MAILDROP",
    "EX_CANTCREAT",
    "EX_CONFIG",
    "EX_TEMPFAIL",
    "MAILDROP_ENV",
    "MAX_HEADER_BYTES",
    "Envelope",
    "HeaderError",
    "MaildropError",
    "drop",
    "header_line",
    "open_maildrop",
    "parse",
    "submit_folder",
]

DEFAULT_MAILDROP = Path("/var/spool/alloy-tui/maildrop")
# The delivery status requests a drop may carry (sendmail's -N/-R/-V, -bs's DSN parameters),
# recorded in the message's details by the runner, never acted on.
DSN_KEYS = ("dsn_notify", "dsn_ret", "dsn_envid", "dsn_orcpt")
MAX_DSN_CHARS = 4096


class HeaderError(ValueError):
    """A drop file whose header line can't be read; the message says what is wrong."""


class Envelope(NamedTuple):
    """sendmail's command line as given: applied by the runner with the config."""

    recipients: tuple[str, ...] = ()  # the argument recipients
    read_headers: bool = False  # -t
    envelope_from: str = ""  # -f ("<>": a null sender)
    full_name: str = ""  # -F
    dsn: tuple[tuple[str, str], ...] = ()  # -N/-R/-V, or -bs's RET/ENVID/NOTIFY/ORCPT: recorded
    ignore_dots: bool = True  # False: a lone "." line ends the message (the runner applies it)


def submit_folder() -> Path:
    """Where the submitting side drops: ``$ALLOY_TUI_MAILDROP``, else the default."""
    return Path(submit_path())


def header_fields(envelope: Envelope) -> dict[str, object]:
    body: dict[str, object] = {
        "recipients": list(envelope.recipients),
        "read_headers": envelope.read_headers,
        "envelope_from": envelope.envelope_from,
        "full_name": envelope.full_name,
    }
    if envelope.dsn:  # only when given: a file without it reads the same to any runner
        body["dsn"] = dict(envelope.dsn)
    if not envelope.ignore_dots:
        body["ignore_dots"] = False
    return body


def header_line(envelope: Envelope) -> bytes:
    return header_bytes(header_fields(envelope))


def parse(data: bytes) -> tuple[Envelope, bytes]:
    """(the envelope, the raw message) of a drop file's bytes; HeaderError if unreadable.
    Without ``-i`` (``ignore_dots`` false) the message is cut at its lone "." line here.
    Nothing in the header says who sent it: that is the file's owner (pickup.py)."""
    end = data.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0:
        raise HeaderError(f"no header line in the first {MAX_HEADER_BYTES} bytes")
    line = data[:end]
    if not line.startswith(MAGIC):
        raise HeaderError(f"the first line does not start with {MAGIC.decode().strip()!r}")
    version, _, text = line[len(MAGIC) :].partition(b" ")
    if version != str(VERSION).encode():
        raise HeaderError(f"unknown format version {version[:20].decode('latin-1')!r}")
    try:
        fields = json.loads(text)
    except ValueError:
        raise HeaderError("the envelope is not JSON") from None
    except RecursionError:  # [[[[... nested past the interpreter's limit, from any local user
        raise HeaderError("the envelope is JSON nested too deep to read") from None
    envelope, raw = _envelope(fields), data[end + 1 :]
    if not envelope.ignore_dots:
        from alloy_tui.core.mail import end_at_lone_dot

        raw = end_at_lone_dot(raw)
    return envelope, raw


def _envelope(fields: Any) -> Envelope:
    if not isinstance(fields, dict):
        raise HeaderError("the envelope is not a JSON object")
    recipients = fields.get("recipients", [])
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise HeaderError("the envelope's recipients are not a list of text")
    read_headers = fields.get("read_headers", False)
    ignore_dots = fields.get("ignore_dots", True)
    if not isinstance(read_headers, bool) or not isinstance(ignore_dots, bool):
        raise HeaderError("the envelope's read_headers or ignore_dots is not true/false")
    texts = [fields.get(k, "") for k in ("envelope_from", "full_name")]
    if not all(isinstance(t, str) for t in texts):
        raise HeaderError("the envelope's envelope_from or full_name is not text")
    dsn = fields.get("dsn", {})
    if not isinstance(dsn, dict) or not all(
        k in DSN_KEYS and isinstance(v, str) and len(v) <= MAX_DSN_CHARS for k, v in dsn.items()
    ):
        raise HeaderError(f"the envelope's dsn is not a table of {', '.join(DSN_KEYS)}")
    return Envelope(
        tuple(recipients),
        read_headers,
        texts[0],
        texts[1],
        tuple(sorted(dsn.items())),
        ignore_dots,
    )


def drop(folder: Path, raw: bytes, envelope: Envelope) -> str:
    """Write one message into the maildrop; returns its file name once durable.
    MaildropError (73 not writable, 75 full, 78 no maildrop) with nothing left behind."""
    return drop_bytes(str(folder), header_line(envelope), raw)


def open_maildrop(folder: Path) -> int:
    """The maildrop folder itself, never through a symlink (writing.open_maildrop)."""
    return _open_maildrop(str(folder))
