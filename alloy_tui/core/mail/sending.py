"""Send a message or the test message now, through the configured service; log and explain.

The one delivery path: the message is checked (`validate_message`), its From decided by the
service's rules (`sender_for`: delegation for Microsoft 365, default_from for the others),
composed as MIME (`compose.compose_mime`, attachments included), held to the service's limit
(`limits.over_limit`) and sent by the service's delivery (`Delivery.send_raw`, as the outbox
runner sends queued mail), under the foreground's back-off (`backoff.with_backoff`).

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

from alloy_tui.core.config import SECTIONS, Settings
from alloy_tui.core.errors import (
    AlloyError,
    ExplainedError,
    Explanation,
    SettingsNotReady,
    UserInputError,
)
from alloy_tui.core.mail.backoff import Backoff, with_backoff
from alloy_tui.core.mail.message import OutgoingMessage, SendResult, validate_message
from alloy_tui.core.mail.services import SERVICES, open_delivery, service_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alloy_tui.core.mail.compose import Attachment
    from alloy_tui.core.mail.raw import Delivery
    from alloy_tui.core.signin import SignIn

API_LABELS = {row.key: row.label for row in SERVICES.values()}


def _account_hint(settings: Settings, delivery: Any) -> str:
    if not service_of(settings).signs_in:  # SMTP, Exchange Server: the configured user
        return str(getattr(settings.service_section(), "username", ""))
    signin = getattr(delivery, "signin", None)
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


def _delivery_details(details: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """What a delivery reported beyond the common fields (the server's reply, refused
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
    attachments: Sequence[Attachment] = (),
    signin: SignIn | None = None,
    delivery: Delivery | None = None,
    backoff: Backoff | None = None,
) -> SendResult:
    """Send one message now, composed as MIME, through the service's delivery; one alert-log
    entry; ExplainedError on any failure. `delivery`: one already open (the caller closes
    it); `backoff`: the bounds of the foreground's waiting (default: 4 tries, 60 s)."""
    started = time.monotonic()
    details: dict[str, Any] = {
        "to": list(message.to),
        "from": message.from_address,
        "account": "",
        "api": service_of(settings).key,
        "service": settings.service,
        "subject": message.subject,
    }
    if message.body_charset != "utf-8":
        details["body_charset"] = message.body_charset
    what = "Test message" if event == "test_message" else "Notification"
    owned = delivery is None
    try:
        try:
            message = validate_message(message)
            details.update(to=list(message.to), subject=message.subject)
            if delivery is None:
                delivery = open_delivery(settings, config_path, signin=signin)
            details["account"] = _account_hint(settings, delivery)
            result = _send(settings, delivery, message, attachments, backoff or Backoff())
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
        finally:
            if owned and delivery is not None:
                delivery.close()
    except KeyboardInterrupt as e:  # Ctrl+C, or SIGTERM/SIGHUP raised as one by the command line
        _log_interrupted(settings, config_path, event, what, details, e, started)
        raise
    except ExplainedError as e:
        _log_failed(settings, config_path, event, what, details, e.explanation, delivery, started)
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
    details.update(_delivery_details(details, result.extra))
    label = API_LABELS.get(result.api, result.api)
    text = f"{what} sent to {', '.join(result.to)} via {label} from {result.from_address}"
    # Some recipients refused, or the password crossed the network unencrypted: still sent,
    # but someone should look.
    notable = bool(result.extra.get("refused") or result.extra.get("warning"))
    if result.extra.get("refused"):
        text += f"; refused: {result.extra['refused']}"
    _log(settings, config_path, "warning" if notable else "info", f"{event}.sent", text, details)
    return result


def _log_failed(
    settings: Settings,
    config_path: Path,
    event: str,
    what: str,
    details: dict[str, Any],
    ex: Explanation,
    delivery: Delivery | None,
    started: float,
) -> None:
    details.update(
        duration_ms=int((time.monotonic() - started) * 1000),
        request_id=ex.request_id or getattr(delivery, "last_request_id", ""),
        error_code=ex.code,
        attempts=ex.details.get("attempts", 1),
        error=ex.title,
        cause=ex.cause,
        fix=ex.fix,
    )
    if not details["account"] and delivery is not None:
        details["account"] = _account_hint(settings, delivery)
    details.update(_delivery_details(details, ex.details))
    _log(
        settings,
        config_path,
        "error",
        f"{event}.failed",
        f"{what} to {', '.join(details['to']) or '(nobody)'} failed: {ex.title}",
        details,
    )


def _send(
    settings: Settings,
    delivery: Delivery,
    message: OutgoingMessage,
    attachments: Sequence[Attachment],
    backoff: Backoff,
) -> SendResult:
    """The From by the service's rules, the MIME, the size check, then send_raw (again while
    the service says it is busy)."""
    from alloy_tui.core.mail.compose import compose_mime
    from alloy_tui.core.mail.headers import split_head
    from alloy_tui.core.mail.limits import check_now

    sender = delivery.sender_for(message.from_address)
    message = dataclasses.replace(message, from_address=sender)
    raw = compose_mime(message, attachments, sender)
    check_now(len(raw), settings)  # bad input: exit 2, nothing sent
    result = with_backoff(lambda: delivery.send_raw(raw, list(message.to), sender=sender), backoff)
    message_id = _message_id(split_head(raw)[0])
    if message_id:
        result.extra.setdefault("message_id", message_id)
    return result


def _message_id(head: bytes) -> str:
    for line in head.decode("ascii", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "message-id":
            return value.strip()
    return ""


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
    backoff: Backoff | None = None,
) -> SendResult:
    """Build the test message (says host, service, API, account, From, time) and send it, by
    the same delivery as every other message."""
    from alloy_tui.core.mail.testmessage import build_test_message

    delivery: Delivery | None = None
    account = ""
    try:
        delivery = open_delivery(settings, config_path, signin=signin)
        account = _account_hint(settings, delivery)
    except AlloyError:
        delivery = None
    try:
        message = build_test_message(settings, account, to, from_address)
    except UserInputError:
        message = OutgoingMessage(
            to=(to,) if to else (),
            subject="alloy-tui test message",
            body="",
            from_address=from_address,
        )
    try:
        return send_message(
            settings,
            config_path,
            message,
            event="test_message",
            signin=signin,
            delivery=delivery,
            backoff=backoff,
        )
    finally:
        if delivery is not None:
            delivery.close()
