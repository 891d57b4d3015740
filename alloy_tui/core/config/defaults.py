"""Every setting's default, as plain values: what a config file without that key means.

The typed model (settings.py) declares the same defaults on its dataclasses, next to each key's
comment; tests/core/config/test_defaults.py fails if the two ever differ. This table exists so
that the doors (sendmail, `status --check`) can read a config without building the model.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "service": "exchange-online",
    "exchange_online": {
        "api": "graph",
        "tenant": "",
        "client_id": "",
        "cloud": "global",
        "account": "",
        "from_delegation": False,
        "large_messages": False,
        "token_cache": "",
        "login_endpoint": "",
        "graph_endpoint": "",
        "ews_endpoint": "",
        "auth": "device-code",
        "certificate": "",
        "mailbox": "",
    },
    "network": {"ca_bundle": "", "timeout": 30.0},
    "message": {"default_from": "", "format": "text", "host_name": ""},
    "alert_log": {"path": "", "max_bytes": 10485760, "keep": 5, "retention_days": 90},
    "log": {"syslog": True},
    "smtp": {
        "host": "",
        "port": 587,
        "security": "starttls",
        "username": "",
        "password_command": "",
        "password_env": "",
    },
    "exchange_server": {
        "ews_endpoint": "",
        "username": "",
        "auth": "ntlm",
        "password_command": "",
        "password_env": "",
    },
    "queue": {
        "path": "",
        "lifetime_hours": 120,
        "max_per_minute": 30,
        "maildrop": "",
        "failure_notices": True,
        "refused_max_files": 1000,
        "refused_max_mb": 100,
    },
    "sendmail": {"admin": "", "aliases": {}},
    "smtpd": {
        "listen": "",
        "users": [],
        "tls_certificate": "",
        "tls_key": "",
        "allowed_senders": [],
        "allowed_recipient_domains": [],
        "max_message_bytes": 36700160,
        "max_recipients": 100,
        "max_connections": 100,
        "idle_timeout_seconds": 60,
        "command_timeout_seconds": 60,
        "data_timeout_seconds": 600,
        "session_timeout_seconds": 1800,
        "max_connections_per_client": 20,
        "auth_failures_before_lockout": 10,
        "auth_lockout_minutes": 15,
        "max_header_bytes": 1048576,
    },
    "monitor": {
        "pending_warning_minutes": 30,
        "pending_critical_minutes": 120,
        "failed_window_hours": 24,
    },
    "alerts": {"webhook_url": "", "repeat_hours": 6, "syslog": True},
}
