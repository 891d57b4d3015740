"""Microsoft sign-in: the device-code flow, silent tokens, the 0600 token cache, its explanations.

Outside this package, import from here. msal loads only when a flow or a refresh needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.core import lazy_names

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.config import Settings
    from alloy_tui.core.signin import certificate
    from alloy_tui.core.signin.app_only import (
        AppOnlySignIn,
        AppToken,
        check_app_only_settings,
        forget_other_mode_tokens,
    )
    from alloy_tui.core.signin.cache_peek import Peek, peek
    from alloy_tui.core.signin.certificate import AppCredential, CertificateInfo
    from alloy_tui.core.signin.client import SignIn
    from alloy_tui.core.signin.forget_all import Forgotten, forget_all_tokens
    from alloy_tui.core.signin.model import (
        AccessToken,
        Account,
        DeviceCode,
        SignInCancelled,
        TokenHealth,
        check_app_settings,
    )

# Loaded on first use (PEP 562): `status --check` reads the cache with `peek` alone.
__getattr__ = lazy_names(
    globals(),
    {
        "app_only": "AppOnlySignIn AppToken check_app_only_settings forget_other_mode_tokens",
        "certificate": ". AppCredential CertificateInfo",
        "client": "SignIn",
        "forget_all": "Forgotten forget_all_tokens",
        "model": "AccessToken Account DeviceCode SignInCancelled TokenHealth check_app_settings",
        "cache_peek": "Peek peek",
    },
)


__all__ = [
    "AccessToken",
    "Account",
    "AppCredential",
    "AppOnlySignIn",
    "AppToken",
    "CertificateInfo",
    "DeviceCode",
    "Forgotten",
    "Peek",
    "SignIn",
    "SignInCancelled",
    "TokenHealth",
    "certificate",
    "check_app_only_settings",
    "check_app_settings",
    "forget_all_tokens",
    "forget_other_mode_tokens",
    "peek",
    "sign_in_for",
]


def sign_in_for(settings: Settings, config_path: Path) -> SignIn | AppOnlySignIn:
    """The sign-in the config names: device code (a user) or the app's certificate."""
    from alloy_tui.core.signin.app_only import AppOnlySignIn
    from alloy_tui.core.signin.client import SignIn

    if settings.exchange_online.auth == "certificate":
        return AppOnlySignIn(settings, config_path)
    return SignIn(settings, config_path)
