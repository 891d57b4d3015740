"""Waiting for something another process or thread does, without fixed sleeps (not a test
module): `eventually` for a condition, `arrived` for messages the sandbox received."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], seconds: float = 30.0, interval: float = 0.1) -> T:
    """`check()`'s first true value within `seconds`, else its last (false) value: for
    ``assert eventually(lambda: ...)``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def wait_until(check: Callable[[], object], timeout: float = 30.0, interval: float = 0.1) -> None:
    """Returns once `check()` is true; AssertionError after `timeout` seconds."""
    if not eventually(check, timeout, interval):
        raise AssertionError(f"timed out after {timeout} s")


def gone(pid: int) -> bool:
    """Whether no process `pid` is left (for ``eventually(lambda: gone(pid), 10)``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def arrived(
    sb: Any, match: Callable[[Any], bool], *, count: int = 1, timeout: float = 60.0, what: str = ""
) -> list[Any]:
    """The sandbox's messages for which `match(message)` holds, once there are at least `count`
    (polled every 0.3 s); AssertionError naming `what` after `timeout` seconds."""
    found: list[Any] = eventually(
        lambda: f if len(f := [m for m in sb.messages() if match(m)]) >= count else [],
        timeout,
        0.3,
    )
    if not found:
        have = len([m for m in sb.messages() if match(m)])
        raise AssertionError(
            f"{what or 'the messages'}: {have} of {count} arrived in {timeout:.0f} s"
        )
    return found
