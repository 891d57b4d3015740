"""sendmail's hand-off: read the message, check it, write it to the outbox durably, exit.

Used by `alloy-sendmail`, by a `sendmail` symlink (launch.py) and by `alloy-tui sendmail`.
Exit codes follow sysexits.h: 0 queued, 64 usage, 65 bad message or no recipient, 67 a local
recipient with no address, 73/75 the outbox could not be written, 78 not set up. Errors are one
line, `<program>: ...`. Delivery starts in a detached runner, so cron never waits for Microsoft.
This path never imports click, msal, httpx, exchangelib or Textual (a test checks sys.modules).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from alloy_tui.commands.sendmail_args import SendmailArgs, UsageError, parse_argv

if TYPE_CHECKING:
    from alloy_tui.commands.sendmail_signals import Guard
    from alloy_tui.core.config import Values

READ_CHUNK = 1 << 20
# The message could not be taken for reasons of this machine, not of the message: the outbox
# or maildrop can't be written (73), is full (75), or nothing is set up for this user (78).
NOT_TAKEN = (os.EX_CANTCREAT, os.EX_TEMPFAIL, os.EX_CONFIG)


class HandoffError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        self.exit_code = exit_code
        super().__init__(message)


def read_message(stream: BinaryIO | None, limit: int) -> tuple[bytes, int]:
    """(at most limit + 1 bytes, the full size); the rest is read and dropped, so a writer
    never gets EPIPE and the refusal can name the real size."""
    if stream is None:
        return b"", 0
    parts: list[bytes] = []
    kept = size = 0
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if kept <= limit:
            parts.append(chunk)
            kept += len(chunk)
    return b"".join(parts), size


def _not_set_up(values: Values, config_path: Path) -> str | None:
    fix = "Fix: run `alloy-tui` (the setup wizard)"
    if not values.exists:
        return (
            f"not set up: {config_path} does not exist. {fix}, or point $ALLOY_TUI_CONFIG at "
            "the config; for mail from every local user (cron as www-data, backup...), as "
            "root: `alloy-tui setup-system`."
        )
    from alloy_tui.core.mail import not_set_up

    problem = not_set_up(values)
    return f"not set up: {problem}. {fix}." if problem else None


def _load(config_path: Path) -> Values:
    """The config's values, read the fast way (tomllib and the same checks as every command,
    no typed model: this runs for every cron job)."""
    from alloy_tui.core.config import ConfigError, read_values

    try:
        values = read_values(config_path)
    except ConfigError as e:
        raise HandoffError(f"the config can't be used: {e.lines[0]}", os.EX_CONFIG) from None
    problem = _not_set_up(values, config_path)
    if problem:
        raise HandoffError(problem, os.EX_CONFIG)
    return values


def queue_message(
    args: SendmailArgs, raw: bytes, config_path: Path, guard: Guard | None = None
) -> str:
    """Check and queue one message; returns its queue id. HandoffError with the exit code.
    With a `guard`, the submit runs with the signals blocked and marks the guard done."""
    from alloy_tui.core.mail import MessageRefused, end_at_lone_dot, prepare
    from alloy_tui.core.outbox import OutboxError, open_outbox, wake_runner

    _refuse_foreign_config(config_path)
    values = _load(config_path)
    if not args.ignore_dots:
        raw = end_at_lone_dot(raw)
    try:
        prepared = prepare(
            raw,
            settings=values,
            arg_recipients=args.recipients,
            read_headers=args.read_headers,
            envelope_from=args.envelope_from,
            full_name=args.full_name,
        )
    except MessageRefused as e:
        raise HandoffError(str(e), e.exit_code) from None
    box = open_outbox(values, config_path)
    try:
        with guard.committing() if guard is not None else contextlib.nullcontext():
            qid = box.submit(
                prepared.raw,
                recipients=prepared.recipients,
                sender=prepared.sender,
                source="sendmail",
                details=args.dsn or None,  # -N/-R/-V: recorded, not acted on
                return_path=return_path(args.envelope_from),  # a failure notice goes there
            )
            if guard is not None:
                guard.done()
    except OutboxError as e:
        ex = e.explanation
        raise HandoffError(f"{ex.title}: {ex.cause} Fix: {ex.fix}", e.exit_code) from None
    wake_runner(config_path, box.path)
    return qid


def _refuse_foreign_config(config_path: Path) -> None:
    """Root and another user's config (`setup-system --user alloy`): root never writes into that
    user's outbox (it could be steered by a symlink, and the daemon could not read root's files).
    A HandoffError caused by a PermissionError: the message goes to the maildrop instead, as
    every other user's does (sendmail_maildrop.drop_instead)."""
    from alloy_tui.core.become import foreign_owner

    uid = foreign_owner(config_path)
    if uid is None:
        return
    import pwd

    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        owner = f"uid {uid}"
    raise HandoffError(
        f"it belongs to {owner}: root hands its mail to the maildrop like every other user",
        os.EX_NOPERM,
    ) from PermissionError(f"{config_path} belongs to {owner}")


