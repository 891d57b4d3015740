"""The alert log's time filter: "last hour", "today", "since HH:MM", as a moment to compare with.

Pure functions of the clock (given, for tests); the screen keeps the chosen one in `LogQueries`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

TIME_CHOICES = ("last hour", "today")  # what t cycles through after "any time"
_HHMM_RE = re.compile(r"^\s*(?:since\s+)?(\d{1,2})[:.h]?(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TimeFilter:
    """Entries written at ``since`` or later; ``name`` says which ("last hour", "since 14:02")."""

    name: str
    since: datetime


def local_now() -> datetime:
    return datetime.now().astimezone()


def named(name: str, now: datetime | None = None) -> TimeFilter:
    """ "last hour" (from now) or "today" (from local midnight)."""
    now = now or local_now()
    if name == "last hour":
        return TimeFilter(name, now - timedelta(hours=1))
    if name == "today":
        return TimeFilter(name, now.replace(hour=0, minute=0, second=0, microsecond=0))
    raise ValueError(name)


def since_hhmm(text: str, now: datetime | None = None) -> TimeFilter | None:
    """ "14:02", "1402" or "since 14:02": that local time today, or yesterday when it is still
    to come (at 01:00, "since 23:00" means last night). None when ``text`` is not a time."""
    m = _HHMM_RE.match(text)
    if m is None:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    now = now or local_now()
    since = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if since > now:
        since -= timedelta(days=1)
    return TimeFilter(f"since {hour:02d}:{minute:02d}", since)


def next_choice(current: TimeFilter | None, now: datetime | None = None) -> TimeFilter | None:
    """Any time -> last hour -> today -> any time (a "since" filter goes back to any time)."""
    names = (None, *TIME_CHOICES)
    name = current.name if current is not None else None
    if name not in names:
        return None
    following = names[(names.index(name) + 1) % len(names)]
    return None if following is None else named(following, now)
