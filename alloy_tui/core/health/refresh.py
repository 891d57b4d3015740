"""The keep-alive: a refresh-token grant now, even while the access token is still valid, so
Entra ID issues a new refresh token (MSAL saves it atomically in the 0600 cache) and the
sign-in never reaches its 90-day idle limit (AADSTS700082).

Outcomes, each one alert-log entry: ``signin.refreshed`` (info); ``signin.needed`` (error: a
person must sign in again, explained: idle expiry, password change or revocation, sign-in
frequency, consent withdrawn, Conditional Access); ``signin.refresh_failed`` (warning: the
network or the service, tried again later, no alert). The time of the last refresh goes to the
health state (never a token), for `status` and `status --check`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation
from alloy_tui.core.health import state as health_state
from alloy_tui.core.health.alerts import Condition, notify

# Failures time fixes (nobody has to sign in): tried again later, no alert.
TEMPORARY_CODES = frozenset({"proxy", "dns", "refused", "timeout", "reset", "unreachable"})
TEMPORARY_PREFIXES = ("network", "http.5", "http.429", "tls")


@dataclass(frozen=True)
class KeepaliveResult:
    ok: bool
    needed: bool  # a person must sign in again
    account: str
    line: str  # one line for the command line
    explanation: Explanation | None = None


def is_temporary(ex: Explanation) -> bool:
    return ex.code in TEMPORARY_CODES or ex.code.startswith(TEMPORARY_PREFIXES)


def keepalive(
    settings: Settings, config_path: Path, *, now: float | None = None
) -> KeepaliveResult:
    """Refresh the configured account's sign-in now; records, alerts, never raises for a
    refresh that fails (the result says why)."""
    from alloy_tui.core.mail import service_of

    if not service_of(settings).signs_in:
        line = f"Nothing to keep alive: service = {settings.service!r} signs in with a password."
        return KeepaliveResult(True, False, "", line)
    from alloy_tui.core.signin import SignIn

    now = time.time() if now is None else now
    signin = SignIn(settings, config_path)
    try:
        signin.get_token_info(settings.exchange_online.api, force_refresh=True)
    except ExplainedError as e:
        return _failed(settings, config_path, signin.username(), e.explanation, now)
    except AlloyError as e:
        ex = Explanation(
            title="The sign-in settings are not complete",
            cause=str(e),
            fix="Run `alloy-tui` (the setup wizard) or correct [exchange_online] in the config.",
            code="config",
            verdict="settings",
        )
        return _failed(settings, config_path, signin.username(), ex, now)
    return _refreshed(settings, config_path, signin.username(), now)


def _outbox(settings: Settings, config_path: Path) -> Path:
    from alloy_tui.core.outbox import outbox_path

    return outbox_path(settings, config_path)


def _record(
    settings: Settings, config_path: Path, level: str, event: str, text: str, **d: object
) -> None:
    from alloy_tui.core import alertlog

    eo = settings.exchange_online
    details: dict[str, object] = {"client_id": eo.client_id, "tenant": eo.tenant, "api": eo.api}
    details.update(d)
    alertlog.record(settings, config_path, level, event, text, details)


def _refreshed(settings: Settings, config_path: Path, account: str, now: float) -> KeepaliveResult:
    text = f"Sign-in refreshed for {account} (a new refresh token was saved)"
    outbox = _outbox(settings, config_path)
    unwritable = None
    try:  # the state first: whoever reads the entry finds `status` already saying so
        with health_state.updating(health_state.state_path(outbox)) as st:
            st["last_refresh"] = now
            st["signin"] = {"ok": True, "needed": False, "at": now, "account": account}
    except OSError as e:
        unwritable = f"Health state: {e}"
    _record(settings, config_path, "info", "signin.refreshed", text, account=account)
    if unwritable:
        _record(settings, config_path, "warning", "health.unwritable", unwritable)
    ok = Condition("signin", False, recovered=f"Sign-in works again for {account}.")
    notify(settings, config_path, outbox, [ok], now=now)
    return KeepaliveResult(True, False, account, text + ".")


def _failed(
    settings: Settings, config_path: Path, account: str, ex: Explanation, now: float
) -> KeepaliveResult:
    who = account or settings.exchange_online.account or "the account"
    needed = not is_temporary(ex)
    event, level = ("signin.needed", "error") if needed else ("signin.refresh_failed", "warning")
    text = (
        f"Sign-in needed for {who}: {ex.title}"
        if needed
        else f"Sign-in for {who} could not be refreshed now (tried again later): {ex.title}"
    )
    outbox = _outbox(settings, config_path)
    try:
        with health_state.updating(health_state.state_path(outbox)) as st:
            st["signin"] = {
                "ok": False, "needed": needed, "at": now, "account": account,
                "code": ex.code, "title": ex.title, "fix": ex.fix,
            }  # fmt: skip
    except OSError:
        pass
    _record(
        settings, config_path, level, event, text,
        account=account, error_code=ex.code, error=ex.title, cause=ex.cause, fix=ex.fix,
    )  # fmt: skip
    if needed:
        down = Condition("signin", True, text=f"{text}. {ex.cause} Fix: {ex.fix}")
        notify(settings, config_path, outbox, [down], now=now)
    return KeepaliveResult(False, needed, account, text + ".", ex)
