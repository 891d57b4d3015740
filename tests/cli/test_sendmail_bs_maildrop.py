"""`sendmail -bs` as a user who may not use the config (system mode: www-data's PHP-FPM running
Laravel or Symfony Mailer): the same SMTP session, each message a drop file in the maildrop (250
only once it is there), 451/452 when the maildrop can't take it (said on stderr), 421 and 78
when there is no maildrop. Real users (useradd), real permissions, real pipes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from alloy_tui.core.maildrop import parse
from tests.helpers.system_mode import AsUser, system_mode
from tests.helpers.tmpfs import small_tmpfs
from tests.helpers.unix_users import Users, one_user, reachable_place  # noqa: F401 - fixtures

MESSAGE = (
    b"From: Laravel <app@contoso.example>\r\nTo: ops@contoso.example\r\nSubject: Order {n}\r\n"
    b"\r\nOrder {n} shipped.\r\n..a line that starts with a dot\r\n.\r\n"
)


def dropped(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def test_each_message_is_a_drop_file_durable_at_its_250(users: Users, place: Path) -> None:
    env = system_mode(place)
    drop = Path(env["ALLOY_TUI_MAILDROP"])
    c = AsUser(users, env)
    assert c.reply()[0] == 220
    code, ehlo = c.send(b"EHLO [127.0.0.1]\r\n")
    assert code == 250 and "AUTH" not in ehlo and "STARTTLS" not in ehlo  # loopback trust
    assert f"SIZE {35 * 1024 * 1024}" in ehlo
    assert c.send(b"MAIL FROM:<app@contoso.example> RET=HDRS ENVID=order1\r\n")[0] == 250
    assert c.send(b"RCPT TO:<root> NOTIFY=FAILURE,DELAY\r\n")[0] == 250
    assert c.send(b"RCPT TO:<ops@contoso.example>\r\n")[0] == 250
    assert c.send(b"DATA\r\n")[0] == 354
    code, text = c.send(MESSAGE.replace(b"{n}", b"1"))
    assert code == 250 and "maildrop" in text
    [first] = dropped(drop)  # there when the 250 came
    assert first.stat().st_uid == users["a"].uid and first.stat().st_mode & 0o777 == 0o640
    # the envelope's syntax is checked here, without the config
    assert c.send(b"MAIL FROM:<app@contoso.example\r\n")[0] == 501
    assert c.send(b"MAIL FROM:<>\r\n")[0] == 250  # the null sender (a bounce)
    assert c.send(b'RCPT TO:<"john smith"@contoso.example>\r\n')[0] == 250
    assert c.send(b"RCPT TO:<x@y\r\n")[0] == 501
    assert c.send(b"DATA\r\n")[0] == 354
    assert c.send(MESSAGE.replace(b"{n}", b"2"))[0] == 250
    assert c.send(b"NOOP\r\n")[0] == 250
    assert c.send(b"QUIT\r\n")[0] == 221
    code, err = c.finish()
    assert code == 0, err
    files = dropped(drop)
    assert len(files) == 2
    envelopes = {}
    for f in files:
        envelope, raw = parse(f.read_bytes())
        assert not envelope.read_headers
        envelopes[envelope.envelope_from] = (envelope, raw)
    one, raw1 = envelopes["app@contoso.example"]
    assert one.recipients == ("root", "ops@contoso.example")
    assert dict(one.dsn) == {
        "dsn_ret": "HDRS",
        "dsn_envid": "order1",
        "dsn_notify": "root=FAILURE,DELAY",
    }
    assert raw1 == MESSAGE.replace(b"{n}", b"1")[:-3].replace(b"\r\n..", b"\r\n.")  # unstuffed
    two, _ = envelopes["<>"]
    assert two.recipients == ('"john smith"@contoso.example',) and two.dsn == ()


def test_over_the_size_or_header_limit_is_552_naming_it_and_nothing_is_dropped(
    users: Users, place: Path
) -> None:
    env = system_mode(place)
    c = AsUser(users, env)
    assert c.reply()[0] == 220
    assert c.send(b"EHLO x\r\n")[0] == 250
    code, text = c.send(b"MAIL FROM:<a@b.example> SIZE=99999999\r\n")
    assert code == 552 and f"size of {35 * 1024 * 1024} bytes" in text
    assert c.send(b"MAIL FROM:<a@b.example>\r\n")[0] == 250
    assert c.send(b"RCPT TO:<root>\r\n")[0] == 250
    assert c.send(b"DATA\r\n")[0] == 354
    head = (b"X-Pad: " + b"p" * 990 + b"\r\n") * 1100  # 1.1 MB of header lines
    code, text = c.send(head + b"\r\nbody\r\n.\r\n")
    assert code == 552 and f"header size of {1024 * 1024} bytes" in text
    assert c.send(b"QUIT\r\n")[0] == 221
    assert c.finish()[0] == 0
    assert dropped(Path(env["ALLOY_TUI_MAILDROP"])) == []


def session_of_one(c: AsUser) -> tuple[int, str]:
    assert c.reply()[0] == 220
    assert c.send(b"EHLO x\r\n")[0] == 250
    assert c.send(b"MAIL FROM:<app@contoso.example>\r\n")[0] == 250
    assert c.send(b"RCPT TO:<root>\r\n")[0] == 250
    assert c.send(b"DATA\r\n")[0] == 354
    body = MESSAGE.replace(b"{n}", b"1")[:-3] + (b"x" * 998 + b"\r\n") * 100  # 100 KB
    return c.send(body + b".\r\n")


def test_a_maildrop_this_user_cannot_write_is_451_and_said(users: Users, place: Path) -> None:
    """451 to the client, and on stderr and syslog (facility mail, err, tag alloy-sendmail)."""
    env = system_mode(place)
    drop = Path(env["ALLOY_TUI_MAILDROP"])
    drop.chmod(0o755)  # root's, not writable by the user
    sock_path = place / "log.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as log:
        log.bind(str(sock_path))
        sock_path.chmod(0o666)
        log.settimeout(10)
        c = AsUser(users, {**env, "ALLOY_TUI_SYSLOG_SOCKET": str(sock_path)})
        code, text = session_of_one(c)
        assert code == 451 and "could not be written" in text and "setup-system" in text
        assert c.send(b"QUIT\r\n")[0] == 221
        _, err = c.finish()
        assert "not accepted (SMTP 4xx)" in err and str(drop) in err
        line = log.recv(4096).decode()
    name = users["a"].name
    assert line.startswith("<19>alloy-sendmail[") and f"user {name} " in line
    assert "(exit 73)" in line and "sendmail -bs" in line and str(drop) in line
    assert os.listdir(drop) == []


def test_a_full_maildrop_is_452_and_nothing_is_left(users: Users, place: Path) -> None:
    env = system_mode(place)
    with small_tmpfs(Path(env["ALLOY_TUI_MAILDROP"]), "64k", mode="3733") as drop:
        c = AsUser(users, env)
        code, text = session_of_one(c)
        assert code == 452 and "disk is full" in text
        assert c.send(b"QUIT\r\n")[0] == 221
        assert "disk is full" in c.finish()[1]
        assert os.listdir(drop) == []


def test_no_maildrop_either_is_a_421_greeting_and_78(users: Users, place: Path) -> None:
    env = system_mode(place)
    env["ALLOY_TUI_MAILDROP"] = str(place / "missing")
    c = AsUser(users, env)
    code, text = c.reply()
    assert code == 421 and "no maildrop folder" in text
    code, err = c.finish()
    assert code == 78 and f"{users['a'].name} can't use the config" in err


def test_plain_sendmail_carries_dsn_requests_into_the_drop_file(users: Users, place: Path) -> None:
    env = system_mode(place)
    r = users.run(
        "a",
        ["-m", "alloy_tui", "sendmail", "-N", "failure,delay", "-R", "hdrs", "-i", "root"],
        env=env,
        input=b"To: root\nSubject: x\n\nbody\n",
    )
    assert r.returncode == 0, r.stderr
    [f] = dropped(Path(env["ALLOY_TUI_MAILDROP"]))
    envelope, _ = parse(f.read_bytes())
    assert dict(envelope.dsn) == {"dsn_notify": "FAILURE,DELAY", "dsn_ret": "HDRS"}
