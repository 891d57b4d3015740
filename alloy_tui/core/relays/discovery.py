"""Which relays this tree has: each reader looks at its own files (never runs anything)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from alloy_tui.core.relays.files import Root
from alloy_tui.core.relays.model import Relay, RelayReadError

#: Every relay alloy-tui can take over, most common first (the order `takeover` lists them in).
KINDS = ("postfix", "msmtp", "ssmtp", "exim4", "nullmailer", "dma", "opensmtpd")


@dataclass
class Discovery:
    relays: list[Relay] = field(default_factory=list)
    errors: list[RelayReadError] = field(default_factory=list)  # files that could not be read


def read_relay(kind: str, root: Root) -> Relay | None:
    """One relay's settings from its files; None when it is not configured as a relay here."""
    if kind not in KINDS:
        raise ValueError(f"unknown relay {kind!r}; expected one of {', '.join(KINDS)}")
    module = importlib.import_module(f"alloy_tui.core.relays.{kind}")
    relay: Relay | None = module.read(root)
    return relay


def discover(root: Root, only: str = "") -> Discovery:
    """Every relay found under `root` (or just `only`), and every file that could not be read."""
    found = Discovery()
    for kind in (only,) if only else KINDS:
        try:
            relay = read_relay(kind, root)
        except RelayReadError as e:
            found.errors.append(e)
            continue
        if relay is not None:
            found.relays.append(relay)
    return found
