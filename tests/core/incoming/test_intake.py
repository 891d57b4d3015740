"""The runner's side of the hand-off (issue 23): each file in <outbox>/incoming/ parsed and
queued once under its own id, whatever moment a SIGKILL hits the runner; a file that is not a
message never holds the others back."""

from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from alloy_tui.core.config import load_or_default
from alloy_tui.core.incoming import header_line, open_checked_outbox, write_incoming
from alloy_tui.core.outbox import Outbox, open_outbox
from alloy_tui.core.outbox.intake import IncomingIntake
from tests.helpers.sendmail_door import log_events, write_config

ROOT = Path(__file__).resolve().parents[3]


def hand_off(
    folder: Path,
    raw: bytes,
    *recipients: str,
    read_headers: bool = True,
    queue: Path | None = None,
) -> str:
    """One hand-off as sendmail writes it (the same writer, in this process), into the outbox
    at `queue` (default: <folder>/queue)."""
    box = Outbox(queue or folder / "queue")
    box.ensure()
    fields = {
        "recipients": list(recipients),
        "read_headers": read_headers,
        "envelope_from": "",
        "from_given": False,
        "full_name": "",
        "dsn": {},
        "ignore_dots": True,
        "uid": os.getuid(),
        "time": time.time(),
        "size": len(raw),
    }
    root = open_checked_outbox(str(box.path))
    try:
        return write_incoming(root, str(box.path), header_line(fields), raw, lambda step: step())
    finally:
        os.close(root)


def queue_run(config: Path) -> subprocess.CompletedProcess[bytes]:
    """`alloy-tui --config <config> queue run` from this checkout, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(config), "queue", "run"],
        capture_output=True,
        timeout=60,
        env=env,
    )


def intake(folder: Path) -> IncomingIntake:
    config = folder / "config.toml"
    settings = load_or_default(config).settings
    return IncomingIntake(settings, config, open_outbox(settings, config))


def metas(folder: Path) -> dict[str, dict[str, Any]]:
    meta = folder / "queue" / "meta"
    return {p.stem: json.loads(p.read_text()) for p in meta.iterdir()} if meta.exists() else {}


def incoming(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "queue" / "incoming").iterdir())


def mail(n: int) -> bytes:
    return f"To: root\nSubject: job {n}\n\nbody {n}\n".encode()


def test_a_hand_off_is_queued_under_its_own_id_with_the_rules_applied(tmp_path: Path) -> None:
    write_config(tmp_path)
    name = hand_off(tmp_path, mail(1))
    assert intake(tmp_path).take() == 1
    meta = metas(tmp_path)[name]
    assert meta["to"] == ["ops@contoso.com"] and meta["sender"] == "alerts@contoso.com"
    assert meta["return_path"] == pwd.getpwuid(os.getuid()).pw_name  # the user who ran it
    assert incoming(tmp_path) == []
    assert [e["event"] for e in log_events(tmp_path)] == ["mail.queued"]


_KILLED_INTAKE = """
import os, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from alloy_tui.core.config import load_or_default
from alloy_tui.core.outbox import open_outbox
from alloy_tui.core.outbox.intake import IncomingIntake
config = Path({config!r})
settings = load_or_default(config).settings
intake = IncomingIntake(settings, config, open_outbox(settings, config))
watched = {watched!r}
kill_at = int(sys.argv[1])
seen = 0
def trace(frame, event, arg):
    global seen
    if frame.f_code.co_filename.endswith(watched):
        if event == "line":
            seen += 1
            if seen == kill_at:
                os.kill(os.getpid(), 9)
        return trace
    return trace
