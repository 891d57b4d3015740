"""Exchange Online's EWS delivery: the message's MIME content as a new item, sent with one
CreateItem (SendOnly), signed in with the MSAL token (app-only impersonates the mailbox). One
exchangelib Account, one token and one connection serve every message of a run; a token the
service refuses is renewed once. exchangelib loads only in these functions.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, ExplainedError
from alloy_tui.core.mail import m365
from alloy_tui.core.mail.ews.items import ItemDelivery, mime_item
from alloy_tui.core.mail.headers import other_from
from alloy_tui.core.mail.limits import sendable_within_limit
from alloy_tui.core.mail.message import SendResult


class EwsDelivery(ItemDelivery, m365.M365Client):
    api = "ews"

    def __init__(self, settings: Settings, config_path: Path, *, signin: Any = None) -> None:
        m365.M365Client.__init__(self, settings, config_path, signin)
        self._account = ""
        self.token_acquisitions = 0

    def _ready(self) -> Any:
        if self._ex_account is not None:
            return self._ex_account
        from alloy_tui.core import net
        from alloy_tui.core.mail.ews.account import exchange_account

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
        message = sendable_within_limit(message, self.settings)
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
        from alloy_tui.core.mail.ews.account import exchange_account

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
