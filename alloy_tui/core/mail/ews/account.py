"""EWS for Exchange Online: the exchangelib Account over the MSAL bearer token, for the
delivery (`delivery.EwsDelivery`).

Version pinned (Exchange2016 / build 15.20) so there is no version probe, autodiscover off,
delegate access (app-only: impersonation); a 503's Retry-After is kept as the back-off
(ErrorServerBusy), which the foreground waits out (`backoff.py`) and the runner schedules.
exchangelib loads only here (and never on the Graph path).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from alloy_tui.core.mail import m365

if TYPE_CHECKING:
    import requests
    from exchangelib import Account as ExAccount  # untyped: Any to mypy, a name to readers

    from alloy_tui.core.signin import AccessToken, AppOnlySignIn, SignIn

_classes: dict[str, type[Any]] = {}  # exchangelib subclasses (exchangelib is untyped)


def _token_dict(token: AccessToken) -> dict[str, Any]:
    return {
        "access_token": token.token,
        "token_type": "Bearer",
        "expires_in": max(0, int(token.expires_at - time.time())),
        "expires_at": token.expires_at,
    }


def _exchangelib_classes() -> dict[str, type[Any]]:
    """The credentials and retry-policy subclasses, built once exchangelib is imported."""
    if _classes:
        return _classes
    from exchangelib.credentials import OAuth2AuthorizationCodeCredentials
    from exchangelib.errors import ErrorInternalServerTransientError, ErrorServerBusy
    from exchangelib.protocol import FailFast

    # exchangelib logs failed POSTs at ERROR with the SOAP text; keep that off the admin's screen.
    logging.getLogger("exchangelib").addHandler(logging.NullHandler())
    logging.getLogger("exchangelib").propagate = False
    # requests-oauthlib logs the Authorization header at DEBUG: never let a token reach a log.
    logging.getLogger("requests_oauthlib").setLevel(logging.WARNING)

    class MsalCredentials(OAuth2AuthorizationCodeCredentials):  # type: ignore[misc]
        """Bearer token from MSAL; exchangelib asks `refresh(session=...)` when it expired locally.

        Attributes must be hashable: exchangelib puts them in the credentials' hash (a dict
        attribute fails with "TypeError: unhashable").
        """

        def __init__(
            self, signin: SignIn | AppOnlySignIn, token: AccessToken, identity: Any = None
        ) -> None:
            # identity (app-only): the mailbox named in the ExchangeImpersonation header.
            super().__init__(access_token=_token_dict(token), identity=identity)
            self._signin = signin  # hashable by identity

        def refresh(self, session: requests.Session | None = None) -> None:
            self.access_token = _token_dict(self._signin.get_token_info("ews"))

    class ServerBusy(ErrorServerBusy):  # type: ignore[misc]
        """ErrorServerBusy that remembers what the server asked for (None: it did not say)."""

        def __init__(self, text: str, server_back_off: float | None) -> None:
            super().__init__(text, back_off=server_back_off)
            self.server_back_off = server_back_off

    class RetryAfterFailFast(FailFast):  # type: ignore[misc]
        """Fail fast (we retry ourselves), but keep a 503's Retry-After as the back-off."""

        def raise_response_errors(self, response: requests.Response) -> None:
            try:
                super().raise_response_errors(response)  # returns None or raises
            except (ErrorInternalServerTransientError, ErrorServerBusy) as e:
                after = response.headers.get("Retry-After")
                wait = m365.retry_after_seconds(after, -1.0) if after else -1.0
                text = str(e.args[0] if e.args else e)
                raise ServerBusy(text, wait if wait >= 0 else None) from None

    _classes.update(
        credentials=MsalCredentials, retry_policy=RetryAfterFailFast, server_busy=ServerBusy
    )
    return _classes


def exchange_account(t: m365.M365Client, token: AccessToken, account: str) -> ExAccount:
    """The exchangelib Account these settings send with (no request yet): delegate access for a
    signed-in user; for an app-only token, `account` impersonated (the SOAP ExchangeImpersonation
    header; X-AnchorMailbox alone is not enough). One Configuration, one connection."""
    from exchangelib import (
        DELEGATE,
        IMPERSONATION,
        OAUTH2,
        UTC,
        Build,
        Configuration,
        Identity,
        Version,
    )
    from exchangelib import Account as ExAccount

    from alloy_tui.core import net

    classes = _exchangelib_classes()
    net.register_requests_host(t.endpoints.ews, t.settings, t.config_path)
    identity = Identity(primary_smtp_address=account) if t.app_only else None
    config = Configuration(
        service_endpoint=t.endpoints.ews,
        credentials=classes["credentials"](t.signin, token, identity),
        auth_type=OAUTH2,
        version=Version(build=Build(15, 20), api_version="Exchange2016"),
        retry_policy=classes["retry_policy"](),
        max_connections=1,
    )
    return ExAccount(
        primary_smtp_address=account,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION if t.app_only else DELEGATE,
        default_timezone=UTC,
    )