sys.settrace(trace)
intake.take()
sys.settrace(None)
print(seen)
"""

WATCHED = ("outbox/intake.py", "outbox/spool.py", "outbox/batch.py", "core/folders.py")


def _run_killed(folder: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    code = _KILLED_INTAKE.format(
        root=str(ROOT), config=str(folder / "config.toml"), watched=WATCHED
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(kill_at)], capture_output=True, text=True, timeout=120
    )


def test_sigkill_at_every_line_of_the_intake_queues_once_and_loses_nothing(
    tmp_path: Path,
) -> None:
    """The runner killed (SIGKILL) at each line it runs in the intake, the submit and the
    batch: between parse and queue, between queue and removing the file, anywhere. Then a
    runner that is not killed: the message is queued exactly once, under the hand-off's id,
    and incoming/ is empty."""
    probe = tmp_path / "probe"
    write_config(probe)
    hand_off(probe, mail(0))
    r = _run_killed(probe, 0)
    assert r.returncode == 0, r.stderr
    lines = int(r.stdout.strip())
    assert lines > 50  # the trace sees the whole path
    step = max(1, lines // 40)
    points = sorted({*range(1, lines + 1, step), lines})
    for n in points:
        folder = tmp_path / f"k{n}"
        write_config(folder)
        name = hand_off(folder, mail(n))
        killed = _run_killed(folder, n)
        assert killed.returncode == -signal.SIGKILL, (n, killed.stderr)
        intake(folder).take()  # the next runner
        assert list(metas(folder)) == [name], n  # once, under its own id
        assert incoming(folder) == [], n
        raw = (folder / "queue" / "messages" / f"{name}.eml").read_bytes()
        assert raw.endswith(f"body {n}\n".encode()), n
        queued_entries = [e for e in log_events(folder) if e["event"] == "mail.queued"]
        assert len(queued_entries) <= 1, n  # (0: killed before its entry was written)


def test_a_file_that_is_not_a_message_never_holds_the_others(tmp_path: Path) -> None:
    write_config(tmp_path)
    first = hand_off(tmp_path, mail(1))
    inc = tmp_path / "queue" / "incoming"
    os.mkfifo(inc / "20200101T000000-00000001")  # opened O_NONBLOCK: never waits for a writer
    (inc / "20200101T000000-00000002").write_bytes(b"garbage with no header\n")
    (inc / "20200101T000000-00000003").symlink_to("/etc/passwd")
    (inc / "20200101T000000-00000004").mkdir()
    cut = header_line({"size": 999}).replace(b'{"size":999}', b'{"x":1}')
    (inc / "20200101T000000-00000005").write_bytes(cut + b"To: root\n\n")
    short = (inc / first).read_bytes()[:-3]  # a hand-off cut short: its size says so
    (inc / "20200101T000000-00000006").write_bytes(short)
    last = hand_off(tmp_path, mail(2))
    started = time.monotonic()
    it = intake(tmp_path)
    it.take()
    assert time.monotonic() - started < 30
    assert set(metas(tmp_path)) == {first, last}  # both messages, around the poison
    failed = [e for e in log_events(tmp_path) if e["event"] == "mail.failed"]
    assert len(failed) == 6 and all("can't be read as a message" in e["message"] for e in failed)
    refused = sorted(p.name for p in (tmp_path / "queue" / "refused").iterdir())
    assert len(refused) + len(it.passed_over) == 6
    assert (Path("/etc/passwd")).exists()  # the link was moved, never followed
    it.take()  # said once: nothing new on the next pass
    assert len([e for e in log_events(tmp_path) if e["event"] == "mail.failed"]) == 6


def test_a_runner_killed_after_queueing_only_removes_the_file(tmp_path: Path) -> None:
    """meta/<id>.json already there and incoming/<id> too (killed in between): not queued again."""
    write_config(tmp_path)
    name = hand_off(tmp_path, mail(1))
    saved = (tmp_path / "queue" / "incoming" / name).read_bytes()
    intake(tmp_path).take()
    (tmp_path / "queue" / "incoming" / name).write_bytes(saved)  # as if never removed
    (tmp_path / "queue" / "incoming" / name).chmod(0o600)
    intake(tmp_path).take()
    assert list(metas(tmp_path)) == [name] and incoming(tmp_path) == []
    assert [e["event"] for e in log_events(tmp_path)].count("mail.queued") == 1


def test_a_message_queued_before_a_kill_is_delivered_once(tmp_path: Path) -> None:
    """The state a SIGKILL between the submit and the file's removal leaves (queued, and its
    hand-off still in incoming/): a runner does not send it before the intake has removed the
    file (`waits_intake`); then runners against a real SMTP server: one delivery."""
    from alloy_tui.core.outbox import SystemClock, run_queue
    from alloy_tui.core.outbox.runner import Runner
    from tests.helpers.smtp_server import SmtpServer

    with SmtpServer(tmp_path) as server:
        service = (
            f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
            'security = "none"\n[network]\ntimeout = 5\n'
            '[message]\ndefault_from = "alerts@contoso.com"\n'
        )
        write_config(tmp_path, service=service)
        name = hand_off(tmp_path, mail(7))
        saved = (tmp_path / "queue" / "incoming" / name).read_bytes()
        intake(tmp_path).take()
        kept = tmp_path / "queue" / "incoming" / name
        kept.write_bytes(saved)  # as if the runner died before removing it
        kept.chmod(0o600)
        config = tmp_path / "config.toml"
        settings = load_or_default(config).settings
        # a runner that has not taken in yet (another's intake holds the file): no send, since
        # sent-and-removed then taken in again would be a second delivery
        box = open_outbox(settings, config)
        runner = Runner(settings, config, box, SystemClock())
        runner.drain()
        runner.close()
        assert server.messages == [] and list(metas(tmp_path)) == [name]
        for _ in range(2):
            run_queue(settings, config)
        got = [m.data for m in server.messages]
        assert len(got) == 1 and b"Subject: job 7" in got[0] and got[0].rstrip().endswith(b"body 7")
        assert incoming(tmp_path) == [] and metas(tmp_path) == {}


def test_held_hand_offs_never_keep_a_runner_spinning(tmp_path: Path) -> None:
    """Two hand-offs the settings can't take yet (no account: 78, held): `queue run` says so and
    ends; it does not loop on them."""
    service = (
        'service = "exchange-online"\n[exchange_online]\n'
        'tenant = "contoso.onmicrosoft.com"\n'
        'client_id = "11111111-2222-3333-4444-555555555555"\n'
        'login_endpoint = "https://127.0.0.1:9"\ngraph_endpoint = "https://127.0.0.1:9"\n'
    )
    write_config(tmp_path, service=service)
    names = [hand_off(tmp_path, mail(1)), hand_off(tmp_path, mail(2))]
    done = queue_run(tmp_path / "config.toml")
    assert b"Traceback" not in done.stderr
    assert incoming(tmp_path) == sorted(names)  # still waiting, nothing lost
    held = [e for e in log_events(tmp_path) if e["event"] == "mail.held"]
    assert len(held) == 2  # each said once


def test_a_message_the_settings_cant_route_never_holds_the_others(tmp_path: Path) -> None:
    """Mail to a local name whose aliases loop (78, the settings': held) waits alone; the mail
    after it is queued."""
    host = "localhost.localdomain"
    write_config(tmp_path, f'[sendmail.aliases]\nloopy = "l2@{host}"\nl2 = "loopy@{host}"\n')
    looping = hand_off(tmp_path, b"To: loopy\nSubject: loops\n\nx\n")
    fine = hand_off(tmp_path, mail(2))
    it = intake(tmp_path)
    it.take()
    assert list(metas(tmp_path)) == [fine]
    assert incoming(tmp_path) == [looping]
    held = [e for e in log_events(tmp_path) if e["event"] == "mail.held"]
    assert len(held) == 1 and "loops at 'loopy'" in held[0]["message"]
    it.take()  # said once while it stays so
    assert len([e for e in log_events(tmp_path) if e["event"] == "mail.held"]) == 1


def test_a_full_outbox_never_keeps_a_runner_spinning_on_the_hand_offs(tmp_path: Path) -> None:
    """Two hand-offs and a disk that fills before the runner comes: the first can't be queued
    (this pass stops), and `queue run` ends; nothing is lost."""
    from tests.helpers.tmpfs import small_tmpfs

    mount = tmp_path / "mnt"
    with small_tmpfs(mount, "256k"):
        config = write_config(tmp_path)
        config.write_text(config.read_text().replace(str(tmp_path / "queue"), str(mount)))
        box = Outbox(mount)
        box.ensure()
        names = [hand_off(tmp_path, mail(n), queue=mount) for n in (1, 2)]
        n = 0
        try:
            while True:
                (mount / f"fill{n}").write_bytes(b"x" * 4096)
                n += 1
        except OSError:
            pass
        done = queue_run(config)
        assert b"Traceback" not in done.stderr
        assert sorted(os.listdir(mount / "incoming")) == sorted(names)


def test_a_hand_off_that_cant_be_removed_never_keeps_a_runner_spinning(tmp_path: Path) -> None:
    """Queued, but its file can't be removed (immutable here; a folder made read-only in life):
    the runner never sends it while the file is there, and `queue run` still ends."""
    write_config(tmp_path)
    name = hand_off(tmp_path, mail(1))
    kept = tmp_path / "queue" / "incoming" / name
    subprocess.run(["chattr", "+i", str(kept)], check=True)
    try:
        done = queue_run(tmp_path / "config.toml")
        assert b"Traceback" not in done.stderr
        assert list(metas(tmp_path)) == [name] and incoming(tmp_path) == [name]
        assert metas(tmp_path)[name]["attempts"] == 0  # never tried while its file is there
    finally:
        subprocess.run(["chattr", "-i", str(kept)], check=False)
