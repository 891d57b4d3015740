"""Microsoft sign-in: the device-code flow, silent tokens, the 0600 token cache, its explanations.

Outside this package, import from here. msal loads only when a flow or a refresh needs it.
"""

from __future__ import annotations

from alloy_tui.core.signin import app_commands, certificate
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
    "CertificateInfo",
    "DeviceCode",
    "SignIn",
    "SignInCancelled",
    "TokenHealth",
    "app_commands",
    "certificate",
    "check_app_settings",
]
