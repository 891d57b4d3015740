"""The sign-in data types and the settings check, kept apart from `auth.SignIn` (no msal here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import GUID_RE, Settings, validate
from alloy_tui.core.errors import AlloyError, UserInputError, clean_fields
from alloy_tui.core.signin.cache_read import login_host

if TYPE_CHECKING:
    from alloy_tui.core.explain import ExplainContext


@dataclass(frozen=True)
class Account:
    name: str
    username: str
    home_account_id: str

    def __post_init__(self) -> None:
        clean_fields(self, "name", "username", "home_account_id")  # from the id token


@dataclass(frozen=True)
class DeviceCode:
    user_code: str
    verification_uri: str
    expires_at: float
    message: str

    def __post_init__(self) -> None:
        clean_fields(self, "user_code", "verification_uri")  # what the login service sent
        clean_fields(self, "message", multiline=True)


@dataclass(frozen=True)
class TokenHealth:
    account: Account | None
    cached: bool
    access_expires_at: float | None
    refresh_ok: bool | None
    detail: str


@dataclass(frozen=True)
class AccessToken:
    token: str = field(repr=False)  # never in repr()/str(), so never in a log or a traceback
    expires_at: float


class SignInCancelled(AlloyError):
    """The admin cancelled a device-code sign-in."""


def _alert(
    settings: Settings,
    config_path: Path,
    level: str,
    event: str,
    message: str,
    details: dict[str, Any],
) -> None:
    """One alert-log entry; a log that can't be written never hides the sign-in's own result."""
    from alloy_tui.core import alertlog

    alertlog.record(settings, config_path, level, event, message, details)


def check_app_settings(settings: Settings) -> None:
    """Client id and tenant present and well-formed, before any request."""
    eo = settings.exchange_online
    if not eo.client_id:
        raise UserInputError(
            "exchange_online.client_id is not set: enter the Application (client) ID of your app "
            "registration (Entra admin center > App registrations > your app > Overview)."
        )
    if not eo.tenant:
        raise UserInputError(
            "exchange_online.tenant is not set: enter the Directory (tenant) ID GUID or your "
            "domain, e.g. contoso.onmicrosoft.com."
        )
    if not GUID_RE.match(eo.client_id):
        raise UserInputError(
            f"exchange_online.client_id must be the Application (client) ID, a GUID like "
            f'"00000000-0000-0000-0000-000000000000", got "{eo.client_id}".'
        )
    for p in validate(settings):
        if p.key.startswith("exchange_online.") or p.key.startswith("network."):
            raise UserInputError(str(p))


def signin_context(settings: Settings, login_endpoint: str, account: str) -> ExplainContext:
    """What an explanation of a sign-in failure needs to name: service, API, account, app."""
    from alloy_tui.core.explain import ExplainContext

    eo = settings.exchange_online
    return ExplainContext(
        service="exchange-online",
        api=eo.api,
        account=account,
        cloud=eo.cloud,
        client_id=eo.client_id,
        tenant=eo.tenant,
        host=login_host(login_endpoint),
    )
