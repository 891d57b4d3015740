"""One check of a message before anything is sent, `validate_message`: the command line, the
test message, `send_message` and the Microsoft 365 transports all refuse the same input with the
same sentence (no sign-in, no request)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, UserInputError
from alloy_tui.core.mail import OutgoingMessage, send_message, validate_message
from alloy_tui.core.mail.testmessage import build_test_message

BAD = [
    (OutgoingMessage((), "s", "b"), "No recipient"),
    (OutgoingMessage(("bob@@example.com",), "s", "b"), "recipient address 'bob@@example.com'"),
    (OutgoingMessage(("bob@example.com",), "a\r\nBcc: eve@example.com", "b"), "subject"),
    (OutgoingMessage(("bob@example.com",), "s", "b", from_address="x y@z.test"), "From address"),
]


def sentence(message: OutgoingMessage) -> str:
    with pytest.raises(UserInputError) as info:
        validate_message(message)
    return str(info.value)


def test_validate_message_normalises() -> None:
    got = validate_message(
        OutgoingMessage(("Bob@Example.COM, ann@example.com",), "Disk 3", "b", False, "Ops@X.test")
    )
    assert got.to == ("Bob@example.com", "ann@example.com")
    assert got.from_address == "Ops@x.test" and got.subject == "Disk 3" and got.body == "b"


@pytest.mark.parametrize(("message", "words"), BAD)
def test_send_message_refuses_with_the_same_sentence(
    tmp_path: Path, message: OutgoingMessage, words: str
) -> None:
    said = sentence(message)
    assert words in said
    settings = Settings().with_section("alert_log", path=str(tmp_path / "log.jsonl"))
    with pytest.raises(ExplainedError) as info:
        send_message(settings, tmp_path / "config.toml", message)
    assert said in info.value.explanation.cause


def test_the_test_message_uses_the_same_check() -> None:
    bad = OutgoingMessage(("bob@example.com",), "", "", from_address="not an address")
    with pytest.raises(UserInputError) as info:
        build_test_message(Settings(), "a@x.test", "bob@example.com", "not an address")
    assert str(info.value) == sentence(bad)


@pytest.mark.parametrize(("message", "words"), BAD)
def test_the_command_line_refuses_with_the_same_sentence(
    message: OutgoingMessage, words: str
) -> None:
    args = [a for t in message.to for a in ("--to", t)] + ["--subject", message.subject]
    if message.from_address:
        args += ["--from", message.from_address]
    proc = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "send", *args],
        input="body",
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"alloy-tui: {sentence(message)}\n"
