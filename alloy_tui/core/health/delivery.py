"""Whether mail is going, read from the outbox (no network): the queue's hold and its cause,
the last failed attempt of a pending message, the messages that failed recently, and files this
user cannot read. For `status --check` (check.py) and `status` (in sentences)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alloy_tui.core.outbox import QueueSummary
from alloy_tui.core.outbox import clock_time as clock_time
from alloy_tui.core.outbox import hold_sentence as hold_sentence
from alloy_tui.core.outbox import reason_words as reason_words

DeliveryFacts = QueueSummary  # the fields status and status --check read: hold, held_s,
# last_failure, failed_recent, unreadable (one look at the outbox for all of them)

HELD_CRITICAL_S = 2 * 3600  # held longer than this: CRITICAL
MAILDROP_WARNING_S = 5 * 60  # a maildrop file waiting longer: WARNING
MAILDROP_CRITICAL_S = 30 * 60  # ...and CRITICAL


def delivery_facts(
    box: Path, now: float, window_hours: float = 24.0, seen: QueueSummary | None = None
) -> QueueSummary:
    """Whether mail is going: the summary's hold (and since when), the last failed attempt of
    a pending message, recent failures, unreadable files (`Outbox.summary`, read here unless
    given). `.readable` is False when nothing could be read."""
    if seen is not None:
        return seen
    from alloy_tui.core.outbox import Outbox

    return Outbox(box).summary(now, window_hours)


def held_condition(hold: dict[str, Any] | None, now: float) -> Any:
    """The "held" alert: raised when the queue is held by the settings (it will not clear by
    itself) or by the service for longer than HELD_CRITICAL_S; recovered when it is lifted."""
    from alloy_tui.core.health.alerts import Condition

    held_s = now - float(hold["since"]) if hold else 0.0
    active = hold is not None and (hold.get("verdict") == "settings" or held_s > HELD_CRITICAL_S)
    text = ""
    if hold is not None:
        fix = " ".join(str((hold.get("reason") or {}).get("fix") or "").split())
        text = f"Mail is not going out: the queue is {hold_sentence(hold, now)}." + (
            f" Fix: {fix}" if fix else ""
        )
    return Condition(
        "held", active, text=text, recovered="Mail is going out again: the queue is not held."
    )
