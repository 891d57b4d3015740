"""Intake judges each maildrop entry alone (issue 20): a folder, FIFO, socket or symlink is
refused and removed while the mail beside it is still taken in; a drop file that can't be
removed (a read-only bind mount) is delivered once, is one error and makes `status --check`
CRITICAL; refusals are one entry per pass; refused/ is capped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.maildrop import Envelope, drop, header_line, stuck_files
from alloy_tui.core.outbox import Outbox
from tests.helpers.cli import run
from tests.helpers.maildrop import intake_into, new_maildrop
from tests.helpers.recording_log import Log
from tests.helpers.smtp_server import SmtpServer

RAW = b"To: ops@contoso.example\nSubject: nightly backup\n\nall 3 files copied\n"


def settings(**queue: Any) -> Settings:
    s = Settings().with_section("message", default_from="alerts@contoso.example")
    s = s.with_section("sendmail", admin="ops@contoso.example")
    return s.with_section("queue", **queue) if queue else s


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return new_maildrop(tmp_path)


def run_intake(folder: Path, tmp_path: Path, s: Settings | None = None) -> tuple[Outbox, Log, Any]:
    return intake_into(folder, tmp_path, s or settings())


def good(folder: Path, subject: str = "nightly backup") -> str:
    return drop(folder, RAW.replace(b"nightly backup", subject.encode()), Envelope(("root",)))


def test_a_folder_fifo_socket_and_symlink_are_removed_and_the_mail_beside_them_taken(
    folder: Path, tmp_path: Path
) -> None:
    first = good(folder, "before the junk")
    (folder / "0").mkdir()  # `mkdir <maildrop>/0`: stopped intake forever before
    (folder / "0.0").mkdir()
    (folder / "0.0" / "inside").write_bytes(b"x")  # not empty: moved aside, not deleted
    os.mkfifo(folder / f"0.{'a' * 32}")
    here = os.getcwd()
    os.chdir(folder)  # a relative name: the full path is longer than AF_UNIX allows
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(f"0.{'b' * 32}")
    finally:
        os.chdir(here)
    (folder / f"0.{'c' * 32}").symlink_to("/etc/shadow")
    (folder / ".hidden-dir").mkdir()  # a dot name is no shelter for a folder
    last = good(folder, "after the junk")
    box, log, summary = run_intake(folder, tmp_path)
    assert sorted(m.subject for m in box.list()) == ["after the junk", "before the junk"]
    assert (summary.taken, summary.refused, summary.held, summary.stuck) == (2, 6, 0, 0)
    assert os.listdir(folder) == [] and first and last
    assert (box.path / "refused" / "0.0" / "inside").read_bytes() == b"x"
    [(level, _e, text, details)] = log.events("maildrop.refused")  # one entry for the pass
    assert level == "warning" and details["count"] == 6
    assert text.startswith("6 files from uid 0 (root) refused: "), text
    reasons = " ".join(f["reason"] for f in details["files"])
    for kind in ("a folder", "a FIFO", "a socket", "symbolic link"):
        assert kind in reasons
    _box, log, summary = run_intake(folder, tmp_path)  # the next pass: nothing left to say
    assert log.entries == [] and summary.refused == 0


def test_refusals_are_summarised_per_pass_and_names_escaped(folder: Path, tmp_path: Path) -> None:
    for i in range(12):
        path = folder / f"junk{i}\x1b[31m"
        path.write_bytes(b"not a drop file")
        os.chown(path, 1001, 1001)
    box, log, summary = run_intake(folder, tmp_path)
    assert summary.refused == 12 and len(os.listdir(box.path / "refused")) == 12
    [(_l, _e, text, details)] = log.events("maildrop.refused")
    assert text.startswith("12 files from uid 1001 refused: 12 name is not <uid>.<32 hex digits>")
    assert details["count"] == 12 and len(details["files"]) == 12
    assert "\x1b" not in json.dumps(log.entries)
    assert all(f["file"].startswith("junk") and "\\x1b" in f["file"] for f in details["files"])


def test_refused_is_capped_oldest_first_with_a_note(folder: Path, tmp_path: Path) -> None:
    s = settings(refused_max_files=3, refused_max_mb=100)
    for i in range(5):
        (folder / f"bad{i}").write_bytes(b"junk")
        _box, log, _summary = run_intake(folder, tmp_path, s)
    box, log, _summary = run_intake(folder, tmp_path, s)
    assert sorted(os.listdir(box.path / "refused")) == ["bad2", "bad3", "bad4"]
    (folder / "big").write_bytes(b"x" * (1 << 20) + b"y")
    s = settings(refused_max_files=3, refused_max_mb=1)
    _box, log, _summary = run_intake(folder, tmp_path, s)
    assert sorted(os.listdir(box.path / "refused")) == []  # over 1 MB: even the newest went
    [(_l, _e, text, details)] = log.events("maildrop.pruned")
    assert details["removed"] == 4 and "refused_max_files" in text


def config(tmp_path: Path, folder: Path, port: int) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        'service = "smtp"\n'
        '[message]\ndefault_from = "alerts@contoso.example"\n'
        '[sendmail]\nadmin = "ops@contoso.example"\n'
        f'[queue]\npath = "{tmp_path / "queue"}"\nmaildrop = "{folder}"\n'
        f'[alert_log]\npath = "{tmp_path / "log.jsonl"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    )
    path.chmod(0o600)
    return path


def cli(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cfg, *args, timeout=120, env={"ALLOY_TUI_STATE_DIR": str(cfg.parent / "st")})


def test_a_read_only_maildrop_is_one_delivery_one_error_and_critical(
    folder: Path, tmp_path: Path
) -> None:
    name = good(folder)
    (folder / "0").mkdir()  # refused, and can't be removed either
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        with SmtpServer(tmp_path, "none") as server:
            cfg = config(tmp_path, folder, server.port)
            runs = [cli(cfg, "queue", "run") for _ in range(4)]
            assert [r.returncode for r in runs] == [0] * 4, runs[0].stderr
            assert all("Traceback" not in r.stderr for r in runs)
            assert len(server.handler.messages) == 1  # not once per `queue run`
        assert sorted(os.listdir(folder)) == ["0", name]
        log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
        stuck = [e for e in log if e["event"] == "maildrop.stuck"]
        assert [e["level"] for e in stuck] == ["error", "error"]  # the file and the folder, once
        assert len(stuck_files(tmp_path / "queue")) == 2
        check = cli(cfg, "status", "--check")
        assert check.returncode == 2, check.stdout
        assert "CRITICAL" in check.stdout and "could not be removed" in check.stdout
    finally:
        subprocess.run(["umount", str(folder)], check=False)
    assert cli(cfg, "queue", "run").returncode == 0  # writable again: both go, no resend
    assert os.listdir(folder) == [] and stuck_files(tmp_path / "queue") == []
    assert "could not be removed" not in cli(cfg, "status", "--check").stdout
    assert len(Outbox(tmp_path / "queue").list()) == 0  # sent once, nothing pending again


def test_each_entry_is_its_own_even_when_one_raises(folder: Path, tmp_path: Path) -> None:
    """A drop file whose parse raises something unexpected is refused; the rest go on."""
    bad = folder / f"0.{'d' * 32}"
    bad.write_bytes(header_line(Envelope(("root",))) + b"\x00" * 10)
    os.chmod(bad, 0o640)
    good(folder)
    box, _log, summary = run_intake(folder, tmp_path)
    assert summary.taken + summary.refused == 2 and len(box.list()) >= 1


def test_poison_files_never_block_the_mail_beside_them(folder: Path, tmp_path: Path) -> None:
    """Issue 23: sendmail no longer checks anything in the message, so any local user can drop
    anything: JSON nested past the interpreter's limit, a header of the wrong kinds, no header
    line at all, bytes no parser likes, a message the rules refuse. Each is settled on its own
    in one pass (set aside, or queued as failed with a notice) and the good mail sorted after
    them is taken; nothing waits in the maildrop."""
    head = b"alloy-maildrop 1 "
    poison = [
        head + b"[" * 60_000 + b"\n" + RAW,  # RecursionError in json
        head + b'{"recipients": "root", "read_headers": 1}\n' + RAW,
        head + b'{"recipients": ["root"], "ignore_dots": "no"}\n' + RAW,
        b"no header line at all" * 5000,
        header_line(Envelope(("root",))) + b"\xff\xfe\x00\r\r\n:\n\n" * 1000,
        header_line(Envelope((), True)) + b"Subject: nobody at all\n\nbody\n",
        header_line(Envelope(("root",))) + b"just some text\n",
    ]
    for i, data in enumerate(poison):
        path = folder / f"0.{i:032x}"
        path.write_bytes(data)
        path.chmod(0o640)
    good(folder, "after the poison")
    box, log, summary = run_intake(folder, tmp_path)
    assert os.listdir(folder) == []
    assert summary.taken + summary.refused == len(poison) + 1 and summary.held == 0
    subjects = [m.subject for m in box.list() if m.state != "failed"]
    assert "after the poison" in subjects
    failed = [m for m in box.list() if m.state == "failed"]
    assert len(failed) == len(log.events("mail.failed")) >= 2
    assert summary.refused == len(log.events("maildrop.refused")[0][3]["files"]) >= 3


INTAKE_AS_RUNNER = """
import json, sys
from pathlib import Path
from alloy_tui.core.config import Settings
from alloy_tui.core.maildrop import intake
from alloy_tui.core.outbox import Outbox
base = Path(sys.argv[1])
s = Settings().with_section("message", default_from="alerts@contoso.example")
s = s.with_section("sendmail", admin="ops@contoso.example")
said = []
summary = intake(base / "maildrop", Outbox(base / "queue"), s, base / "config.toml",
                 lambda *entry: said.append(entry))
