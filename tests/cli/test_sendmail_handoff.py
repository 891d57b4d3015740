"""The sendmail hand-off as programs run it: a real process, stdin, exit codes per sysexits,
one-line errors, the message durable in the outbox, and no heavy import on the way."""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from tests.helpers.sendmail_door import log_events, metas, run_runner, scripts, take_in
from tests.helpers.smtpd_listener import write_config as listener_config

ROOT = Path(__file__).resolve().parents[2]


def write_config(folder: Path, *, admin: str = "ops@contoso.com", extra: str = "") -> Path:
    """The listener tests' config without an [smtpd] section."""
    return listener_config(folder, None, admin=admin, extra=extra)


def sendmail(
    folder: Path,
    *args: str,
    stdin: bytes = b"",
    program: str = "alloy-sendmail",
    config: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    bin_dir = folder / "bin" if (folder / "bin").exists() else scripts(folder)
    env = {**os.environ, "ALLOY_TUI_CONFIG": str(config or folder / "config.toml")}
    return subprocess.run(
        [str(bin_dir / program), *args], input=stdin, capture_output=True, timeout=60, env=env
    )


CRON_MAIL = (
    b"From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@web01> /usr/bin/backup\n"
    b"Content-Type: text/plain; charset=UTF-8\n\nbackup: 3 files\n"
)


def test_cron_hand_off_queues_durably_and_exits_0(tmp_path: Path) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, "-FCronDaemon", "-odi", "-oem", "-oi", "-t", stdin=CRON_MAIL)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"" and r.stderr == b""
    take_in(tmp_path)  # the runner's first step (the one sendmail started may be first)
    [m] = Outbox(tmp_path / "queue").list()
    assert (
        m.state == "pending" and m.to == ("ops@contoso.com",) and m.sender == "alerts@contoso.com"
    )
    assert m.subject == "Cron <root@web01> /usr/bin/backup"
    raw = Outbox(tmp_path / "queue").read_raw(m.id)
    assert raw.endswith(b"\n\nbackup: 3 files\n") and b"To: ops@contoso.com\n" in raw
    entries = [json.loads(x) for x in (tmp_path / "alert_log.jsonl").read_text().splitlines()]
    assert [e["event"] for e in entries][:1] == ["mail.queued"]  # then the runner's try


def test_symlink_named_sendmail_uses_its_name_in_errors(tmp_path: Path) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, "-x", program="sendmail")
    assert r.returncode == 64
    assert r.stderr.decode().startswith("sendmail: unknown option -x")
    assert r.stderr.count(b"\n") == 1
    r = sendmail(tmp_path, "-x")
    assert r.returncode == 64 and r.stderr.startswith(b"alloy-sendmail: ")


def test_lone_dot_ends_the_message_unless_i(tmp_path: Path) -> None:
    write_config(tmp_path)
    mail = b"Subject: dots\n\nbefore\n.\nafter\n"
    assert sendmail(tmp_path, "root", stdin=mail).returncode == 0
    assert sendmail(tmp_path, "-i", "root", stdin=mail).returncode == 0
    take_in(tmp_path)
    box = Outbox(tmp_path / "queue")
    bodies = sorted(box.read_raw(m.id).split(b"\n\n", 1)[1] for m in box.list())
    assert bodies == [b"before\n", b"before\n.\nafter\n"]


