"""OpenSMTPD (smtpd.conf(5), table(5)): `/etc/smtpd.conf` (or `/etc/mail/smtpd.conf`), `#`
comments, `\\` continuation, `include "file"`; `table NAME file:PATH` (lines `LABEL user:pass`) or
`table NAME { LABEL = user:pass }`; `action NAME relay host smtp+tls://LABEL@host:587 auth <NAME>`
(`smtps://` implicit TLS, `smtp://` plain) with an optional `mail-from`. The older
`accept ... relay via tls+auth://LABEL@host auth <NAME>` is read too."""

from __future__ import annotations

import re
import shlex

from alloy_tui.core.relays.aliases import carry_aliases
from alloy_tui.core.relays.files import Root, backslashed, is_address, numbered, word_and_rest
from alloy_tui.core.relays.model import Relay, RelayReadError

FILES = ("/etc/smtpd.conf", "/etc/mail/smtpd.conf", "/etc/smtpd/smtpd.conf")
_URL = re.compile(
    r"^(?P<scheme>[a-z+]+)://(?:(?P<label>[^@/]+)@)?(?P<host>[^:/\s]+)(?::(?P<port>\d+))?$"
)
_SECURITY = {
    "smtp": "starttls",
    "smtp+tls": "starttls",
    "tls": "starttls",
    "smtps": "ssl",
    "ssl": "ssl",
    "smtp+notls": "none",
    "tls+auth": "starttls",
    "ssl+auth": "ssl",
    "smtps+auth": "ssl",
    "smtp+auth": "starttls",
}

Line = tuple[str, int, list[str]]  # file, line, words


def read(root: Root) -> Relay | None:
    for file in FILES:
        text = root.read(file)
        if text is not None:
            return _relay(root, file, _lines(root, file, text, 0))
    return None


def _lines(root: Root, file: str, text: str, depth: int) -> list[Line]:
    out: list[Line] = []
    for number, line in backslashed(text):
        try:
            words = shlex.split(line)
        except ValueError as e:
            raise RelayReadError(file, number, f"cannot be read: {e}") from None
        if words[0] == "include" and len(words) == 2:
            if depth > 8:
                raise RelayReadError(file, number, "includes nest too deep")
            included = root.read(words[1])
            if included is None:
                raise RelayReadError(file, number, f"includes {words[1]}, which does not exist")
            out += _lines(root, words[1], included, depth + 1)
        else:
            out.append((file, number, words))
    return out


def _relay(root: Root, main: str, lines: list[Line]) -> Relay | None:
    tables: dict[str, tuple[str, int, list[str]]] = {}
    relay_line: Line | None = None
    for file, number, words in lines:
        if words[0] == "table" and len(words) >= 3:
            tables[words[1]] = (file, number, words[2:])
        elif "relay" in words and ("host" in words or "via" in words):
            relay_line = relay_line or (file, number, words)
    if relay_line is None:
        return None
    file, number, words = relay_line
    after = words.index("host") if "host" in words else words.index("via")
    if after + 1 >= len(words):
        raise RelayReadError(file, number, "relay host without an address")
    m = _URL.match(words[after + 1])
    if not m or m["scheme"] not in _SECURITY:
        raise RelayReadError(
            file, number, f"relay host {words[after + 1]!r} is not scheme://[label@]host[:port]"
        )
    relay = Relay(
        "opensmtpd",
        f"OpenSMTPD ({main})",
        files=sorted({f for f, _, _ in lines}),
        service_unit="opensmtpd.service",
    )
    relay.host = m["host"]
    relay.security = _SECURITY[m["scheme"]]
    relay.port = int(m["port"]) if m["port"] else (465 if relay.security == "ssl" else 25)
    for what in ("host", "port", "security"):
        relay.source(what, file, number)
    relay.found(file, number, f"relays through {relay.host}:{relay.port} ({relay.security})")
    if "mail-from" in words:
        sender = (
            words[words.index("mail-from") + 1] if words.index("mail-from") + 1 < len(words) else ""
        )
        if is_address(sender):
            relay.from_address = sender
            relay.source("from", file, number)
            relay.found(file, number, f"every message is sent from {sender}")
    if "auth" in words and m["label"]:
        index = words.index("auth")
        table = words[index + 1].strip("<>") if index + 1 < len(words) else ""
        if table not in tables:
            raise RelayReadError(file, number, f"auth <{table}>: no such table")
        _secret(root, relay, m["label"], tables[table])
    carry_aliases(
        relay, root, "/etc/mail/aliases" if root.exists("/etc/mail/aliases") else "/etc/aliases"
    )
    return relay


def _secret(root: Root, relay: Relay, label: str, table: tuple[str, int, list[str]]) -> None:
    file, number, spec = table
    entries: list[tuple[str, int, str, str]] = []  # file, line, label, value
    if spec[0].startswith("{"):
        body = " ".join(spec).strip("{} ")
        for item in body.split(","):
            key, _, value = item.partition("=")
            entries.append((file, number, key.strip().strip('"'), value.strip().strip('"')))
    else:
        path = (spec[0].partition(":")[2] if ":" in spec[0] else spec[0]).removesuffix(".db")
        text = root.read(path)
        if text is None:
            relay.note(f"{file}:{number}: the secrets table {path} does not exist")
            return
        relay.files.append(path)
        for line_no, line in numbered(text):
            key, value = word_and_rest(line)
            entries.append((path, line_no, key.strip(), value.strip()))
    for where, line_no, key, value in entries:
        if key == label:
            user, colon, password = value.partition(":")
            if not colon:
                raise RelayReadError(where, line_no, "expected LABEL user:password")
            relay.user = user
            relay.password = password
            relay.password_file = f"{where}:{line_no}"
            relay.source("user", where, line_no)
            relay.found(where, line_no, f"signs in as {user}; password found in {where}")
            return
    relay.note(f"{file}:{number}: label {label} is not in the secrets table")
