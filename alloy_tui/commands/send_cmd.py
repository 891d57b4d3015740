"""`alloy-tui test-send` and `alloy-tui send`: for the admin, for scripts and for cron.

Exit 0 only when the message was accepted, and always then: an alert log that can't be written
or a full or closed stdout is a warning, not the outcome. Failures print the explanation (what,
why, fix) on stderr and exit 1; bad input (and a body over the service's limit) exits 2;
SIGINT/SIGTERM/SIGHUP during a send leave an `.interrupted` alert-log entry and exit 128 + signal.
The body of `send` is read from stdin as bytes (`alloy_tui.core.mail.body`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, BinaryIO

import click

from alloy_tui.cli_support.interrupts import interruptible
from alloy_tui.cli_support.outcome import echo_result, log_warnings
from alloy_tui.commands.account_cmd import ensure_signed_in
from alloy_tui.commands.context import CliContext, as_config_owner, config_owner

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.mail import SendResult


def _sent_line(r: SendResult, what: str) -> str:
    from alloy_tui.core.mail import API_LABELS

    line = f"{what} has been sent to {', '.join(r.to)} via {API_LABELS.get(r.api, r.api)}"
    if r.account and r.account.lower() != r.from_address.lower():
        line += f" as {r.account}, From: {r.from_address}"
    else:
        line += f" from {r.from_address}"
    line += f" ({r.duration_ms} ms"
    if r.attempts > 1:
        line += f", {r.attempts} attempts"
    if r.request_id:
        line += f", request-id {r.request_id}"
    return line + ")."


FROM_OPTION = click.option(
    "--from",
    "from_address",
    default="",
    metavar="ADDR",
    help="Send on behalf of this mailbox (needs delegation).",
)


@config_owner
@click.command("test-send")
@click.option("--to", "to", required=True, metavar="ADDR", help="Who gets the test message.")
@FROM_OPTION
@click.pass_obj
def test_send_command(obj: CliContext, to: str, from_address: str) -> None:
    """Send the test message (says host, service, API, account, From and time)."""
    from alloy_tui.core.mail import (
        OutgoingMessage,
        parse_address,
        send_test_message,
        validate_message,
    )

    # A typo costs no sign-in and no round trip (exit 2, one clear line). One address only.
    validate_message(OutgoingMessage((parse_address(to),), "", "", from_address=from_address))
    loaded = ensure_signed_in(obj, obj.load())
    settings = loaded.settings
    with log_warnings(), interruptible():
        result = send_test_message(
            settings, obj.config_path, to, from_address or settings.message.default_from
        )
    echo_result(_sent_line(result, "Test message"))


def _read_body(settings: Settings) -> tuple[str, str]:
    """(body, charset it was read as) from stdin's bytes; no stdin is an empty body."""
    from alloy_tui.core.mail import decode_body, read_body

    stream = sys.stdin
    if stream is None or stream.closed:
        return "", "utf-8"
    try:
        if stream.isatty():
            click.echo("Reading the message body from stdin; end it with Ctrl+D.", err=True)
        raw: BinaryIO = getattr(stream, "buffer", None) or stream  # type: ignore[assignment]
        data = read_body(raw, settings)
    except (OSError, ValueError):  # fd 0 closed under us: no body
        return "", "utf-8"
    body, charset = decode_body(data)
    if charset not in ("utf-8", "utf-16"):
        click.echo(
            f"alloy-tui: note: the message body is not UTF-8; it was read as {charset.upper()} "
            "(every byte kept).",
            err=True,
        )
    return body, charset


@click.command("send")
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="ADDR",
    # Checked below, so a missing --to is one `alloy-tui: ...` line like every other bad input.
    help="A recipient (repeat for more).  [required]",
)
@click.option("--subject", required=True, help="The subject line.")
@FROM_OPTION
@click.option(
    "--html", is_flag=True, help="The body is HTML (default: plain text, or message.format)."
)
@click.option(
    "--attach", "attach", multiple=True, metavar="FILE", help="Attach a file (repeat for more)."
)
@click.option(
    "--queue",
    "queue",
    is_flag=True,
    help="Hand the message to the outbox and exit once it is safe on disk; it is sent in the background.",
)
@click.pass_obj
def send_command(
    obj: CliContext,
    to: tuple[str, ...],
    subject: str,
    from_address: str,
    html: bool,
    attach: tuple[str, ...] = (),
    queue: bool = False,
) -> None:
    """Send a message; the body is read from stdin (for scripts and cron)."""
    from alloy_tui.core.mail import OutgoingMessage, send_message, validate_message

    # No --to, a typo, a line break in the subject: refused before the sign-in and the body
    # (exit 2, one clear line), by the same check send_message makes.
    validate_message(OutgoingMessage(tuple(to), subject, "", from_address=from_address))
    from alloy_tui.cli_support import send_queue

    attachments = send_queue.read_attachments(attach)
    as_config_owner(obj)  # root for another user's config: that user, now the files are read
    loaded = ensure_signed_in(obj, obj.load())
    settings = loaded.settings
    body, charset = _read_body(settings)
    message = OutgoingMessage(
        to=tuple(to),
        subject=subject,
        body=body,
        html=html or settings.message.format == "html",
        from_address=from_address or settings.message.default_from,
        body_charset=charset,
    )
    if queue:
        click.echo(send_queue.queue_message(obj, settings, message, attachments))
        return
    with log_warnings(), interruptible():  # one road: MIME through the service's delivery
        result = send_message(settings, obj.config_path, message, attachments=attachments)
    echo_result(_sent_line(result, "Message"))


COMMANDS: list[click.Command] = [test_send_command, send_command]