@pytest.mark.parametrize(
    ("args", "stdin", "code", "says"),
    [
        (("root",), b"", 65, "empty"),
        (("root",), b" \n\n", 65, "empty"),
        (("-f", "a@b.com\nBcc: victim@example.com", "root"), b"Subject: x\n\nhi\n", 64, "-f"),
        (("-bd",), b"", 64, "-bd is not supported"),
        (("-q", "1h"), b"", 64, "-q takes no recipient"),
    ],
)
def test_bad_input_exit_codes(
    tmp_path: Path, args: tuple[str, ...], stdin: bytes, code: int, says: str
) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, *args, stdin=stdin)
    assert r.returncode == code
    err = r.stderr.decode()
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "queue" / "meta").exists() or not list(
        (tmp_path / "queue" / "meta").iterdir()
    )


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("-t",), b"Subject: nobody\n\nhi\n", "no recipient"),
        (("root",), b"just some text\n", "RFC 5322"),
    ],
)
def test_what_the_rules_refuse_is_a_failure_notice_not_an_exit_code(
    tmp_path: Path, args: tuple[str, ...], stdin: bytes, says: str
) -> None:
    """Issue 23: sendmail no longer parses; the runner does, and what sendmail's rules refuse
    (it used to be 65 at once) is a mail.failed entry and a failure notice to the sender: the
    user who ran sendmail, a local name mapped as sendmail maps it (root -> [sendmail] admin)."""
    write_config(tmp_path)
    r = sendmail(tmp_path, *args, stdin=stdin)
    assert r.returncode == 0 and r.stderr == b""
    run_runner(tmp_path)
    [failed] = [e for e in log_events(tmp_path) if e["event"] == "mail.failed"]
    assert says in failed["message"]
    by_id = {m["id"]: m for m in metas(tmp_path)}
    refused = by_id[failed["details"]["queue_id"]]
    assert refused["state"] == "failed" and says in refused["last_error"]["cause"]
    notice = by_id[refused["notice"]]  # one notice, queued to the admin for the local user
    assert notice["source"] == "failure notice" and notice["to"] == ["ops@contoso.com"]
    raw = Outbox(tmp_path / "queue").read_raw(notice["id"])
    assert b"Subject: Undelivered mail:" in raw and says.encode() in raw
    assert [e["event"] for e in log_events(tmp_path)].count("mail.bounced") == 1
    for entry in log_events(tmp_path):  # no sentence left hanging ("to  from", "delivered to")
        assert " to  " not in entry["message"] and not entry["message"].endswith(" to")


def test_local_recipient_without_admin_is_a_failure_entry(tmp_path: Path) -> None:
    """It was 67 at once; now the runner says it (mail.failed names the fix). The notice would
    go to root, which has no address either: none is queued, and nothing loops."""
    write_config(tmp_path, admin="")
    r = sendmail(tmp_path, "root", stdin=b"Subject: x\n\nhi\n")
    assert r.returncode == 0 and r.stderr == b""
    run_runner(tmp_path)
    [failed] = [e for e in log_events(tmp_path) if e["event"] == "mail.failed"]
    assert "[sendmail] admin" in failed["message"]
    assert [m["source"] for m in metas(tmp_path)] == ["sendmail"]  # no notice to nobody


def test_not_set_up_is_78_with_what_to_run(tmp_path: Path) -> None:
    scripts(tmp_path)
    r = sendmail(tmp_path, "root", stdin=b"Subject: x\n\nhi\n", config=tmp_path / "missing.toml")
    assert r.returncode == 78 and b"run `alloy-tui`" in r.stderr


def test_alias_injection_in_the_config_is_78(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        extra='[sendmail.aliases]\nroot = "ops@contoso.com\\r\\nBcc: victim@example.com"\n',
    )
    r = sendmail(tmp_path, "root", stdin=b"Subject: x\n\nhi\n")
    assert r.returncode == 78 and b"aliases" in r.stderr and b"\n" == r.stderr[-1:]
    assert r.stderr.count(b"\n") == 1


def test_50_mb_message_refused_with_sizes_and_nothing_queued(tmp_path: Path) -> None:
    write_config(tmp_path)
    big = b"To: root\nSubject: big\n\n" + b"x" * (50 * 1024 * 1024)
    r = sendmail(tmp_path, "-t", stdin=big)
    assert r.returncode == 65
    assert b"50.0 MB" in r.stderr and b"35.0 MB" in r.stderr and str(len(big)).encode() in r.stderr
    assert Outbox(tmp_path / "queue").list() == []


def test_8bit_non_utf8_body_arrives_byte_exact(tmp_path: Path) -> None:
    write_config(tmp_path)
    body = b"caf\xe9 \xff\xfe binary\x00 and UTF-8 \xc3\xa9\r\n"
    r = sendmail(tmp_path, "-t", stdin=b"To: root\nSubject: 8bit\n\n" + body)
    assert r.returncode == 0, r.stderr
    take_in(tmp_path)
    box = Outbox(tmp_path / "queue")
    assert box.read_raw(box.list()[0].id).endswith(b"\n\n" + body)


