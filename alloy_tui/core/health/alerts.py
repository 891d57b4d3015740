"""Alerts by another road: when the mail path breaks, and when it recovers.

A `Condition` is one way the mail path can be broken ("signin", "failed", "pending"), as the
calling process found it now. `notify` decides under the health-state lock what is due (a
raised condition at most once per ``[alerts] repeat_hours``; a recovery always, once) and then
sends it to syslog/journald (err / notice, tag ``alloy-tui``) and, if set, to the webhook. A
channel that fails is written to the alert log (``alert.failed``, the webhook's host only) and
never raises: the mail path is never held up by an alert.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from alloy_tui.core.config import setting
from alloy_tui.core.health import state as health_state

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values


class Condition(NamedTuple):
    key: str  # "signin" | "failed" | "pending" | "held"
    active: bool
    text: str = ""  # what is wrong, when active
    recovered: str = ""  # what to say when it is no longer active


class Alert(NamedTuple):
    key: str
    priority: str  # "err" (raised) | "notice" (recovered)
    text: str


def due(
    conditions: list[Condition], alerts: dict[str, dict[str, object]], repeat_s: float, now: float
) -> list[Alert]:
    """The alerts to send now; updates `alerts` (the state's "alerts" table) to match."""
    out: list[Alert] = []
    for c in conditions:
        prev = alerts.get(c.key) or {}
        was_active = bool(prev.get("active"))
        sent_at = float(prev.get("sent_at") or 0)  # type: ignore[arg-type]
        if c.active and (not was_active or now - sent_at >= repeat_s):
            out.append(Alert(c.key, "err", c.text))
            alerts[c.key] = {"active": True, "sent_at": now, "since": prev.get("since") or now}
        elif not c.active and was_active:
            out.append(Alert(c.key, "notice", c.recovered))
            alerts[c.key] = {"active": False, "sent_at": now}
    return out


def notify(
    settings: Settings | Values,
    config_path: Path,
    outbox: Path,
    conditions: list[Condition],
    *,
    now: float | None = None,
) -> list[Alert]:
    """Send what `conditions` make due; returns what was sent (or tried)."""
    now = time.time() if now is None else now
    repeat_s = float(setting(settings, "alerts.repeat_hours")) * 3600.0
    path = health_state.state_path(outbox)
    seen = health_state.read_state(path).get("alerts")
    if not due(conditions, dict(seen) if isinstance(seen, dict) else {}, repeat_s, now):
        return []  # the usual case: nothing changed, nothing written
    try:
        with health_state.updating(path) as st:  # again under the lock: once per condition
            table = st.setdefault("alerts", {})
            if not isinstance(table, dict):
                table = st["alerts"] = {}
            sending = due(conditions, table, repeat_s, now)
    except OSError:
        return []  # a reader without write access (a monitoring user): the owner's processes alert
    for alert in sending:
        deliver(settings, config_path, alert)
    return sending


def deliver(settings: Settings | Values, config_path: Path, alert: Alert) -> None:
    import socket

    from alloy_tui.core import alertlog
    from alloy_tui.core.config import Values, load_or_default
    from alloy_tui.core.health import syslog_out, webhook

    if isinstance(settings, Values):  # the webhook needs [network] as typed settings: rare
        settings = load_or_default(config_path, strict=False).settings

    text = f"alloy-tui on {socket.gethostname()}: {alert.text}"
    problems: list[str] = []
    channels: list[str] = []
    if settings.alerts.syslog:
        problem = syslog_out.send(alert.priority, text)
        (problems.append(problem) if problem else channels.append("syslog"))
    if settings.alerts.webhook_url:
        problem = webhook.post(settings, config_path, text)
        host = webhook.host_of(settings.alerts.webhook_url)
        (problems.append(problem) if problem else channels.append(f"webhook {host}"))
    details: dict[str, object] = {
        "condition": alert.key,
        "recovered": alert.priority == "notice",
        "sent_to": channels,
    }
    if channels:
        what = "Recovery" if alert.priority == "notice" else "Alert"
        message = f"{what} sent ({', '.join(channels)}): {alert.text}"
        alertlog.record(settings, config_path, "info", "alert.sent", message, details)
    for problem in problems:
        alertlog.record(
            settings,
            config_path,
            "warning",
            "alert.failed",
            f"An alert could not be sent: {problem}",
            {"condition": alert.key},
        )
