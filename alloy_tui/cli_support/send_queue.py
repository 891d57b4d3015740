"""`send --attach FILE` and `send --queue`: the attachments read first; with --queue the message
as MIME handed to the outbox.

Without --queue, send waits for the service (`send_message`: the same MIME and delivery,
attachments or not). With --queue it exits 0 once the message is durable in the outbox; a
detached runner delivers it, and `alloy-tui queue list` shows where it stands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alloy_tui.commands.context import CliContext, fail


def read_attachments(files: tuple[str, ...]) -> list[Any]:
    """Every --attach file, read before any sign-in or network traffic."""
    from alloy_tui.core.mail import read_attachment

    return [read_attachment(Path(f).expanduser()) for f in files]


def queue_message(obj: CliContext, settings: Any, message: Any, attachments: list[Any]) -> str:
    """Hand the message to the outbox; the line to print once it is durable."""
    from alloy_tui.core.mail import compose_mime, sending_account
    from alloy_tui.core.outbox import OutboxError, open_outbox, wake_runner

    sender = message.from_address or sending_account(settings)
    if not sender:
        fail("no account to send as yet: run `alloy-tui login` first (or give --from ADDR).")
    raw = compose_mime(message, attachments, sender)
    box = open_outbox(settings, obj.config_path)
    try:
        qid = box.submit(
            raw,
            recipients=list(message.to),
            sender=sender,
            source="send --queue",
            return_path=sender,
        )
    except OutboxError as e:
        ex = e.explanation
        fail(f"{ex.title}: {ex.cause} Fix: {ex.fix}", e.exit_code)
    wake_runner(obj.config_path, box.path)
    return f"Queued {qid} for {', '.join(message.to)}; `alloy-tui queue list` shows it."
