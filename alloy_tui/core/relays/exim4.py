"""exim4 as Debian configures it: `/etc/exim4/update-exim4.conf.conf` (`dc_eximconfig_configtype`,
`dc_smarthost='host::port'`, a colon-separated list of fallbacks), `/etc/exim4/passwd.client`
(`host:login:password`, host patterns with wildcards, first match wins), `/etc/email-addresses`."""

from __future__ import annotations

import fnmatch
import shlex

from alloy_tui.core.relays.aliases import carry_aliases
from alloy_tui.core.relays.files import Root, numbered
from alloy_tui.core.relays.model import Relay, RelayReadError

CONF = "/etc/exim4/update-exim4.conf.conf"
PASSWD = "/etc/exim4/passwd.client"
ADDRESSES = "/etc/email-addresses"


def read(root: Root) -> Relay | None:
    text = root.read(CONF)
    if text is None:
        return None
    values: dict[str, tuple[str, int]] = {}
    for number, line in numbered(text):
        key, eq, value = line.partition("=")
        if not eq:
            raise RelayReadError(CONF, number, "expected dc_key='value'")
        try:
            words = shlex.split(value)
        except ValueError as e:
            raise RelayReadError(CONF, number, f"cannot be read: {e}") from None
        values[key.strip()] = (" ".join(words), number)
    kind = values.get("dc_eximconfig_configtype", ("", 0))[0]
    if kind not in ("smarthost", "satellite"):
        return None  # delivers itself (internet) or locally: nothing to take over
    smarthost, host_line = values.get("dc_smarthost", ("", 0))
    if not smarthost:
        raise RelayReadError(
            CONF,
            host_line or values["dc_eximconfig_configtype"][1],
            f"configtype {kind} but no dc_smarthost",
        )
    relay = Relay("exim4", f"exim4 ({CONF})", files=[CONF], service_unit="exim4.service")
    hosts = _split_hosts(smarthost)
    host, port = hosts[0]
    relay.host = host
    relay.port = port or 25
    relay.security = "ssl" if relay.port == 465 else "starttls"
    for what in ("host", "port", "security"):
        relay.source(what, CONF, host_line)
    relay.found(
        CONF, values["dc_eximconfig_configtype"][1], f"configtype {kind}: a smarthost relay"
    )
    relay.found(CONF, host_line, f"sends through {relay.host}:{relay.port} (STARTTLS when offered)")
    for other, other_port in hosts[1:]:
        relay.note(
            f"{CONF}:{host_line}: fallback smarthost {other}:{other_port or 25} is not carried"
        )
    _passwd(root, relay)
    _email_addresses(root, relay)
    carry_aliases(relay, root)
    return relay


def _split_hosts(value: str) -> list[tuple[str, int]]:
    """`a.example::587 : b.example` -> [("a.example", 587), ("b.example", 0)]."""
    out: list[tuple[str, int]] = []
    for item in value.replace("::", "\0").split(":"):
        host, _, port = item.strip().partition("\0")
        if host:
            out.append((host.strip(), int(port) if port.strip().isdigit() else 0))
    return out


def _passwd(root: Root, relay: Relay) -> None:
    text = root.read(PASSWD)
    if text is None:
        return
    relay.files.append(PASSWD)
    for number, line in numbered(text):
        parts = line.split(":", 2)
        if len(parts) != 3:
            raise RelayReadError(PASSWD, number, "expected host:login:password")
        pattern, login, password = parts[0].strip(), parts[1].strip(), parts[2].strip()
        if any(fnmatch.fnmatch(name, pattern.lower()) for name in _names(relay.host)):
            relay.user = login
            relay.password = password
            relay.password_file = f"{PASSWD}:{number}"
            relay.source("user", PASSWD, number)
            relay.found(
                PASSWD,
                number,
                f"host pattern {pattern} matches {relay.host}: signs in "
                f"as {login}; password found in {PASSWD}",
            )
            return


def _names(host: str) -> list[str]:
    """The smarthost's name, and for Exchange Online the name it resolves to (exim matches
    passwd.client against that: `*.outlook.com` is the usual line); nothing is looked up."""
    host = host.lower()
    if host.endswith(".office365.com"):
        return [host, "outlook.office365.com", "smtp.outlook.com", "x.smtp.outlook.com"]
    return [host]


def _email_addresses(root: Root, relay: Relay) -> None:
    text = root.read(ADDRESSES)
    if text is None:
        return
    relay.files.append(ADDRESSES)
    for number, line in numbered(text):
        local, _, address = line.partition(":")
        relay.note(
            f"{ADDRESSES}:{number}: {local.strip()} sends as {address.strip()} "
            "(per-user senders are not carried)"
        )