print(json.dumps({"held": summary.held, "said": [e[1] for e in said]}))
"""


def test_an_unreadable_file_is_said_once_not_on_every_pass() -> None:
    from tests.helpers.unix_users import as_users

    with as_users("r") as users:
        runner = users["r"]
        base = users.workdir / "sys"
        base.mkdir()
        (base / "maildrop").mkdir()
        (base / "queue").mkdir()
        for d in (base, base / "maildrop", base / "queue"):
            os.chown(d, runner.uid, runner.gid)
        (base / "maildrop").chmod(0o1733)  # no set-group-ID: the file is not in its group
        unreadable = base / "maildrop" / f"0.{'e' * 32}"
        unreadable.write_bytes(header_line(Envelope(("root",))) + RAW)
        unreadable.chmod(0o600)
        said = []
        for _ in range(3):
            r = users.run("r", ["-c", INTAKE_AS_RUNNER, str(base)], env={})
            assert r.returncode == 0, r.stderr
            said.append(json.loads(r.stdout))
        assert [x["held"] for x in said] == [1, 1, 1] and unreadable.exists()
        assert [x["said"] for x in said] == [["maildrop.held"], [], []]


JUNK_AS_USER = """
import os, sys
folder = sys.argv[1]
os.mkdir(os.path.join(folder, "0"))  # an empty folder
private = os.path.join(folder, "mine")
os.mkdir(private, 0o700)  # not empty, closed to the runner: it can't be removed or moved out
open(os.path.join(private, "x"), "w").close()
os.mkfifo(os.path.join(folder, "%d.%s" % (os.getuid(), "f" * 32)))
"""


def test_a_users_folders_and_fifo_never_stop_a_service_users_intake() -> None:
    """Real users: `a` leaves junk in the 3733 maildrop, the runner `r` (not root) takes the
    good mail and clears the rest: what it can't move out is renamed aside in the maildrop."""
    from tests.helpers.unix_users import as_users

    with as_users("r", "a") as users:
        runner = users["r"]
        base = users.workdir / "sys"
        base.mkdir()
        for d in (base / "maildrop", base / "queue"):
            d.mkdir()
            os.chown(d, runner.uid, runner.gid)
        os.chown(base, runner.uid, runner.gid)
        (base / "maildrop").chmod(0o3733)
        env = {"ALLOY_TUI_MAILDROP": str(base / "maildrop")}
        r = users.run("a", ["-c", JUNK_AS_USER, str(base / "maildrop")], env=env)
        assert r.returncode == 0, r.stderr
        drop_as_a = "from alloy_tui.core.maildrop import *; import sys; " + (
            "drop(submit_folder(), sys.stdin.buffer.read(), Envelope(('root',)))"
        )
        r = users.run("a", ["-c", drop_as_a], env=env, input=RAW)
        assert r.returncode == 0, r.stderr
        r = users.run("r", ["-c", INTAKE_AS_RUNNER, str(base)], env={})
        assert r.returncode == 0, r.stderr
        assert sorted(os.listdir(base / "maildrop")) == [".refused-mine"]
        [queued] = os.listdir(base / "queue" / "meta")
        assert queued.endswith(".json")
        said = json.loads(r.stdout)["said"]
        assert said.count("maildrop.refused") == 1 and "maildrop.stuck" not in said


