"""ssmtp (ssmtp.conf(5)): `/etc/ssmtp/ssmtp.conf`, `Key=Value` (keys case-insensitive, `#`
comments); `/etc/ssmtp/revaliases`: `local:outgoing@address:mailhub[:port]`."""

from __future__ import annotations

from alloy_tui.core.relays.files import Root, is_address, numbered, on
from alloy_tui.core.relays.model import Relay, RelayReadError

CONF = "/etc/ssmtp/ssmtp.conf"
REVALIASES = "/etc/ssmtp/revaliases"


def read(root: Root) -> Relay | None:
    text = root.read(CONF)
    if text is None:
        return None
    relay = Relay("ssmtp", f"ssmtp ({CONF})", files=[CONF])
    values: dict[str, tuple[str, int]] = {}
    for number, entry in numbered(text):
        key, eq, value = entry.partition("=")
        if not eq or not key.strip():
            raise RelayReadError(CONF, number, "expected Key=Value")
        values[key.strip().lower()] = (value.strip(), number)
    if "mailhub" not in values or not values["mailhub"][0]:
        raise RelayReadError(CONF, 0, "has no mailhub")
    hub, hub_line = values["mailhub"]
    host, _, port = hub.rpartition(":") if hub.count(":") == 1 else (hub, "", "")
    if port and not port.isdigit():
        raise RelayReadError(CONF, hub_line, f"mailhub port {port!r} is not a number")
    relay.host = host
    relay.source("host", CONF, hub_line)
    tls = on(values.get("usetls", ("no", 0))[0])
    starttls = on(values.get("usestarttls", ("no", 0))[0])
    relay.security = "starttls" if starttls else ("ssl" if tls else "none")
    sec_line = values.get("usestarttls", values.get("usetls", ("", 0)))[1]
    relay.source("security", CONF, sec_line)
    relay.port = int(port) if port else (465 if relay.security == "ssl" else 25)
    relay.source("port", CONF, hub_line)
    relay.found(CONF, hub_line, f"sends through {relay.host}:{relay.port} ({relay.security})")
    _auth_and_root(relay, values)
    _revaliases(root, relay)
    return relay


def _auth_and_root(relay: Relay, values: dict[str, tuple[str, int]]) -> None:
    if values.get("authuser", ("", 0))[0]:
        relay.user, line = values["authuser"]
        relay.source("user", CONF, line)
        relay.found(CONF, line, f"signs in as {relay.user}")
    if "authpass" in values:
        relay.password, line = values["authpass"]
        relay.password_file = f"{CONF}:{line}"
        relay.found(CONF, line, f"password found in {CONF}")
    if "authmethod" in values and values["authmethod"][0].upper() not in ("", "LOGIN", "PLAIN"):
        relay.note(
            f"{CONF}:{values['authmethod'][1]}: AuthMethod {values['authmethod'][0]} "
            "(alloy-tui picks the method the server offers)"
        )
    if values.get("root", ("", 0))[0]:
        admin, line = values["root"]
        if is_address(admin):
            relay.admin = admin
            relay.source("admin", CONF, line)
            relay.found(CONF, line, f"mail for root and other system users goes to {admin}")
        else:
            relay.note(f"{CONF}:{line}: root={admin} is not a full address")
    for key, why in (
        ("rewritedomain", "sender domain rewriting"),
        ("hostname", "the host name it announces"),
        ("tls_ca_file", "extra trusted CA (set [network] ca_bundle)"),
    ):
        if key in values:
            relay.note(f"{CONF}:{values[key][1]}: {key} = {values[key][0]} ({why} is not carried)")
    if "fromlineoverride" in values:
        relay.found(
            CONF,
            values["fromlineoverride"][1],
            f"FromLineOverride={values['fromlineoverride'][0]} (alloy-tui keeps a program's "
            "From when the service allows it)",
        )


def _revaliases(root: Root, relay: Relay) -> None:
    text = root.read(REVALIASES)
    if text is None:
        return
    relay.files.append(REVALIASES)
    for number, line in numbered(text):
        parts = line.split(":")
        if len(parts) < 2:
            raise RelayReadError(REVALIASES, number, "expected local:address[:mailhub[:port]]")
        local, address = parts[0].strip(), parts[1].strip()
        if local == "root" and is_address(address):
            relay.found(REVALIASES, number, f"root's mail is sent as {address}")
            if not relay.admin:
                relay.admin = address
                relay.source("admin", REVALIASES, number)
        else:
            relay.note(
                f"{REVALIASES}:{number}: {local} sends as {address} (per-user senders "
                "are not carried)"
            )
