"""Unattended health: the keep-alive, the monitoring check, alerts by another road (syslog,
webhook) and the daemon's background jobs. Outside this package, import from here.

    keepalive(settings, config_path) -> KeepaliveResult   # refresh the sign-in now
    run_check(config_path) -> CheckResult                 # `status --check` (light: no msal)
    watch_outbox(settings, config_path)                   # failed / too-old mail -> alerts
    daemon_jobs(settings, config_path) -> list[Job]; start_jobs(jobs, stop)
    last_refresh(settings, config_path) -> float | None   # for `status`

Only the light modules load here; the rest on first use (PEP 562), so `status --check` and
`sendmail` pay for none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.core import lazy_names

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.health.alerts import Alert, Condition, notify
    from alloy_tui.core.health.check import CheckResult, run_check
    from alloy_tui.core.health.daemon import DaemonLock, daemon_lock
    from alloy_tui.core.health.daemon import holder as daemon_holder
    from alloy_tui.core.health.delivery import (
        DeliveryFacts,
        clock_time,
        delivery_facts,
        held_condition,
        hold_sentence,
        reason_words,
    )
    from alloy_tui.core.health.jobs import Job, daemon_jobs, run_jobs, start_jobs
    from alloy_tui.core.health.places import (
        PlaceProblem,
        os_error_line,
        outbox_problem,
        place_problems,
    )
    from alloy_tui.core.health.refresh import KeepaliveResult, keepalive
    from alloy_tui.core.health.syslog_out import send as syslog_send
    from alloy_tui.core.health.systemd_units import UnitSet, enable_line, unit_dir, unit_set, units
    from alloy_tui.core.health.unit_places import unreachable_programs
    from alloy_tui.core.health.watch import watch_outbox
    from alloy_tui.core.health.webhook import host_of, masked

__getattr__ = lazy_names(
    globals(),
    {
        "alerts": "Alert Condition notify",
        "check": "CheckResult run_check",
        "daemon": "DaemonLock daemon_lock daemon_holder=holder",
        "delivery": (
            "DeliveryFacts clock_time delivery_facts held_condition hold_sentence reason_words"
        ),
        "jobs": "Job daemon_jobs run_jobs start_jobs",
        "places": "PlaceProblem os_error_line outbox_problem place_problems",
        "refresh": "KeepaliveResult keepalive",
        "watch": "watch_outbox",
        "syslog_out": "syslog_send=send",
        "unit_places": "unreachable_programs",
        "systemd_units": "UnitSet enable_line unit_dir unit_set units",
        "webhook": "host_of masked",
    },
)


__all__ = [
    "Alert",
    "CheckResult",
    "Condition",
    "DaemonLock",
    "DeliveryFacts",
    "Job",
    "KeepaliveResult",
    "PlaceProblem",
    "UnitSet",
    "clock_time",
    "daemon_holder",
    "daemon_jobs",
    "daemon_lock",
    "delivery_facts",
    "enable_line",
    "held_condition",
    "hold_sentence",
    "host_of",
    "keepalive",
    "last_refresh",
    "masked",
    "notify",
    "os_error_line",
    "outbox_problem",
    "place_problems",
    "reason_words",
    "run_check",
    "run_jobs",
    "start_jobs",
    "syslog_send",
    "unit_dir",
    "unit_set",
    "units",
    "unreachable_programs",
    "watch_outbox",
]


def last_refresh(settings: Settings, config_path: Path) -> float | None:
    """When the keep-alive last refreshed the sign-in (epoch seconds), from the health state."""
    from alloy_tui.core.health import state
    from alloy_tui.core.outbox import outbox_path

    value = state.read_state(state.state_path(outbox_path(settings, config_path))).get(
        "last_refresh"
    )
    return float(value) if isinstance(value, int | float) else None
