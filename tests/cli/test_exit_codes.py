"""One exit-code table for the whole command line (README "Exit codes"), checked over every
command click knows: 0 done, 1 the operation failed, 2 bad input or usage, sysexits for the
sendmail door. Every command is classified here, so a new one must be too; each refuses an
unknown option with 2 (sendmail: 64); a missing queue id is bad input for show, retry and
delete alike; and for every command that only prints, a closed stdout (`| head -1`) never
changes the exit code (real processes, a pipe whose reader is gone)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.core.outbox import Outbox

ROOT = Path(__file__).resolve().parents[2]

# Every command: "prints" (only prints: a closed stdout is never an error), "acts" (changes
# something), "serves" (runs until stopped), "sendmail" (sysexits).
KINDS = {
    "app-cert create": "acts",
    "audit": "prints",
    "config path": "prints",
    "config show": "prints",
    "config validate": "prints",
    "keepalive": "acts",
    "log": "prints",
    "login": "acts",
    "logout": "acts",
    "queue": "serves",  # `queue --live`: the full-screen queue view
    "queue delete": "acts",
    "queue flush": "acts",
    "queue list": "prints",
    "queue retry": "acts",
    "queue run": "serves",
    "queue show": "prints",
    "sandbox messages": "prints",
    "sandbox serve": "serves",
    "send": "acts",
    "sendmail": "sendmail",
    "setup-system": "acts",
    "smtpd": "serves",
    "smtpd password": "acts",
    "status": "prints",
    "systemd install": "acts",
    "systemd print": "prints",
    "takeover": "acts",
    "test-send": "acts",
}


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[str]:
    for name, command in group.commands.items():
        here = (*path, name)
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                yield " ".join(here)
            yield from commands(command, here)
        else:
            yield " ".join(here)


def test_every_command_is_in_the_table() -> None:
    assert sorted(commands(cli)) == sorted(KINDS)


def test_the_readme_has_the_table() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Exit codes") :]
    for row in ("| 0 |", "| 1 |", "| 2 |", "| 64 |", "| 65 |", "| 73 |", "| 75 |", "| 78 |"):
        assert row in section, row


@pytest.mark.parametrize("command", sorted(KINDS))
def test_an_unknown_option_is_a_usage_error(command: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[queue]\npath = "{tmp_path / "queue"}"\n')
    r = CliRunner().invoke(cli, ["--config", str(config), *command.split(), "--no-such-option"])
    expected = 64 if KINDS[command] == "sendmail" else 2
    assert r.exit_code == expected, (command, r.output)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[alert_log]\npath = "{tmp_path / "log.jsonl"}"\n[queue]\npath = "{tmp_path / "queue"}"\n'
    )
    return path


@pytest.mark.parametrize("command", ["queue show", "queue retry", "queue delete --yes"])
def test_a_missing_queue_id_is_bad_input(command: str, config: Path) -> None:
    for qid in ("20261202T043512-3f9a1c7e", "3f9a1c7e", "3f9a1c"):
        r = CliRunner().invoke(cli, ["--config", str(config), *command.split(), qid])
        assert r.exit_code == 2, (command, qid, r.output)


@pytest.mark.parametrize(
    "args",
    [
        ["queue", "show"],
        ["queue", "retry"],
        ["queue", "delete", "--yes"],
        ["send", "--to", "ops@contoso.com"],
        ["test-send"],
        ["smtpd", "password"],
        ["app-cert", "create", "--days", "0"],
        ["log", "--level", "bogus"],
        ["sandbox", "messages", "--dir", "/nonexistent/alloy"],
    ],
    ids=" ".join,
)
def test_missing_or_wrong_input_is_2(args: list[str], config: Path) -> None:
    r = CliRunner().invoke(cli, ["--config", str(config), *args], input="")
    assert r.exit_code == 2, (args, r.output)


def run(args: list[str], closed: bool) -> int:
    read, write = os.pipe()
    if closed:
        os.close(read)  # the reader is gone before the first line: EPIPE on the first write
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "dumb", "NO_COLOR": "1"}
    try:
        r = subprocess.run(
            [sys.executable, "-m", "alloy_tui", *args],
            stdin=subprocess.DEVNULL,
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write)
        if not closed:
            os.close(read)
    assert b"Traceback" not in r.stderr, r.stderr
    return r.returncode


def printing_commands(config: Path) -> list[list[str]]:
    box = Outbox(config.parent / "queue")
    raw = b"To: ops@contoso.com\nSubject: closed\n\n" + b"line\n" * 2000
    qid = box.submit(raw, recipients=["ops@contoso.com"], sender="", source="t")
    c = ["--config", str(config)]
    return [
        [*c, "config", "path", "--all"],
        [*c, "config", "show"],
        [*c, "config", "validate"],
        [*c, "log"],
        [*c, "status"],
        [*c, "status", "--check"],
        [*c, "queue", "list"],
        [*c, "queue", "list", "--json"],
        [*c, "queue", "show", qid],
        [*c, "sandbox", "messages", "--dir", str(config.parent)],
        [*c, "systemd", "print"],
        [*c, "audit"],
        [*c, "sendmail", "-bp"],
        [*c, "--help"],
        [*c, "queue", "--help"],
    ]


def test_a_closed_stdout_never_changes_the_exit_code(config: Path) -> None:
    printed = {" ".join(a[2:]).split(" --")[0] for a in printing_commands(config)}
    for name, kind in KINDS.items():  # every printing command is run below
        if kind == "prints":
            assert any(p.startswith(name) for p in printed), name
    for args in printing_commands(config):
        opened = run(args, closed=False)
        assert run(args, closed=True) == opened, args
        if args[2:4] == ["config", "show"]:
            assert opened == 0


def test_the_exit_codes_are_the_documented_ones(config: Path) -> None:
    """A bad config is bad input (2); a queue that can't be read is a failure (1)."""
    config.write_text(config.read_text() + "[smtp]\nport = 99999999\n")
    r = CliRunner().invoke(cli, ["--config", str(config), "config", "validate"])
    assert r.exit_code == 2, r.output
    assert re.search(r"smtp\.port", r.output)
