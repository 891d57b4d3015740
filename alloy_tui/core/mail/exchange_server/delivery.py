"""Exchange Server's delivery: the message's MIME as one CreateItem (SendOnly) over NTLM or
Basic, one exchangelib Account and one password for a whole run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, ExplainedError, UserInputError
from alloy_tui.core.mail.ews.items import ItemDelivery, mime_item
from alloy_tui.core.mail.exchange_server.client import (
    PINNED_VERSION,
    ExchangeServerClient,
    check_exchange_settings,
    mailbox_address,
)
from alloy_tui.core.mail.headers import other_from
from alloy_tui.core.mail.limits import sendable_within_limit
from alloy_tui.core.mail.message import SendResult


class ExchangeServerDelivery(ItemDelivery, ExchangeServerClient):
    api = "exchange-server"

    def __init__(self, settings: Settings, config_path: Path) -> None:
        ExchangeServerClient.__init__(self, settings, config_path)
        self._secret = ""

    def sender_for(self, from_address: str) -> str:
        """The From a message composed now carries: the one asked for, else
        [message] default_from, else the account's address."""
        return from_address or self.settings.message.default_from or mailbox_address(self.settings)

    def _ready(self) -> Any:
        if self._ex_account is not None:
            return self._ex_account
        check_exchange_settings(self.settings)
        primary = mailbox_address(self.settings)
        if not primary:
            raise UserInputError(
                "With a DOMAIN\\user username, set message.default_from to this account's e-mail "
                "address (or use the account's user@domain name as exchange_server.username)."
            )
        self._secret = self._secret or self._get_password()
        self._ex_account = self._account(self._secret, primary)
        return self._ex_account

    def send_raw(
        self, message: bytes, recipients: Sequence[str], *, sender: str = ""
    ) -> SendResult:
        started = time.monotonic()
        message = sendable_within_limit(message, self.settings)
        label = self.settings.exchange_server.username.strip()
        try:
            ex_account = self._ready()
            mime_item(ex_account, message, recipients).send(save_copy=False)
        except AlloyError:
            raise
        except Exception as e:
            from alloy_tui.core import net

            ex = self.explain(e, label, other_from(message, label), self._secret)
            ex.request_id = ex.request_id or net.last_request_id()
            ex.details.update(
                duration_ms=int((time.monotonic() - started) * 1000),
                endpoint=self.endpoint,
                auth=self.settings.exchange_server.auth,
                api="exchange-server",
            )
            self.close()
            raise ExplainedError(ex) from None
        result = self._result(label, message, recipients, started)
        result.extra.update(
            endpoint=self.endpoint, auth=self.settings.exchange_server.auth, version=PINNED_VERSION
        )
        return result
