"""sendmail's hand-off: check the command line, read the message, put it durably into the
outbox's incoming/ folder as it was read, start the runner, exit 0. The runner parses it and
applies sendmail's rules (`core/outbox/intake.py`); what it can't send becomes a failure
notice to the sender and a `mail.failed` entry.

Used by `alloy-sendmail`, by a `sendmail` symlink (launch.py) and by `alloy-tui sendmail`.
Exit codes follow sysexits.h; said at once: 64 usage (the command line, a line break in -f, -F
or a recipient), 65 an empty message or one over the service's size limit, 73/75 the outbox (or
maildrop) could not be written or is full, 78 not set up. Everything about the message itself
(no recipient, a malformed header, a sender the rules refuse) comes as a failure notice.
Errors are one line, `<program>: ...`.

This path imports nothing heavy: no email, pathlib, typing, re (beyond the console script's),
json, tomllib, platformdirs, click (tests/cli/test_sendmail_handoff.py checks sys.modules).
"""

from __future__ import annotations

import os
import sys

from alloy_tui.commands.sendmail.args import UsageError, parse_argv
from alloy_tui.commands.sendmail.errors import NOT_TAKEN, HandoffError, say

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

    from alloy_tui.commands.sendmail.args import SendmailArgs
    from alloy_tui.commands.sendmail.facts import Facts
    from alloy_tui.commands.sendmail.signals import Guard

READ_CHUNK = 1 << 20
MAX_MESSAGE_BYTES = 35 * 1024 * 1024  # core.mail's MAX_MESSAGE_BYTES (a test keeps them equal)
LINE_BREAKS = ("\r", "\n")


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


def run(
    argv: list[str], prog: str, config: str | None = None, *, stdin: BinaryIO | None = None
) -> int:
    """The whole sendmail command; returns the exit code (errors printed on stderr)."""
    try:
        args = parse_argv(argv)
        for warning in args.warnings:
            say(f"{prog}: warning: {warning}")
        if args.mode == "list":
            from alloy_tui.commands.sendmail.listing import list_queue

            return list_queue(config, (), prog)
        if args.mode != "deliver":  # -bs, -bi, -q: none of it is on cron's path
            from alloy_tui.commands.sendmail.modes import run_mode
            from alloy_tui.core.config import paths

            return run_mode(args, prog, paths.config_path(config), stdin)
        _check_lines(args)
    except UsageError as e:
        say(f"{prog}: {e}")
        return e.exit_code
    return _deliver(args, prog, config, stdin)


def _check_lines(args: SendmailArgs) -> None:
    """A line break in -f, -F or a recipient is a command line sendmail can't take (64)."""
    for value, what in ((args.envelope_from, "the sender (-f)"), (args.full_name, "-F")):
        if any(c in value for c in LINE_BREAKS):
            raise UsageError(f"{what} {value!r} contains a line break.")
    for r in args.recipients:
        if any(c in r for c in LINE_BREAKS) or not r.strip():
            raise UsageError(f"the recipient {r!r} is not an address.")


def envelope(args: SendmailArgs, size: int, now: float) -> dict[str, object]:
    """The command line's facts the runner needs (`core/incoming/header.py`)."""
    return {
        "recipients": args.recipients,
        "read_headers": args.read_headers,
        "envelope_from": args.envelope_from,
        "from_given": bool(args.envelope_from),
        "full_name": args.full_name,
        "dsn": args.dsn,
        "ignore_dots": args.ignore_dots,
        "uid": os.getuid(),
        "time": now,
        "size": size,
    }


