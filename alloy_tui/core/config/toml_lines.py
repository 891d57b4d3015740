"""Which line of a TOML text each dotted key is on, so problems read ``config.toml:12: key ...``.

tomlkit keeps the text but not line numbers, so this walks the text once: table headers,
``key = value`` lines (bare, quoted and dotted keys), and skips the inside of strings,
multi-line strings and multi-line arrays so a ``key =`` inside a value is never mistaken
for a key. Only used on text that already parsed as TOML.
"""

from __future__ import annotations

import re
import tomllib

_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_PART}(?:[ \t]*\.[ \t]*{_PART})*"
_HEADER = re.compile(rf"^[ \t]*\[\[?[ \t]*({_DOTTED})[ \t]*\]\]?")
_KEY = re.compile(rf"^[ \t]*({_DOTTED})[ \t]*=")
_PART_RE = re.compile(_PART)


def _split(dotted: str) -> list[str]:
    parts = []
    for m in _PART_RE.finditer(dotted):
        raw = m.group(0)
        parts.append(tomllib.loads(f"k = {raw}")["k"] if raw[0] in "\"'" else raw)
    return parts


def _skip_string(line: str, i: int) -> int:
    """Index just past the one-line string starting at line[i] (a quote)."""
    quote = line[i]
    j = i + 1
    while j < len(line):
        if quote == '"' and line[j] == "\\":
            j += 2
            continue
        if line[j] == quote:
            return j + 1
        j += 1
    return j


def _find_close(line: str, i: int, delim: str) -> int:
    """Index of the closing triple quote at or after i, or -1 (basic strings honour escapes)."""
    j = i
    while j < len(line):
        if delim == '"""' and line[j] == "\\":
            j += 2
            continue
        if line.startswith(delim, j):
            # A closing delimiter may be followed by up to two more quotes that belong to the string.
            while line.startswith(delim[0], j + 3):
                j += 1
            return j
        j += 1
    return -1


def _scan(line: str, i: int, multiline: str | None, depth: int) -> tuple[str | None, int]:
    """Carry the string/bracket state through the rest of one line."""
    while i < len(line):
        if multiline:
            end = _find_close(line, i, multiline)
            if end < 0:
                return multiline, depth
            i, multiline = end + 3, None
            continue
        c = line[i]
        if c == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            multiline, i = line[i : i + 3], i + 3
            continue
        if c in "\"'":
            i = _skip_string(line, i)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return multiline, depth


def key_lines(text: str) -> dict[str, int]:
    """Map every dotted key (and table) to the 1-based line it first appears on."""
    lines: dict[str, int] = {}
    table: list[str] = []
    multiline: str | None = None
    depth = 0

    def record(path: list[str], number: int) -> None:
        for n in range(1, len(path) + 1):
            lines.setdefault(".".join(path[:n]), number)

    for number, line in enumerate(text.splitlines(), start=1):
        if multiline or depth:
            multiline, depth = _scan(line, 0, multiline, depth)
            continue
        header = _HEADER.match(line)
        if header:
            table = _split(header.group(1))
            record(table, number)
            continue
        key = _KEY.match(line)
        if key:
            record(table + _split(key.group(1)), number)
            multiline, depth = _scan(line, key.end(), None, 0)
    return lines


def line_of(lines: dict[str, int], dotted: str) -> int | None:
    """The line of a key, else of its nearest parent that is in the text."""
    parts = dotted.split(".")
    while parts:
        found = lines.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None
