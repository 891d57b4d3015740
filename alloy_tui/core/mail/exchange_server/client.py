"""Send through Microsoft Exchange Server (on-premises) with exchangelib: EWS with NTLM or Basic.

The EWS URL is ``[exchange_server] ews_endpoint`` (https only: Basic sends the password with
every request). The version is pinned to Exchange 2013 SP1, which every supported on-premises
Exchange (2013 SP1, 2016, 2019, Subscription Edition) accepts, so there is no version probe and
no autodiscover when sending (`discover.py` finds the URL for
`status` and the wizard). Messages go as MIME (`delivery.py`): one CreateItem (SendOnly) each.
TLS trusts the system store plus ``[network] ca_bundle`` through `net.register_requests_host`,
limited to the EWS host. The password comes from `alloy_tui.core.secrets.passwords` and never appears in
an exception, a result or a log line. exchangelib loads only inside these functions.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from alloy_tui.core.config import EXCHANGE_AUTH, Settings
from alloy_tui.core.errors import Explanation, UserInputError
from alloy_tui.core.explain import ExplainContext
from alloy_tui.core.mail.ews.items import forget_protocol
from alloy_tui.core.mail.message import OutgoingMessage

if TYPE_CHECKING:  # exchangelib has no type information: these names are for the reader
    from exchangelib import Account

PINNED_VERSION = "Exchange2013_SP1"
_VERSION_ERRORS = {
    "ErrorInvalidServerVersion",
    "ErrorIncorrectSchemaVersion",
    "ErrorInvalidSchemaVersionForMailboxVersion",
}


def _check_url(url: str) -> None:
    if not url:
        raise UserInputError(
            "exchange_server.ews_endpoint is empty: give the EWS URL, usually "
            "https://<mail server>/EWS/Exchange.asmx (`alloy-tui status` finds it by Autodiscover "
            "from the account's address; on the Exchange server, "
            "`Get-WebServicesVirtualDirectory | Format-List InternalUrl,ExternalUrl` shows it)."
        )
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise UserInputError(
            f'exchange_server.ews_endpoint must be an https:// URL, got "{url}" '
            "(the password would otherwise cross the network unencrypted)."
        )
    if parts.path in ("", "/"):
        raise UserInputError(
            f'exchange_server.ews_endpoint "{url}" names a server, not the EWS URL: usually '
            f"https://{parts.netloc}/EWS/Exchange.asmx (`alloy-tui status` asks that server "
            "by Autodiscover)."
        )


def check_exchange_settings(settings: Settings, *, check_url: bool = True) -> None:
    """Raise UserInputError for an endpoint, username or auth that can't work (before traffic)."""
    s = settings.exchange_server
    url = s.ews_endpoint.strip()
    if check_url:
        _check_url(url)
    if not s.username.strip():
        raise UserInputError(
            "exchange_server.username is empty: give the account as DOMAIN\\user or user@example.com."
        )
    if any(c in s.username for c in "\r\n\x00"):
        raise UserInputError("exchange_server.username must be a single line.")
    if s.auth not in EXCHANGE_AUTH:
        raise UserInputError(f'exchange_server.auth must be "ntlm" or "basic", got "{s.auth}".')


def mailbox_address(settings: Settings, message: OutgoingMessage | None = None) -> str:
    """The address exchangelib anchors requests on (X-AnchorMailbox): the username if it is a
    UPN, else message.default_from, else the message's From."""
    user = settings.exchange_server.username.strip()
    if "@" in user and "\\" not in user:
        return user
    if settings.message.default_from:
        return settings.message.default_from
    return message.from_address if message is not None else ""


class ExchangeServerClient:
    """Settings, password, the exchangelib Account and explanations for Exchange Server: what
    the delivery (`delivery.py`) and `status` (`status.py`) share."""

    api = "exchange-server"

    def __init__(
        self, settings: Settings, config_path: Path, *, password: str | None = None
    ) -> None:
        self.settings = settings
        self.config_path = config_path
        self._password = password  # the wizard tests a typed password before storing it
        self.last_request_id = ""
        self.last_attempts = 0

    # ------------------------------------------------------------------------- helpers
    @property
    def endpoint(self) -> str:
        return self.settings.exchange_server.ews_endpoint.strip()

    def _get_password(self) -> str:
        if self._password is not None:
            return self._password
        from alloy_tui.core import secrets

        return secrets.get_password(
            self.settings,
            "exchange-server",
            timeout=float(self.settings.network.timeout),
            config_path=self.config_path,
        )

    def _ctx(self, account: str, from_address: str) -> ExplainContext:
        return ExplainContext(
            service="exchange-server",
            api="exchange-server",
            account=account,
            from_address=from_address,
            host=urlsplit(self.endpoint).hostname or "",
        )

    def _account(self, password: str, primary: str) -> Account:
        """An exchangelib Account: pinned version, no autodiscover, our TLS for this host only."""
        from alloy_tui.core import net

        net.ssl_context(
            self.settings, self.config_path
        )  # a bad CA bundle stops us before any request
        from exchangelib import (
            BASIC,
            DELEGATE,
            NTLM,
            UTC,
            Configuration,
            Credentials,
            FailFast,
            Version,
        )
        from exchangelib import Account as ExAccount
        from exchangelib.version import EXCHANGE_2013_SP1

        # exchangelib logs failed POSTs at ERROR with the SOAP text; keep that off the screen.
        logging.getLogger("exchangelib").addHandler(logging.NullHandler())
        logging.getLogger("exchangelib").propagate = False
        net.register_requests_host(self.endpoint, self.settings, self.config_path)
        s = self.settings.exchange_server
        config = Configuration(
            service_endpoint=self.endpoint,
            credentials=Credentials(s.username.strip(), password),
            auth_type=NTLM if s.auth == "ntlm" else BASIC,
            version=Version(build=EXCHANGE_2013_SP1, api_version=PINNED_VERSION),
            retry_policy=FailFast(),
            max_connections=1,
        )
        forget_protocol(config)  # exchangelib's cache ignores auth_type: never reuse a stale one
        return ExAccount(
            primary_smtp_address=primary,
            config=config,
            autodiscover=False,
            access_type=DELEGATE,
            default_timezone=UTC,
        )

    def explain(
        self, exc: BaseException, account: str, from_address: str, password: str
    ) -> Explanation:
        from alloy_tui.core.explain import explain

        ctx = self._ctx(account, from_address)
        names = {cls.__name__ for cls in type(exc).__mro__}
        if names & _VERSION_ERRORS:
            ex = Explanation(
                title="The Exchange server does not accept this EWS version",
                cause=(
                    f"{ctx.host} refused requests for {PINNED_VERSION} ({type(exc).__name__}). alloy-tui "
                    "supports Exchange Server 2013 SP1 and later."
                ),
                fix="Check that the URL points at Exchange 2013 SP1 or later (Exchange 2010 is out of support).",
                code=type(exc).__name__,
                verdict="settings",
            )
        else:
            ex = explain(
                exc, ctx
            )  # exchangelib -> explain_ews; TLS, DNS, refused -> explain_network
        from alloy_tui.core.mail.smtp.client import scrub

        return scrub(ex, password)