def test_outbox_not_writable_is_73_and_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the queue folder should be")
        write_config(tmp_path, extra="")
        cfg = tmp_path / "config.toml"
        cfg.write_text(cfg.read_text().replace(str(tmp_path / "queue"), str(blocker / "queue")))
    else:
        (tmp_path / "queue").mkdir(mode=0o500)
        write_config(tmp_path)
    r = sendmail(tmp_path, "root", stdin=b"Subject: x\n\nhi\n")
    assert r.returncode in (73, 75), r.stderr
    assert r.stderr.count(b"\n") == 1 and b"Traceback" not in r.stderr


def test_mailq_symlink_lists_the_queue(tmp_path: Path) -> None:
    write_config(tmp_path)
    (tmp_path / "queue").mkdir(mode=0o700)
    held = os.open(tmp_path / "queue" / "runner.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_SH)  # a runner "is running" but has not looked yet
    assert sendmail(tmp_path, "-t", stdin=CRON_MAIL).returncode == 0
    early = sendmail(tmp_path, program="mailq")  # handed off, not parsed yet: said so
    pattern = r"^([0-9a-f]{8}) +\d+ +\(handed off by sendmail, not queued yet\)$"
    [short] = re.findall(pattern, early.stdout.decode(), re.M)
    assert early.returncode == 0
    os.close(held)
    take_in(tmp_path)
    r = sendmail(tmp_path, program="mailq")
    assert r.returncode == 0, r.stderr
    [qid] = [m.id for m in Outbox(tmp_path / "queue").list()]
    assert qid.split("-")[1] == short  # the same id, now queued
    # sendmail's / postfix's format: the header, the block, the footer scripts parse
    lines = r.stdout.decode().splitlines()
    assert lines[0].split() == [
        "-Queue",
        "ID-",
        "--Size--",
        "----Arrival",
        "Time----",
        "-Sender/Recipient-------",
    ]
    assert re.match(
        rf"^{qid.split('-')[1]}[*]? +\d+ \w{{3}} \w{{3}} [ \d]\d \d\d:\d\d:\d\d  \S+$", lines[1]
    ), lines
    assert "ops@contoso.com" in r.stdout.decode()
    assert re.fullmatch(r"-- \d+ Kbytes in 1 Request\.", lines[-1]), lines
    bp = sendmail(tmp_path, "-bp")
    shown = bp.stdout.decode().splitlines()[1].split()[0]
    assert bp.returncode == 0 and shown.rstrip("*") == qid.split("-")[1]  # the same message


def test_hand_off_imports_no_heavy_library(tmp_path: Path) -> None:
    """Nor the typed config model (dataclasses, inspect) or ssl: this runs for every cron job.
    Issue 23: nor email, json, pathlib, typing, enum, platformdirs, tomllib (the facts are
    cached after the first hand-off, which works them out: so two hand-offs, the second
    checked)."""
    config = write_config(tmp_path)
    code = (
        "import io, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from alloy_tui.commands.sendmail.handoff import run\n"
        f"rc = run(['-t'], 'sendmail', {str(config)!r}, stdin=io.BytesIO(sys.stdin.buffer.read()))\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'msal', 'httpx', 'exchangelib', 'textual', 'click', 'tomlkit', 'email_validator', 'dataclasses', 'ssl', 'inspect', 'email', 'json', 'pathlib', 'typing', 'enum', 'platformdirs', 'tomllib', 'subprocess', 'contextlib'})\n"
        "print(rc, heavy)\n"
    )
    (tmp_path / "state").mkdir(mode=0o700)
    env = {**os.environ, "ALLOY_TUI_STATE_DIR": str(tmp_path / "state")}
    outs = []
    for _ in range(2):  # the first works the facts out and caches them; the second reads them
        # -S: without site-packages' .pth files, which import typing, re... themselves
        r = subprocess.run(
            [sys.executable, "-S", "-c", code],
            input=CRON_MAIL,
            capture_output=True,
            timeout=60,
            env=env,
        )
        outs.append(r.stdout.decode().split())
    assert outs[1] == ["0", "[]"], r.stderr
    assert (tmp_path / "state" / "sendmail-facts").exists() and outs[0][0] == "0"


def test_alloy_tui_sendmail_subcommand(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "alloy_tui",
            "--config",
            str(config),
            "sendmail",
            "-FCronDaemon",
            "-oi",
            "-t",
        ],
        input=CRON_MAIL,
        capture_output=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    take_in(tmp_path)
    assert [m.to for m in Outbox(tmp_path / "queue").list()] == [("ops@contoso.com",)]
    bad = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(config), "sendmail", "-bd"],
        input=b"",
        capture_output=True,
        timeout=60,
    )
    assert bad.returncode == 64 and bad.stderr.startswith(
        b"alloy-tui sendmail: -bd is not supported"
    )


