"""sendmail for a user who can't use the config: hand the message to the maildrop.

In system mode cron mails as www-data, backup or postgres too; they can read neither root's
0600 config nor write its 0700 outbox (and root hands its mail to the maildrop when the config
is the service user's). When the hand-off failed for exactly that reason (a PermissionError
reading the config or writing the outbox, or a system config this user may not even see), the
message goes into the maildrop folder instead, as it was read (no email parsing here: the same
minimum as the outbox hand-off), and the runner (the config's owner) parses it, applies
sendmail's rules and queues it with ``details.submitted_by``; what the rules refuse becomes a
failure notice (`core/maildrop/pickup.py`).

Said at once without the config: the command line (64, checked before), an empty message or
one over the hard size limit (65, checked before). Exit 0 once the drop file is durable; 75/73
when the maildrop can't take it; 78 when there is none. No runner is started: this user can't
read the config; the daemon (`queue run --daemon`, or the timer's `queue run`) takes the file
in within seconds. Imports: only os, errno and the light writers (no pathlib, typing, json,
email: tests/cli/test_sendmail_maildrop.py checks sys.modules).
"""

from __future__ import annotations

import os

from alloy_tui.commands.sendmail.errors import HandoffError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from alloy_tui.commands.sendmail.args import SendmailArgs


def drop_instead(
    error: HandoffError,
    args: SendmailArgs,
    raw: bytes,
    config_path: str,
    commit: Callable[[Callable[[], None]], None] | None = None,
) -> bool:
    """True once the message is durable in the maildrop; False when `error` stands (it was not
    a permission problem). HandoffError when the maildrop can't take it either. `commit`: the
    signal guard's, around the rename and the folder sync."""
    if not lacks_permission(error, config_path):
        return False
    from alloy_tui.core import maildrop

    if not args.recipients and not args.read_headers:  # the command line alone says so
        raise HandoffError("the message has no recipient: none in arguments (or use -t).", 65)
    header = maildrop.header_bytes(fields(args))
    if len(header) > maildrop.MAX_HEADER_BYTES:  # the runner could not read it: said now
        raise HandoffError(
            f"the command line's {len(args.recipients)} recipients and options take "
            f"{len(header)} bytes; at most {maildrop.MAX_HEADER_BYTES} can be handed off. Send "
            "to fewer recipients at once (or put them in the message's headers with -t).",
            os.EX_USAGE,
        )
    try:
        maildrop.drop_bytes(maildrop.submit_path(), header, raw, commit)
    except maildrop.MaildropError as e:
        if e.exit_code == os.EX_CONFIG:
            raise HandoffError(
                f"{user_name()} can't use the config {config_path} ({error}), and {e}", e.exit_code
            ) from None
        raise HandoffError(str(e), e.exit_code) from None
    return True


def fields(args: SendmailArgs) -> dict[str, object]:
    """The drop file's header (drop_file.Envelope's fields): the command line as given. Not who
    ran sendmail: the runner takes that from the file's owner, never from the file."""
    body: dict[str, object] = {
        "recipients": list(args.recipients),
        "read_headers": args.read_headers,
        "envelope_from": args.envelope_from,
        "full_name": args.full_name,
    }
    if args.dsn:  # -N/-R/-V: recorded by the runner, as in the outbox
        body["dsn"] = dict(sorted(args.dsn.items()))
    if not args.ignore_dots:
        body["ignore_dots"] = False  # the runner ends the message at a lone "." line
    return body


def lacks_permission(error: BaseException, config_path: str) -> bool:
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
        from alloy_tui.commands.sendmail.facts import system_config_hidden

        return system_config_hidden()  # none of our own: is the system's there, out of reach?
    os.close(fd)
    return False


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
