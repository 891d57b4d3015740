"""sendmail's option parsing, as cron, mdadm, mailx, msmtp and nullmailer callers use it."""

from __future__ import annotations

import pytest

from alloy_tui.commands.sendmail_args import SendmailArgs, UsageError, parse_argv


def test_cron_arguments() -> None:
    a = parse_argv(["-FCronDaemon", "-odi", "-oem", "-oi", "-t"])
    assert a == SendmailArgs(read_headers=True, ignore_dots=True, full_name="CronDaemon")


def test_mdadm_and_plain_recipients() -> None:
    assert parse_argv(["-t"]).read_headers
    a = parse_argv(["root", "ops@example.com"])
    assert a.recipients == ["root", "ops@example.com"] and not a.read_headers


def test_glued_and_separate_values() -> None:
    assert parse_argv(["-f", "a@example.com"]).envelope_from == "a@example.com"
    assert parse_argv(["-fa@example.com"]).envelope_from == "a@example.com"
    assert parse_argv(["-F", "Backup job"]).full_name == "Backup job"
    assert parse_argv(["-FBackup"]).full_name == "Backup"


def test_bundled_flags() -> None:
    a = parse_argv(["-ti", "root"])
    assert a.read_headers and a.ignore_dots and a.recipients == ["root"]
    a = parse_argv(["-itf", "me@example.com"])
    assert a.read_headers and a.ignore_dots and a.envelope_from == "me@example.com"


def test_i_and_oi_both_ignore_dots() -> None:
    assert parse_argv(["-i"]).ignore_dots
    assert parse_argv(["-oi"]).ignore_dots
    assert not parse_argv(["-odi"]).ignore_dots


@pytest.mark.parametrize(
    "argv",
    [
        ["-odi"],
        ["-odb"],
        ["-oem"],
        ["-oep"],
        ["-oQ/var/spool"],
        ["-B", "8BITMIME"],
        ["-B8BITMIME"],
        ["-Am"],
        ["-Ac"],
        ["-v"],
        ["-bm"],
    ],
)
def test_accepted_and_ignored(argv: list[str]) -> None:
    a = parse_argv([*argv, "root"])
    assert a.recipients == ["root"] and a.mode == "deliver"


def test_bp_lists_the_queue() -> None:
    assert parse_argv(["-bp"]).mode == "list"


def test_double_dash_ends_options() -> None:
    assert parse_argv(["-t", "--", "-odd-name"]).recipients == ["-odd-name"]


def test_recipients_between_options() -> None:
    a = parse_argv(["root", "-oi", "bob@example.com", "-t"])
    assert a.recipients == ["root", "bob@example.com"] and a.read_headers and a.ignore_dots


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["-x"], "unknown option -x"),
        (["-tx"], "unknown option -x"),
        (["-q"], "unknown option -q"),
        (["--version"], "unknown option --version"),
        (["-bs"], "-bs is not supported"),
        (["-bd"], "-bd is not supported"),
        (["-f"], "-f needs a value"),
        (["-t", "-F"], "-F needs a value"),
    ],
)
def test_anything_else_is_a_usage_error(argv: list[str], says: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_argv(argv)
    assert says in str(info.value) and "usage: sendmail" in str(info.value)
    assert info.value.exit_code == 64
