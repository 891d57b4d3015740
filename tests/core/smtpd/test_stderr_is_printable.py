"""What a client sends never reaches the listener's stderr (the journal) raw: escape
sequences, C0/C1 controls and bidi overrides in commands and addresses are removed."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers.smtpd_listener import Raw, SmtpdProcess, write_config

HOSTILE = [
    b"\x1b]0;owned\x07",  # OSC: the window title
    b"\x1b]52;c;SGVsbG8=\x07",  # OSC 52: a clipboard write
    b"\x1b[1;31m",  # CSI: colours
    b"\x1bP1$qm\x1b\\",  # DCS
    "\u009b1;31m".encode(),  # C1 CSI
    "\u202e".encode(),  # bidi override
]


def test_hostile_bytes_from_a_client_reach_stderr_escaped(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with SmtpdProcess(config, tmp_path / "state") as smtpd:
        raw = Raw(smtpd.port)
        raw.reply()
        raw.command(b"EHLO client.test")
        for n, bad in enumerate(HOSTILE):
            raw.command(b"X" + bad + b"CMD")  # unknown commands: aiosmtpd logs each
            raw.command(b"MAIL FROM:<a" + bad + b"@b.example>")
            if n == 2:
                raw.command(b"RSET")
        controls = bytes(range(0, 32)).replace(b"\r", b"").replace(b"\n", b"")
        raw.command(b"Y" + controls + b"\x7f")
        raw.close()
        time.sleep(0.3)
    err = smtpd.stderr
    assert b"unrecognised" in err  # the lines are there...
    text = err.decode("utf-8", "replace")
    for line in text.splitlines():  # ...without one control character or bidi control
        bad = [c for c in line if ord(c) < 32 or 0x7F <= ord(c) <= 0x9F]
        bad += [c for c in line if 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]
        assert not bad, (line, bad)
