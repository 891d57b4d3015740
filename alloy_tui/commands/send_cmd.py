"""`alloy-tui test-send` and `alloy-tui send`: for the admin, for scripts and for cron.

Exit 0 only when the message was accepted. Failures print the explanation (what, why, fix)
on stderr and exit 1; bad input exits 2. The body of `send` is read from stdin.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from alloy_tui.commands.account_cmd import ensure_signed_in, load
from alloy_tui.commands.context import CliContext, fail

if TYPE_CHECKING:
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


@click.command("test-send")
@click.option("--to", "to", required=True, metavar="ADDR", help="Who gets the test message.")
@FROM_OPTION
@click.pass_obj
def test_send_command(obj: CliContext, to: str, from_address: str) -> None:
    """Send the test message (says host, service, API, account, From and time)."""
    from alloy_tui.core.mail import parse_address, send_test_message

    parse_address(to)  # a typo costs no sign-in and no round trip (exit 2, one clear line)
    if from_address:
        parse_address(from_address, "From address")
    loaded = ensure_signed_in(obj, load(obj))
    settings = loaded.settings
    result = send_test_message(
        settings, obj.config_path, to, from_address or settings.message.default_from
    )
    click.echo(_sent_line(result, "Test message"))


def _read_body() -> str:
    stream = sys.stdin
    if stream is None or stream.closed:
        return ""
    try:
        if stream.isatty():
            click.echo("Reading the message body from stdin; end it with Ctrl+D.", err=True)
        return stream.read()
    except (OSError, ValueError):
        return ""


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
@click.pass_obj
def send_command(
    obj: CliContext, to: tuple[str, ...], subject: str, from_address: str, html: bool
) -> None:
    """Send a message; the body is read from stdin (for scripts and cron)."""
    from alloy_tui.core.mail import (
        OutgoingMessage,
        check_header_text,
        parse_address,
        parse_addresses,
        send_message,
    )

    if not to:
        fail("No recipient: give at least one --to ADDR.")
    parse_addresses(list(to))
    check_header_text(subject, "subject")
    if from_address:
        parse_address(from_address, "From address")
    loaded = ensure_signed_in(obj, load(obj))
    settings = loaded.settings
    body = _read_body()
    message = OutgoingMessage(
        to=tuple(to),
        subject=subject,
        body=body,
        html=html or settings.message.format == "html",
        from_address=from_address or settings.message.default_from,
    )
    result = send_message(settings, obj.config_path, message)
    click.echo(_sent_line(result, "Message"))


COMMANDS: list[click.Command] = [test_send_command, send_command]
