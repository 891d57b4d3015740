"""The daemon's background jobs: each runs when due, the thread sleeps until the next one is
(no polling). The queue runner drains in the main thread; `queue run --daemon` starts these
next to it. Another long-running part (the SMTP listener) adds its own `Job` to the list.

Jobs: ``keepalive`` every 12 hours (or sooner when the last refresh is older), again after 15
minutes when the network failed; ``watch`` every 30 s: failed or too-old messages raise an
alert, and their recovery is sent.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.health import state as health_state

KEEPALIVE_EVERY = 12 * 3600.0  # at least daily, far inside the 90-day idle limit
KEEPALIVE_RETRY = 15 * 60.0  # after a network failure
KEEPALIVE_NEEDED_RETRY = 3600.0  # after "sign-in needed": notice a new login within the hour
WATCH_EVERY = 30.0

log = logging.getLogger("alloy_tui.health")


@dataclass
class Job:
    name: str
    run: Callable[[], float]  # does its work; returns seconds until it wants to run again
    first_in: float = 0.0  # seconds after start of its first run
    on_error: float = 300.0  # seconds until the next run when `run` raised


def run_jobs(
    jobs: list[Job], stop: threading.Event, clock: Callable[[], float] = time.monotonic
) -> None:
    """Run each job when it is due until `stop` is set. A job that raises is said in one line
    (``alloy-tui: the background job watch failed: ...``, on stderr: the journal), once while
    it keeps failing the same way, never as a traceback, and run again `on_error` seconds
    later: one broken job never stops the others (or the runner)."""
    start = clock()
    next_at = {j.name: start + j.first_in for j in jobs}
    said: dict[str, str] = {}
    while jobs and not stop.is_set():
        for job in jobs:
            if stop.is_set() or next_at[job.name] > clock():
                continue
            try:
                delay = job.run()
                said.pop(job.name, None)
            except Exception as e:  # noqa: BLE001 - a job's failure is said, never raised
                line = failure_line(job.name, e)
                if said.get(job.name) != line:
                    _say(line)
                said[job.name] = line
                delay = job.on_error
            next_at[job.name] = clock() + max(1.0, delay)
        stop.wait(max(0.0, min(next_at.values()) - clock()))


def _say(line: str) -> None:
    """One line on stderr (the daemon's journal); never a traceback, never raising."""
    with contextlib.suppress(Exception):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def failure_line(name: str, e: BaseException) -> str:
    from alloy_tui.core.errors import printable

    if isinstance(e, OSError) and e.strerror:
        where = f"{e.filename}: " if e.filename else ""
        why = f"{where}{e.strerror}"
    else:
        why = str(e) or type(e).__name__
    return printable(f"alloy-tui: the background job {name} failed: {why}; it runs again later")


def start_jobs(jobs: list[Job], stop: threading.Event) -> threading.Thread:
    t = threading.Thread(target=run_jobs, args=(jobs, stop), name="alloy-jobs", daemon=True)
    t.start()
    return t


def keepalive_job(settings: Settings, config_path: Path) -> Job:
    """The keep-alive runs as its own `alloy-tui keepalive` process: msal and httpx never load
    into the daemon (it stays small at rest), and a hang there cannot stall the runner."""
    from alloy_tui.core.outbox import outbox_path

    state_file = health_state.state_path(outbox_path(settings, config_path))

    def run() -> float:
        argv = [sys.executable, "-P", "-m", "alloy_tui", "--config", str(config_path), "keepalive"]
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            return KEEPALIVE_RETRY
        if done.returncode == 0:
            return KEEPALIVE_EVERY
        signin = health_state.read_state(state_file).get("signin") or {}
        needed = isinstance(signin, dict) and signin.get("needed")
        return KEEPALIVE_NEEDED_RETRY if needed else KEEPALIVE_RETRY

    age = time.time() - float(health_state.read_state(state_file).get("last_refresh") or 0)
    return Job("keepalive", run, first_in=max(0.0, KEEPALIVE_EVERY - age))


def watch_job(settings: Settings, config_path: Path) -> Job:
    from alloy_tui.core.health.watch import watch_outbox

    def run() -> float:
        watch_outbox(settings, config_path)
        return WATCH_EVERY

    return Job("watch", run, first_in=WATCH_EVERY)


def daemon_jobs(settings: Settings, config_path: Path) -> list[Job]:
    jobs = [watch_job(settings, config_path)]
    from alloy_tui.core.mail import service_of

    if service_of(settings).signs_in:
        jobs.insert(0, keepalive_job(settings, config_path))
    return jobs
