"""postfix (postconf(5), SASL_README): `/etc/postfix/main.cf` with continuation lines (a line that
starts with white space continues the one before) and `$name` references; `relayhost`, the SASL
password map's source file, TLS, sender rewriting maps; `/etc/aliases`."""

from __future__ import annotations

import re
from collections.abc import Callable

from alloy_tui.core.relays.aliases import carry_aliases
from alloy_tui.core.relays.files import Root, continued
from alloy_tui.core.relays.model import Relay, RelayReadError

MAIN = "/etc/postfix/main.cf"
_REF = re.compile(r"\$(\w+)|\$\{(\w+)\}|\$\((\w+)\)")
_SECURITY = {
    "none": "none",
    "may": "starttls",
    "encrypt": "starttls",
    "dane": "starttls",
    "dane-only": "starttls",
    "fingerprint": "starttls",
    "verify": "starttls",
    "secure": "starttls",
}


class Params:
    """main.cf's parameters: `get` expands `$name`, `${name}`, `$(name)` (a few levels deep)."""

    def __init__(self, text: str) -> None:
        self.params: dict[str, tuple[str, int]] = {}
        for number, entry in continued(text):
            key, eq, value = entry.partition("=")
            if not eq or not re.fullmatch(r"[\w.-]+", key.strip()):
                raise RelayReadError(MAIN, number, "expected `name = value`")
            self.params[key.strip()] = (value.strip(), number)

    def get(self, name: str, default: str = "") -> tuple[str, int]:
        value, number = self.params.get(name, (default, 0))
        for _ in range(8):
            expanded = _REF.sub(
                lambda m: self.params.get(m.group(1) or m.group(2) or m.group(3) or "", ("", 0))[0],
                value,
            )
            if expanded == value:
                break
            value = expanded
        return value, number


def read(root: Root) -> Relay | None:
    text = root.read(MAIN)
    if text is None:
        return None
    get = Params(text).get
    relayhost, host_line = get("relayhost")
    if not relayhost:
        return None  # postfix delivering by itself: nothing to take over
    relay = Relay("postfix", f"postfix ({MAIN})", files=[MAIN], service_unit="postfix.service")
    relayhost, *fallbacks = re.split(r"[\s,]+", relayhost.strip())  # a list: the first, then
    for other in fallbacks:  # the others in turn (newer postfix)
        relay.note(f"{MAIN}:{host_line}: fallback relay {other} is not carried")
    host, port = _hostport(relayhost, MAIN, host_line)
    relay.host, relay.port = host, port or 25
    for what in ("host", "port"):
        relay.source(what, MAIN, host_line)
    _tls(relay, get)
    relay.found(
        MAIN, host_line, f"relayhost: sends through {relay.host}:{relay.port} ({relay.security})"
    )
    if get("smtp_sasl_auth_enable", "no")[0].lower() == "yes":
        _sasl(
            root,
            relay,
            relayhost,
            get("smtp_sasl_password_maps"),
            get("smtp_sasl_mechanism_filter")[0],
        )
    for name in ("sender_canonical_maps", "smtp_generic_maps", "canonical_maps"):
        value, number = get(name)
        if value:
            relay.note(
                f"{MAIN}:{number}: {name} = {value} (sender rewriting is not carried; "
                "alloy-tui sends from [message] default_from or the account)"
            )
    carry_aliases(relay, root, _alias_file(get("alias_maps", "hash:/etc/aliases")[0]))
    return relay


def _tls(relay: Relay, get: Callable[[str, str], tuple[str, int]]) -> None:
    wrapper, wline = get("smtp_tls_wrappermode", "no")
    level, lline = get("smtp_tls_security_level", "")
    if not level and get("smtp_use_tls", "no")[0].lower() == "yes":  # before postfix 2.3
        level, lline = "may", get("smtp_use_tls", "no")[1]
    if wrapper.lower() == "yes":
        relay.security = "ssl"
        relay.source("security", MAIN, wline)
        return
    relay.security = _SECURITY.get(level.lower(), "none" if not level else "starttls")
    relay.source("security", MAIN, lline)
    if level.lower() == "may":
        relay.found(MAIN, lline, "TLS when offered (may); alloy-tui insists on STARTTLS")


def _hostport(value: str, file: str, line: int) -> tuple[str, int]:
    """`[host]:587`, `host:587`, `[host]`, `host` -> (host, port or 0)."""
    m = re.fullmatch(r"\[([^\]]+)\](?::(\w+))?|([^:\s\[\]]+)(?::(\w+))?", value.strip())
    if not m:
        raise RelayReadError(file, line, f"relayhost {value!r} is not [host]:port")
    host = m.group(1) or m.group(3) or ""
    port = m.group(2) or m.group(4) or ""
    if port and not port.isdigit():
        port = {"smtp": "25", "submission": "587", "submissions": "465", "smtps": "465"}.get(
            port, ""
        )
        if not port:
            raise RelayReadError(file, line, f"relayhost port in {value!r} is unknown")
    return host, int(port) if port else 0


def _map_files(value: str) -> list[str]:
    """`hash:/etc/postfix/sasl_passwd, lmdb:/x` -> the source files (without .db)."""
    out = []
    for item in re.split(r"[\s,]+", value.strip()):
        kind, colon, path = item.partition(":")
        if colon and kind in ("hash", "lmdb", "btree", "texthash", "cdb", "dbm") and path:
            out.append(path.removesuffix(".db").removesuffix(".lmdb"))
    return out


def _alias_file(value: str) -> str:
    files = _map_files(value)
    return files[0] if files else "/etc/aliases"


def _sasl(root: Root, relay: Relay, relayhost: str, maps: tuple[str, int], mechanisms: str) -> None:
    value, number = maps
    files = _map_files(value)
    if not files:
        relay.note(f"{MAIN}:{number}: smtp_sasl_password_maps = {value} (only file maps are read)")
        return
    keys = [relayhost.strip().lower(), relay.host.lower(), f"[{relay.host.lower()}]"]
    for file in files:
        text = root.read(file)
        if text is None:
            relay.note(f"{file}: the SASL password map's source file is missing (only the .db?)")
            continue
        relay.files.append(file)
        for line_no, line in continued(text):
            key, *rest_list = line.split(None, 1)
            rest = rest_list[0] if rest_list else ""
            if key.strip().lower() not in keys:
                continue
            user, colon, password = rest.strip().partition(":")
            if not colon:
                raise RelayReadError(file, line_no, "expected `[host]:port user:password`")
            relay.user = user
            relay.source("user", file, line_no)
            if "xoauth2" in mechanisms.lower() or password.startswith("/"):
                relay.oauth = (
                    f"{file}:{line_no}: the password is the sasl-xoauth2 token file "
                    f"{password}: the relay already signs in with OAuth tokens"
                )
                relay.found(file, line_no, f"signs in as {user} with a sasl-xoauth2 token file")
                relay.note(
                    f"{file}:{line_no}: the sasl-xoauth2 token file is not carried "
                    "(alloy-tui signs in itself)"
                )
                return
            relay.password = password
            relay.password_file = f"{file}:{line_no}"
            relay.found(file, line_no, f"signs in as {user}; password found in {file}")
            return
