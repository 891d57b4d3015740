"""`status --check`: a Nagios / Icinga / Zabbix plugin (exit 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN; the first line ``ALLOY-TUI OK - ... | perfdata``, then one line per problem).

It reads only: the config, the outbox, the health state, the token cache (without msal) and
the alert log's tail; no network, no msal, httpx, exchangelib or Textual on the OK path (it
runs every minute on every server). It sends the alerts its findings make due.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import Values, paths
from alloy_tui.core.health.alerts import Condition
from alloy_tui.core.health.facts import OutboxFacts, last_sent_age, outbox_facts

if TYPE_CHECKING:
    from alloy_tui.core.outbox import QueueSummary

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
WORDS = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
REFRESH_STALE_S = 7 * 86400  # no keep-alive for a week: WARNING
EWS_BLOCK_DATE = date(2026, 10, 1)  # Exchange Online blocks EWS unless allow-listed


class CheckResult:
    """The check's findings: the worst status, the summary, each problem, the perfdata."""

    def __init__(self, status: int = OK, summary: str = "") -> None:
        self.status = status
        self.summary = summary
        self.problems: list[tuple[int, str]] = []
        self.perf: dict[str, Any] = {}
        self.conditions: list[Condition] = []

    def add(self, status: int, text: str) -> None:
        self.problems.append((status, text))
        self.status = max(self.status, status) if self.status != UNKNOWN else UNKNOWN

    def perf_text(self) -> str:
        return " ".join(f"{k}={'U' if v is None else v}" for k, v in self.perf.items())

    def lines(self) -> list[str]:
        worst = [t for s, t in self.problems if s == self.status]
        head = "; ".join(worst) if self.status != OK and worst else self.summary
        first = f"ALLOY-TUI {WORDS[self.status]} - {head}"
        if self.perf:
            first += f" | {self.perf_text()}"
        rest = [f"{WORDS[s]}: {t}" for s, t in self.problems if t not in worst]
        return [first, *rest]


def unknown(text: str) -> CheckResult:
    r = CheckResult(UNKNOWN, text)
    r.problems.append((UNKNOWN, text))
    return r


def load_settings(config_path: Path) -> Values | CheckResult:
    """The config's values, read the fast way (tomllib and the typed model's checks)."""
    from alloy_tui.core.config import ConfigError, read_values

    if not config_path.is_file():
        return unknown(f"no config at {config_path} (run `alloy-tui` to set up, or pass --config)")
    try:
        return read_values(config_path)
    except ConfigError as e:
        lines = getattr(e, "lines", None) or [str(e)]
        return unknown(f"the config is not valid: {'; '.join(lines)}")
    except OSError as e:
        return unknown(f"the config {config_path} cannot be read: {e.strerror or e}")


def run_check(config_path: Path, *, now: float | None = None, alert: bool = True) -> CheckResult:
    """The check; with `alert`, the alerts (and recoveries) its findings make due are sent."""
    loaded = load_settings(config_path)
    if isinstance(loaded, CheckResult):
        return loaded
    settings = loaded
    from alloy_tui.core.config import alert_log_path
    from alloy_tui.core.health import state as health_state
    from alloy_tui.core.health.watch import outbox_conditions
    from alloy_tui.core.outbox import Outbox, outbox_path

    now = time.time() if now is None else now
    box = outbox_path(settings, config_path)
    # one look at the outbox for every finding below (counts, hold, failures, files)
    seen = Outbox(box).summary(now, settings.number("monitor.failed_window_hours"))
    facts = outbox_facts(box, now, seen)
    st = health_state.read_state(health_state.state_path(box))
    result = CheckResult()
    refresh_s = _refresh_age(st, now)
    result.perf = {
        "pending": facts.pending,
        "failed": facts.failed,
        "oldest_pending_s": _with_thresholds(facts.oldest_pending_s, settings),
        "last_sent_s": last_sent_age(
            alert_log_path(settings.text("alert_log.path"), config_path), now
        ),
        "token_refresh_s": refresh_s,
        "cert_days_left": None,  # no certificate or client secret in use
    }
    _check_outbox(result, settings, facts)
    _check_delivery(result, settings, config_path, seen, facts, now)
    _check_maildrop_ledger(result, box)
    _check_handoffs_waiting(result, box, now)
    from alloy_tui.core.health.places import alert_log_problem, check_problems

    for said in check_problems(settings, config_path):  # the state folder, the maildrop...
        result.add(CRITICAL, said)

    log_path = alert_log_path(settings.text("alert_log.path"), config_path)
    log_problem = alert_log_problem(log_path)
    if log_problem:
        result.add(WARNING, log_problem)
    from alloy_tui.core.alertlog import unsafe_problem

    unsafe = unsafe_problem(log_path)  # a symlink or another user's file: never followed
    if unsafe:
        result.add(CRITICAL, unsafe)
    who = ""
    from alloy_tui.core.mail import service_of

    if service_of(settings).signs_in:
        who = _check_signin(result, settings, config_path, st, refresh_s)
    result.conditions += outbox_conditions(settings, facts)
    result.summary = _summary(facts, who, refresh_s)
    if alert and box.is_dir():
        from alloy_tui.core.health.alerts import notify

        notify(settings, config_path, box, result.conditions, now=now)
    return result


