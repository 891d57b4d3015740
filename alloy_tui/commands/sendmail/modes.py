"""sendmail's modes other than "deliver the message on stdin": `-bs` (one SMTP session on
stdin/stdout), `-q` (run the queue once), `-q<interval>` and `-bi` / `newaliases` (no-ops that
say why). None of this is on cron's path, so heavier imports are fine here.

Exit codes: -bs 0 when the session ended (each message's outcome is its SMTP reply), 78 when
alloy-tui is not set up (the greeting is 421 and says so), 75 when a signal ended a session
still open. A user who may not use the config (system mode: another user's config, root's 0700
outbox) gets the same session into the maildrop (`core/smtpd/drop_handler.py`), as the plain
hand-off falls back to it; with no maildrop either, 421 and 78; -q as `alloy-tui queue flush` (0 when nothing is left pending, 1 otherwise);
-q<interval> and -bi 0.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import BinaryIO

from alloy_tui.commands.sendmail.args import SendmailArgs


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
    from alloy_tui.commands.sendmail.flush import flush_queue

    return flush_queue(config_path)


def _smtp(prog: str, config_path: Path, stdin: BinaryIO | None) -> int:
    """-bs: one SMTP session on stdin/stdout with the listener's rules; for a user who may not
    use the config (system mode), the same session into the maildrop."""
    from alloy_tui.commands.sendmail.errors import HandoffError
    from alloy_tui.commands.sendmail.owner import refuse_foreign_config
    from alloy_tui.commands.sendmail.setup_check import settings_of

    rfd = stdin.fileno() if stdin is not None else 0
    try:
        refuse_foreign_config(config_path)  # root and the service user's config: the maildrop
        settings = settings_of(config_path)  # once; not set up: said in the greeting (421)
        from alloy_tui.core.outbox import OutboxError, open_outbox

        box = open_outbox(settings, config_path)
        try:
            box.ensure()  # an outbox this user can't write: the maildrop, as the hand-off does
        except OutboxError as e:
            ex = e.explanation
            raise HandoffError(f"{ex.title}: {ex.cause} Fix: {ex.fix}", e.exit_code) from None
    except HandoffError as e:
        from alloy_tui.commands.sendmail.maildrop import lacks_permission

        if lacks_permission(e, str(config_path)):
            return _smtp_to_maildrop(prog, config_path, e, rfd)
        return _refuse_session(prog, str(e), e.exit_code)
    from alloy_tui.core.smtpd import serve_pipe

    summary = serve_pipe(settings, config_path, (rfd, 1), outbox=box)
    return os.EX_TEMPFAIL if summary.interrupted else 0


def _smtp_to_maildrop(prog: str, config_path: Path, why: Exception, rfd: int) -> int:
    """-bs for a user who can't use the config: the listener's rules that need no config, each
    message a drop file (250 once durable; 451/452, said on stderr and syslog, when the
    maildrop can't take it). No maildrop at all: 421 and the exit code of the plain fallback."""
    from alloy_tui.commands.sendmail.maildrop import tell_syslog, user_name
    from alloy_tui.core import maildrop

    folder = maildrop.submit_folder()
    try:
        os.close(maildrop.open_maildrop(folder))
    except maildrop.MaildropError as e:
        text = str(e)
        if e.exit_code == os.EX_CONFIG:
            text = f"{user_name()} can't use the config {config_path} ({why}), and {e}"
        tell_syslog(e.exit_code, text)
        return _refuse_session(prog, text, e.exit_code, greeting=str(e))
    from alloy_tui.core.smtpd import serve_pipe_to_maildrop

    summary = serve_pipe_to_maildrop(folder, (rfd, 1))
    for code, reason in dict.fromkeys(summary.failures):  # each distinct reason once
        with contextlib.suppress(OSError, ValueError):
            print(f"{prog}: a message was not accepted (SMTP 4xx): {reason}", file=sys.stderr)
        tell_syslog(code, f"sendmail -bs: {reason}")
    return os.EX_TEMPFAIL if summary.interrupted else 0


def _refuse_session(prog: str, text: str, code: int, greeting: str = "") -> int:
    """421 as the greeting (the client knows at once; `greeting`, else `text`, cut to one
    short line), the whole reason on stderr; returns the exit code."""
    line = " ".join((greeting or text).split()).encode("ascii", "replace")[:300]
    with contextlib.suppress(OSError):
        os.write(1, b"421 4.3.5 " + line + b"\r\n")
    with contextlib.suppress(OSError, ValueError):
        print(f"{prog}: {text}", file=sys.stderr)
    return code
