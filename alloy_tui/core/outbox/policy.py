"""When to try a message again, and when to give up on it.

Temporary (stay pending): network and timeouts, 429/503 with Retry-After, other 5xx, 4xx SMTP
replies, a sign-in that needs the admin, settings that are not right yet: anything an admin or
time can fix. Permanent (failed at once): a refused recipient, a message too big, a refused
From or (app-only) a mailbox Exchange refuses the app, a 5xx SMTP reply (except authentication
ones, which a new password fixes), a message Exchange can't read. Back-off: 1 minute, doubling,
at most 1 hour, never sooner than Retry-After; a message pending past ``[queue] lifetime_hours`` fails.
"""

from __future__ import annotations

import re

from alloy_tui.core.errors import Explanation

FIRST_DELAY = 60.0
MAX_DELAY = 3600.0

PERMANENT_CODES = frozenset(
    {
        "ErrorInvalidRecipients",
        "ErrorInvalidRecipientsAddress",
        "ErrorMailRecipientNotFound",
        "ErrorMessageSizeExceeded",
        "message.too_big",
        "http.413",
        "ErrorSendAsDenied",
        "delegation_off",
        "ErrorInvalidUser",
        "ErrorNonExistentMailbox",
        "ErrorMimeContentInvalid",
        "ErrorMimeContentInvalidBase64String",
        "input",
        "outbox.unreadable",
    }
)
# 5xx SMTP replies a new password or setting fixes: not the message's fault.
SMTP_AUTH_CODES = frozenset({"530", "534", "535", "538"})
_SMTP_RE = re.compile(r"^smtp\.(\d{3})$")


def is_permanent(ex: Explanation) -> bool:
    if ex.code in PERMANENT_CODES or ex.details.get("refused_mailbox"):
        return True  # refused_mailbox: app-only, Exchange refused the app that mailbox
    m = _SMTP_RE.match(ex.code)
    if m:
        code = m.group(1)
        if code.startswith("5"):
            said = f"{ex.cause} {ex.details.get('reply', '')}"
            return code not in SMTP_AUTH_CODES and "5.7.30" not in said
    return False


def is_message_specific(ex: Explanation) -> bool:
    """A temporary failure of this message only (SMTP 4xx); anything else holds the whole run."""
    m = _SMTP_RE.match(ex.code)
    return bool(m and m.group(1).startswith("4"))


def retry_after(ex: Explanation) -> float:
    value = ex.details.get("retry_after")
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def delay(attempts: int, ex: Explanation) -> float:
    """Seconds until the next try after `attempts` failed tries (1 = the first failure)."""
    backoff = min(MAX_DELAY, FIRST_DELAY * 2.0 ** max(0, attempts - 1))
    return max(backoff, retry_after(ex))
