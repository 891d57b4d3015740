"""What a failure means for the queue (its verdict), and when to try again.

The explainer that turned the failure into an `Explanation` decided its verdict (errors.py:
service, message, recipients, retry, settings). Here the runner reads it:

    service, settings   the whole queue waits (a hold, probed with one message at a time)
    message             this message fails at once; nothing else waits
    recipients          permanent for the refused recipients (the message fails for them)
    retry               this message only waits (its own back-off); nothing else waits

`verdict_of` has a small fallback for an explanation built without one (by code). Back-off:
1 minute, doubling, at most 1 hour; a Retry-After (seconds or an HTTP date) is honoured as given
instead; a message pending past ``[queue] lifetime_hours`` fails.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

from alloy_tui.core.errors import VERDICTS, Explanation

FIRST_DELAY = 60.0
MAX_DELAY = 3600.0
MIN_RETRY_AFTER = 1.0  # a Retry-After of 0 still waits a second (never a busy loop)
HOLDING = frozenset({"service", "settings"})

_HTTP_RE = re.compile(r"^http\.(\d{3})$")
_SMTP_RE = re.compile(r"^smtp\.(\d{3})")
# Codes built outside the explainers, for an Explanation that carries no verdict.
_FALLBACK = {
    "input": "message",
    "message.too_big": "message",
    "too_large": "message",
    "outbox.unreadable": "message",
    "config": "settings",
    "settings": "settings",
    "delegation_off": "message",
    "not_signed_in": "service",
}


def verdict_of(ex: Explanation) -> str:
    """The explanation's verdict; for one built without a verdict, decided from its code."""
    if ex.verdict in VERDICTS:
        return ex.verdict
    code = ex.code or ""
    if ex.details.get("refused_recipients"):
        return "recipients"
    if code in _FALLBACK:
        return _FALLBACK[code]
    if m := _HTTP_RE.match(code):
        status = int(m.group(1))
        if status == 403:
            return "settings"
        if status == 408:
            return "retry"
        return "message" if 400 <= status < 500 and status not in (401, 429) else "service"
    if m := _SMTP_RE.match(code):
        reply = int(m.group(1))
        if reply in (530, 534, 535, 538) or "5.7.139" in code or "5.7.30" in code:
            return "settings"
        if reply >= 500:
            return "message"
        return "service" if reply in (421, 454) else "retry"
    if code.startswith(("password.", "secrets.", "token_cache.", "AADSTS", "consent", "tls")):
        return "settings"
    return "service"  # unknown: wait, and say so (never lose a message to a guess)


def holds(ex: Explanation) -> bool:
    """Does this failure stop every other message (until a probe succeeds)?"""
    return verdict_of(ex) in HOLDING


def is_permanent(ex: Explanation) -> bool:
    """Fail the message now: it can never go as it is (or to the recipients refused)."""
    return verdict_of(ex) in ("message", "recipients")


def retry_after(ex: Explanation, now: float | None = None) -> float | None:
    """The service's Retry-After in seconds (a number or an HTTP date), None if it gave none."""
    value = ex.details.get("retry_after")
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return max(MIN_RETRY_AFTER, float(value))
    text = str(value).strip()
    try:
        return max(MIN_RETRY_AFTER, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(MIN_RETRY_AFTER, when - (time.time() if now is None else now))


def backoff(attempts: int) -> float:
    """1 minute after the first failure, doubling, at most an hour."""
    return min(MAX_DELAY, FIRST_DELAY * 2.0 ** max(0, attempts - 1))


def delay(attempts: int, ex: Explanation, now: float | None = None) -> float:
    """Seconds until the next try after `attempts` failed tries (1 = the first failure): the
    Retry-After as given when there is one, else the back-off."""
    asked = retry_after(ex, now)
    return asked if asked is not None else backoff(attempts)
