"""One alert-log entry: the JSON Lines shape, parsing a line, and redacting secrets.

An entry is one JSON object on one line::

    {"ts": "2026-05-01T12:34:56.789Z", "level": "error", "event": "test_message.failed",
     "message": "The test message was not sent.", "details": {...}}

A line that is not a JSON object parses to ``Entry(valid=False, raw=...)``: shown as raw text,
flagged, never an exception.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from alloy_tui.core.alertlog.fields import parse_ts
from alloy_tui.core.errors import printable
from alloy_tui.core.terminal_text import escape_json, json_text

# JSON escapes that can stand for a control character (\\uXXXX, \\n ...): a printable ASCII line
# without any of them can hold none.
_CONTROL_ESCAPES = ("\\u", "\\n", "\\t", "\\r", "\\b", "\\f")

# The longest line we parse as JSON; longer ones are shown cut and flagged.
MAX_PARSE_BYTES = 1024 * 1024

# The head of an entry as the writer lays it out: what a line too long to parse still shows.
_HEAD_RE = re.compile(
    r'\s*\{\s*"ts"\s*:\s*"([^"\\]*)"\s*,\s*"level"\s*:\s*"([^"\\]*)"\s*,'
    r'\s*"event"\s*:\s*"([^"\\]*)"\s*,\s*"message"\s*:\s*"((?:[^"\\]|\\.){0,4000})'
)


@dataclass
class Entry:
    """One line of the log. ``valid`` is False when the line is not a JSON object."""

    raw: str
    valid: bool
    ts: str = ""
    level: str = ""
    event: str = ""
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False  # the line was longer than we parse and was cut

    def local_time(self, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        """The timestamp in the local time zone, or the raw text if it does not parse."""
        when = parse_ts(self.ts)
        if when is None:
            return self.ts
        return when.astimezone().strftime(fmt)

    def for_terminal(self) -> Entry:
        """This entry with no terminal controls in any text, `raw` too: re-encoded when a
        value changed, else with any C1, DEL or bidi character the JSON holds (in a key the
        entry does not read, say) written as \\uXXXX. Entries written by older versions, or
        lines another program appended, may hold escape sequences a hostile server sent."""
        raw = self.raw
        if (
            raw.isascii()
            and raw.isprintable()
            and ("\\" not in raw or not any(e in raw for e in _CONTROL_ESCAPES))
        ):
            return self  # the usual line: no text in it can hold a control character
        if not self.valid:
            return replace(self, raw=printable(self.raw), message=printable(self.message))
        clean = replace(
            self,
            ts=printable(self.ts),
            level=printable(self.level),
            event=printable(self.event),
            message=printable(self.message),
            details=_printable_value(self.details),
        )
        if clean.as_dict() != self.as_dict():
            clean.raw = json_text(clean.as_dict(), separators=(",", ":"))
        else:
            clean.raw = escape_json(self.raw)
        return clean

    def as_dict(self) -> dict[str, Any]:
        if not self.valid:
            return {"raw": self.raw, "valid": False}
        return {
            "ts": self.ts,
            "level": self.level,
            "event": self.event,
            "message": self.message,
            "details": self.details,
        }


def parse_line(data: bytes | str, truncated: bool = False) -> Entry:
    """Parse one line (without or with its newline). Never raises.

    ``truncated``: the caller read only the start of a longer line (shown cut, flagged).
    """
    if isinstance(data, bytes):
        truncated = truncated or len(data) > MAX_PARSE_BYTES
        if truncated:
            data = data[:MAX_PARSE_BYTES]
        text = data.decode("utf-8", errors="replace")
    else:
        text = data
    text = text.rstrip("\r\n")
    if truncated:
        return _cut_entry(text)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return Entry(raw=text, valid=False)
    if not isinstance(obj, dict):
        return Entry(raw=text, valid=False)
    details = obj.get("details", {})
    if details is None:
        details = {}
    elif not isinstance(details, dict):
        details = {"value": details}
    return Entry(
        raw=text,
        valid=True,
        ts=_text(obj.get("ts")),
        level=_text(obj.get("level")),
        event=_text(obj.get("event")),
        message=_text(obj.get("message")),
        details=details,
    )


def _cut_entry(text: str) -> Entry:
    """A line too long to parse: still flagged (not valid), but with the time, level, event and
    the start of the message when it begins the way the writer lays entries out."""
    m = _HEAD_RE.match(text, 0, 64 * 1024)
    if m is None:
        return Entry(raw=text, valid=False, truncated=True)
    ts, level, event, message = m.groups()
    for cut in range(0, 7):  # the message may stop inside an escape like \u00e9
        try:
            message = json.loads('"' + m.group(4)[: len(m.group(4)) - cut] + '"')
            break
        except ValueError:
            continue
    return Entry(
        raw=text, valid=False, truncated=True, ts=ts, level=level, event=event, message=message
    )


def _printable_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return printable(value, multiline=True)
    if depth > 20 and isinstance(value, dict | list):
        return "[nested too deep]"
    if isinstance(value, dict):
        return {printable(str(k)): _printable_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable_value(v, depth + 1) for v in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
