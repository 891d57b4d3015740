"""Pieces shared by the Graph and EWS transports (no heavy imports here)."""

from __future__ import annotations

import email.utils
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation
from alloy_tui.core.mail.message import OutgoingMessage, validate_message

if TYPE_CHECKING:
    from alloy_tui.core.explain import ExplainContext
    from alloy_tui.core.signin import AccessToken, AppOnlySignIn, SignIn

MAX_ATTEMPTS = 4  # the first try and three retries after throttling
MAX_TOTAL_WAIT = 60.0  # seconds spent waiting on Retry-After across one send, at most


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


class Backoff:
    """Bounded retries: at most `max_attempts` tries and `max_total_wait` seconds of waiting.

    `wait(seconds)` sleeps at least the server's wait and returns True, or returns False at once
    when another try would go past either bound (the caller then gives up, explained).
    """

    def __init__(
        self, max_attempts: int = MAX_ATTEMPTS, max_total_wait: float = MAX_TOTAL_WAIT
    ) -> None:
        self.max_attempts = max_attempts
        self.max_total_wait = max_total_wait
        self.attempts = 0
        self.waited = 0.0
        self.waits: list[float] = []

    def next_attempt(self) -> int:
        self.attempts += 1
        return self.attempts

    def wait(self, seconds: float) -> bool:
        if self.attempts >= self.max_attempts or self.waited + seconds > self.max_total_wait:
            return False
        time.sleep(seconds)
        self.waited += seconds
        self.waits.append(seconds)
        return True

    def summary(self) -> str:
        waits = ", ".join(f"{w:g} s" for w in self.waits) or "none"
        return f"{self.attempts} attempt(s), waited {waits}"


def with_attempts(
    ex: Explanation, backoff: Backoff, extra: dict[str, Any] | None = None
) -> Explanation:
    ex.details = {**ex.details, "attempts": backoff.attempts, **(extra or {})}
    return ex


def _app_only_class() -> type[AppOnlySignIn]:
    from alloy_tui.core.signin import AppOnlySignIn

    return AppOnlySignIn


class M365Transport:
    """What the Graph and EWS transports share: settings, sign-in, endpoints, retry limits."""

    api = ""

    def __init__(
        self,
        settings: Settings,
        config_path: Path,
        signin: SignIn | AppOnlySignIn | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        max_total_wait: float = MAX_TOTAL_WAIT,
    ) -> None:
        from alloy_tui.core.net import clouds

        self.settings = settings
        self.config_path = config_path
        self.signin = sign_in(settings, config_path, signin)
        self.endpoints = clouds.endpoints(settings)
        self.max_attempts = max_attempts
        self.max_total_wait = max_total_wait
        self.last_attempts = 0
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

    def _prepare(self, message: OutgoingMessage) -> tuple[str, str, AccessToken]:
        """Check everything local before any request: message, CA bundle, From, token.

        Returns (account, from_address, token info).
        """
        from alloy_tui.core import net

        validate_message(message)
        net.ssl_context(self.settings, self.config_path)  # a bad CA bundle stops us here
        account = self.signin.username()
        try:
            from_address = resolve_from(self.settings, account, message.from_address)
        except ExplainedError as e:
            if self.app_only:  # no sign-in again and no Mail.Send.Shared for an app
                e.explanation.fix = (
                    f"Leave the From address empty (or set it to {account}), or turn on "
                    "exchange_online.from_delegation = true; then "
                    f"{message.from_address} must grant {account} Send As or Send on Behalf "
                    "and be in the app's management scope."
                )
            raise
        token = self.signin.get_token_info(self.api)
        return self.signin.username() or account, from_address, token
