"""The sendmail options real programs pass (issue 19): each is accepted as sendmail's getopt
takes it, and the message reaches the outbox exactly once with exit 0. `-N/-R/-V` are recorded
in the message's details; `-q` runs the queue (delivered to a real SMTP server); `-q<interval>`,
`-bi` and a `newaliases` link exit 0 with a note. Unknown options still exit 64."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from tests.helpers.sendmail_door import (
    IGNORED_OPTIONS,
    MAIL,
    leftovers,
    log_events,
    metas,
    queued,
    sendmail,
    write_config,
)
from tests.helpers.smtp_server import SmtpServer

NO_FROM = b"To: ops@contoso.com\nSubject: PHP mail\n\nbody\n"


def _one_queued(folder: Path) -> None:
    [m] = queued(folder)
    assert m.to == ("ops@contoso.com",) and m.subject == "from a program"
    assert leftovers(folder) == {"tmp": [], "orphan_messages": []}
    assert [e["event"] for e in log_events(folder)] == ["mail.queued"]


@pytest.mark.parametrize(
    "args",
    [
        *IGNORED_OPTIONS,
        ["-C", "/etc/mail/sendmail.cf"],
        ["-C/etc/mail/sendmail.cf"],
        ["-d0.1"],
        ["-d", "0.1"],
        ["-O", "DeliveryMode=background"],
        ["-ODeliveryMode=b"],
        ["-odb", "-oem"],
        ["-o", "i"],
        ["-m"],
        ["-c"],
        ["-eq"],
        ["-p", "ESMTP:web01"],
        ["-GUn", "-Ltag", "-h", "3"],
    ],
    ids=lambda a: " ".join(a),
)
def test_ignored_options_queue_the_message_once(tmp_path: Path, args: list[str]) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, *args, "root")
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    _one_queued(tmp_path)


def test_x_traffic_log_is_accepted_and_never_written(tmp_path: Path) -> None:
    """-X names a file sendmail would log the SMTP traffic to: nothing of the kind here, and
    above all no file written where a caller says."""
    write_config(tmp_path)
    for args in (["-X", str(tmp_path / "traffic.log")], [f"-X{tmp_path / 'traffic2.log'}"]):
        r = sendmail(tmp_path, *args, "-t")
        assert (r.returncode, r.stderr) == (0, b"")
    assert len(queued(tmp_path)) == 2
    assert not (tmp_path / "traffic.log").exists() and not (tmp_path / "traffic2.log").exists()


@pytest.mark.parametrize("args", [["-r", "bounce@contoso.com"], ["-rbounce@contoso.com"]])
def test_r_is_f(tmp_path: Path, args: list[str]) -> None:
    """PHP's mail(..., "-r ADDR"): the same envelope sender, hence the same From, as -f."""
    r_dir, f_dir = tmp_path / "r", tmp_path / "f"
    write_config(r_dir)
    write_config(f_dir)
    r = sendmail(r_dir, "-t", "-i", *args, stdin=NO_FROM)
    f = sendmail(f_dir, "-t", "-i", "-f", "bounce@contoso.com", stdin=NO_FROM)
    assert (r.returncode, r.stderr) == (0, b"") and f.returncode == 0
    [rm], [fm] = queued(r_dir), queued(f_dir)
    assert rm.sender == fm.sender and rm.to == fm.to == ("ops@contoso.com",)

    def from_line(folder: Path, qid: str) -> bytes:
        raw = Outbox(folder / "queue").read_raw(qid)
        return next(x for x in raw.split(b"\n") if x.startswith(b"From:"))

    assert from_line(r_dir, rm.id) == from_line(f_dir, fm.id)
    assert b"bounce" in from_line(r_dir, rm.id)


def test_dsn_options_are_recorded_in_the_details(tmp_path: Path) -> None:
    """mutt with dsn_notify/dsn_return: recorded (the message's metadata and every mail.*
    entry), not acted on."""
    write_config(tmp_path)
    r = sendmail(tmp_path, "-oem", "-oi", "-N", "failure,delay", "-R", "hdrs", "-Vjob42", "root")
    assert (r.returncode, r.stderr) == (0, b"")
    _one_queued(tmp_path)
    [meta] = metas(tmp_path)
    dsn = {"dsn_notify": "FAILURE,DELAY", "dsn_ret": "HDRS", "dsn_envid": "job42"}
    assert meta["details"] == dsn
    [entry] = log_events(tmp_path)
    assert {k: entry["details"][k] for k in dsn} == dsn


