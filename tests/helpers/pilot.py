"""Waiting for a Textual screen in Pilot tests, without fixed sleeps (not a test module)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

S = TypeVar("S")


async def until(pilot: Any, cond: Callable[[], object], timeout: float = 5.0) -> float:
    """Let the app run (0.02 s at a time) until `cond()` is true; the seconds it took. The app
    runs at least once first, so a condition about to change is not read too early."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        await pilot.pause(0.02)
        if cond():
            return time.monotonic() - start
    raise AssertionError(f"timed out after {timeout} s waiting for the screen")


def lines_of(view: Any, blank: bool = False) -> list[str]:
    """A Line API view's rows as drawn (blank ones dropped unless `blank`)."""
    drawn = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
    return drawn if blank else [line for line in drawn if line.strip()]


def screen_of(app: Any, cls: type[S]) -> S:
    """The app's active screen, which must be a `cls`."""
    screen = app.screen
    assert isinstance(screen, cls), f"on {type(screen).__name__}, not {cls.__name__}"
    return screen
