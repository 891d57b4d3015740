"""Whether mail is going, read from the outbox (no network): the queue's hold and its cause,
the last failed attempt of a pending message, the messages that failed recently, and files this
user cannot read. For `status --check` (check.py) and `status` (in sentences)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from alloy_tui.core.outbox import clock_time as clock_time
from alloy_tui.core.outbox import hold_sentence as hold_sentence
from alloy_tui.core.outbox import reason_words as reason_words

HELD_CRITICAL_S = 2 * 3600  # held longer than this: CRITICAL
MAILDROP_WARNING_S = 5 * 60  # a maildrop file waiting longer: WARNING
MAILDROP_CRITICAL_S = 30 * 60  # ...and CRITICAL


class DeliveryFacts(NamedTuple):
    hold: dict[str, Any] | None = None  # hold.json while mail is pending (None: not held)
    held_s: int | None = None  # since when it holds, in seconds
    last_failure: dict[str, Any] | None = None  # a pending message's last attempt, if it failed
    failed_recent: int = 0  # messages that failed within the window
    unreadable: tuple[str, ...] = ()  # outbox files this user cannot read


def _ts(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _last_at(meta: dict[str, Any]) -> float | None:
    """When the message was last tried (its attempts log; a sent one has no meta)."""
    if isinstance(meta.get("failed_at"), int | float):
        return float(meta["failed_at"])
    log = meta.get("attempts_log") or []
    return _ts(log[-1].get("at")) if log and isinstance(log[-1], dict) else None


def unreadable_files(box: Path) -> tuple[str, ...]:
    """Files of the outbox (meta/, messages/, hold.json) this user cannot read."""
    out = []
    for folder in ("meta", "messages"):
        try:
            names = os.listdir(box / folder)
        except FileNotFoundError:
            continue
        except OSError:
            out.append(str(box / folder))
            continue
        out += [str(box / folder / n) for n in names if not os.access(box / folder / n, os.R_OK)]
    return tuple(out)


def delivery_facts(box: Path, now: float, window_hours: float = 24.0) -> DeliveryFacts:
    from alloy_tui.core.outbox import Outbox, read_hold

    metas = Outbox(box).metas()
    pending = [m for m in metas if m.get("state") != "failed"]
    hold = read_hold(box) if pending else None
    held_s = int(max(0.0, now - float(hold["since"]))) if hold else None
    last: tuple[float, dict[str, Any]] | None = None
    for m in pending:
        at = _last_at(m)
        if m.get("last_error") and at is not None and (last is None or at > last[0]):
            last = (at, {**m["last_error"], "at": at, "queue_id": m["id"]})
    since = now - window_hours * 3600.0
    recent = sum(1 for m in metas if m.get("state") == "failed" and (_last_at(m) or now) >= since)
    return DeliveryFacts(hold, held_s, last[1] if last else None, recent, unreadable_files(box))


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
