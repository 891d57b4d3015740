"""Send through Microsoft Exchange Server (on-premises) with exchangelib: EWS with NTLM or Basic.

The EWS URL is ``[exchange_server] ews_endpoint`` (https only: Basic sends the password with
every request). The version is pinned to Exchange 2013 SP1, which every supported on-premises
Exchange (2013 SP1, 2016, 2019, Subscription Edition) accepts, so there is no version probe and
no autodiscover when sending (`exchange_server_discover` finds the URL for `status` and the wizard). Messages go as MIME (raw_ews.ExchangeServerDelivery): one CreateItem (SendOnly) each.
TLS trusts the system store plus ``[network] ca_bundle`` through `net.register_requests_host`,
limited to the EWS host. The password comes from `alloy_tui.core.secrets.passwords` and never appears in
an exception, a result or a log line. exchangelib loads only inside these functions.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from alloy_tui.core.config import EXCHANGE_AUTH, Settings
from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation, UserInputError
from alloy_tui.core.explain import ExplainContext
from alloy_tui.core.mail.message import OutgoingMessage

if TYPE_CHECKING:  # exchangelib has no type information: these names are for the reader
    from exchangelib import Account, Configuration

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
    the delivery (raw_ews.ExchangeServerDelivery) and `status` share."""

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
        _forget_protocol(config)  # exchangelib's cache ignores auth_type: never reuse a stale one
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
        from alloy_tui.core.mail.smtp import scrub

        return scrub(ex, password)


def _forget_protocol(config: Configuration) -> None:
    """Drop exchangelib's process-wide cached Protocol (it holds the credentials) for `config`."""
    from exchangelib.protocol import Protocol

    try:
        del Protocol[config]
    except KeyError:
        pass


def _close(ex_account: Account | None) -> None:
    if ex_account is None:
        return
    try:
        ex_account.protocol.close()
    except Exception:  # noqa: BLE001 - closing must never mask the real outcome
        pass
    _forget_protocol(ex_account.protocol.config)


# ----------------------------------------------------------------------------- status


def status(settings: Settings, config_path: Path) -> tuple[bool, list[str]]:
    """Check TLS and the credentials with one harmless EWS request (ResolveNames of the mailbox).

    With no EWS URL (or only a server's), Autodiscover looks for it first; what it finds is
    checked but not saved, so the answer is still "not ready" until it is in the config.
    """
    from alloy_tui.core.mail.exchange_server_discover import discover_ews_url, needs_discovery

    s = settings.exchange_server
    discover = needs_discovery(s.ews_endpoint)
    lines = [
        f"EWS URL: {s.ews_endpoint or '(none)'}"
        + (" (looking for it by Autodiscover)" if discover else ""),
        f"Account: {s.username or '(none)'}, {s.auth.upper()} authentication, EWS {PINNED_VERSION}",
    ]
    transport = ExchangeServerClient(settings, config_path)
    started = time.monotonic()
    password = ""
    found = ""
    ex_account: Account | None = None
    try:
        check_exchange_settings(settings, check_url=not discover)
        from alloy_tui.core import secrets

        lines.append(f"Password: {secrets.password_source(settings, 'exchange-server').describe()}")
        password = transport._get_password()
        primary = mailbox_address(settings)
        if not primary:
            raise UserInputError(
                "With a DOMAIN\\user username, set message.default_from to this account's e-mail address."
            )
        if discover:
            result = discover_ews_url(
                settings, config_path, primary, server=s.ews_endpoint, password=password
            )
            found = result.ews_url
            lines.append(f"Autodiscover found: {found} (asked {result.source})")
            settings = settings.with_section("exchange_server", ews_endpoint=found)
            transport = ExchangeServerClient(settings, config_path)
        ex_account = transport._account(password, primary)
        from exchangelib.errors import ResponseMessageError

        try:
            resolved = ex_account.protocol.resolve_names([primary])
            lines.append(
                f"Signed in; mailbox {primary} {'found' if resolved else 'not found by ResolveNames'}"
            )
        except ResponseMessageError as e:
            # A SOAP-level answer means TLS and the credentials were accepted.
            lines.append(
                f"Signed in: the credentials were accepted (the mailbox lookup answered "
                f"{type(e).__name__})"
            )
    except ExplainedError as e:
        ex = e.explanation
        lines += [f"FAILED: {ex.title}", f"  Why: {ex.cause}", f"  Fix: {ex.fix}"]
        return False, lines
    except AlloyError as e:
        lines.append(f"FAILED: {str(e).replace(password, '***') if password else e}")
        return False, lines
    except Exception as e:
        ex = transport.explain(e, s.username, "", password)
        lines += [f"FAILED: {ex.title}", f"  Why: {ex.cause}", f"  Fix: {ex.fix}"]
        return False, lines
    finally:
        _close(ex_account)
    if found:
        lines.append(
            f'Not saved: set ews_endpoint = "{found}" in [exchange_server] of the config '
            "(or run the setup wizard); nothing can be sent until then."
        )
        return False, lines
    lines.append(f"OK ({int((time.monotonic() - started) * 1000)} ms)")
    return True, lines
