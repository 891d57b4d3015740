"""Microsoft sign-in: the device-code flow, silent tokens, the 0600 token cache, its explanations.

Outside this package, import from here. msal loads only when a flow or a refresh needs it.
"""

from __future__ import annotations

from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.signin import app_commands, certificate
from alloy_tui.core.signin.app_only import (
    AppOnlySignIn,
    AppToken,
    check_app_only_settings,
    forget_other_mode_tokens,
)
from alloy_tui.core.signin.certificate import AppCredential, CertificateInfo
from alloy_tui.core.signin.client import SignIn
from alloy_tui.core.signin.model import (
    AccessToken,
    Account,
    DeviceCode,
    SignInCancelled,
    TokenHealth,
    check_app_settings,
)

__all__ = [
    "AccessToken",
    "Account",
    "AppCredential",
    "AppOnlySignIn",
    "AppToken",
    "CertificateInfo",
    "DeviceCode",
    "SignIn",
    "SignInCancelled",
    "TokenHealth",
    "app_commands",
    "certificate",
    "check_app_only_settings",
    "check_app_settings",
    "forget_other_mode_tokens",
    "sign_in_for",
]


def sign_in_for(settings: Settings, config_path: Path) -> SignIn | AppOnlySignIn:
    """The sign-in the config names: device code (a user) or the app's certificate."""
    if settings.exchange_online.auth == "certificate":
        return AppOnlySignIn(settings, config_path)
    return SignIn(settings, config_path)
