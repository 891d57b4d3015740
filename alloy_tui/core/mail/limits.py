"""The size limit every door and transport applies, in one place."""

from __future__ import annotations

MAX_MESSAGE_BYTES = 35 * 1024 * 1024  # Exchange Online's default maximum message size


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
