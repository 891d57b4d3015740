"""`status`: whether mail is going, in sentences (the same facts `status --check` reads:
core/health/delivery.py): the queue's hold and its cause, a failing attempt, recent failures,
mail waiting in the maildrop; an outbox, state folder or maildrop the runner can't use."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.core.config import Settings

if TYPE_CHECKING:
    from alloy_tui.core.outbox import QueueSummary


def queue_look(settings: Settings, config_path: Path) -> QueueSummary:
    """The outbox in one look (`Outbox.summary`), for the queue line and the delivery lines."""
    from alloy_tui.core.outbox import Outbox, outbox_path

    box = Outbox(outbox_path(settings, Path(config_path)))
    return box.summary(time.time(), settings.monitor.failed_window_hours)


def queue_line(settings: Settings, config_path: Path, seen: QueueSummary) -> str:
    """Pending and failed counts and the oldest pending age (the outbox is only read)."""
    from alloy_tui.core.outbox import outbox_path, queue_summary, runner_active

    if not seen.readable:
        return f"Queue: can't be read ({seen.problem})"
    line = queue_summary(seen)
    if seen.pending and not runner_active(outbox_path(settings, Path(config_path))):
        line += "; no runner is retrying them now (run `alloy-tui queue run`)"
    return line


def delivery_lines(
    settings: Settings, config_path: Path, seen: QueueSummary
) -> tuple[str, list[str]]:
    """(why mail cannot go now, or "" when nothing holds it; the lines to print)."""
    from alloy_tui.core import health as d
    from alloy_tui.core.maildrop import maildrop_folder, waiting_files
    from alloy_tui.core.outbox import outbox_path

    now = time.time()
    window = settings.monitor.failed_window_hours
    # the outbox, the state folder or the maildrop the runner can't use: never "ready"
    found = d.place_problems(
        settings, Path(str(config_path)), only=("queue.path", "", "queue.maildrop")
    )
    if not seen.readable:
        held = found[0].text if found else ""
        return held, [f"Problem: {p.text}" for p in found[1:]]
    held, lines = "", []
    if seen.hold is not None:
        # said once, on the "Ready to send" line
        held = d.hold_sentence(seen.hold, now) + "; `alloy-tui queue flush` tries now"
    elif seen.last_failure is not None:
        at = d.clock_time(float(seen.last_failure["at"]), now)
        lines.append(f"Last attempt ({at}) failed: {d.reason_words(seen.last_failure)}")
    if seen.failed_recent:
        lines.append(
            f"Failed in the last {window} h: {seen.failed_recent} message(s) "
            "(`alloy-tui queue list --state failed`)"
        )
    if seen.unreadable:
        lines.append(f"Outbox files this user cannot read: {len(seen.unreadable)}")
    drop = waiting_files(maildrop_folder(settings.queue.maildrop, Path(str(config_path))), now)
    if drop.files:
        age = drop.oldest_s or 0
        lines.append(
            f"Maildrop: {drop.files} file(s) waiting in {drop.folder}, the oldest for "
            f"{age // 60} min"
        )
    handed = waiting_files(outbox_path(settings, Path(str(config_path))) / "incoming", now)
    if handed.files:  # sendmail's hand-offs no runner has taken yet
        age = handed.oldest_s or 0
        lines.append(
            f"Hand-offs: {handed.files} from sendmail waiting in {handed.folder}, the oldest "
            f"for {age // 60} min (`alloy-tui queue run` takes them)"
        )
    if found and not held:
        held, found = found[0].text, found[1:]
    lines += [f"Problem: {p.text}" for p in found]
    return held, lines
