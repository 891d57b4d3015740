"""Text a server sent (Graph/EWS/SMTP error codes and messages, AADSTS descriptions) reaches
neither a terminal nor the alert log with escape sequences in it: OSC 52 writes the admin's
clipboard, OSC 0 the window title, CSI moves the cursor or clears the screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alloy_tui.core.alertlog import parse_line
from alloy_tui.core.alertlog.writer import AlertLogWriter
from alloy_tui.core.errors import Explanation, printable
from alloy_tui.core.explain import ExplainContext, explain_aad, explain_graph

HOSTILE = (
    "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07Mailbox \x1b]0;pwned\x1b\\full\x1b[2J\x1b[1;1H"
    "\x1b[31m \x9b6n\x9d0;x\x9c\x90dcs\x1b\\ bell\x07 nul\x00 del\x7f back\x08 \u202eevil"
)
FORBIDDEN = ["\x1b", "\x07", "\x00", "\x7f", "\x08", "\x9b", "\x9c", "\x9d", "\x90", "\u202e"]
PAYLOADS = ["Y3VybCBldmlsIHwgc2g", "pwned", "52;", "0;x", "dcs", "[2J", "6n"]


def clean(text: str) -> bool:
    return not any(c in text for c in FORBIDDEN) and not any(p in text for p in PAYLOADS)


@pytest.mark.parametrize(
    ("text", "one_line", "multiline"),
    [
        ("plain words, é and ✓", "plain words, é and ✓", "plain words, é and ✓"),
        ("two\nlines\tand a tab", "two lines and a tab", "two\nlines\tand a tab"),
        ("crlf\r\nlone cr\rover", "crlf lone cr over", "crlf\nlone cr\nover"),
        ("a\x1b[0;31mred\x1b[0m b", "ared b", "ared b"),
        ("clip\x1b]52;c;QUFBQQ==\x07board", "clipboard", "clipboard"),
        ("title\x1b]0;x\x1b\\ set", "title set", "title set"),
        ("cut \x1b]52;c;QUFBQQ== to the end", "cut ", "cut "),
        ("8-bit \x9b2J csi", "8-bit  csi", "8-bit  csi"),
        ("charset \x1b(B and keypad \x1b=", "charset  and keypad ", "charset  and keypad "),
        ("lone esc \x1b", "lone esc ", "lone esc "),
    ],
)
def test_printable_removes_what_a_terminal_acts_on(
    text: str, one_line: str, multiline: str
) -> None:
    assert printable(text) == one_line
    assert printable(text, multiline=True) == multiline


def test_printable_leaves_no_control_in_hostile_text() -> None:
    for multiline in (False, True):
        out = printable(HOSTILE, multiline=multiline)
        assert clean(out), repr(out)
        assert "Mailbox" in out and "full" in out and "evil" in out


def test_an_explanation_never_holds_escapes_whoever_builds_it() -> None:
    ex = Explanation(HOSTILE, HOSTILE, HOSTILE, code=HOSTILE, request_id=HOSTILE)
    ex.details["microsoft_says"] = HOSTILE  # set after building: the log writer cleans it
    built = Explanation("t", "c", "f", details={"microsoft_says": HOSTILE, "status": 400})
    for text in (ex.title, ex.cause, ex.fix, ex.code, ex.request_id, ex.one_line()):
        assert clean(text), repr(text)
    assert clean(built.details["microsoft_says"]) and built.details["status"] == 400


def test_graph_error_codes_and_messages_are_cleaned() -> None:
    body = {"error": {"code": "Err\x1b]0;t\x07Weird" + HOSTILE, "message": HOSTILE}}
    ex = explain_graph(400, body, {"request-id": "r\x1b[2J1"}, ExplainContext(api="graph"))
    for text in (ex.title, ex.cause, ex.fix, ex.code, ex.request_id, json.dumps(ex.details)):
        assert clean(text) and "\\u001b" not in text, repr(text)


def test_aadsts_descriptions_are_cleaned() -> None:
    result = {
        "error": "invalid_grant\x1b[2J",
        "error_description": "AADSTS50000: " + HOSTILE,
        "error_codes": [50000],
        "correlation_id": "c\x1b]0;x\x07",
    }
    ex = explain_aad(result, ExplainContext())
    for text in (ex.title, ex.cause, ex.fix, ex.code, ex.request_id, json.dumps(ex.details)):
        assert clean(text) and "\\u001b" not in text, repr(text)


def test_the_alert_log_writes_no_escapes(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    writer = AlertLogWriter(path)
    writer.write("error", "notification.failed", HOSTILE, {"error": HOSTILE, HOSTILE: [HOSTILE]})
    raw = path.read_text(encoding="utf-8")
    assert clean(raw) and "\\u001b" not in raw and "\\u0007" not in raw, raw
    entry = parse_line(raw)
    assert entry.valid and "Mailbox" in entry.message


def test_an_old_entry_is_shown_without_its_escapes() -> None:
    old = json.dumps(
        {
            "ts": "2026-01-01T00:00:00.000Z",
            "level": "error",
            "event": "x.failed",
            "message": HOSTILE,
            "details": {"error": [HOSTILE, {"deeper": HOSTILE}]},
        },
        ensure_ascii=False,
    )
    for line in (old, "not json " + HOSTILE):
        shown = parse_line(line).for_terminal()
        for text in (shown.raw, shown.message, json.dumps(shown.details, ensure_ascii=False)):
            assert clean(text) and "\\u001b" not in text, repr(text)
    assert json.loads(parse_line(old).for_terminal().raw)["details"]["error"][1]["deeper"]


def test_what_commands_print_from_a_server_is_cleaned_too() -> None:
    from alloy_tui.core.mail import SendResult
    from alloy_tui.core.signin import Account, DeviceCode

    account = Account(HOSTILE, "bob@x.test" + HOSTILE, "home")
    code = DeviceCode("AB\x1b[2JCD", "https://x.test/device\x1b]0;x\x07", 0.0, HOSTILE + "\nline 2")
    sent = SendResult("graph", "a@x.test\x1b[2J", "a@x.test", ("b@x.test",), 5, request_id=HOSTILE)
    for text in (account.name, account.username, code.user_code, code.verification_uri):
        assert clean(text), repr(text)
    assert clean(code.message) and code.message.endswith("\nline 2")
    assert clean(sent.account + sent.request_id) and sent.account == "a@x.test"
    assert Account("Bob", "bob@x.test", "h") == Account("Bob", "bob@x.test", "h")
