"""The config read the fast way, for the doors that run for every cron job (sendmail) and every
monitoring poll (`status --check`): tomllib and the same checks as the typed model
(`checks.check_mapping`), without dataclasses or tomlkit.

    values = read_values(path)          # ConfigError, exactly as store.load words it
    values.text("queue.path"); values.number("queue.lifetime_hours"); values.flag(...)

A file with any problem is read again by `store.load`, so the admin sees the same
``config.toml:12: ...`` lines whichever door found it. tomllib's result for the exact text is
memoised privately (`parsed_cache`), so most reads skip the TOML parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import parsed_cache
from alloy_tui.core.config.checks import check_mapping
from alloy_tui.core.config.reading import decode, parse_plain, read_bytes

if TYPE_CHECKING:
    from alloy_tui.core.config.settings import Settings


class Values:
    """Every setting's value (defaults filled in), by dotted key; `exists` is False when there
    was no file (then every value is its default)."""

    __slots__ = ("path", "exists", "data")

    def __init__(self, path: Path, exists: bool, data: dict[str, Any]) -> None:
        self.path = path
        self.exists = exists
        self.data = data

    @classmethod
    def of(cls, settings: Settings, path: Path = Path(), exists: bool = True) -> Values:
        """The values of a typed Settings (for code that has one and calls a door's helper)."""
        from alloy_tui.core.config.settings import to_mapping

        return cls(path, exists, to_mapping(settings))

    def get(self, dotted: str) -> Any:
        if "." not in dotted:
            return self.data[dotted]
        section, key = dotted.split(".", 1)
        return self.data[section][key]

    def text(self, dotted: str) -> str:
        return str(self.get(dotted))

    def number(self, dotted: str) -> int:
        return int(self.get(dotted))

    def flag(self, dotted: str) -> bool:
        return bool(self.get(dotted))

    def table(self, dotted: str) -> dict[str, str]:
        return dict(self.get(dotted))


def read_values(path: Path) -> Values:
    """The config's values; a missing file gives the defaults (exists=False). ConfigError for
    a file that can't be used, worded by `store.load` (the same lines every command shows)."""
    path = Path(path)
    raw = read_bytes(path, missing_ok=True)
    if raw is None:
        data, _ = check_mapping({})
        return Values(path, False, data)
    text = decode(path, raw[0])
    owner = raw[1].st_uid
    parsed = parsed_cache.recall(path, text, owner)
    if parsed is None:
        parsed = parse_plain(path, text)
        parsed_cache.remember(path, text, owner, parsed)
    data, problems = check_mapping(parsed)
    if problems:
        from alloy_tui.core.config.store import load

        load(path)  # raises ConfigError with file:line for every problem
    return Values(path, True, data)


def setting(settings: Settings | Values, dotted: str) -> Any:
    """One value by dotted key ("sendmail.admin") from the typed Settings or from Values: for
    code both the doors and the runner call (prepare, the outbox, the alert log)."""
    if isinstance(settings, Values):
        return settings.get(dotted)
    section, _, key = dotted.partition(".")
    value = getattr(settings, section)
    return getattr(value, key) if key else value
