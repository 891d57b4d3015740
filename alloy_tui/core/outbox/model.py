"""What the outbox's metadata holds (ids, states, times, errors) and the error a submission can
raise. The metadata file is JSON (one per message, next to the raw MIME file). Times are seconds
since the epoch on disk (exact, for back-off and Retry-After) and UTC datetimes in
`QueuedMessage` (queued.py, a listing's row); the attempts log keeps ISO 8601 UTC strings.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from alloy_tui.core.errors import AlloyError, Explanation

STATES = ("pending", "sending", "failed")
EX_CANTCREAT = 73  # sysexits.h: the outbox could not be created or written
EX_TEMPFAIL = 75  # sysexits.h: try again later (disk full)


class OutboxError(AlloyError):
    """The outbox could not do what was asked; `.explanation` says why, `.exit_code` is sysexits."""

    def __init__(self, explanation: Explanation, exit_code: int = EX_CANTCREAT) -> None:
        self.explanation = explanation
        self.exit_code = exit_code
        super().__init__(explanation.one_line())


def new_id(now: float) -> str:
    """Sortable by queue time, unique across processes: 20261202T043512-3f9a1c7e."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{os.urandom(4).hex()}"  # not `secrets`: its import costs a door 9 ms


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def as_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(float(ts), UTC)


def explanation_dict(ex: Explanation) -> dict[str, Any]:
    out = {"title": ex.title, "code": ex.code, "cause": ex.cause, "fix": ex.fix}
    if ex.verdict:
        out["verdict"] = ex.verdict
    return out


def explanation_of(data: object) -> Explanation | None:
    if not data or not isinstance(data, dict):
        return None
    return Explanation(
        title=str(data.get("title", "")),
        cause=str(data.get("cause", "")),
        fix=str(data.get("fix", "")),
        code=str(data.get("code", "")),
        verdict=str(data.get("verdict", "")),
    )
