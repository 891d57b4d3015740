"""Pieces shared by the Graph and EWS deliveries (no heavy imports here): the sign-in, the
From rules, endpoints, explanations."""

from __future__ import annotations

import email.utils
import time
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation

if TYPE_CHECKING:
    from alloy_tui.core.explain import ExplainContext
    from alloy_tui.core.signin import AppOnlySignIn, SignIn


def sign_in(
    settings: Settings, config_path: Path, signin: SignIn | AppOnlySignIn | None
) -> SignIn | AppOnlySignIn:
    if signin is not None:
        return signin
    from alloy_tui.core.signin import sign_in_for

    return sign_in_for(settings, config_path)


def resolve_from(settings: Settings, account: str, from_address: str) -> str:
    """'' when the message goes out From the account itself, else the other mailbox.

    A different From with delegation off is refused here, before any request.
    """
    if not from_address or from_address.lower() == account.lower():
        return ""
    if not settings.exchange_online.from_delegation:
        raise ExplainedError(delegation_off(account, from_address))
    return from_address


def delegation_off(account: str, from_address: str) -> Explanation:
    return Explanation(
        title="Sending as another address is turned off",
        cause=(
            f"The message asks for From: {from_address}, but 'From' address delegation is off, so "
            f"alloy-tui sends only as the signed-in account {account or '(the signed-in account)'}. "
            "Nothing was sent."
        ),
        fix=(
            "Leave the From address empty (or set it to the signed-in account), or turn on 'From' "
            "address delegation (exchange_online.from_delegation = true, or the wizard's Delegation step) "
            f"and sign in again so the app is granted Mail.Send.Shared; {from_address} must also grant "
            f"{account or 'the account'} Send On Behalf (Outlook: File > Info > Account Settings > "
            "Delegate Access > Add > choose the account's mailbox > None for each folder > OK)."
        ),
        code="delegation_off",
        verdict="message",  # this message's From
    )


def retry_after_seconds(value: str | None, default: float) -> float:
    """Retry-After as seconds (a number or an HTTP date); `default` when absent or unreadable."""
    if not value:
        return default
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def _app_only_class() -> type[AppOnlySignIn]:
    from alloy_tui.core.signin import AppOnlySignIn

    return AppOnlySignIn


class M365Client:
    """What the Graph and EWS deliveries share: settings, sign-in, endpoints, the From rules."""

    api = ""

    def __init__(
        self,
        settings: Settings,
        config_path: Path,
        signin: SignIn | AppOnlySignIn | None = None,
    ) -> None:
        from alloy_tui.core.net import clouds

        self.settings = settings
        self.config_path = config_path
        self.signin = sign_in(settings, config_path, signin)
        self.endpoints = clouds.endpoints(settings)
        self.last_request_id = ""

    @property
    def app_only(self) -> bool:
        return bool(getattr(self.signin, "app_only", False))

    @property
    def mailbox_url(self) -> str:
        """Graph's root for the sending mailbox (/me, or /users/{mailbox} for app-only): every
        Graph send path, JSON, MIME or draft, goes under it."""
        from alloy_tui.core.net import clouds

        return clouds.mailbox_url(self.settings)

    def _refine(self, ex: Explanation, from_address: str) -> Explanation:
        """App-only: say which scope, role or grant a refusal is about (and the command)."""
        signin = self.signin
        if not isinstance(signin, _app_only_class()):
            return ex
        from alloy_tui.core.explain import refine_send

        return refine_send(ex, self._ctx(signin.username(), from_address), signin.hints())

    def _endpoint(self) -> str:
        return str(getattr(self.endpoints, self.api))

    def _ctx(self, account: str, from_address: str) -> ExplainContext:
        from urllib.parse import urlsplit

        from alloy_tui.core.explain import ExplainContext

        return ExplainContext.from_settings(
            self.settings,
            account=account,
            from_address=from_address,
            host=urlsplit(self._endpoint()).hostname or "",
        )

    def sender_for(self, from_address: str) -> str:
        """The From a message composed now carries: the account itself (also when
        `from_address` is the account's own address), or another mailbox when 'From'
        delegation is on. Checked before any request: a bad CA bundle, a different From with
        delegation off (ExplainedError), no account signed in."""
        from alloy_tui.core import net

        net.ssl_context(self.settings, self.config_path)  # a bad CA bundle stops us here
        account = self.signin.username()
        try:
            other = resolve_from(self.settings, account, from_address)
        except ExplainedError as e:
            if self.app_only:  # no sign-in again and no Mail.Send.Shared for an app
                e.explanation.fix = (
                    f"Leave the From address empty (or set it to {account}), or turn on "
                    "exchange_online.from_delegation = true; then "
                    f"{from_address} must grant {account} Send As or Send on Behalf "
                    "and be in the app's management scope."
                )
            raise
        return other or account
