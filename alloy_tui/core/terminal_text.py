"""The one filter between text from outside and a terminal, and the one JSON writer for output.

    printable(text)            # what a person's terminal may show: no escape sequence, no control
    printable(text, multiline=True)   # the same, newlines and tabs kept
    json_text(obj)             # json.dumps for output: every control and bidi character as \\uXXXX

The rule: every text that came from a message, a client, a server or a file (a Subject, a From,
a header block, an SMTP reply, an account's display name, an alert-log line) passes through
`printable` before it reaches a terminal (the command line, `mailq`, `sendmail -bp`, Textual
screens, stderr, the journal), and every JSON printed for scripts is written by `json_text`.
(`errors.printable` is this function: every door already imports `errors`.)
"""

from __future__ import annotations

import re
from typing import Any

# What a terminal would act on rather than show. Escape sequences go whole: CSI (ESC [ ... or
# the 8-bit 0x9B), OSC (ESC ] ..., 0x9D: the window title, OSC 52 the clipboard) and the other
# string controls (DCS, SOS, PM, APC) up to their terminator (BEL, ESC \ or 0x9C) or the end;
# then any other two-character ESC sequence; then the lone C0 and C1 controls and DEL.
# (Patterns as text, compiled by re on first use: most text is printable and never needs them.)
_ESCAPE_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x1b\x9c]|\x1b(?!\\))*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
# (Lone surrogates too: bytes that were not UTF-8, which no terminal can be sent.)
_CONTROLS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_LINE_BREAKS = r"\r\n?|[\n\t\v\f\x85\u2028\u2029]"

# In JSON for output: what json.dumps(ensure_ascii=False) leaves raw and a terminal (or a
# script's own terminal, or an editor) would act on: DEL, the C1 controls, the bidirectional
# embeddings, overrides and isolates, the bidi marks, the line and paragraph separators, and
# lone surrogates (bytes that were not UTF-8). json.dumps already writes C0 as \\u00XX.
_JSON_RAW = r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with nothing a terminal would act on: escape sequences (colours, cursor moves,
    the window title, OSC 52's clipboard writes), other C0/C1 control characters, DEL, the
    bidirectional embeddings, overrides and isolates and lone surrogates are removed. Newlines and tabs stay when `multiline`; else they
    (and CR) become spaces. For every text that came from a server or a file before it reaches
    a terminal or the alert log."""
    text = str(text)
    if text.isprintable():
        return text  # the usual case, fast (False for any control character, \n and \t too)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        text = re.sub(_LINE_BREAKS, " ", text)
    return re.sub(_CONTROLS, "", re.sub(_ESCAPE_SEQUENCE, "", text))


def escape_json(text: str) -> str:
    """JSON text (as json.dumps wrote it, or as a file holds it) with every character of
    `_JSON_RAW` written as its \\uXXXX escape. In valid JSON such a character can only stand
    inside a string, where the escape means the very same character: nothing is lost."""
    if text.isascii() and "\x7f" not in text:  # DEL is ASCII, and json.dumps leaves it raw
        return text
    return re.sub(_JSON_RAW, lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text(obj: Any, **options: Any) -> str:
    """json.dumps(obj, ensure_ascii=False, **options) that is safe on a terminal: UTF-8 text
    stays readable, but no control or bidi character is ever written raw (`escape_json`)."""
    import json

    return escape_json(json.dumps(obj, ensure_ascii=False, **options))
