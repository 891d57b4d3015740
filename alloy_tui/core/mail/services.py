"""The ways of sending, in one table: the only module that names them.

One row per way (`Service`): its key (what `SendResult.api` and the alert log say), the
`service` setting it belongs to, its label, the delivery that sends through it (imported by
string, like the lazy front doors, so a door loads only its own libraries), what "set up"
requires, its size limits and its status probe. Everything else asks the row
(`service_of(settings)`) instead of deciding by the service's name.

Light: sendmail (every cron job) and `status --check` read it; no dataclasses, no email package.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values
    from alloy_tui.core.mail.raw import Delivery

MB = 1024 * 1024
MAX_MESSAGE_BYTES = 35 * MB  # Exchange Online's default maximum message size
# Graph's sendMail takes one request of at most 4 MB: the base64 of 3 MiB of MIME.
GRAPH_MAX_REQUEST = 4 * MB
GRAPH_MAX_RAW_BYTES = 3 * MB


class Service(NamedTuple):
    key: str  # "graph" | "ews" | "smtp" | "exchange-server": SendResult.api, the alert log's api
    service: str  # the `service` setting this row is (with exchange_online.api for M365)
    label: str  # how a line names it ("via Microsoft Graph")
    title: str  # `status`'s "Service:" line
    delivery: str  # "module:Class" opened by `open_delivery`
    signs_in: bool  # a Microsoft 365 sign-in (login, keep-alive, token health, token cache)
    required: tuple[str, ...]  # settings that must not be empty for it to send at all
    missing: str  # what `not set up` says when one of them is empty
    read_limit: int  # `send` reads at most this much body
    read_why: str  # ... and says this when the body is longer
    one_request: int  # >0: MIME over this goes only with [exchange_online] large_messages
    status: str  # "module:function" -> (ready, lines), "" when the sign-in says it
    user_key: str  # the setting naming who signs in (for SMTP/Exchange Server: maybe an address)
    retires: bool = False  # EWS on Exchange Online: Microsoft retires it (a warning with it)
    utf8_mailboxes: bool = False  # takes UTF-8 mailbox names (RFC 6531) as they are
    accepted: str = "200 NoError"  # the mail log's reply when the service took a message


_M365_REQUIRED = ("exchange_online.client_id", "exchange_online.tenant")
_M365_MISSING = "no app registration (exchange_online.client_id and tenant)"
_PKG = "alloy_tui.core.mail"

SERVICES: dict[str, Service] = {
    row.key: row
    for row in (
        Service(
            "graph", "exchange-online", "Microsoft Graph", "Exchange Online (Microsoft 365)",
            f"{_PKG}.graph.delivery:GraphDelivery", True, _M365_REQUIRED, _M365_MISSING,
            GRAPH_MAX_REQUEST, "Microsoft Graph accepts at most 4 MB in one request",
            GRAPH_MAX_RAW_BYTES, "", "exchange_online.account", False, True, "202 Accepted",
        ),
        Service(
            "ews", "exchange-online", "EWS", "Exchange Online (Microsoft 365)",
            f"{_PKG}.ews.delivery:EwsDelivery", True, _M365_REQUIRED, _M365_MISSING,
            35 * 1_000_000, "Exchange Online accepts messages of at most 35 MB (its default limit)",
            0, "", "exchange_online.account", True,
        ),
        Service(
            "smtp", "smtp", "SMTP", "SMTP",
            f"{_PKG}.smtp.delivery:SmtpDelivery", False, ("smtp.host",), "smtp.host is empty",
            35 * 1_000_000, "alloy-tui sends at most 35 MB through SMTP",
            0, f"{_PKG}.smtp.status:status", "smtp.username",
        ),
        Service(
            "exchange-server", "exchange-server", "Exchange Server (EWS)",
            "Exchange Server (on-premises, EWS)",
            f"{_PKG}.exchange_server.delivery:ExchangeServerDelivery", False, ("exchange_server.ews_endpoint",),
            "exchange_server.ews_endpoint is empty",
            10 * 1_000_000, "Exchange Server accepts messages of at most 10 MB by default (MaxSendSize)",
            0, f"{_PKG}.exchange_server.status:status", "exchange_server.username",
        ),
    )
}  # fmt: skip


def service_of(settings: Settings | Values) -> Service:
    """The row for the configured service (and, for Exchange Online, its API)."""
    from alloy_tui.core.config import setting

    service = str(setting(settings, "service"))
    for row in SERVICES.values():
        if row.service == service and (not row.signs_in or _api(settings) == row.key):
            return row
    return SERVICES["smtp"] if service == "smtp" else SERVICES["exchange-server"]


def _api(settings: Settings | Values) -> str:
    from alloy_tui.core.config import setting

    return str(setting(settings, "exchange_online.api") or "graph")


def _load(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def open_delivery(settings: Settings, config_path: Path, *, signin: object = None) -> Delivery:
    """The delivery for the configured service; nothing connects until the first send_raw, and
    only that service's libraries are imported."""
    row = service_of(settings)
    cls = _load(row.delivery)
    delivery: Delivery = (
        cls(settings, config_path, signin=signin) if row.signs_in else cls(settings, config_path)
    )
    return delivery


