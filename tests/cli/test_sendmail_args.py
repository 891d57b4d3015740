"""sendmail's option parsing, as cron, mdadm, mailx, msmtp and nullmailer callers use it."""

from __future__ import annotations

import pytest

from alloy_tui.commands.sendmail.args import SendmailArgs, UsageError, parse_argv
from tests.helpers.sendmail_door import IGNORED_OPTIONS


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
        (["-y"], "unknown option -y"),
        (["-qX"], "-qX is not supported"),
        (["-q", "1h"], "-q takes no recipient"),
        (["-bs", "root"], "-bs takes no recipient"),
        (["-bi", "root"], "-bi takes no recipient"),
        (["--version"], "unknown option --version"),
        (["-bt"], "-bt is not supported"),
        (["-bd"], "-bd is not supported"),
        (["-L"], "-L needs a value"),
        (["-f"], "-f needs a value"),
        (["-t", "-F"], "-F needs a value"),
    ],
)
def test_anything_else_is_a_usage_error(argv: list[str], says: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_argv(argv)
    assert says in str(info.value) and "usage: sendmail" in str(info.value)
    assert info.value.exit_code == 64


def test_r_is_f() -> None:
    assert parse_argv(["-r", "bounce@example.com"]).envelope_from == "bounce@example.com"
    assert parse_argv(["-rbounce@example.com"]).envelope_from == "bounce@example.com"
    assert parse_argv(["-t", "-i", "-rbounce@example.com"]) == SendmailArgs(
        read_headers=True, ignore_dots=True, envelope_from="bounce@example.com"
    )


@pytest.mark.parametrize(
    ("argv", "dsn"),
    [
        (["-N", "failure,delay"], {"dsn_notify": "FAILURE,DELAY"}),
        (["-Nnever"], {"dsn_notify": "NEVER"}),
        (["-N", "SUCCESS"], {"dsn_notify": "SUCCESS"}),
        (["-R", "hdrs"], {"dsn_ret": "HDRS"}),
        (["-RFULL"], {"dsn_ret": "FULL"}),
        (["-V", "job-42@web01"], {"dsn_envid": "job-42@web01"}),
        (
            ["-N", "failure", "-R", "hdrs", "-Vabc"],
            {"dsn_notify": "FAILURE", "dsn_ret": "HDRS", "dsn_envid": "abc"},
        ),
    ],
)
def test_dsn_options_are_recorded(argv: list[str], dsn: dict[str, str]) -> None:
    a = parse_argv([*argv, "root"])
    assert a.dsn == dsn and a.recipients == ["root"] and a.warnings == []


@pytest.mark.parametrize(
    "argv", [["-N", "never,success"], ["-N", "sometimes"], ["-R", "body"], ["-V", "a b"]]
)
def test_bad_dsn_values_are_ignored_with_a_warning(argv: list[str]) -> None:
    a = parse_argv([*argv, "root"])
    assert a.dsn == {} and a.recipients == ["root"]
    assert len(a.warnings) == 1 and f"bad {argv[0]} value" in a.warnings[0]


@pytest.mark.parametrize(
    "argv",
    [
        *IGNORED_OPTIONS,
        ["-m"],
        ["-c"],
        ["-X", "/tmp/traffic.log"],
        ["-X/tmp/traffic.log"],
        ["-C", "/etc/mail/sendmail.cf"],
        ["-C/etc/mail/sendmail.cf"],
        ["-d0.1"],
        ["-d", "0.1"],
        ["-O", "DeliveryMode=b"],
        ["-ODeliveryMode=b"],
        ["-o", "i"],
        ["-eq"],
        ["-p", "ESMTP:web01"],
        ["-GUnm"],
        ["-UL", "tag"],
    ],
)
def test_accepted_and_ignored_with_their_arguments(argv: list[str]) -> None:
    """Each takes its value as sendmail's getopt does (the rest of the word, or the next
    word): the recipient after it is still a recipient, never eaten or taken for an option."""
    a = parse_argv([*argv, "root"])
    assert a.recipients == ["root"] and a.mode == "deliver" and a.envelope_from == ""


def test_o_i_separate_still_ignores_dots() -> None:
    assert parse_argv(["-o", "i"]).ignore_dots


@pytest.mark.parametrize(
    ("argv", "mode", "interval"),
    [
        (["-q"], "queue_run", ""),
        (["-qf"], "queue_run", ""),
        (["-vq"], "queue_run", ""),
        (["-q15m"], "queue_interval", "15m"),
        (["-q1h"], "queue_interval", "1h"),
        (["-qp30m"], "queue_interval", "p30m"),
        (["-bs"], "smtp", ""),
        (["-bs", "-i"], "smtp", ""),
        (["-bi"], "newaliases", ""),
        (["-I"], "newaliases", ""),
    ],
)
def test_modes(argv: list[str], mode: str, interval: str) -> None:
    a = parse_argv(argv)
    assert a.mode == mode and a.interval == interval
