"""sendmail's modes other than "deliver the message on stdin": `-bs` (one SMTP session on
stdin/stdout), `-q` (run the queue once), `-q<interval>` and `-bi` / `newaliases` (no-ops that
say why). None of this is on cron's path, so heavier imports are fine here.

Exit codes: -bs 0 when the session ended (each message's outcome is its SMTP reply), 78 when
alloy-tui is not set up (the greeting is 421 and says so), 75 when a signal ended a session
still open; -q as `alloy-tui queue flush` (0 when nothing is left pending, 1 otherwise);
-q<interval> and -bi 0.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import BinaryIO

from alloy_tui.commands.sendmail_args import SendmailArgs


def run_mode(args: SendmailArgs, prog: str, config_path: Path, stdin: BinaryIO | None) -> int:
    if args.mode == "newaliases":
        _note(
            f"{prog}: nothing to rebuild: alloy-tui has no aliases database; it reads "
            f"[sendmail] aliases from {config_path} for each message."
        )
        return 0
    if args.mode == "queue_interval":
        _note(
            f"{prog}: -q{args.interval} ignored: alloy-tui runs no queue interval of its own; "
            "`alloy-tui queue run --daemon` (the alloy-tui-queue service) delivers as mail "
            "arrives and retries on its own schedule."
        )
        return 0
    if args.mode == "queue_run":
        return _flush(config_path)
    return _smtp(prog, config_path, stdin)


def _note(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(line, flush=True)


def _flush(config_path: Path) -> int:
    """-q: `alloy-tui queue flush` (its output, its exit code)."""
    from alloy_tui.cli import main as cli_main

    sys.argv = ["alloy-tui", "--config", str(config_path), "queue", "flush"]
    try:
        cli_main()
    except SystemExit as e:
        code = e.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _smtp(prog: str, config_path: Path, stdin: BinaryIO | None) -> int:
    """-bs: one SMTP session on stdin/stdout with the listener's rules."""
    from alloy_tui.commands.sendmail_handoff import HandoffError, _load

    rfd = stdin.fileno() if stdin is not None else 0
    try:
        _load(config_path)  # not set up: say so in the greeting, as the listener's 451 does
        from alloy_tui.core.config import ConfigError, load_or_default

        try:
            settings = load_or_default(config_path).settings
        except ConfigError as e:
            raise HandoffError(f"the config can't be used: {e.lines[0]}", os.EX_CONFIG) from None
    except HandoffError as e:
        line = " ".join(str(e).split()).encode("ascii", "replace")[:300]
        with contextlib.suppress(OSError):
            os.write(1, b"421 4.3.5 " + line + b"\r\n")
        print(f"{prog}: {e}", file=sys.stderr)
        return e.exit_code
    from alloy_tui.core.smtpd import serve_pipe

    summary = serve_pipe(settings, config_path, (rfd, 1))
    return os.EX_TEMPFAIL if summary.interrupted else 0
