"""`queue flush` and `queue run [--daemon]`: the runner from the command line.

`flush` tries every pending message now (whatever its back-off) with one progress line per
message, and exits 0 only when none is left pending. `run` drains what is due and exits;
`--daemon` keeps draining, waking for new messages and due retries, with the health jobs
beside it (the daily keep-alive, alerts for failed or stuck mail); one daemon per outbox.
SIGTERM (or Ctrl-C) lets the message in flight finish, then exits 0; SIGHUP does the same,
then starts the daemon afresh (the config is read again).
"""

from __future__ import annotations

import signal
import threading
import time
from typing import TYPE_CHECKING, Any

import click

from alloy_tui.cli_support.outcome import echo_result
from alloy_tui.commands.context import CliContext, fail

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.config_watch import Stamp


def _summary_line(s: Any) -> str:
    line = f"Sent {s.sent}, deferred {s.deferred}, failed {s.failed}; {s.pending} still pending."
    hold = getattr(s, "hold", None)
    if hold:  # only a service or settings verdict stops a pass: say which, and until when
        from alloy_tui.core.errors import printable
        from alloy_tui.core.health import hold_sentence

        line += printable(
            f" Stopped: nothing else can go now; the queue is {hold_sentence(hold, time.time())}."
            " `alloy-tui queue list` shows each message."
        )
    elif s.pending:
        line += " `alloy-tui queue list` says why."
    return line


def _stop_on_signals(stop: threading.Event) -> list[int]:
    """SIGTERM, SIGINT and SIGHUP set `stop`: the runner finishes the message in flight, then
    returns. The list receives the signal's number (SIGHUP: start again)."""
    got: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        got.append(signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, handler)
    return got


def _run(obj: CliContext, *, daemon: bool, flush: bool, echo: bool) -> Any:
    """The runner, or one line and exit 1 (78 for the daemon: no restart loop) when the
    outbox, the state folder or the alert log can't be used; a full disk or an outbox error
    is exit 1 for the daemon too, so its unit restarts it."""
    from alloy_tui.cli_support.outbox_guard import EX_CONFIG, check_outbox, guarded
    from alloy_tui.core.config_watch import stamp

    version = stamp(obj.config_path)  # before the read: a save meanwhile is a change
    settings = check_outbox(obj, write=True, daemon=daemon)  # the config read once for both
    with guarded(obj, EX_CONFIG if daemon else 1, transient_code=1):
        return _run_checked(obj, settings, daemon=daemon, flush=flush, echo=echo, version=version)


def _run_checked(
    obj: CliContext,
    settings: Settings,
    *,
    daemon: bool,
    flush: bool,
    echo: bool,
    version: Stamp | None = None,
) -> Any:
    """The delivery side as core/daemon.py assembles it; here only the signals and the output."""
    from alloy_tui.core.daemon import DaemonBusy, serve
    from alloy_tui.core.errors import printable

    stop = threading.Event()
    got = _stop_on_signals(stop)
    changed = threading.Event()  # the daemon's config was saved anew: start again with it
    # Each line may quote a recipient, a subject or a server's reply: never raw to the terminal.
    # a closed stdout (`queue flush | head -1`) never stops the run halfway
    progress = (lambda text: echo_result(printable(text))) if echo else None
    try:
        summary = serve(
            settings,
            obj.config_path,
            daemon=daemon,
            stop=stop,
            flush=flush,
            on_progress=progress,
            config_changed=changed,
            config_stamp=version,
        )
    except DaemonBusy as busy:
        fail(
            [
                f"another `queue run --daemon` already serves the outbox {busy.outbox}"
                + (f" (pid {busy.pid})" if busy.pid else "")
                + "; this one exits.",
                "Fix: stop that one first (systemctl stop alloy-tui-queue), or use `queue run` once.",
            ],
            1,
        )
    if daemon and (signal.SIGHUP in got or (changed.is_set() and not got)):
        _start_again()  # a signal other than SIGHUP wins: SIGTERM during a change still stops
    return summary


def _start_again() -> None:
    """SIGHUP or a config saved anew: the message in flight finished; run the same command line
    again (config reread)."""
    import os
    import sys

    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def register(group: click.Group) -> None:
    @group.command("flush")
    @click.pass_obj
    def flush_command(obj: CliContext) -> None:
        """Try every pending message now; exit 0 when none is left pending."""
        summary = _run(obj, daemon=False, flush=True, echo=True)
        echo_result(_summary_line(summary))
        if summary.pending:
            raise SystemExit(1)

    @group.command("run")
    @click.option("--daemon", is_flag=True, help="Keep draining until SIGTERM.")
    @click.pass_obj
    def run_command(obj: CliContext, daemon: bool) -> None:
        """Deliver what is due, then exit (--daemon: keep running)."""
        echo_result(_summary_line(_run(obj, daemon=daemon, flush=False, echo=True)))
