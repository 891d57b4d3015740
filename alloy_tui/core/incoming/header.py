"""The header line of a hand-off file (`writer.header_line`), read back by the runner.

``alloy-handoff 1 {"recipients": [...], "read_headers": true, "envelope_from": "", "full_name":
"", "dsn": {...}, "ignore_dots": false, "uid": 0, "time": 1765000000.1, "size": 2048}\\n``, then
the message exactly as sendmail read it (-i not applied yet: ``ignore_dots`` says whether a lone
"." line ends it). ``size`` is the length of what follows: a file cut short is never taken for
a message.
"""

from __future__ import annotations

import json
from typing import Any

from alloy_tui.core.incoming.writer import MAGIC, MAX_HEADER_BYTES, VERSION

DSN_KEYS = ("dsn_notify", "dsn_ret", "dsn_envid")


class HeaderError(ValueError):
    """A hand-off file whose header line can't be read; the message says what is wrong."""


class Handed:
    """One hand-off as sendmail wrote it."""

    __slots__ = (
        "recipients",
        "read_headers",
        "envelope_from",
        "from_given",
        "full_name",
        "dsn",
        "ignore_dots",
        "uid",
        "time",
        "raw",
    )

    def __init__(self, fields: dict[str, Any], raw: bytes) -> None:
        self.recipients: list[str] = fields["recipients"]
        self.read_headers: bool = fields["read_headers"]
        self.envelope_from: str = fields["envelope_from"]
        self.from_given: bool = fields["from_given"]
        self.full_name: str = fields["full_name"]
        self.dsn: dict[str, str] = fields["dsn"]
        self.ignore_dots: bool = fields["ignore_dots"]
        self.uid: int = fields["uid"]
        self.time: float = fields["time"]
        self.raw = raw

    @property
    def user(self) -> str:
        """The login name of whoever ran sendmail (looked up here, not on cron's path)."""
        import pwd

        try:
            return pwd.getpwuid(self.uid).pw_name
        except KeyError:
            return f"uid{self.uid}"

    def return_path(self) -> str:
        """Whom a failure notice goes to: -f (or -r) as given ("<>": nobody), else the user
        who ran sendmail (a local name: mapped as sendmail maps recipients)."""
        if self.from_given:
            given = self.envelope_from.strip()
            return "<>" if given in ("<>", "") else given
        return self.user


_TYPES: dict[str, tuple[type, ...]] = {
    "recipients": (list,),
    "read_headers": (bool,),
    "envelope_from": (str,),
    "from_given": (bool,),
    "full_name": (str,),
    "dsn": (dict,),
    "ignore_dots": (bool,),
    "uid": (int,),
    "time": (int, float),
    "size": (int,),
}


def parse(data: bytes) -> Handed:
    """The hand-off in a file's bytes; HeaderError if it is not one, or not whole."""
    end = data.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0 or not data.startswith(MAGIC):
        raise HeaderError("it does not start with an alloy-handoff header line")
    version, _, text = data[len(MAGIC) : end].partition(b" ")
    if version != str(VERSION).encode():
        raise HeaderError(f"unknown format version {version[:20].decode('latin-1')!r}")
    try:
        fields = json.loads(text)
    except (ValueError, RecursionError):
        raise HeaderError("its header is not JSON") from None
    if not isinstance(fields, dict):
        raise HeaderError("its header is not a JSON object")
    for key, types in _TYPES.items():
        value = fields.get(key)
        if not isinstance(value, types) or (types == (int,) and isinstance(value, bool)):
            raise HeaderError(f"its header's {key} is missing or of the wrong kind")
    if not all(isinstance(r, str) for r in fields["recipients"]):
        raise HeaderError("its header's recipients are not a list of text")
    if not all(k in DSN_KEYS and isinstance(v, str) for k, v in fields["dsn"].items()):
        raise HeaderError("its header's dsn is not a table of dsn_notify, dsn_ret, dsn_envid")
    raw = data[end + 1 :]
    if len(raw) != fields["size"]:
        raise HeaderError(
            f"it holds {len(raw)} bytes of message where its header says {fields['size']}"
        )
    return Handed(fields, raw)
