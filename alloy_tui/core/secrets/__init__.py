"""Passwords for SMTP and Exchange Server: `password_command`, `password_env`, or the 0600
secrets file; a password typed in the wizard stays pending (memory only) until the config is saved.

Outside this package, import from here: `from alloy_tui.core import secrets`.
"""

from __future__ import annotations

from alloy_tui.core.secrets.file import SECRETS_FILE, secrets_path
from alloy_tui.core.secrets.passwords import (
    COMMAND_TIMEOUT,
    SERVICES,
    PasswordSource,
    check_password,
    clear_password,
    clear_pending,
    commit_pending,
    committing_pending,
    get_password,
    has_stored_password,
    load_password,
    password_source,
    pending_password,
    read_password_env,
    resolve_password,
    run_password_command,
    set_pending,
    store_password,
)

__all__ = [
    "COMMAND_TIMEOUT",
    "SECRETS_FILE",
    "SERVICES",
    "PasswordSource",
    "check_password",
    "clear_password",
    "clear_pending",
    "commit_pending",
    "committing_pending",
    "get_password",
    "has_stored_password",
    "load_password",
    "password_source",
    "pending_password",
    "read_password_env",
    "resolve_password",
    "run_password_command",
    "secrets_path",
    "set_pending",
    "store_password",
]
