"""`/etc/aliases` (aliases(5)): `name: target, target`; continuation lines start with white space.

Shared by postfix, msmtp (`aliases`), dma (`ALIASES`) and exim4. root's target becomes
`[sendmail] admin`; a name with exactly one address becomes a `[sendmail] aliases` entry; pipes,
files, `:include:` and lists are named as not carried.
"""

from __future__ import annotations

from alloy_tui.core.relays.files import Root, continued, is_address
from alloy_tui.core.relays.model import Relay, RelayReadError


def parse_aliases(text: str, file: str) -> dict[str, tuple[int, list[str]]]:
    """name -> (line, targets)."""
    out: dict[str, tuple[int, list[str]]] = {}
    for number, line in continued(text):
        name, colon, rest = line.partition(":")
        name = name.strip().strip('"').lower()
        if not colon or not name or " " in name:
            raise RelayReadError(file, number, "an alias needs `name: target`")
        targets = [t.strip().strip('"') for t in rest.split(",") if t.strip()]
        out[name] = (number, targets)
    return out


def carry_aliases(relay: Relay, root: Root, file: str = "/etc/aliases") -> None:
    """Read an aliases file into relay.admin / relay.aliases (names never set are left alone)."""
    text = root.read(file)
    if text is None:
        return
    relay.files.append(file)
    entries = parse_aliases(text, file)
    resolved = {name: _resolve(name, entries) for name in entries}
    for name, (number, written) in entries.items():
        targets = resolved[name]
        if name == "root":
            if len(targets) == 1 and is_address(targets[0]):
                relay.admin = relay.admin or targets[0]
                relay.source("admin", file, number)
                relay.found(file, number, f"mail for root goes to {targets[0]}")
            else:
                relay.note(
                    f"{file}:{number}: root goes to {', '.join(targets)}; alloy-tui sends "
                    "root's mail to one address ([sendmail] admin)"
                )
            continue
        if "root" in (t.lower() for t in written):
            continue  # `postmaster: root`: ends at [sendmail] admin like every local name
        if len(targets) == 1 and is_address(targets[0]):
            relay.aliases[name] = targets[0]
            relay.found(file, number, f"mail for {name} goes to {targets[0]}")
        elif any(is_address(t) for t in targets) or targets:
            if all(t in ("root", "postmaster") or t in entries for t in targets):
                continue  # `postmaster: root`: local names that already end at admin
            relay.note(
                f"{file}:{number}: alias {name} -> {', '.join(targets)} (pipes, files, "
                "lists and :include: are not carried; [sendmail] aliases takes one address)"
            )


def _resolve(name: str, entries: dict[str, tuple[int, list[str]]], depth: int = 0) -> list[str]:
    """`root: admin` then `admin: a@b`: root's address is a@b (a few levels, no loops)."""
    targets = entries[name][1]
    if depth > 8:
        return targets
    out: list[str] = []
    for t in targets:
        key = t.lower()
        if key in entries and key != name and not is_address(t):
            out.extend(_resolve(key, entries, depth + 1))
        else:
            out.append(t)
    return out
