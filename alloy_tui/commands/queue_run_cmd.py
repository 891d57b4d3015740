"""`queue flush` and `queue run [--daemon]`: the runner from the command line.

`flush` tries every pending message now (whatever its back-off) with one progress line per
message, and exits 0 only when none is left pending. `run` drains what is due and exits;
`--daemon` keeps draining, waking for new messages and due retries; SIGTERM (or Ctrl-C) lets
the message in flight finish, then exits 0.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from alloy_tui.commands.account_cmd import load
from alloy_tui.commands.context import CliContext


def _summary_line(s: Any) -> str:
    line = f"Sent {s.sent}, deferred {s.deferred}, failed {s.failed}; {s.pending} still pending."
    if s.pending:
        line += " `alloy-tui queue list` says why."
    return line


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop`: the runner finishes the message in flight, then returns."""

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def _run(obj: CliContext, *, daemon: bool, flush: bool, echo: bool) -> Any:
    from alloy_tui.core.outbox import run_queue

    settings = load(obj).settings
    stop = threading.Event()
    _stop_on_signals(stop)
    progress = (lambda text: click.echo(text)) if echo else None
    return run_queue(
        settings, obj.config_path, daemon=daemon, stop=stop, on_progress=progress, flush=flush
    )


def register(group: click.Group) -> None:
    @group.command("flush")
    @click.pass_obj
    def flush_command(obj: CliContext) -> None:
        """Try every pending message now; exit 0 when none is left pending."""
        summary = _run(obj, daemon=False, flush=True, echo=True)
        click.echo(_summary_line(summary))
        if summary.pending:
            raise SystemExit(1)

    @group.command("run")
    @click.option("--daemon", is_flag=True, help="Keep draining until SIGTERM.")
    @click.pass_obj
    def run_command(obj: CliContext, daemon: bool) -> None:
        """Deliver what is due, then exit (--daemon: keep running)."""
        click.echo(_summary_line(_run(obj, daemon=daemon, flush=False, echo=True)))
