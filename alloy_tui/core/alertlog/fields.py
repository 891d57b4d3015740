"""The values inside an alert-log entry: levels, timestamps, and secrets redacted.

Split from entry.py (the parsed-entry model): the writer needs only these, and every door
(sendmail for each cron job) writes an entry, so this module avoids dataclasses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from alloy_tui.core.config import is_secret_key as is_secret_key  # the rule, kept with the config's
from alloy_tui.core.errors import printable

LEVELS = ("info", "warning", "error")
LEVEL_SYMBOLS = {"info": "i", "warning": "!", "error": "x"}
LEVEL_WORDS = {"info": "INFO", "warning": "WARN", "error": "ERROR"}

REDACTED = "[redacted]"

# The patterns below are text, compiled by re on first use, and each is tried only when a cheap
# test says it could match: most entries hold none of them (every door writes one entry).
# A JWT: three base64url parts, the first one starting with '{"' encoded (eyJ).
_JWT = r"eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]*"
# "Bearer <anything token-like>" in a header value or an error text.
_SCHEMES = ("bearer", "basic", "ntlm", "negotiate")
_BEARER = r"(?i)\b(bearer|basic|ntlm|negotiate)\s+[A-Za-z0-9\-._~+/]{16,}=*"
# A bare long opaque token (refresh tokens, access tokens that are not JWTs): 80+ chars, no spaces.
_OPAQUE = r"^[A-Za-z0-9\-._~+/!*]{80,}=*$"


def now_ts(now: datetime | None = None) -> str:
    """UTC ISO 8601 with milliseconds and a Z, e.g. 2026-05-01T12:34:56.789Z."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_ts(ts: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def redact_text(text: str) -> str:
    """Replace JWTs, bearer-style credentials and bare long tokens inside a string, and drop
    terminal controls (a server's error text may carry ESC sequences: see `printable`)."""
    text = printable(text, multiline=True)
    if len(text) >= 80 and " " not in text and re.match(_OPAQUE, text):
        if not text.startswith(("/", "http")):
            return REDACTED
    if "eyJ" in text:
        text = re.sub(_JWT, REDACTED, text)
    lower = text.lower()
    if any(scheme in lower for scheme in _SCHEMES):
        text = re.sub(_BEARER, lambda m: f"{m.group(1)} {REDACTED}", text)
    return text


def redact(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` with secrets replaced by "[redacted]" (keys by name, strings by look)."""
    if _depth > 20:
        return REDACTED
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = printable(str(k))
            if is_secret_key(key) and v not in (None, "", False):
                out[key] = REDACTED
            else:
                out[key] = redact(v, _depth + 1)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, _depth + 1) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))
