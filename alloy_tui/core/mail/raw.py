"""Raw (MIME) delivery: a message exactly as a program wrote it, through the configured service.

    with open_delivery(settings, config_path) as delivery:   # services.py: one token, one connection
        delivery.send_raw(raw, ["ops@contoso.com"])            # SendResult, or ExplainedError

Every message goes this way: the runner's queued mail, and the foreground sends (`send`,
`test-send`, the wizard's test message), which compose MIME first (`compose`, `sending`).
Graph and EWS take their recipients from the message's headers, so the headers are made to
name exactly the envelope recipients first: To/Cc addresses outside the envelope are left out
(sendmail without -t: only the arguments receive it; a resend to the recipients left after a
refusal: only those), and addresses only in the envelope (Bcc, sendmail arguments) go into a
Bcc header (Exchange never shows it to the others). A message never goes without a To: when
no To address is left and nobody else is shown, the envelope recipients are the To; when Cc
shows someone, To is the empty group `undisclosed-recipients:;`.
Nothing else in the message changes but what `sendable.make_sendable` fixes (NUL bytes and
bare CRs base64-encoded, unlabelled 8-bit text labelled): Subject, Date, Message-ID, MIME
parts, 8-bit bodies stay byte for byte (bare LF line ends become CRLF, as every MTA does). SMTP
sends the bytes with the envelope recipients, minus any Bcc header: To and Cc as the program
wrote them. The header work is `headers.py`'s, the size check `limits.py`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from alloy_tui.core.mail.message import SendResult


class Delivery(Protocol):
    """Sends raw messages over one sign-in and one connection; close() (or `with`) ends it."""

    def send_raw(
        self, raw: bytes, recipients: Sequence[str], *, sender: str = ""
    ) -> SendResult: ...

    def sender_for(self, from_address: str) -> str:
        """The From a message composed now (`send`, `test-send`) carries, by the service's
        rules: UserInputError/ExplainedError before any request when it can't be used."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Delivery: ...

    def __exit__(self, *exc: object) -> None: ...
