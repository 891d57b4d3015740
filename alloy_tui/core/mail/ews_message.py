"""The one EWS message both EWS transports send (Exchange Online and Exchange Server).

exchangelib loads only when this is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core.mail.message import OutgoingMessage

if TYPE_CHECKING:  # exchangelib has no type information: these names are for the reader
    from exchangelib import Account, Message


def build_ews_message(ex_account: Account, message: OutgoingMessage, from_address: str) -> Message:
    """An exchangelib Message; `author` (From) only when sending on behalf of someone else."""
    from exchangelib import Body, HTMLBody, Mailbox, Message

    msg = Message(
        account=ex_account,
        subject=message.subject,
        body=HTMLBody(message.body) if message.html else Body(message.body),
        to_recipients=[Mailbox(email_address=a) for a in message.to],
    )
    if from_address:
        msg.author = Mailbox(email_address=from_address)
    return msg
