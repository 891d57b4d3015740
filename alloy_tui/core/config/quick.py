"""The config read the fast way, for the doors that run for every cron job (sendmail) and every
monitoring poll (`status --check`): tomllib and the same checks as the typed model
(`checks.check_mapping`), without dataclasses or tomlkit.

    values = read_values(path)          # ConfigError, exactly as store.load words it
    values.text("queue.path"); values.number("queue.lifetime_hours"); values.flag(...)

A file with any problem is read again by `store.load`, so the admin sees the same
``config.toml:12: ...`` lines whichever door found it. tomllib's result for the exact text is
memoised privately (`parsed_cache`), so most reads skip the TOML parser. The memo keeps no
secret: a value it left out (the webhook URL, say) is parsed from the text read here the
first time someone asks for it.
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

    __slots__ = ("path", "exists", "_data", "_withheld", "_text")

    def __init__(
        self,
        path: Path,
        exists: bool,
        data: dict[str, Any],
        *,
        withheld: frozenset[str] = frozenset(),
        text: str = "",
    ) -> None:
        self.path = path
        self.exists = exists
        self._data = data
        # Keys the memo left out as secrets, and the config's text to parse when one is asked
        # for (the same text the rest came from: the file is not read again).
        self._withheld = withheld
        self._text = text

    @property
    def data(self) -> dict[str, Any]:
        """Every value, by section; with a secret the memo left out, parsed from the text now."""
        if self._withheld:
            self._parse_withheld()
        return self._data

    def _parse_withheld(self) -> None:
        parsed = parse_plain(self.path, self._text)
        data, problems = check_mapping(parsed)
        if problems:  # not on a hit: only a text whose values all passed is memoised
            from alloy_tui.core.config.store import load

            load(self.path)
        self._data, self._withheld, self._text = data, frozenset(), ""

    @classmethod
    def of(cls, settings: Settings, path: Path = Path(), exists: bool = True) -> Values:
        """The values of a typed Settings (for code that has one and calls a door's helper)."""
        from alloy_tui.core.config.settings import to_mapping

        return cls(path, exists, to_mapping(settings))

    def get(self, dotted: str) -> Any:
        if self._withheld and any(
            w == dotted or w.startswith(dotted + ".") or dotted.startswith(w + ".")
            for w in self._withheld
        ):
            self._parse_withheld()
        if "." not in dotted:
            return self._data[dotted]
        section, key = dotted.split(".", 1)
        return self._data[section][key]

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
    hit = parsed_cache.recall(path, text, owner)
    parsed = parse_plain(path, text) if hit is None else hit.parsed
    data, problems = check_mapping(parsed)
    if problems:
        from alloy_tui.core.config.store import load

        load(path)  # raises ConfigError with file:line for every problem
    if hit is None:
        parsed_cache.remember(path, text, owner, parsed)
        return Values(path, True, data)
    return Values(path, True, data, withheld=hit.withheld, text=text)


def setting(settings: Settings | Values, dotted: str) -> Any:
    """One value by dotted key ("sendmail.admin") from the typed Settings or from Values: for
    code both the doors and the runner call (prepare, the outbox, the alert log)."""
    if isinstance(settings, Values):
        return settings.get(dotted)
    section, _, key = dotted.partition(".")
    value = getattr(settings, section)
    return getattr(value, key) if key else value
