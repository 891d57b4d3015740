"""Nothing a sender or a server chose reaches the admin's terminal raw, on any command-line path.

A mail whose Subject, From and header block hold every C0 and C1 code point, DEL, OSC (title,
OSC 52, OSC 8, 8-bit), CSI (7- and 8-bit), DCS, RIS and the bidi controls goes in through the
real `sendmail`; the runner meets a real SMTP server (aiosmtpd) whose banner, EHLO and replies
hold the same. Then `queue list`, `queue show`, `mailq`, `sendmail -bp`, `log`, `status` print
none of it raw (the words around it survive), and `queue list --json` and `log --json` escape
every control and bidi character (the JSON still reads back to the very text)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from tests.helpers.hostile_text import (
    BIDI,
    C1,
    HOSTILE,
    HostileSmtpServer,
    hostile_outbox,
    old_log_lines,
    raw_controls,
    run,
    terminal_leaks,
)


def cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "alloy_tui", "--config", str(config), *args]


def text_of(r: subprocess.CompletedProcess[bytes]) -> str:
    return (r.stdout + r.stderr).decode("utf-8")  # strict: the output is valid UTF-8


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The folder, its config and the queue id of the hostile mail, after one attempt."""
    folder = tmp_path_factory.mktemp("hostile")
    config, qid = hostile_outbox(folder)
    return folder, config, qid


def test_the_hostile_text_got_in_whole(hostile: tuple[Path, Path, str]) -> None:
    folder, _, qid = hostile
    m = Outbox(folder / "queue").get(qid)
    assert m.subject == " ".join(HOSTILE.split())  # decoded, every code point kept
    assert all(c in m.subject for c in C1 + BIDI + "\x1b\x07" if not c.isspace())
    attempt = m.attempts_log[-1]
    assert "pwnedTITLE" not in json.dumps(attempt)  # the server's reply was cleaned when logged


@pytest.mark.parametrize(
    "argv",
    [
        ["queue", "list"],
        ["queue", "list", "--state", "pending"],
        ["queue", "show", "QID"],
        ["mailq"],
        ["sendmail", "-bp"],
        ["alloy-sendmail", "-bp"],
        ["alloy-tui-sendmail", "-bp"],
        ["log"],
        ["log", "-n", "50", "--level", "info"],
        ["status"],
        ["queue", "flush"],
    ],
    ids=lambda a: " ".join(a),
)
def test_no_escape_reaches_the_terminal(hostile: tuple[Path, Path, str], argv: list[str]) -> None:
    folder, config, qid = hostile
    argv = [qid if a == "QID" else a for a in argv]
    if argv[0] in ("mailq", "sendmail", "alloy-sendmail"):
        command = [str(folder / "bin" / argv[0]), *argv[1:]]
    elif argv[0] == "alloy-tui-sendmail":
        command = cli(config, "sendmail", *argv[1:])
    else:
        command = cli(config, *argv)
    with HostileSmtpServer() as server:  # `status` greets a hostile server too
        if argv in (["status"], ["queue", "flush"]):
            config.write_text(config.read_text().replace(str(_port(config)), str(server.port)))
        r = run(command, config)
    out = text_of(r)
    assert r.returncode in (0, 1), out
    assert terminal_leaks(out) == [], out
    if argv[0] == "queue" and argv[:2] != ["queue", "flush"]:
        assert "Disk" in out and "full" in out  # the words around the escapes survive
    if argv[0] != "queue" and argv[-1] in ("-bp", "mailq"):  # sendmail's format: no subject
        assert "ops@contoso.test" in out and "Kbytes in 1 Request." in out
    if argv[:2] == ["queue", "show"]:
        assert "X-Raw: abcd" in out and "Subject: =?UTF-8?B?" in out
        assert "Why:" in out and "HELP" not in out
        assert "Recipients:\n  ops@contoso.test: pending" in out  # fields added later too
    if argv[0] == "log":
        assert "mail.queued" in out and "mail.deferred" in out
    if argv[:2] == ["queue", "flush"]:
        assert "not sent yet" in out and "Sent 0, deferred 1" in out
    if argv[0] == "status":
        assert "Connected: 220 mail.test" in out and "X-NOTE" in out and "evil" in out


def _port(config: Path) -> int:
    line = next(x for x in config.read_text().splitlines() if x.startswith("port = "))
    return int(line.split("=")[1])


def test_queue_list_json_escapes_every_control_and_keeps_the_text(
    hostile: tuple[Path, Path, str],
) -> None:
    folder, config, qid = hostile
    r = run(cli(config, "queue", "list", "--json"), config)
    out = text_of(r)
    assert r.returncode == 0 and raw_controls(out) == [], out
    [line] = out.splitlines()
    assert "\\u009b" in line and "\\u202e" in line and "\\u2069" in line and "\\u001b" in line
    assert json.loads(line)["subject"] == Outbox(folder / "queue").get(qid).subject


def test_log_json_escapes_old_lines_too(hostile: tuple[Path, Path, str]) -> None:
    folder, config, _ = hostile
    log = folder / "alert_log.jsonl"
    written = log.read_text(encoding="utf-8")
    assert terminal_leaks(written) == []  # the writer keeps none of it
    with log.open("a", encoding="utf-8") as f:
        f.write(old_log_lines())
    for args in (["log", "--json"], ["log"], ["log", "--json", "--level", "error"]):
        r = run(cli(config, *args, "-n", "100"), config)
        out = text_of(r)
        assert r.returncode == 0 and terminal_leaks(out) == [], out
        assert "Not sent: Disk" in out
    lines = run(cli(config, "log", "--json", "-n", "100"), config).stdout.decode().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert [e["event"] for e in entries][-2:] == ["notification.failed", "x.y"]
    assert "evil" in entries[-2]["details"]["error"]
    assert entries[-1]["extra"] == C1 + BIDI  # escaped, not lost
