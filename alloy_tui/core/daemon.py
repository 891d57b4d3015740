"""The delivery side assembled: what `queue run`, `queue flush`, `queue run --daemon` and the
queue screen's send pass run. The one place that knows every part and wires them together; the
parts know nothing of each other (the runner is handed its intakes, the listener hands mail to
the outbox, the health jobs read it).

    drain(settings, config_path, flush=True, on_progress=print)   # run_queue + every intake
    serve(settings, config_path, daemon=True, stop=stop)          # the daemon: lock, health
                                                                  # jobs, listener, runner, watch

Where other doors' mail reaches the outbox through the runner is `intakes()` (today the maildrop
of system mode); a new intake is one line there. The sendmail hand-offs in the outbox's own
`incoming/` are the outbox's part, taken in by `run_queue` itself (core/outbox/intake.py), so a
runner started by any door reads them. No Textual, no click: the command (commands/
queue_run_cmd.py) keeps the signals, the output and the exit codes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.config_watch import Stamp
    from alloy_tui.core.health import DaemonLock
    from alloy_tui.core.outbox import IntakeFactory, Outbox, QueueRecord, RunSummary


class DaemonBusy(Exception):  # noqa: N818 - a state, said as such
    """Another `queue run --daemon` holds this outbox's daemon lock."""

    def __init__(self, outbox: Path, pid: str) -> None:
        super().__init__(f"another daemon serves the outbox {outbox}")
        self.outbox = outbox
        self.pid = pid


def intakes(settings: Settings, config_path: Path) -> list[IntakeFactory]:
    """Where mail reaches the outbox through the runner, taken in before each drain."""
    from alloy_tui.core.maildrop import MaildropIntake

    def maildrop(box: Outbox) -> MaildropIntake:  # system mode: other users' mail
        return MaildropIntake(settings, config_path, box)

    return [maildrop]


def drain(
    settings: Settings,
    config_path: Path,
    *,
    daemon: bool = False,
    stop: threading.Event | None = None,
    on_progress: Callable[[str], None] | None = None,
    flush: bool = False,
    on_attempt: Callable[[QueueRecord], None] | None = None,
) -> RunSummary:
    """The runner with every intake: deliver what is due (``flush``: everything pending now;
    ``daemon``: keep going until ``stop`` is set)."""
    from alloy_tui.core.outbox import run_queue

    return run_queue(
        settings,
        config_path,
        daemon=daemon,
        stop=stop,
        on_progress=on_progress,
        flush=flush,
        on_attempt=on_attempt,
        intake=intakes(settings, config_path),
    )


def daemon_lock(outbox: Path) -> DaemonLock:
    """This outbox's daemon lock (held for the daemon's whole life); DaemonBusy when another
    daemon holds it."""
    from alloy_tui.core import health
    from alloy_tui.core.outbox import Outbox

    Outbox(outbox).ensure()
    lock = health.daemon_lock(outbox)
    if lock is None:
        raise DaemonBusy(outbox, health.daemon_holder(outbox))
    return lock


def serve(
    settings: Settings,
    config_path: Path,
    *,
    daemon: bool,
    stop: threading.Event,
    flush: bool = False,
    on_progress: Callable[[str], None] | None = None,
    config_changed: threading.Event | None = None,
    config_stamp: Stamp | None = None,
) -> RunSummary:
    """`queue run [--daemon]` / `queue flush`. The daemon takes its lock first (DaemonBusy),
    starts the health jobs (keep-alive, alerts), the config watch (``config_changed``: the
    config that ``config_stamp`` names was replaced by one that loads; core/config_watch.py) and,
    with `[smtpd] listen`, the listener, then drains until ``stop``; every run ends with a look
    at the outbox for alerts."""
    from alloy_tui.core import health
    from alloy_tui.core.outbox import outbox_path

    lock = daemon_lock(outbox_path(settings, config_path)) if daemon else None
    listener: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if daemon:
        from alloy_tui.core.config_watch import watch_config
        from alloy_tui.core.smtpd import daemon_listener

        health.start_jobs(health.daemon_jobs(settings, config_path), stop)
        if config_changed is not None:
            watch_config(settings, config_path, stop, config_changed, since=config_stamp)
        listener = daemon_listener(settings, config_path)
    try:
        with listener:
            summary = drain(
                settings,
                config_path,
                daemon=daemon,
                stop=stop,
                on_progress=on_progress,
                flush=flush,
            )
    finally:
        if lock is not None:
            lock.release()
    health.watch_outbox(settings, config_path)  # failed or stuck mail: alert (or recovery)
    return summary
