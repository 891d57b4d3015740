"""Starting a runner in the background right after a submission, unless one is already running.

    qid = box.submit(raw, ...)
    wake_runner(config_path, box.path)   # every door after a submission: never raises

Every runner holds ``runner.lock`` shared for as long as it drains; a probe that can take it
exclusively knows none is running. A runner that is just finishing when the probe sees it looks
at the outbox once more after releasing the lock (see run_queue), so no submission is missed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def runner_active(outbox: Path) -> bool:
    """True while some runner (detached, `queue run`, the daemon) drains this outbox. A probe
    relative to the checked outbox folder: runner.lock is never created, nor followed."""
    from alloy_tui.core.outbox.spool import Outbox

    return Outbox(Path(outbox)).runner_active()


def runner_command(config_path: Path) -> list[str]:
    # -P: never the caller's working folder first on sys.path (an alloy_tui/ planted there)
    return [sys.executable, "-P", "-m", "alloy_tui", "--config", str(config_path), "queue", "run"]


def start_runner_detached(config_path: Path, outbox: Path | None = None) -> None:
    """Spawn `alloy-tui --config P queue run` in its own session (stdin/out/err /dev/null) and
    return at once, unless a runner already holds the runner lock of ``outbox`` (default: the
    configured one)."""
    if outbox is None:
        from alloy_tui.core.config import load_or_default
        from alloy_tui.core.outbox.configured import outbox_path

        outbox = outbox_path(load_or_default(config_path, strict=False).settings, config_path)
    if runner_active(outbox):
        return
    import subprocess  # only now: during a burst of cron mail a runner is usually running

    subprocess.Popen(
        runner_command(config_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        env=dict(os.environ),
    )


def wake_runner(config_path: Path, outbox: Path | None = None) -> None:
    """After a submission: delivery starts now in a detached runner (none if one runs). The
    message is already safe in the outbox, so nothing here ever fails the door that queued it
    (a runner that can't start leaves it for the daemon, `queue run` or the next hand-off)."""
    try:
        start_runner_detached(config_path, outbox)
    except Exception:  # noqa: BLE001 - never fail a hand-off that is already durable
        pass
