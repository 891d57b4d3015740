"""`sendmail -bs` (Symfony Mailer's and Laravel's default: `/usr/sbin/sendmail -bs -i`): SMTP on
stdin/stdout with the listener's rules, each message to the outbox, 250 once it is durable.

The client is a real process speaking SMTP over the pipes as Symfony's ProcessStream does (a
command, then its reply), a script that writes its whole session and closes stdin, and smtplib
itself on a TCP socket that is the sendmail process's stdin and stdout (inetd style)."""

from __future__ import annotations

import json
import smtplib
import socket
import subprocess
import threading
from pathlib import Path

from tests.helpers.sendmail_door import env_for, leftovers, queued, scripts, sendmail, write_config

MESSAGE = (
    b"From: Laravel <app@contoso.com>\r\nTo: ops@contoso.com\r\nSubject: Order {n}\r\n"
    b"\r\nOrder {n} shipped.\r\n.a line that starts with a dot\r\n"
)


class PipeClient:
    """SMTP over a `sendmail -bs` process's pipes: one command, then its (multi-line) reply."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(scripts(folder) / "sendmail"), "-bs", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env_for(folder),
        )
        self.timer = threading.Timer(60, self.proc.kill)  # never a hung test
        self.timer.start()

    def reply(self) -> tuple[int, list[str]]:
        assert self.proc.stdout is not None
        lines = []
        while True:
            line = self.proc.stdout.readline().decode()
            assert line.endswith("\r\n"), f"cut reply: {line!r} after {lines}"
            lines.append(line[4:-2])
            if line[3] == " ":
                return int(line[:3]), lines

    def send(self, data: bytes) -> tuple[int, list[str]]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        return self.reply()

    def finish(self) -> tuple[int, bytes]:
        assert self.proc.stdin is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        self.timer.cancel()
        return code, self.proc.stderr.read()


def test_symfony_style_session_each_message_durable_at_its_250(tmp_path: Path) -> None:
    write_config(tmp_path)
    c = PipeClient(tmp_path, "-i")
    assert c.reply()[0] == 220
    code, lines = c.send(b"EHLO [127.0.0.1]\r\n")
    assert code == 250
    assert not any(x.startswith(("AUTH", "STARTTLS")) for x in lines)  # loopback trust
    ids = []
    for n in (1, 2):
        assert c.send(b"MAIL FROM:<app@contoso.com>\r\n")[0] == 250
        assert c.send(b"RCPT TO:<ops@contoso.com>\r\n")[0] == 250
        assert c.send(b"DATA\r\n")[0] == 354
        body = MESSAGE.replace(b"{n}", str(n).encode()).replace(b"\r\n.", b"\r\n..")  # dot-stuffed
        code, [text] = c.send(body + b".\r\n")
        assert code == 250 and "queued as" in text
        qid = text.rsplit(" ", 1)[1]
        # durable when the 250 came: both files are in place and listed
        assert (tmp_path / "queue" / "meta" / f"{qid}.json").exists()
        assert qid in [m.id for m in queued(tmp_path)]
        ids.append(qid)
    assert c.send(b"QUIT\r\n")[0] == 221
    code, err = c.finish()
    assert (code, err) == (0, b"")
    listed = queued(tmp_path)
    assert sorted(m.id for m in listed) == sorted(ids)
    assert sorted(m.subject for m in listed) == ["Order 1", "Order 2"]
    from alloy_tui.core.outbox import Outbox

    raw = Outbox(tmp_path / "queue").read_raw(ids[0])
    assert raw.endswith(b"shipped.\r\n.a line that starts with a dot\r\n")  # un-stuffed
    assert leftovers(tmp_path) == {"tmp": [], "orphan_messages": []}
    meta = json.loads((tmp_path / "queue" / "meta" / f"{ids[0]}.json").read_text())
    assert meta["to"] == ["ops@contoso.com"] and meta["source"] == "smtpd"


def test_a_whole_session_written_at_once_then_stdin_closed(tmp_path: Path) -> None:
    """A script pipes its session and closes stdin: every command already sent is answered."""
    write_config(tmp_path)
    session = b"EHLO x\r\n"
    for n in (1, 2, 3):
        body = MESSAGE.replace(b"{n}", str(n).encode()).replace(b"\r\n.", b"\r\n..")  # dot-stuffed
        session += b"MAIL FROM:<app@contoso.com>\r\nRCPT TO:<root>\r\nDATA\r\n" + body + b".\r\n"
    r = sendmail(tmp_path, "-bs", "-i", stdin=session)  # no QUIT: stdin just ends
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(b"250 2.0.0 OK: queued as") == 3
    assert sorted(m.subject for m in queued(tmp_path)) == ["Order 1", "Order 2", "Order 3"]
    assert {m.to for m in queued(tmp_path)} == {("ops@contoso.com",)}  # root mapped


def test_stdin_ending_inside_data_queues_nothing(tmp_path: Path) -> None:
    write_config(tmp_path)
    cut = b"EHLO x\r\nMAIL FROM:<app@contoso.com>\r\nRCPT TO:<root>\r\nDATA\r\nSubject: cut\r\n\r\nhal"
    r = sendmail(tmp_path, "-bs", stdin=cut)
    assert r.returncode == 0 and b"354" in r.stdout and b"queued as" not in r.stdout
    assert queued(tmp_path) == []
    assert leftovers(tmp_path) == {"tmp": [], "orphan_messages": []}


def test_smtplib_on_a_socket_that_is_sendmails_stdin_and_stdout(tmp_path: Path) -> None:
    """inetd style: each connection gets `sendmail -bs` with the socket as stdin and stdout;
    smtplib (unpatched) talks to it over real TCP."""
    write_config(tmp_path)
    server = socket.create_server(("127.0.0.1", 0))
    done: list[subprocess.CompletedProcess[bytes]] = []

    def serve_one() -> None:
        conn, _ = server.accept()
        with conn:
            done.append(
                subprocess.run(
                    [str(scripts(tmp_path) / "sendmail"), "-bs"],
                    stdin=conn.fileno(),
                    stdout=conn.fileno(),
                    stderr=subprocess.PIPE,
                    timeout=60,
                    env=env_for(tmp_path),
                )
            )

    worker = threading.Thread(target=serve_one)
    worker.start()
    try:
        with smtplib.SMTP("127.0.0.1", server.getsockname()[1], timeout=30) as smtp:
            assert smtp.ehlo()[0] == 250
            assert not smtp.has_extn("auth") and not smtp.has_extn("starttls")
            refused = smtp.sendmail(
                "app@contoso.com",
                ["ops@contoso.com"],
                MESSAGE.replace(b"{n}", b"9"),
            )
            assert refused == {}
    finally:
        worker.join(timeout=60)
        server.close()
    [r] = done
    assert r.returncode == 0 and r.stderr == b""
    assert [m.subject for m in queued(tmp_path)] == ["Order 9"]


def test_the_listeners_rules_apply_and_no_login_is_asked(tmp_path: Path) -> None:
    """[smtpd] allowed_recipient_domains refuses at RCPT as the listener does; [smtpd] users
    (AUTH on the network listener) asks nothing of a local process on its own pipes."""
    write_config(
        tmp_path,
        '[smtpd]\nallowed_recipient_domains = ["contoso.com"]\nusers = ["grafana"]\n',
    )
    c = PipeClient(tmp_path)
    assert c.reply()[0] == 220
    code, lines = c.send(b"EHLO x\r\n")
    assert code == 250 and not any(x.startswith(("AUTH", "STARTTLS")) for x in lines)
    assert c.send(b"MAIL FROM:<app@contoso.com>\r\n")[0] == 250
    code, [text] = c.send(b"RCPT TO:<someone@fabrikam.com>\r\n")
    assert code == 550 and "allowed_recipient_domains" in text
    assert c.send(b"RCPT TO:<ops@contoso.com>\r\n")[0] == 250
    assert c.send(b"DATA\r\n")[0] == 354
    assert c.send(b"Subject: allowed\r\n\r\nok\r\n.\r\n")[0] == 250
    assert c.send(b"QUIT\r\n")[0] == 221
    assert c.finish()[0] == 0
    [m] = queued(tmp_path)
    assert m.to == ("ops@contoso.com",) and m.subject == "allowed"


def test_not_set_up_is_a_421_greeting_and_78(tmp_path: Path) -> None:
    scripts(tmp_path)  # no config at all
    r = subprocess.run(
        [str(tmp_path / "bin" / "sendmail"), "-bs", "-i"],
        input=b"EHLO x\r\n",
        capture_output=True,
        timeout=60,
        env=env_for(tmp_path),
    )
    assert r.returncode == 78
    assert r.stdout.startswith(b"421 4.3.5 not set up") and r.stdout.count(b"\r\n") == 1
    assert r.stderr.startswith(b"sendmail: not set up") and r.stderr.count(b"\n") == 1


def test_sigterm_ends_an_open_session_with_421_and_75(tmp_path: Path) -> None:
    """A message already answered 250 stays queued; the session still open gets 421 (the
    client keeps what it had not handed over) and sendmail exits 75."""
    import signal

    write_config(tmp_path)
    c = PipeClient(tmp_path)
    assert c.reply()[0] == 220
    assert c.send(b"EHLO x\r\n")[0] == 250
    assert c.send(b"MAIL FROM:<app@contoso.com>\r\n")[0] == 250
    assert c.send(b"RCPT TO:<root>\r\n")[0] == 250
    assert c.send(b"DATA\r\n")[0] == 354
    assert c.send(b"Subject: first\r\n\r\nok\r\n.\r\n")[0] == 250
    assert c.send(b"MAIL FROM:<app@contoso.com>\r\n")[0] == 250
    c.proc.send_signal(signal.SIGTERM)
    code, [text] = c.reply()
    assert code == 421 and "Shutting down" in text
    assert c.finish()[0] == 75
    assert [m.subject for m in queued(tmp_path)] == ["first"]


def test_a_bs_session_outlives_the_network_listeners_idle_and_session_caps(
    tmp_path: Path,
) -> None:
    """Symfony Mailer keeps `sendmail -bs` open between a worker's messages and pings it
    (NOOP) only after 100 s of quiet: a session cut after the listener's 60 s idle or 30 min
    cap would fail the next message. The rules and other limits stay the listener's."""
    from alloy_tui.core.config import load_or_default
    from alloy_tui.core.smtpd.options import limits
    from alloy_tui.core.smtpd.pipe import pipe_options

    config = write_config(tmp_path, "[smtpd]\nmax_recipients = 7\n")
    settings = load_or_default(config).settings
    o, listener = pipe_options(settings), limits(settings)
    assert listener["idle_timeout"] == 60 and listener["session_timeout"] == 1800
    assert o.idle_timeout >= 300 and o.session_timeout >= 86400
    assert o.max_recipients == 7 and o.passwords == {} and o.tls is None
    # The command deadline runs from the last reply, so it must outlast the quiet too (it
    # was the listener's 60 s: a Symfony NOOP after 100 s met a 421).
    assert listener["command_timeout"] == 60 and o.command_timeout >= 300
