"""Where an SMTP or Exchange Server password comes from, as the wizard's password fields chose it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.core.config import ExchangeServer, Smtp

    PasswordSection = Smtp | ExchangeServer


@dataclass(frozen=True)
class PasswordChoice:
    """Where the password comes from; `password` only for "typed" (never printed)."""

    source: str  # "typed" | "command" | "env"
    command: str = ""
    env: str = ""
    password: str = field(default="", repr=False)


def current_source(section: PasswordSection) -> str:
    if section.password_command:
        return "command"
    if section.password_env:
        return "env"
    return "typed"
