"""Headless subcommands. Each module named in MODULES exposes COMMANDS, a list of click commands
(cli.py adds them); docs/architecture.md says what the other modules here are.

Modules must import only light things at top level (click, core.settings, core.paths):
msal, httpx, exchangelib and textual load inside the command that needs them.
"""

MODULES = (
    "config_cmd",
    "log_cmd",
    "account_cmd",
    "send_cmd",
    "sandbox_cmd",
    "sendmail.cmd",
    "queue_cmd",
    "appcert_cmd",
    "smtpd_cmd",
    "health_cmd",
    "systemd_cmd",
    "setup_system_cmd",
    "takeover_cmd",
    "audit_cmd",
)
