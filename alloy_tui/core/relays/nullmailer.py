"""nullmailer (nullmailer-send(8), nullmailer-smtp(8)): `/etc/nullmailer/remotes`, one smarthost a
line `HOST [PROTOCOL] [options]`, shell-quoted, options with or without `--` (`port=`, `user=`,
`pass=`, `starttls`, `ssl`, ...); later lines are fallbacks. `adminaddr`, `allmailfrom`,
`defaultdomain`, `me`: one value each."""

from __future__ import annotations

import shlex

from alloy_tui.core.relays.files import Root, is_address, numbered
from alloy_tui.core.relays.model import Relay, RelayReadError

DIR = "/etc/nullmailer"
REMOTES = f"{DIR}/remotes"


def read(root: Root) -> Relay | None:
    text = root.read(REMOTES)
    if text is None:
        return None
    lines = list(numbered(text))
    if not lines:
        raise RelayReadError(REMOTES, 0, "names no smarthost")
    relay = Relay(
        "nullmailer", f"nullmailer ({REMOTES})", files=[REMOTES], service_unit="nullmailer.service"
    )
    number, line = lines[0]
    options = _options(relay, number, line)
    _apply(relay, number, options)
    for fallback, _ in lines[1:]:
        relay.note(f"{REMOTES}:{fallback}: a fallback smarthost (alloy-tui sends through one host)")
    _single(root, relay, "adminaddr", "admin")
    _single(root, relay, "allmailfrom", "from")
    for name in ("defaultdomain", "defaulthost", "me"):
        text = root.read(f"{DIR}/{name}")
        if text and text.strip():
            relay.files.append(f"{DIR}/{name}")
            relay.note(
                f"{DIR}/{name}: {text.strip().splitlines()[0]} (host and domain names "
                "are not carried)"
            )
    return relay


def _options(relay: Relay, number: int, line: str) -> dict[str, str]:
    """The host (into relay) and the options of one remotes line."""
    try:
        words = shlex.split(line)
    except ValueError as e:
        raise RelayReadError(REMOTES, number, f"cannot be split: {e}") from None
    relay.host = words[0]
    relay.source("host", REMOTES, number)
    rest = words[1:]
    if rest and "=" not in rest[0] and not rest[0].startswith("-") and rest[0] in ("smtp", "qmqp"):
        if rest[0] == "qmqp":
            raise RelayReadError(REMOTES, number, "QMQP is not SMTP; alloy-tui can't use it")
        rest = rest[1:]
    options: dict[str, str] = {}
    for word in rest:
        key, _, value = word.lstrip("-").partition("=")
        options[key.lower()] = value
    return options


def _apply(relay: Relay, number: int, options: dict[str, str]) -> None:
    security = (
        "ssl"
        if ("ssl" in options or "tls" in options)
        else ("starttls" if "starttls" in options else "none")
    )
    relay.security = security
    relay.source("security", REMOTES, number)
    if "port" in options or "p" in options:
        port = options.get("port", options.get("p", ""))
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise RelayReadError(REMOTES, number, f"port {port!r} is not a port number")
        relay.port = int(port)
    else:
        relay.port = 465 if security == "ssl" else 25
    relay.source("port", REMOTES, number)
    relay.found(REMOTES, number, f"sends through {relay.host}:{relay.port} ({security})")
    if options.get("user"):
        relay.user = options["user"]
        relay.source("user", REMOTES, number)
        relay.found(REMOTES, number, f"signs in as {relay.user}")
    if "pass" in options:
        relay.password = options["pass"]
        relay.password_file = f"{REMOTES}:{number}"
        relay.found(REMOTES, number, f"password found in {REMOTES}")
    for key in ("insecure", "x509cafile", "x509certfile", "auth-login"):
        if key in options:
            relay.note(f"{REMOTES}:{number}: option {key} is not carried")


def _single(root: Root, relay: Relay, name: str, what: str) -> None:
    file = f"{DIR}/{name}"
    text = root.read(file)
    if text is None:
        return
    relay.files.append(file)
    for number, line in numbered(text):
        addresses = [a.strip() for a in line.split(",") if a.strip()]
        if len(addresses) == 1 and is_address(addresses[0]):
            if what == "admin":
                relay.admin = addresses[0]
                relay.found(file, number, f"mail for local users goes to {addresses[0]}")
            else:
                relay.from_address = addresses[0]
                relay.found(file, number, f"every message is sent from {addresses[0]}")
            relay.source(what, file, number)
        else:
            relay.note(f"{file}:{number}: {line} (alloy-tui takes one address here)")
        return
