"""A `log` for `Outbox(log=...)` and the maildrop intake that keeps every alert-log entry."""

from __future__ import annotations

from typing import Any

Entry = tuple[str, str, str, dict[str, Any]]  # level, event, message, details


class Log:
    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def __call__(self, level: str, event: str, message: str, details: dict[str, Any]) -> None:
        self.entries.append((level, event, message, details))

    def events(self, name: str) -> list[Entry]:
        return [e for e in self.entries if e[1] == name]