def test_a_bad_dsn_value_is_a_warning_not_a_lost_message(tmp_path: Path) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, "-N", "sometimes", "root")
    assert r.returncode == 0
    assert r.stderr == b"sendmail: warning: bad -N value 'sometimes' ignored\n"
    _one_queued(tmp_path)
    assert "details" not in metas(tmp_path)[0]


def test_q_runs_the_queue_once(tmp_path: Path) -> None:
    """-q: like `queue flush`. The hand-off's own detached runner is kept from starting (a
    runner lock held here, as while another runner works), so what delivers is -q."""
    with SmtpServer(tmp_path) as server:
        service = (
            f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
            'security = "none"\n[network]\ntimeout = 5\n[message]\ndefault_from = "alerts@contoso.com"\n'
        )
        write_config(tmp_path, service=service)
        (tmp_path / "queue").mkdir(mode=0o700)
        fd = os.open(tmp_path / "queue" / "runner.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            assert sendmail(tmp_path, "-t").returncode == 0
            assert len(queued(tmp_path)) == 1 and server.messages == []
            r = sendmail(tmp_path, "-q", stdin=b"")
        finally:
            os.close(fd)
        assert r.returncode == 0, r.stdout + r.stderr
        assert b"Sent 1" in r.stdout
        [got] = server.messages
        assert got.rcpt_tos == ["ops@contoso.com"] and b"Subject: from a program" in got.data
        assert queued(tmp_path) == []


@pytest.mark.parametrize("args", [["-q15m"], ["-q1h"], ["-qp30m"]])
def test_q_with_an_interval_is_a_note(tmp_path: Path, args: list[str]) -> None:
    write_config(tmp_path)
    assert sendmail(tmp_path, "-t").returncode == 0
    r = sendmail(tmp_path, *args, stdin=b"")
    assert r.returncode == 0 and r.stderr == b""
    assert f"{args[0]} ignored".encode() in r.stdout and b"queue run --daemon" in r.stdout
    assert len(queued(tmp_path)) == 1  # untouched


@pytest.mark.parametrize(("program", "args"), [("sendmail", ["-bi"]), ("newaliases", [])])
def test_newaliases_is_a_note(tmp_path: Path, program: str, args: list[str]) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, *args, stdin=b"", program=program)
    assert r.returncode == 0 and r.stderr == b""
    assert r.stdout.startswith(f"{program}: nothing to rebuild".encode())
    assert b"[sendmail] aliases" in r.stdout and r.stdout.count(b"\n") == 1
    assert queued(tmp_path) == []


def test_newaliases_through_an_alloy_tui_symlink(tmp_path: Path) -> None:
    """A `newaliases` symlink to the `alloy-tui` console script works too (launch.py)."""
    import subprocess
    import sys

    from tests.helpers.sendmail_door import ROOT, env_for

    write_config(tmp_path)
    script = tmp_path / "alloy-tui"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from alloy_tui.launch import main\nmain()\n"
    )
    script.chmod(0o755)
    (tmp_path / "newaliases").symlink_to(script)
    r = subprocess.run(
        [str(tmp_path / "newaliases")], capture_output=True, timeout=60, env=env_for(tmp_path)
    )
    assert r.returncode == 0 and r.stdout.startswith(b"newaliases: nothing to rebuild")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-y", "root"], b"unknown option -y"),
        (["-bt"], b"-bt is not supported"),
        (["-qX"], b"-qX is not supported"),
        (["-q", "1h"], b"-q takes no recipient"),
        (["-L"], b"-L needs a value"),
    ],
)
def test_unknown_options_still_exit_64(tmp_path: Path, args: list[str], says: bytes) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, *args, stdin=MAIL)
    assert r.returncode == 64 and says in r.stderr and r.stderr.count(b"\n") == 1
    assert queued(tmp_path) == []
