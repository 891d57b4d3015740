"""sendmail for a user who can't use the config: hand the message to the maildrop.

In system mode cron mails as www-data, backup or postgres too; they can read neither root's
0600 config nor write its 0700 outbox. When the hand-off failed for exactly that reason (a
PermissionError reading the config or writing the outbox, or a system config this user may not
even see), the message goes into the maildrop folder instead, and the runner (the config's
owner) checks it and queues it with ``details.submitted_by``.

What can be checked without the config still is: the command line (64), an empty message or
no recipient (65). Exit 0 once the drop file is durable; 75/73 when the maildrop can't take it;
78 when there is no maildrop either. No runner is started: this user can't read the config; the
daemon (`queue run --daemon`, or the timer's `queue run`) takes the file in within seconds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.commands.sendmail.args import SendmailArgs
from alloy_tui.commands.sendmail.errors import HandoffError

if TYPE_CHECKING:
    from alloy_tui.core.maildrop import Envelope

LINE_BREAKS = ("\r", "\n")


def drop_instead(
    error: HandoffError, args: SendmailArgs, raw: bytes, config_path: Path | str
) -> bool:
    """True once the message is durable in the maildrop; False when `error` stands (it was not
    a permission problem). HandoffError when the maildrop can't take it either."""
    if not lacks_permission(error, Path(config_path)):
        return False
    from alloy_tui.core import maildrop
    from alloy_tui.core.mail import end_at_lone_dot

    if not args.ignore_dots:
        raw = end_at_lone_dot(raw)
    envelope = _checked_envelope(args, raw)
    folder = maildrop.submit_folder()
    try:
        maildrop.drop(folder, raw, envelope)
    except maildrop.MaildropError as e:
        who = user_name()
        if e.exit_code == os.EX_CONFIG:
            raise HandoffError(
                f"{who} can't use the config {config_path} ({error}), and {e}", e.exit_code
            ) from None
        raise HandoffError(str(e), e.exit_code) from None
    return True


def lacks_permission(error: BaseException, config_path: Path) -> bool:
    """The hand-off failed because this user may not read the config or write the outbox."""
    if getattr(error, "permission", False):
        return True
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, PermissionError):
            return True
        seen = seen.__cause__ or seen.__context__
    try:
        fd = os.open(config_path, os.O_RDONLY | os.O_NONBLOCK)
    except PermissionError:
        return True  # there, but not ours to read
    except OSError:
        return _system_config_hidden()  # none of our own: is the system's there, out of reach?
    os.close(fd)
    return False


def _system_config_hidden() -> bool:
    from alloy_tui.core.config import paths

    try:
        os.stat(paths.system_config())
    except PermissionError:
        return True  # /etc/alloy-tui is 0700: system mode is set up, for its owner only
    except OSError:
        return False
    return False


def _checked_envelope(args: SendmailArgs, raw: bytes) -> Envelope:
    from alloy_tui.core.maildrop import Envelope

    for value, what in ((args.envelope_from, "the sender (-f)"), (args.full_name, "-F")):
        if any(c in value for c in LINE_BREAKS):
            raise HandoffError(f"{what} {value!r} contains a line break.", os.EX_USAGE)
    for r in args.recipients:
        if any(c in r for c in LINE_BREAKS) or not r.strip():
            raise HandoffError(f"the recipient {r!r} is not an address.", os.EX_USAGE)
    if not raw.strip():
        raise HandoffError(
            "the message is empty; sendmail reads the message on stdin.", os.EX_DATAERR
        )
    if not args.recipients and not (args.read_headers and _header_recipients(raw)):
        how = "the To, Cc or Bcc headers" if args.read_headers else "arguments (or use -t)"
        raise HandoffError(f"the message has no recipient: none in {how}.", os.EX_DATAERR)
    return Envelope(
        tuple(args.recipients),
        args.read_headers,
        args.envelope_from,
        args.full_name,
        tuple(sorted(args.dsn.items())),  # -N/-R/-V: recorded by the runner, as in the outbox
    )


def _header_recipients(raw: bytes) -> bool:
    """Whether the header block names anyone in To, Cc or Bcc (the runner checks the rest)."""
    from email import utils
    from email.parser import BytesHeaderParser

    cut = [x for x in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if x >= 0]
    head = BytesHeaderParser().parsebytes(raw[: min(cut) + 1] if cut else raw)
    values = [str(v) for k, v in head.items() if k.lower() in ("to", "cc", "bcc")]
    return any(address for _, address in utils.getaddresses(values))


def user_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid {os.getuid()}"


def tell_syslog(code: int, reason: str) -> None:
    """One syslog line (facility mail, priority err, tag ``alloy-sendmail``) for a message
    that was not taken: who, the exit code, why. Nothing stops sendmail from exiting."""
    import syslog

    from alloy_tui.core.errors import printable
    from alloy_tui.core.health import syslog_send

    text = f"user {user_name()} (uid {os.getuid()}): message not accepted (exit {code}): {reason}"
    try:
        syslog_send("err", printable(text), facility=syslog.LOG_MAIL, tag="alloy-sendmail")
    except Exception:  # noqa: BLE001 - the exit code and stderr still say it
        pass