def _with_thresholds(value: int | None, settings: Values) -> str:
    warn, crit = _thresholds(settings)
    shown = "U" if value is None else str(value)
    return f"{shown};{warn};{crit}"


def _thresholds(settings: Values) -> tuple[int, int]:
    """([monitor] pending_warning_minutes, pending_critical_minutes), in seconds."""
    warn = settings.number("monitor.pending_warning_minutes")
    return warn * 60, settings.number("monitor.pending_critical_minutes") * 60


def _refresh_age(st: dict[str, Any], now: float) -> int | None:
    last = st.get("last_refresh")
    return int(max(0.0, now - float(last))) if isinstance(last, int | float) else None


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _summary(facts: OutboxFacts, who: str, refresh_s: int | None) -> str:
    text = f"{facts.pending} pending, {facts.failed} failed"
    if who:
        text += f"; signed in as {who}"
        if refresh_s is not None:
            text += f", refreshed {_age(refresh_s)} ago"
    return text


def _check_outbox(result: CheckResult, settings: Values, facts: OutboxFacts) -> None:
    if facts.problem:
        result.add(CRITICAL, facts.problem)
    warn, crit = _thresholds(settings)
    age = facts.oldest_pending_s
    if age is not None and age > crit:
        result.add(CRITICAL, f"a message has been pending for {_age(age)} (`alloy-tui queue list`)")
    elif age is not None and age > warn:
        result.add(WARNING, f"a message has been pending for {_age(age)} (`alloy-tui queue list`)")


def _check_delivery(
    result: CheckResult,
    settings: Values,
    config_path: Path,
    seen: QueueSummary,
    facts: OutboxFacts,
    now: float,
) -> None:
    """Whether mail is going (delivery.py): a hold, a failing attempt, recent failures, files
    this user cannot read, and mail waiting in the maildrop."""
    from alloy_tui.core.health import delivery as d

    window = settings.number("monitor.failed_window_hours")
    if not facts.readable:
        seen = d.DeliveryFacts()
    result.perf["held_s"] = seen.held_s if seen.held_s is not None else 0
    if facts.readable:
        result.conditions.append(d.held_condition(seen.hold, now))
    if seen.hold is not None:
        level = CRITICAL if (seen.held_s or 0) > d.HELD_CRITICAL_S else WARNING
        result.add(
            level,
            f"the queue is {d.hold_sentence(seen.hold, now)}; "
            f"{facts.pending} message(s) wait (`alloy-tui queue flush` tries now)",
        )
    elif facts.pending and seen.last_failure is not None:
        result.add(
            WARNING,
            f"{facts.pending} message(s) pending and the last attempt failed: "
            f"{d.reason_words(seen.last_failure)}",
        )
    if seen.failed_recent:
        result.add(
            WARNING,
            f"{seen.failed_recent} message(s) failed in the last {window} h "
            "(`alloy-tui queue list --state failed`)",
        )
    if seen.unreadable:
        result.add(
            CRITICAL,
            f"{len(seen.unreadable)} outbox file(s) cannot be read by this user "
            f"(e.g. {d.reason_words({'title': seen.unreadable[0]})}); run the check as the "
            "outbox's owner, or fix the owner and mode",
        )
    _check_maildrop_waiting(result, settings, config_path, now)


