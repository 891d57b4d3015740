"""sendmail as a user who may not use the config: the message goes to the maildrop (exit 0 once
durable), 75/73 when the maildrop can't take it, 78 when there is none; usage (64), an empty
message and a command line without recipients or -t (65) are still refused at once; what needs
the message parsed (-t finding nobody) is the runner's (test_sendmail_maildrop_runner.py).
Real users, real permissions."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from alloy_tui.core.maildrop import parse
from tests.helpers.system_mode import SMTP_CONFIG as CONFIG
from tests.helpers.system_mode import system_mode
from tests.helpers.tmpfs import small_tmpfs
from tests.helpers.unix_users import Users, one_user, reachable_place  # noqa: F401 - fixtures

MESSAGE = b"To: root\nSubject: backup done\n\n3 files\n"


def sendmail(users: Users, env: dict[str, str], *args: str, message: bytes = MESSAGE):  # type: ignore[no-untyped-def]
    return users.run("a", ["-m", "alloy_tui", "sendmail", *args], env=env, input=message)


def dropped(place: Path) -> list[Path]:
    return sorted((place / "maildrop").iterdir())


def test_a_system_config_out_of_reach_sends_through_the_maildrop(users: Users, place: Path) -> None:
    env = system_mode(place)
    r = sendmail(users, env, "-i", "-f", "cron@web01", "root")
    assert r.returncode == 0, r.stderr
    [f] = dropped(place)
    uid = users["a"].uid
    assert re.fullmatch(rf"{uid}\.[0-9a-f]{{32}}", f.name) and f.stat().st_uid == uid
    envelope, raw = parse(f.read_bytes())
    assert envelope.recipients == ("root",) and envelope.envelope_from == "cron@web01"
    assert raw == MESSAGE and not envelope.read_headers


def test_a_config_that_exists_but_is_not_ours_sends_through_the_maildrop(
    users: Users, place: Path
) -> None:
    env = system_mode(place, etc_mode=0o755)  # the file itself is 0600 root's
    env["ALLOY_TUI_CONFIG"] = env["ALLOY_TUI_SYSTEM_CONFIG"]
    r = sendmail(users, env, "-t", message=MESSAGE + b".\nnot part of it\n")
    assert r.returncode == 0, r.stderr
    [f] = dropped(place)
    envelope, raw = parse(f.read_bytes())
    assert envelope.read_headers and raw == MESSAGE  # without -i, the lone dot ended it (parse)
    assert f.read_bytes().endswith(b".\nnot part of it\n")  # written as read: the runner cuts


def test_an_outbox_not_ours_sends_through_the_maildrop(users: Users, place: Path) -> None:
    env = system_mode(place, config_mode=0o644, etc_mode=0o755)  # readable config...
    queue = place / "queue"
    queue.mkdir(mode=0o700)  # ...but root's 0700 outbox
    (place / "etc" / "config.toml").write_text(CONFIG + f'[queue]\npath = "{queue}"\n')
    env["ALLOY_TUI_CONFIG"] = env["ALLOY_TUI_SYSTEM_CONFIG"]
    r = sendmail(users, env, "root")
    assert r.returncode == 0, r.stderr
    assert len(dropped(place)) == 1 and os.listdir(queue) == []


def test_no_maildrop_either_is_78_naming_both(users: Users, place: Path) -> None:
    env = system_mode(place)
    env["ALLOY_TUI_MAILDROP"] = str(place / "missing")
    r = sendmail(users, env, "root")
    assert r.returncode == 78
    err = r.stderr.decode()
    assert f"{users['a'].name} can't use the config" in err
    assert "no maildrop folder at" in err and "setup-system" in err


@pytest.mark.parametrize(
    ("args", "message", "code", "said"),
    [
        (["-y"], MESSAGE, 64, "unknown option -y"),
        (["root"], b"   \n", 65, "the message is empty"),
        ([], MESSAGE, 65, "no recipient"),
        (["-f", "a\nb", "root"], MESSAGE, 64, "line break"),
        (  # more than the runner reads of a drop file's envelope line: never 0, then refused
            [f"user{i:05d}@example-recipient.com" for i in range(3000)],
            MESSAGE,
            64,
            "3000 recipients",
        ),
    ],
)
def test_what_can_be_checked_without_the_config_still_is(
    users: Users, place: Path, args: list[str], message: bytes, code: int, said: str
) -> None:
    r = sendmail(users, system_mode(place), *args, message=message)
    assert r.returncode == code and said in r.stderr.decode()
    assert dropped(place) == []


def test_a_full_maildrop_is_75_and_nothing_is_left(users: Users, place: Path) -> None:
    env = system_mode(place)
    with small_tmpfs(place / "maildrop", "64k", mode="3733"):
        r = sendmail(users, env, "root", message=MESSAGE + b"x" * 200_000)
        assert r.returncode == 75, r.stderr
        assert "disk is full" in r.stderr.decode()
        assert dropped(place) == []


def test_mail_not_taken_is_one_syslog_line_naming_the_user_and_the_fix(
    users: Users, place: Path
) -> None:
    """facility mail, priority err (<19>), tag alloy-sendmail: cron only logs the exit status."""
    import socket

    sock_path = place / "log.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as log:
        log.bind(str(sock_path))
        sock_path.chmod(0o666)
        log.settimeout(10)
        env = {**system_mode(place), "ALLOY_TUI_SYSLOG_SOCKET": str(sock_path)}
        env["ALLOY_TUI_MAILDROP"] = str(place / "missing")
        r = sendmail(users, env, "root")
        assert r.returncode == 78 and "setup-system" in r.stderr.decode()
        line = log.recv(4096).decode()
        name = users["a"].name
        assert re.match(rf"<19>alloy-sendmail\[\d+\]: user {name} \(uid {users['a'].uid}\): ", line)
        assert "message not accepted (exit 78)" in line and "setup-system" in line
        with small_tmpfs(place / "ro-drop", mode="3733", ro=True) as ro:
            env["ALLOY_TUI_MAILDROP"] = str(ro)
            r = sendmail(users, env, "root")
            assert r.returncode == 73 and "setup-system" in r.stderr.decode()
            line = log.recv(4096).decode()
            assert line.startswith("<19>alloy-sendmail[") and "(exit 73)" in line
            assert "read-only" in line
        r = sendmail(users, env, "-X")  # a usage error is the caller's, not lost mail
        assert r.returncode == 64
        log.settimeout(0.5)
        with pytest.raises(TimeoutError):
            log.recv(4096)
