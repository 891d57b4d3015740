"""Settings as short labelled lines, for the welcome (edit mode) and review steps."""

from __future__ import annotations

from alloy_tui.core.config import CLOUD_LABELS, Settings

SERVICE_NAMES = {
    "exchange-online": "Exchange Online with OAuth authentication",
    "smtp": "SMTP server",
    "exchange-server": "Microsoft Exchange Server (on-premises)",
}
API_NAMES = {
    "graph": "Microsoft Graph",
    "ews": "Exchange Web Services (EWS)",
    "smtp": "SMTP",
    "exchange-server": "Exchange Server (EWS)",
}
CLOUD_NAMES = CLOUD_LABELS  # one name per cloud, the same as `status` shows
SECURITY_NAMES = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": "None"}
AUTH_NAMES = {"ntlm": "NTLM", "basic": "Basic"}
FORMAT_NAMES = {"text": "Plain text", "html": "HTML"}
#: Keys whose values are one of a few words in the file, shown in words on screen.
VALUE_NAMES: dict[str, dict[str, str]] = {
    "service": SERVICE_NAMES,
    "exchange_online.api": {k: v for k, v in API_NAMES.items() if k in ("graph", "ews")},
    "exchange_online.cloud": CLOUD_NAMES,
    "smtp.security": SECURITY_NAMES,
    "exchange_server.auth": AUTH_NAMES,
    "message.format": FORMAT_NAMES,
}


def _or_unset(value: str) -> str:
    return value if value else "(not set)"


def summary_lines(settings: Settings) -> list[tuple[str, str]]:
    """(label, value) pairs for what matters to the chosen service."""
    rows: list[tuple[str, str]] = [
        ("E-mail service", SERVICE_NAMES.get(settings.service, settings.service))
    ]
    if settings.service == "exchange-online":
        eo = settings.exchange_online
        rows += [
            ("Tenant", _or_unset(eo.tenant)),
            ("Client id", _or_unset(eo.client_id)),
            ("Cloud", CLOUD_NAMES.get(eo.cloud, eo.cloud)),
            ("API", API_NAMES.get(eo.api, eo.api)),
            *(
                [("Sign-in", "app-only, certificate"), ("Mailbox", _or_unset(eo.mailbox))]
                if eo.auth == "certificate"
                else [("Account", _or_unset(eo.account))]
            ),
            ("'From' delegation", "on" if eo.from_delegation else "off"),
        ]
    elif settings.service == "smtp":
        s = settings.smtp
        rows += [
            ("Host", _or_unset(s.host)),
            ("Port", str(s.port)),
            ("Security", SECURITY_NAMES.get(s.security, s.security)),
            ("User name", _or_unset(s.username)),
        ]
    else:
        x = settings.exchange_server
        rows += [
            ("EWS URL", _or_unset(x.ews_endpoint)),
            ("User name", _or_unset(x.username)),
            ("Authentication", AUTH_NAMES.get(x.auth, x.auth)),
        ]
    if settings.message.default_from:
        rows.append(("Default From", settings.message.default_from))
    return rows


def format_rows(rows: list[tuple[str, str]], indent: str = "  ") -> str:
    width = max((len(k) for k, _ in rows), default=0)
    return "\n".join(f"{indent}{k + ':':<{width + 1}} {v}" for k, v in rows)


def format_value(value: object, key: str = "") -> str:
    """A value as the admin reads it: words for the few-choice keys (`VALUE_NAMES`)."""
    if value is None or value == "":
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    names = VALUE_NAMES.get(key)
    if names is not None and isinstance(value, str):
        return names.get(value, value)
    return str(value)