def _check_maildrop_waiting(
    result: CheckResult, settings: Values, config_path: Path, now: float
) -> None:
    from alloy_tui.core.health import delivery as d
    from alloy_tui.core.maildrop import maildrop_folder, waiting_files

    value = settings.text("queue.maildrop")
    if not (value or paths.is_system_config(config_path)):
        # Not this config's maildrop (the runner's rule, maildrop.reads_maildrop): another
        # runner's waiting files are not this check's to count.
        result.perf["maildrop"] = result.perf["maildrop_oldest_s"] = None
        return
    seen = waiting_files(maildrop_folder(value, config_path), now)
    result.perf["maildrop"] = seen.files
    result.perf["maildrop_oldest_s"] = (
        seen.oldest_s if seen.files else (0 if seen.files == 0 else None)
    )
    age = seen.oldest_s
    if seen.files and age is not None and age > d.MAILDROP_WARNING_S:
        level = CRITICAL if age > d.MAILDROP_CRITICAL_S else WARNING
        result.add(
            level,
            f"{seen.files} file(s) wait in the maildrop {seen.folder}, the oldest for {_age(age)} "
            "(is `alloy-tui queue run --daemon` running as the config's owner?)",
        )


def _check_handoffs_waiting(result: CheckResult, box: Path, now: float) -> None:
    """sendmail's hand-offs (<outbox>/incoming/) no runner has taken: as the maildrop's."""
    from alloy_tui.core.health import delivery as d
    from alloy_tui.core.maildrop import waiting_files

    seen = waiting_files(box / "incoming", now)
    age = seen.oldest_s
    if seen.files and age is not None and age > d.MAILDROP_WARNING_S:
        level = CRITICAL if age > d.MAILDROP_CRITICAL_S else WARNING
        result.add(
            level,
            f"{seen.files} sendmail hand-off(s) wait in {seen.folder}, the oldest for "
            f"{_age(age)} (is a runner failing to start, or the mail held? "
            "`alloy-tui queue run` takes them)",
        )


def _check_maildrop_ledger(result: CheckResult, box: Path) -> None:
    """Maildrop files the runner queued (or refused) but could not remove: CRITICAL."""
    from alloy_tui.core.errors import printable
    from alloy_tui.core.maildrop import stuck_files

    stuck = stuck_files(box)
    if stuck:
        first = stuck[0]
        said = printable(f"{first.get('file')}: {first.get('reason')}")
        result.add(
            CRITICAL,
            f"{len(stuck)} maildrop file(s) could not be removed by the runner (e.g. {said}); "
            "they are not taken again; make the maildrop writable for the runner "
            "(`alloy-tui setup-system`)",
        )


def _check_signin(
    result: CheckResult,
    settings: Values,
    config_path: Path,
    st: dict[str, Any],
    refresh_s: int | None,
) -> str:
    """Sign-in problems from the token cache (read without msal) and the last keep-alive."""
    from alloy_tui.core.errors import AlloyError
    from alloy_tui.core.signin import peek

    try:
        saved = peek(settings, config_path)
    except AlloyError as e:
        result.add(CRITICAL, f"sign-in cannot be checked: {e}")
        return ""
    if not saved.username:
        result.add(CRITICAL, "sign-in needed: no saved sign-in (run `alloy-tui login`)")
        result.conditions.append(
            _signin_condition(True, "No saved sign-in: run `alloy-tui login`.")
        )
        return ""
    who = saved.username
    last = st.get("signin") if isinstance(st.get("signin"), dict) else {}
    assert isinstance(last, dict)
    since_login = _cache_mtime(saved.cache_path) > float(last.get("at") or 0)
    if last.get("needed") and not since_login:
        title = str(last.get("title") or "the saved sign-in no longer works")
        result.add(CRITICAL, f"sign-in needed for {who}: {title} (run `alloy-tui login`)")
        result.conditions.append(_signin_condition(True, f"Sign-in needed for {who}: {title}."))
    else:
        if last.get("ok") is False and not since_login:
            result.add(
                WARNING, f"the last keep-alive could not refresh the sign-in: {last.get('title')}"
            )
        result.conditions.append(_signin_condition(False, "", who))
    if refresh_s is not None and refresh_s > REFRESH_STALE_S:
        result.add(
            WARNING, f"no keep-alive for {_age(refresh_s)} (run `alloy-tui keepalive` daily)"
        )
    from alloy_tui.core.mail import service_of

    ews_online = service_of(settings).retires and settings.text("exchange_online.cloud") == "global"
    if ews_online and date.today() >= EWS_BLOCK_DATE:
        result.add(WARNING, "EWS in use on Exchange Online after its retirement date (use Graph)")
    return who


def _signin_condition(active: bool, text: str, who: str = "") -> Condition:
    return Condition(
        "signin", active, text=f"{text} Fix: run `alloy-tui login`.",
        recovered=f"Sign-in works again for {who or 'the account'}.",
    )  # fmt: skip


def _cache_mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