def test_more_recipients_than_a_hand_off_holds_is_64_at_once(tmp_path: Path) -> None:
    """Recipients on the command line beyond what the runner reads of a hand-off's header line:
    refused now (64, one line), never an exit 0 followed by a file the runner sets aside."""
    write_config(tmp_path)
    many = [f"user{i:05d}@example-recipient.com" for i in range(3000)]
    r = sendmail(tmp_path, *many, stdin=b"Subject: to many\n\nhello\n")
    assert r.returncode == 64, r.stderr
    assert r.stderr.count(b"\n") == 1 and b"3000 recipients" in r.stderr, r.stderr
    incoming = tmp_path / "queue" / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
    few = many[:1000]  # still a lot, and handed off
    assert sendmail(tmp_path, *few, stdin=b"Subject: to a few\n\nhello\n").returncode == 0
    take_in(tmp_path)
    [m] = Outbox(tmp_path / "queue").list()
    assert len(m.to) == 1000


@pytest.mark.parametrize(
    "word",
    ["--\x1b]0;owned\x07", "-q\x1b[2J", "-b\x1b]52;c;Zm9v\x07", "-N\x1b[31m"],
)
def test_a_hostile_option_word_never_reaches_the_terminal_raw(tmp_path: Path, word: str) -> None:
    write_config(tmp_path)
    r = sendmail(tmp_path, word, "root", stdin=b"Subject: x\n\nhi\n")
    assert r.stderr.count(b"\n") >= 1
    assert b"\x1b" not in r.stderr and b"\x07" not in r.stderr, r.stderr


def _settled(folder: Path, count: int, timeout: float = 30.0) -> bool:
    """Every hand-off taken in by a runner sendmail started (none is run here), `count` queued."""
    incoming = folder / "queue" / "incoming"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = [n for n in os.listdir(incoming) if not n.startswith(".")]
        if not waiting and len(Outbox(folder / "queue").list()) == count:
            return True
        time.sleep(0.05)
    return False


def test_another_probe_holding_the_runner_lock_is_not_taken_for_a_runner(tmp_path: Path) -> None:
    """`status`, the queue screen or another sendmail probes runner.lock by taking it exclusive
    for a moment; runners hold it shared. A hand-off that probes in that moment still starts a
    runner, so its mail never waits for the next hand-off (found in review)."""
    write_config(tmp_path)
    assert sendmail(tmp_path, "-i", "root", stdin=b"Subject: first\n\nx\n").returncode == 0
    assert _settled(tmp_path, 1)  # the runner the first hand-off started made runner.lock
    fd = os.open(tmp_path / "queue" / "runner.lock", os.O_RDWR)
    try:
        deadline = time.monotonic() + 30
        while True:  # once the first runner is done: a probe's hold, caught at its moment
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "the first runner never finished"
                time.sleep(0.05)
        r = sendmail(tmp_path, "-i", "root", stdin=b"Subject: second\n\nx\n")
        assert r.returncode == 0, r.stderr
    finally:
        os.close(fd)  # the probe lets go; a runner started meanwhile now takes the lock
    assert _settled(tmp_path, 2), os.listdir(tmp_path / "queue" / "incoming")
