"""The one terminal filter and the one JSON writer (core/terminal_text.py), code point by code
point and on random text: `printable` leaves nothing a terminal acts on, whatever it is given
(every C0 and C1 code point alone and inside sequences, lone surrogates, bidi controls), keeps
ordinary text as it is; `json_text` escapes what json.dumps leaves raw and reads back exact."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alloy_tui.core import errors
from alloy_tui.core.terminal_text import escape_json, json_text, printable

ACTED_ON = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
# Text made of the characters that matter here: controls, ESC and the bytes that follow it in
# sequences, bidi controls, surrogates, and ordinary letters.
PIECES = st.sampled_from(
    [*CONTROLS, *BIDI, "\x1b[", "\x1b]", "\x1bP", "\x1b\\", "[", "]", ";", "0", "m", "a", "é"]
    + ["\udc80", "\udc9b", "\u2028", " ", "\n", "\t", "✓"]  # low surrogates: surrogateescape
)
TEXT = st.lists(PIECES | st.text(max_size=3), max_size=40).map("".join)


def test_errors_printable_is_the_one_filter() -> None:
    assert errors.printable is printable


@pytest.mark.parametrize("c", CONTROLS + BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_every_control_alone_and_as_a_sequence_introducer_goes(c: str) -> None:
    for text in (f"a{c}b", f"a{c}0;title\x07b", f"a{c}[31mb", f"a{c}"):
        for multiline in (False, True):
            shown = printable(text, multiline=multiline)
            allowed = "\n\t" if multiline else ""
            assert not [x for x in ACTED_ON.findall(shown) if x not in allowed], repr(shown)
            assert shown.startswith("a")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("t\x1b]0;pwned\x07itle", "title"),  # OSC, BEL-terminated: no ]0; left
        ("t\x1b]52;c;Y3Vy\x1b\\itle", "title"),  # OSC 52, ST-terminated
        ("t\x9d0;pwned\x9citle", "title"),  # 8-bit OSC and ST
        ("t\x1bP1$qm\x1b\\itle", "title"),  # DCS
        ("t\x90+q54\x9citle", "title"),  # 8-bit DCS
        ("t\x1b[2J\x1b[1;31mitle", "title"),  # CSI
        ("t\x9b6nitle", "title"),  # 8-bit CSI
        ("t\x1bcitle", "title"),  # RIS
        ("t\u202eelti\u202c", "telti"),  # bidi override
        ("[bold]x[/bold]", "[bold]x[/bold]"),  # markup is text: not this filter's business
        ("plain é ✓ 日本", "plain é ✓ 日本"),
    ],
)
def test_sequences_go_whole(text: str, shown: str) -> None:
    assert printable(text) == shown


@settings(max_examples=800, deadline=None)
@given(TEXT)
def test_printable_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    one = printable(text)
    assert not ACTED_ON.search(one) and "\n" not in one
    many = printable(text, multiline=True)
    assert not [x for x in ACTED_ON.findall(many) if x not in "\n\t"]
    assert printable(one) == one  # clean text stays as it is
    if text.isprintable():
        assert one == text


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(TEXT | st.integers(), lambda kids: st.lists(kids) | st.dictionaries(TEXT, kids))
)
def test_json_text_escapes_every_control_and_reads_back_exact(value: object) -> None:
    out = json_text(value)
    assert not ACTED_ON.search(out) and "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == value
    assert escape_json(json.dumps(value, ensure_ascii=False)) == out


def test_json_text_keeps_utf8_readable() -> None:
    assert json_text({"s": "é ✓ 日本 \x9b\u202e"}) == '{"s": "é ✓ 日本 \\u009b\\u202e"}'