def return_path(envelope_from: str) -> str:
    """Whom a failure notice goes to: -f (or -r) as given ("<>": nobody), else the user who ran
    sendmail (a local name: the runner maps it as sendmail maps recipients)."""
    if envelope_from:
        return "<>" if envelope_from.strip() in ("<>", "") else envelope_from.strip()
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return ""


def run(
    argv: list[str],
    prog: str,
    config: str | None = None,
    *,
    stdin: BinaryIO | None = None,
    list_queue: Callable[[Path], int] | None = None,
) -> int:
    """The whole sendmail command; returns the exit code (errors printed on stderr)."""
    try:
        args = parse_argv(argv)
        for warning in args.warnings:
            _say(f"{prog}: warning: {warning}")
        from alloy_tui.core.config import paths

        config_path = paths.config_path(config)
        if args.mode == "list":
            return (list_queue or _list_queue)(config_path)
        if args.mode != "deliver":  # -bs, -bi, -q: none of it is on cron's path
            from alloy_tui.commands.sendmail_modes import run_mode

            return run_mode(args, prog, config_path, stdin)
    except UsageError as e:
        _say(f"{prog}: {e}")
        return e.exit_code
    return _deliver(args, prog, config_path, stdin)


def _deliver(args: SendmailArgs, prog: str, config_path: Path, stdin: BinaryIO | None) -> int:
    """Read, check and queue the message on stdin (the common path)."""
    from alloy_tui.commands.sendmail_signals import Guard, Interrupted

    guard = Guard().install()
    try:
        from alloy_tui.core.mail import MAX_MESSAGE_BYTES, MessageRefused, check_size

        source = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
        raw, size = read_message(source, MAX_MESSAGE_BYTES)
        try:
            check_size(size)
        except MessageRefused as e:
            raise HandoffError(str(e), e.exit_code) from None
        try:
            queue_message(args, raw, config_path, guard)
        except HandoffError as e:  # this user may not use the config: the maildrop, if any
            from alloy_tui.commands.sendmail_maildrop import drop_instead

            with guard.committing():
                if not drop_instead(e, args, raw, config_path):
                    raise
                guard.done()
    except HandoffError as e:
        guard.decide()
        _say(f"{prog}: {e}")
        if e.exit_code in NOT_TAKEN:  # nobody's mail vanishes in silence: cron may not tell
            from alloy_tui.commands.sendmail_maildrop import tell_syslog

            tell_syslog(e.exit_code, str(e))
        return e.exit_code
    except (Interrupted, KeyboardInterrupt) as e:
        guard.decide()
        name = _signal_name(getattr(e, "signum", 2))
        _say(f"{prog}: interrupted ({name}); nothing was queued.")
        return os.EX_TEMPFAIL
    guard.settle()
    if guard.received:
        name = _signal_name(guard.received)
        _say(f"{prog}: {name} came after the message was queued; it will be sent.")
    return 0


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _say(line: str) -> None:
    """One line on stderr; a closed stderr never changes the exit code."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def _list_queue(config_path: Path | None, extra: tuple[str, ...] = ()) -> int:
    """-bp and `mailq`: the queue in sendmail's format (core/outbox/mailq.py; `--json`: as
    `alloy-tui queue list --json`) (exits)."""
    from alloy_tui.cli import main as cli_main

    config = ["--config", str(config_path)] if config_path else []
    sys.argv = ["alloy-tui", *config, "queue", "list", "--mailq", *extra]
    cli_main()
    return 0


def main() -> None:
    """The `alloy-sendmail` console script; also `sendmail`, `mailq` and `newaliases` by name
    (a symlink to either console script: launch.py sends those names here)."""
    prog = os.path.basename(sys.argv[0]) or "alloy-sendmail"
    if prog == "mailq":
        sys.exit(_list_queue(None, tuple(sys.argv[1:])))
    if prog == "newaliases":  # as sendmail and postfix: the name means -bi
        sys.exit(run(["-bi", *sys.argv[1:]], prog))
    sys.exit(run(sys.argv[1:], prog))
