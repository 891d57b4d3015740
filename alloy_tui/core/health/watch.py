"""The outbox's alert conditions, for the runner (after a run, and every 30 s in the daemon)
and `status --check`: failed messages, and a pending message older than
``[monitor] pending_critical_minutes``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.core.config import setting
from alloy_tui.core.health.alerts import Condition, notify
from alloy_tui.core.health.facts import OutboxFacts, outbox_facts

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values


def outbox_conditions(settings: Settings | Values, facts: OutboxFacts) -> list[Condition]:
    if not facts.readable:
        return []  # nothing known about the messages: neither raise nor clear
    n = facts.failed
    failed = Condition(
        "failed",
        n > 0,
        text=(
            f"{n} queued message{'s' if n != 1 else ''} failed and will not be retried. "
            "See `alloy-tui queue list`; `alloy-tui queue retry ID` sends one again."
        ),
        recovered="No failed messages are left in the queue.",
    )
    limit = int(setting(settings, "monitor.pending_critical_minutes"))
    age = facts.oldest_pending_s or 0
    pending = Condition(
        "pending",
        age > limit * 60,
        text=(
            f"Mail is not going out: {facts.pending} message(s) pending, the oldest for "
            f"{age // 60} minutes (more than [monitor] pending_critical_minutes = {limit}). "
            "`alloy-tui queue list` says why."
        ),
        recovered="Mail is going out again: nothing is pending too long.",
    )
    return [failed, pending]


def watch_outbox(settings: Settings, config_path: Path, *, now: float | None = None) -> None:
    """Look at the outbox now and send the alerts (or recoveries) that are due."""
    from alloy_tui.core.outbox import outbox_path

    now = time.time() if now is None else now
    box = outbox_path(settings, config_path)
    if not box.exists():
        return
    from alloy_tui.core.outbox import Outbox

    seen = Outbox(box).summary(now)  # one look: the counts and the hold
    facts = outbox_facts(box, now, seen)
    conditions = outbox_conditions(settings, facts)
    if facts.readable:
        from alloy_tui.core.health.delivery import held_condition

        conditions.append(held_condition(seen.hold, now))
    notify(settings, config_path, box, conditions, now=now)