def _deliver(args: SendmailArgs, prog: str, config: str | None, stdin: BinaryIO | None) -> int:
    """Read the message on stdin and hand it off (the common path)."""
    from alloy_tui.commands.sendmail.signals import Guard, Interrupted

    guard = Guard().install()
    try:
        from alloy_tui.commands.sendmail.facts import config_file, over_limit_text

        source = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
        raw, size = read_message(source, MAX_MESSAGE_BYTES)
        if size > MAX_MESSAGE_BYTES:
            raise HandoffError(over_limit_text(size, None), os.EX_DATAERR)
        if not raw.strip():
            raise HandoffError(
                "the message is empty; sendmail reads the message on stdin.", os.EX_DATAERR
            )
        path = config_file(config)
        try:
            _hand_off(args, raw, path, guard)
        except HandoffError as e:  # this user may not use the config: the maildrop, if any
            from alloy_tui.commands.sendmail.maildrop import drop_instead

            if not drop_instead(e, args, raw, path, guard.commit):
                raise
    except HandoffError as e:
        guard.decide()
        say(f"{prog}: {e}")
        if e.exit_code in NOT_TAKEN:  # nobody's mail vanishes in silence: cron may not tell
            from alloy_tui.commands.sendmail.maildrop import tell_syslog

            tell_syslog(e.exit_code, str(e))
        return e.exit_code
    except (Interrupted, KeyboardInterrupt) as e:
        guard.decide()
        name = _signal_name(getattr(e, "signum", 2))
        say(f"{prog}: interrupted ({name}); nothing was queued.")
        return os.EX_TEMPFAIL
    guard.settle()
    if guard.received:
        name = _signal_name(guard.received)
        say(f"{prog}: {name} came after the message was queued; it will be sent.")
    return 0


def _hand_off(args: SendmailArgs, raw: bytes, config: str, guard: Guard) -> None:
    """Into <outbox>/incoming/ (core/incoming/writer.py); the runner started. HandoffError."""
    import time

    from alloy_tui.core.incoming import (
        MAX_HEADER_BYTES,
        IncomingError,
        SlowPath,
        header_line,
        open_checked_outbox,
        start_runner,
        write_incoming,
    )

    if os.geteuid() == 0:
        from alloy_tui.commands.sendmail.owner import refuse_foreign_config

        refuse_foreign_config(config)  # root and the service user's config: the maildrop
    from alloy_tui.commands.sendmail.facts import lookup, over_limit_text

    facts = lookup(config)
    if len(raw) > facts.limit:
        raise HandoffError(over_limit_text(len(raw), facts), os.EX_DATAERR)
    header = header_line(envelope(args, len(raw), time.time()))
    if len(header) > MAX_HEADER_BYTES:  # the runner could not read it: said now, not after 0
        raise HandoffError(
            f"the command line's {len(args.recipients)} recipients and options take "
            f"{len(header)} bytes; at most {MAX_HEADER_BYTES} can be handed off. Send to fewer "
            "recipients at once (or put them in the message's headers with -t).",
            os.EX_USAGE,
        )
    for attempt in (1, 2):
        try:
            root = open_checked_outbox(facts.outbox)
            try:
                write_incoming(root, facts.outbox, header, raw, guard.commit)
                start_runner(root, config)
            finally:
                os.close(root)
            return
        except SlowPath:
            if attempt == 2:
                raise HandoffError(
                    f"the outbox {facts.outbox} can't be used.", os.EX_CANTCREAT
                ) from None
            _make_outbox(facts)  # no outbox yet, or one to explain: as every command does
        except IncomingError as e:
            raise HandoffError(str(e), e.exit_code, permission=e.permission) from None


def _make_outbox(facts: Facts) -> None:
    from pathlib import Path

    from alloy_tui.core.outbox import Outbox, OutboxError

    try:
        Outbox(Path(facts.outbox)).ensure()
    except OutboxError as e:
        ex = e.explanation
        raise HandoffError(
            f"{ex.title}: {ex.cause} Fix: {ex.fix}", e.exit_code, permission=_permission(e)
        ) from None


def _permission(e: BaseException) -> bool:
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, PermissionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def main() -> None:
    """The `alloy-sendmail` console script; also `sendmail`, `mailq` and `newaliases` by name
    (a symlink to either console script: launch.py sends those names here)."""
    prog = os.path.basename(sys.argv[0]) or "alloy-sendmail"
    if prog == "mailq":
        from alloy_tui.commands.sendmail.listing import list_queue

        sys.exit(list_queue(None, tuple(sys.argv[1:])))
    if prog == "newaliases":  # as sendmail and postfix: the name means -bi
        sys.exit(run(["-bi", *sys.argv[1:]], prog))
    sys.exit(run(sys.argv[1:], prog))
