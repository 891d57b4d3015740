"""What both EWS deliveries share (Exchange Online's `ews/delivery.py`, Exchange Server's
`exchange_server/delivery.py`): the message's MIME as one item (CreateItem, SendOnly), the
exchangelib Account kept across messages, and closing it, with exchangelib's process-wide
cached protocol (it holds the credentials) forgotten. exchangelib loads only in these
functions."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from alloy_tui.core.mail.headers import for_exchange, from_header_address
from alloy_tui.core.mail.message import SendResult

if TYPE_CHECKING:  # exchangelib has no type information: these names are for the reader
    from exchangelib import Account, Configuration


def mime_item(ex_account: Any, message: bytes, recipients: Sequence[str]) -> Any:
    from exchangelib import Message

    return Message(account=ex_account, mime_content=for_exchange(message, recipients))


class ItemDelivery:
    """What both EWS deliveries share: the Account kept across messages, and closing it."""

    _ex_account: Any = None
    api = ""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._ex_account is not None:
            close_account(self._ex_account)
            self._ex_account = None

    def _result(
        self, account: str, message: bytes, recipients: Sequence[str], started: float
    ) -> SendResult:
        from alloy_tui.core import net

        return SendResult(
            api=self.api,
            account=account,
            from_address=from_header_address(message) or account,
            to=tuple(recipients),
            duration_ms=int((time.monotonic() - started) * 1000),
            request_id=net.last_request_id(),
            extra={"size": str(len(message))},
        )


def forget_protocol(config: Configuration) -> None:
    """Drop exchangelib's process-wide cached Protocol (it holds the credentials) for `config`."""
    from exchangelib.protocol import Protocol

    try:
        del Protocol[config]
    except KeyError:
        pass


def close_account(ex_account: Account | None) -> None:
    if ex_account is None:
        return
    try:
        ex_account.protocol.close()
    except Exception:  # noqa: BLE001 - closing must never mask the real outcome
        pass
    forget_protocol(ex_account.protocol.config)