def test_the_watch_looks_again_within_a_minute_while_a_file_is_stuck(
    folder: Path, tmp_path: Path
) -> None:
    from alloy_tui.core.maildrop import MaildropIntake

    good(folder)
    s = settings(maildrop=str(folder))
    watch = MaildropIntake(s, tmp_path / "config.toml", Outbox(tmp_path / "queue"))
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        first = watch.take()
        assert (first.taken, first.stuck) == (1, 1)
        settled = time.time() - 120
        watch._seen = (os.stat(folder).st_ino, os.stat(folder).st_mtime_ns)
        watch._listed_at = settled  # a minute ago: look again, though the folder is unchanged
        assert watch.take(if_changed=True).stuck == 1
    finally:
        subprocess.run(["umount", str(folder)], check=False)
    watch._listed_at = time.time() - 61
    assert watch.take(if_changed=True).stuck == 0 and os.listdir(folder) == []
    assert stuck_files(tmp_path / "queue") == [] and len(Outbox(tmp_path / "queue").list()) == 1


def test_a_drop_the_settings_cant_route_never_holds_the_others(
    folder: Path, tmp_path: Path
) -> None:
    """Mail to a local name whose aliases loop (78: held) waits alone; the drop after it is
    queued."""
    host = "localhost.localdomain"
    s = settings().with_section(
        "sendmail",
        admin="ops@contoso.example",
        aliases={"loopy": f"l2@{host}", "l2": f"loopy@{host}"},
    )
    drop(folder, RAW, Envelope(("loopy",)))
    time.sleep(0.01)
    fine = good(folder, "after the loop")
    box, log, _ = run_intake(folder, tmp_path, s)
    assert [m.subject for m in box.list()] == ["after the loop"]
    assert fine not in os.listdir(folder) and len(os.listdir(folder)) == 1  # the loop's waits
    assert any("loops at 'loopy'" in str(e) for e in log.entries), log.entries