def probe_status(settings: Settings, config_path: Path) -> tuple[bool, list[str]]:
    """`status`'s probe for a service that signs in with a password (connect, sign in, say
    what was found)."""
    row = service_of(settings)
    probe = _load(row.status)
    result: tuple[bool, list[str]] = probe(settings, config_path)
    return result


def not_set_up(values: Settings | Values) -> str:
    """What keeps the configured service from sending at all ("" when nothing): an empty
    setting it needs (sendmail's 78 says it)."""
    from alloy_tui.core.config import setting

    row = service_of(values)
    if any(not str(setting(values, key) or "") for key in row.required):
        return row.missing
    app_only = row.signs_in and setting(values, "exchange_online.auth") == "certificate"
    if app_only and not str(setting(values, "exchange_online.mailbox") or ""):
        return (
            'auth = "certificate" but exchange_online.mailbox (the address the app sends as) '
            "is empty"
        )
    return ""


def sending_account(settings: Settings | Values) -> str:
    """The mailbox alloy-tui sends as: the signed-in account (app-only: the app's mailbox), or
    the SMTP/Exchange user name when it is an address."""
    from alloy_tui.core.config import setting

    row = service_of(settings)
    if row.signs_in:
        app_only = setting(settings, "exchange_online.auth") == "certificate"
        return str(setting(settings, "exchange_online.mailbox" if app_only else row.user_key))
    user = str(setting(settings, row.user_key))
    return user if "@" in user else ""


CLOUD_NAMES = {
    "global": "",
    "usgov-high": "US Government GCC High",
    "usgov-dod": "US Government DoD",
    "china": "China (21Vianet)",
}
_SECURITY_NAMES = {"none": "no encryption", "starttls": "STARTTLS", "ssl": "SSL/TLS"}


def sends_to(settings: Settings) -> str:
    """The URL or server messages go to, for `status`."""
    row = service_of(settings)
    if row.signs_in:
        from alloy_tui.core.net import clouds

        if row.one_request:  # Graph
            return f"{clouds.mailbox_url(settings)}/sendMail"
        return clouds.endpoints(settings).ews
    if row.key == "smtp":
        return f"{settings.smtp.host}:{settings.smtp.port}"
    return settings.exchange_server.ews_endpoint


def _host_port(url: str, default_port: int = 443) -> tuple[str, int]:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        return parts.hostname or "", parts.port or (
            443 if parts.scheme == "https" else 80 if parts.scheme == "http" else default_port
        )
    except ValueError:
        return "", default_port


def relay(settings: Settings, result: Any = None) -> str:
    """``<service>[host]:port``: where an attempt went, for the mail log (the service's own
    words when it answered, else the settings')."""
    row = service_of(settings)
    extra: dict[str, str] = dict(getattr(result, "extra", None) or {})
    if row.signs_in:
        from alloy_tui.core.net import clouds

        key = str(getattr(result, "api", "") or row.key)
        name, number = _host_port(str(getattr(clouds.endpoints(settings), key, "")))
        return f"{key}[{name}]:{number}"
    if row.key == "smtp":
        host = extra.get("host") or settings.smtp.host
        port = extra.get("port") or str(settings.smtp.port)
        return f"smtp[{host}]:{port}"
    name, number = _host_port(extra.get("endpoint") or settings.exchange_server.ews_endpoint)
    return f"exchange-server[{name or 'autodiscover'}]:{number}"


def describe(settings: Settings) -> tuple[str, str]:
    """(the service, the way through it) in words, for the test message's table."""
    row = service_of(settings)
    if row.signs_in:
        eo = settings.exchange_online
        cloud = CLOUD_NAMES.get(eo.cloud, eo.cloud)
        name = "Exchange Online (Microsoft 365)" + (f", {cloud}" if cloud else "")
        return name, {"graph": "Microsoft Graph", "ews": "Exchange Web Services (EWS)"}[row.key]
    if row.key == "smtp":
        smtp = settings.smtp
        security = _SECURITY_NAMES.get(smtp.security, smtp.security)
        return "SMTP", f"SMTP to {smtp.host or '(no host set)'}:{smtp.port} ({security})"
    ex = settings.exchange_server
    return (
        "Microsoft Exchange Server (on-premises)",
        f"EWS at {ex.ews_endpoint or '(no endpoint set)'} ({ex.auth.upper()})",
    )
