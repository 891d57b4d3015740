"""dma, the DragonFly Mail Agent (dma.conf(5)): `/etc/dma/dma.conf`, one directive a line, a bare
keyword is on, `#` comments; `auth.conf` lines `user|smarthost:password`."""

from __future__ import annotations

from alloy_tui.core.relays.aliases import carry_aliases
from alloy_tui.core.relays.files import Root, is_address, numbered, word_and_rest
from alloy_tui.core.relays.model import Relay, RelayReadError

CONF = "/etc/dma/dma.conf"


def read(root: Root) -> Relay | None:
    text = root.read(CONF)
    if text is None:
        return None
    values: dict[str, tuple[str, int]] = {}
    for number, line in numbered(text):
        key, value = word_and_rest(line)
        values[key.strip().upper()] = (value.strip(), number)
    if not values.get("SMARTHOST", ("", 0))[0]:
        return None  # dma delivering by itself: no relay to take over
    relay = Relay("dma", f"dma ({CONF})", files=[CONF])
    relay.host, host_line = values["SMARTHOST"]
    relay.source("host", CONF, host_line)
    tls = "SECURETRANSFER" in values
    relay.security = ("starttls" if "STARTTLS" in values else "ssl") if tls else "none"
    relay.source("security", CONF, values.get("SECURETRANSFER", ("", 0))[1])
    if "OPPORTUNISTIC_TLS" in values:
        relay.note(
            f"{CONF}:{values['OPPORTUNISTIC_TLS'][1]}: OPPORTUNISTIC_TLS (alloy-tui "
            "insists on the security it is given)"
        )
    port, port_line = values.get("PORT", ("", 0))
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise RelayReadError(CONF, port_line, f"PORT {port!r} is not a port number")
        relay.port = int(port)
        relay.source("port", CONF, port_line)
    else:
        relay.port = 25
    relay.found(CONF, host_line, f"sends through {relay.host}:{relay.port} ({relay.security})")
    masquerade, mline = values.get("MASQUERADE", ("", 0))
    if masquerade:
        if is_address(masquerade):
            relay.from_address = masquerade
            relay.source("from", CONF, mline)
            relay.found(CONF, mline, f"every message is sent from {masquerade}")
        else:
            relay.note(f"{CONF}:{mline}: MASQUERADE {masquerade} (only a full address is carried)")
    authpath = values.get("AUTHPATH", ("", 0))[0]
    if authpath:
        _auth(root, relay, authpath)
    carry_aliases(relay, root, values.get("ALIASES", ("/etc/aliases", 0))[0] or "/etc/aliases")
    return relay


def _auth(root: Root, relay: Relay, file: str) -> None:
    text = root.read(file)
    if text is None:
        relay.note(f"{file}: AUTHPATH names a file that does not exist")
        return
    relay.files.append(file)
    for number, line in numbered(text):
        left, colon, password = line.partition(":")
        user, bar, host = left.partition("|")
        if not colon or not bar:
            raise RelayReadError(file, number, "expected user|smarthost:password")
        if host.strip().lower() == relay.host.lower():
            relay.user = user.strip()
            relay.password = password
            relay.password_file = f"{file}:{number}"
            relay.source("user", file, number)
            relay.found(file, number, f"signs in as {relay.user}; password found in {file}")
            return
