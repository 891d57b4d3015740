"""Send a message or the test message through the configured service; log and explain.

Every attempt writes exactly one alert-log entry (``<event>.sent`` or ``<event>.failed``) with
recipient, From, account, API, duration, Microsoft request id and error code, never a token.
Addresses and header text are validated before any network traffic. Failures raise ExplainedError.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import SECTIONS, ExchangeOnline, Settings
from alloy_tui.core.errors import (
    AlloyError,
    ExplainedError,
    Explanation,
    SettingsNotReady,
    UserInputError,
)
from alloy_tui.core.mail.message import OutgoingMessage, SendResult, Transport, validate_message
from alloy_tui.core.mail.services import SERVICES, service_of

if TYPE_CHECKING:
    from alloy_tui.core.signin import SignIn

API_LABELS = {row.key: row.label for row in SERVICES.values()}


def api_of(settings: Settings) -> str:
    return service_of(settings).key


def make_transport(
    settings: Settings, config_path: Path, signin: SignIn | None = None
) -> Transport:
    """The transport for settings.service (and exchange_online.api); imports only that one."""
    if settings.service == "exchange-online":
        if settings.exchange_online.api == "ews":
            from alloy_tui.core.mail.ews import EwsTransport

            return EwsTransport(settings, config_path, signin)
        from alloy_tui.core.mail.graph import GraphTransport

        return GraphTransport(settings, config_path, signin)
    if settings.service == "smtp":
        from alloy_tui.core.mail.smtp import SmtpTransport

        return SmtpTransport(settings, config_path)
    from alloy_tui.core.mail.exchange_server import ExchangeServerTransport

    return ExchangeServerTransport(settings, config_path)


def _account_hint(settings: Settings, transport: Any) -> str:
    section = settings.service_section()
    if not isinstance(section, ExchangeOnline):  # SMTP, Exchange Server: the configured user
        return section.username
    signin = getattr(transport, "signin", None)
    try:
        return (signin.username() if signin is not None else "") or settings.exchange_online.account
    except AlloyError:
        return settings.exchange_online.account


def _input_explanation(e: UserInputError) -> Explanation:
    return Explanation(
        title="The message was not sent: invalid input",
        cause=f"{e} Nothing was sent.",
        fix="Correct the value and send again.",
        code="input",
        verdict="message",
    )


def settings_key(text: str) -> str:
    """The settings key a check's message starts with ("smtp.host is empty: ..."), else ''."""
    m = re.match(r"([a-z_]+)\.([a-z_]+)\b", text)
    if not m or m.group(1) not in SECTIONS:
        return ""
    names = {f.name for f in dataclasses.fields(SECTIONS[m.group(1)])}
    return m.group(0) if m.group(2) in names else ""


def _settings_explanation(e: UserInputError, key: str, config_path: Path) -> Explanation:
    return Explanation(
        title="The message was not sent: the settings are not ready",
        cause=f"{e} Nothing was sent.",
        fix=(
            f"Set {key}: run `alloy-tui` (the setup wizard) to finish the settings, or edit "
            f"{config_path} and check it with `alloy-tui config validate`."
        ),
        code="settings",
        verdict="settings",
    )


_SECRET_KEY_RE = re.compile(r"pass|secret|token|auth_header|credential", re.I)


