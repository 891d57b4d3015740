"""Per client address: how many connections it has open, and its failed logins.

No I/O and no asyncio here: the listener asks (`admit`, `locked_for`, `failed`) and acts, so
another door that speaks SMTP (sendmail -bs) can apply the same rules.

- connections: at most `max_per_client` open at once from one address (loopback included);
- logins: every failure counts for its address; the failures of the last lockout window are
  kept, and reaching `lockout_after` of them locks the address out for `lockout_seconds` (the
  right password is refused then too). Each failure's reply waits a little longer than the
  last one's (`delay`), so guessing is slow even before the lockout. A success forgets the
  address's failures.

Memory is bounded: at most MAX_ADDRESSES addresses are remembered (the oldest are forgotten).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

MAX_ADDRESSES = 10000
DELAY_STEP = 0.25  # seconds added to the 535 reply by each failure of the address
DELAY_MAX = 3.0
FAILURES_PER_CONNECTION = 3  # then 421 and the connection is closed


class ClientGuard:
    def __init__(
        self,
        max_per_client: int,
        lockout_after: int,
        lockout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_per_client = max_per_client
        self.lockout_after = lockout_after
        self.lockout_seconds = lockout_seconds
        self.clock = clock
        self.open: dict[str, int] = {}
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._locked: OrderedDict[str, float] = OrderedDict()  # address -> locked until

    # ------------------------------------------------------------------ connections
    def admit(self, address: str) -> bool:
        """Count one more connection from `address`; False (not counted) past the cap."""
        count = self.open.get(address, 0)
        if count >= self.max_per_client:
            return False
        self.open[address] = count + 1
        return True

    def release(self, address: str) -> None:
        count = self.open.get(address, 0) - 1
        if count > 0:
            self.open[address] = count
        else:
            self.open.pop(address, None)

    # ------------------------------------------------------------------ logins
    def locked_for(self, address: str) -> float:
        """Seconds the address stays locked out (0: not locked)."""
        until = self._locked.get(address)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self._locked[address]
            return 0.0
        return left

    def failed(self, address: str) -> tuple[int, bool]:
        """Record one failed login: (failures of the address in the window, whether this one
        locked it out now)."""
        now = self.clock()
        recent = [t for t in self._failures.pop(address, []) if now - t < self.lockout_seconds]
        recent.append(now)
        self._failures[address] = recent
        _bound(self._failures)
        if len(recent) >= self.lockout_after:
            self._failures.pop(address, None)
            self._locked.pop(address, None)
            self._locked[address] = now + self.lockout_seconds
            _bound(self._locked)
            return len(recent), True
        return len(recent), False

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    @staticmethod
    def delay(failures: int) -> float:
        """Seconds to wait before answering the address's failure number `failures`."""
        return min(DELAY_MAX, DELAY_STEP * failures)


def _bound(table: OrderedDict[str, Any]) -> None:
    while len(table) > MAX_ADDRESSES:
        table.popitem(last=False)
