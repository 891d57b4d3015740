"""The foreground's interactive back-off around `Delivery.send_raw` (`send`, `test-send`, the
wizard's test message): a service that says "busy" (Graph 429/503, EWS ErrorServerBusy) is
tried again after the wait it asked for (else 2, 4, 8 s), at most `max_attempts` tries and
`max_total_wait` seconds of waiting; then the explanation says what was tried. The outbox
runner keeps its own schedule (`outbox/policy.py`): a delivery never waits by itself.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.message import SendResult

MAX_ATTEMPTS = 4  # the first try and three retries after throttling
MAX_TOTAL_WAIT = 60.0  # seconds spent waiting on Retry-After across one send, at most


class Backoff:
    """Bounded retries: at most `max_attempts` tries and `max_total_wait` seconds of waiting.

    `wait(seconds)` sleeps at least the server's wait and returns True, or returns False at once
    when another try would go past either bound (the caller then gives up, explained).
    """

    def __init__(
        self, max_attempts: int = MAX_ATTEMPTS, max_total_wait: float = MAX_TOTAL_WAIT
    ) -> None:
        self.max_attempts = max_attempts
        self.max_total_wait = max_total_wait
        self.attempts = 0
        self.waited = 0.0
        self.waits: list[float] = []

    def next_attempt(self) -> int:
        self.attempts += 1
        return self.attempts

    def wait(self, seconds: float) -> bool:
        if self.attempts >= self.max_attempts or self.waited + seconds > self.max_total_wait:
            return False
        time.sleep(seconds)
        self.waited += seconds
        self.waits.append(seconds)
        return True

    def summary(self) -> str:
        waits = ", ".join(f"{w:g} s" for w in self.waits) or "none"
        return f"{self.attempts} attempt(s), waited {waits}"


def with_backoff(send: Callable[[], SendResult], backoff: Backoff) -> SendResult:
    """`send()` (one `send_raw`), again while the service says it is busy and the bounds
    allow; the result or the explanation carries the number of attempts."""
    while True:
        backoff.next_attempt()
        try:
            result = send()
        except ExplainedError as e:
            ex = e.explanation
            if ex.details.get("busy"):
                after = ex.details.get("retry_after")
                wait = float(after) if after is not None else 2.0**backoff.attempts
                if backoff.wait(wait):
                    continue
                ex.details["gave_up"] = backoff.summary()
                ex.cause = f"{ex.cause} alloy-tui tried {backoff.summary()} and gave up."
            ex.details["attempts"] = backoff.attempts
            raise
        return dataclasses.replace(result, attempts=backoff.attempts)
