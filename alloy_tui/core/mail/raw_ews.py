"""Raw delivery through EWS: the message's MIME content as a new item, sent with one CreateItem
(SendOnly). Exchange Online signs in with the MSAL token (`EwsDelivery`; app-only impersonates
the mailbox, as the EWS transport does); Exchange Server with NTLM/Basic
(`ExchangeServerDelivery`). One exchangelib Account, one token or password, and one
connection serve every message of a run. exchangelib loads only here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, ExplainedError, UserInputError
from alloy_tui.core.mail import m365
from alloy_tui.core.mail.exchange_server import (
    PINNED_VERSION,
    ExchangeServerClient,
    check_exchange_settings,
    mailbox_address,
)
from alloy_tui.core.mail.exchange_server import _close as close_account
from alloy_tui.core.mail.headers import for_exchange, from_header_address, other_from
from alloy_tui.core.mail.limits import size_refusal
from alloy_tui.core.mail.message import SendResult
from alloy_tui.core.mail.sendable import make_sendable


def mime_item(ex_account: Any, message: bytes, recipients: Sequence[str]) -> Any:
    from exchangelib import Message

    return Message(account=ex_account, mime_content=for_exchange(message, recipients))


class _Base:
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


class EwsDelivery(_Base, m365.M365Client):
    api = "ews"

    def __init__(self, settings: Settings, config_path: Path, *, signin: Any = None) -> None:
        m365.M365Client.__init__(self, settings, config_path, signin)
        self._account = ""
        self.token_acquisitions = 0

    def _ready(self) -> Any:
        if self._ex_account is not None:
            return self._ex_account
        from alloy_tui.core import net
        from alloy_tui.core.mail.ews import exchange_account

        net.ssl_context(self.settings, self.config_path)  # a bad CA bundle stops us here
        token = self.signin.get_token_info("ews")
        self.token_acquisitions += 1
        self._account = self.signin.username() or self.settings.exchange_online.account
        self._ex_account = exchange_account(self, token, self._account)
        return self._ex_account

    def send_raw(
        self, message: bytes, recipients: Sequence[str], *, sender: str = ""
    ) -> SendResult:
        started = time.monotonic()
        message = make_sendable(message)  # NUL, bare CR, unlabelled 8-bit
        too_big = size_refusal(len(message), self.settings)
        if too_big is not None:
            raise ExplainedError(too_big)
        ex_account = self._ready()
        for attempt in (1, 2):
            try:
                mime_item(ex_account, message, recipients).send(save_copy=False)
                break
            except AlloyError:
                raise
            except Exception as e:
                if attempt == 1 and _refused_token(e):
                    # A token we thought valid was refused (clock skew, revocation): renew it
                    # once and send at once, as the Graph delivery does.
                    ex_account = self._renewed()
                    continue
                self._failed(e, message)
        return self._result(self._account, message, recipients, started)

    def _renewed(self) -> Any:
        """A new token (refreshed, not from the cache) and an Account (and connection) for it."""
        from alloy_tui.core.mail.ews import exchange_account

        token = self.signin.get_token_info("ews", force_refresh=True)
        self.token_acquisitions += 1
        self.close()
        self._ex_account = exchange_account(self, token, self._account)
        return self._ex_account

    def _failed(self, e: Exception, message: bytes) -> NoReturn:
        from alloy_tui.core import net
        from alloy_tui.core.explain import explain

        other = other_from(message, self._account)
        ex = self._refine(explain(e, self._ctx(self._account, other)), other)
        ex.request_id = ex.request_id or net.last_request_id()
        wait = getattr(e, "server_back_off", None) or getattr(e, "back_off", None)
        if wait:
            ex.details["retry_after"] = float(wait)
        if _busy(e):  # the foreground waits and tries again
            ex.details["busy"] = True
        raise ExplainedError(ex) from None


def _busy(e: BaseException) -> bool:
    """exchangelib's ErrorServerBusy (a SOAP back-off or a 503) or a transient server error."""
    names = {cls.__name__ for cls in type(e).__mro__}
    return bool(names & {"ErrorServerBusy", "ErrorInternalServerTransientError"})


def _refused_token(e: BaseException) -> bool:
    """exchangelib's UnauthorizedError: Exchange answered 401 to our bearer token."""
    return any(cls.__name__ == "UnauthorizedError" for cls in type(e).__mro__)


class ExchangeServerDelivery(_Base, ExchangeServerClient):
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
        message = make_sendable(message)  # NUL, bare CR, unlabelled 8-bit
        too_big = size_refusal(len(message), self.settings)
        if too_big is not None:
            raise ExplainedError(too_big)
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