def _transport_details(details: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """What a transport reported beyond the common fields (the server's reply, refused
    recipients, a warning, the server or endpoint used), for the alert-log entry. Keys that
    look secret are dropped here, not left to the writer's redaction."""
    out: dict[str, Any] = {}
    for key, value in extra.items():
        if key in details or _SECRET_KEY_RE.search(key):
            continue
        if isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
        elif isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
            out[key] = list(value)
    return out


def _log(
    settings: Settings,
    config_path: Path,
    level: str,
    event: str,
    message: str,
    details: dict[str, Any],
) -> None:
    from alloy_tui.core import alertlog

    alertlog.record(settings, config_path, level, event, message, details)


def send_message(
    settings: Settings,
    config_path: Path,
    message: OutgoingMessage,
    *,
    event: str = "notification",
    transport: Transport | None = None,
    signin: SignIn | None = None,
) -> SendResult:
    """Send one message; one alert-log entry; ExplainedError on any failure."""
    started = time.monotonic()
    api = api_of(settings)
    details: dict[str, Any] = {
        "to": list(message.to),
        "from": message.from_address,
        "account": "",
        "api": api,
        "service": settings.service,
        "subject": message.subject,
    }
    if message.body_charset != "utf-8":
        details["body_charset"] = message.body_charset
    what = "Test message" if event == "test_message" else "Notification"
    try:
        try:
            message = validate_message(message)
            details.update(to=list(message.to), subject=message.subject)
            if transport is None:
                transport = make_transport(settings, config_path, signin)
            details["account"] = _account_hint(settings, transport)
            result = transport.send(message)
        except ExplainedError:
            raise
        except UserInputError as e:
            key = settings_key(str(e))
            if key:
                raise SettingsNotReady(_settings_explanation(e, key, config_path)) from None
            raise ExplainedError(_input_explanation(e)) from None
        except AlloyError as e:
            raise ExplainedError(
                Explanation(
                    title=f"{what} not sent",
                    cause=str(e),
                    fix="Correct the settings and try again.",
                    code="config",
                    verdict="settings",
                )
            ) from None
        except Exception as e:
            from alloy_tui.core.explain import ExplainContext, explain

            ctx = ExplainContext.from_settings(
                settings, account=str(details["account"]), from_address=message.from_address
            )
            raise ExplainedError(explain(e, ctx)) from None
    except KeyboardInterrupt as e:  # Ctrl+C, or SIGTERM/SIGHUP raised as one by the command line
        _log_interrupted(settings, config_path, event, what, details, e, started)
        raise
    except ExplainedError as e:
        ex = e.explanation
        details.update(
            duration_ms=int((time.monotonic() - started) * 1000),
            request_id=ex.request_id or getattr(transport, "last_request_id", ""),
            error_code=ex.code,
            attempts=ex.details.get("attempts", getattr(transport, "last_attempts", 0) or 1),
            error=ex.title,
            cause=ex.cause,
            fix=ex.fix,
        )
        if not details["account"] and transport is not None:
            details["account"] = _account_hint(settings, transport)
        details.update(_transport_details(details, ex.details))
        _log(
            settings,
            config_path,
            "error",
            f"{event}.failed",
            f"{what} to {', '.join(details['to']) or '(nobody)'} failed: {ex.title}",
            details,
        )
        raise
    details.update(
        account=result.account,
        **{"from": result.from_address},
        duration_ms=int((time.monotonic() - started) * 1000),
        request_id=result.request_id,
        error_code="",
        attempts=result.attempts,
        transport_ms=result.duration_ms,
    )
    details.update(_transport_details(details, result.extra))
    label = API_LABELS.get(result.api, result.api)
    text = f"{what} sent to {', '.join(result.to)} via {label} from {result.from_address}"
    # Some recipients refused, or the password crossed the network unencrypted: still sent,
    # but someone should look.
    notable = bool(result.extra.get("refused") or result.extra.get("warning"))
    if result.extra.get("refused"):
        text += f"; refused: {result.extra['refused']}"
    _log(settings, config_path, "warning" if notable else "info", f"{event}.sent", text, details)
    return result


def _log_interrupted(
    settings: Settings,
    config_path: Path,
    event: str,
    what: str,
    details: dict[str, Any],
    e: KeyboardInterrupt,
    started: float,
) -> None:
    """The one entry for a send stopped by a signal: the service may or may not have it."""
    name = str(getattr(e, "signal_name", "") or "SIGINT")
    details.update(
        duration_ms=int((time.monotonic() - started) * 1000),
        error_code="interrupted",
        signal=name,
        error=f"Interrupted by {name}",
        cause=f"alloy-tui was stopped by {name} before the service confirmed the message.",
        fix="Check whether the message arrived, and send it again if not.",
    )
    to = ", ".join(details["to"]) or "(nobody)"
    text = f"{what} to {to} interrupted by {name}; it may or may not have been delivered"
    _log(settings, config_path, "error", f"{event}.interrupted", text, details)


def send_test_message(
    settings: Settings,
    config_path: Path,
    to: str,
    from_address: str = "",
    *,
    signin: SignIn | None = None,
) -> SendResult:
    """Build the test message (says host, service, API, account, From, time) and send it."""
    from alloy_tui.core.mail.testmessage import build_test_message

    transport: Transport | None = None
    account = ""
    try:
        transport = make_transport(settings, config_path, signin)
        account = _account_hint(settings, transport)
    except AlloyError:
        transport = None
    try:
        message = build_test_message(settings, account, to, from_address)
    except UserInputError:
        message = OutgoingMessage(
            to=(to,) if to else (),
            subject="alloy-tui test message",
            body="",
            from_address=from_address,
        )
    return send_message(
        settings, config_path, message, event="test_message", transport=transport, signin=signin
    )
