"""Issue 23 on the maildrop path: a user who can't use the config hands off as cheaply as the
config's owner (the message as read, no email parsing, no heavy import), and the runner applies
sendmail's rules (`core/outbox/sendmail_rules.py`, as for the outbox's hand-off). Who sent it is
the kernel's word (the drop file's owner), never what the file says; a SIGKILL during the
hand-off leaves nothing half-written for the runner; what the rules refuse is a failure notice.
Real users (setpriv), real permissions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.maildrop import parse
from alloy_tui.core.outbox.notices import notice_addresses, return_path
from tests.helpers.maildrop import intake_into
from tests.helpers.system_mode import ADMIN, system_mode
from tests.helpers.unix_users import ROOT, Users, one_user, reachable_place  # noqa: F401 - fixtures

HEAVY = (
    "email json pathlib typing enum platformdirs tomllib subprocess contextlib dataclasses "
    "inspect ssl click msal httpx exchangelib textual tomlkit"
)


def settings() -> Settings:
    s = Settings().with_section("message", default_from="alerts@contoso.example")
    return s.with_section("sendmail", admin=ADMIN)


def names(place: Path) -> list[str]:
    return sorted(os.listdir(place / "maildrop"))


def test_the_maildrop_hand_off_parses_nothing_and_imports_nothing_heavy(
    users: Users, place: Path
) -> None:
    """-S: without site-packages' .pth files (an editable install's finder imports pathlib,
    typing and re itself); the installed package has none."""
    code = (
        "import io, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from alloy_tui.commands.sendmail.handoff import run\n"
        "rc = run(['-t'], 'sendmail', stdin=io.BytesIO(sys.stdin.buffer.read()))\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}.split()))\n"
        "print(rc, heavy)\n"
    )
    message = b"To: root\nSubject: s\n\nbody\n.\nafter the dot\n"
    r = users.run("a", ["-S", "-c", code], env=system_mode(place), input=message)
    assert r.stdout.decode().split() == ["0", "[]"], r.stderr
    [name] = names(place)
    data = (place / "maildrop" / name).read_bytes()
    assert data.endswith(message)  # as read: the runner ends it at the lone dot
    envelope, raw = parse(data)
    assert raw == b"To: root\nSubject: s\n\nbody\n" and envelope.read_headers


def test_what_the_rules_refuse_is_a_failure_notice_to_the_sender(users: Users, place: Path) -> None:
    """-t finding nobody was 65 at once (the hand-off parsed); now the runner says it: queued as
    failed, one mail.failed entry, a failure notice due to the user who ran sendmail, a local
    name mapped as sendmail maps it ([sendmail] admin)."""
    env = system_mode(place)
    r = users.run("a", ["-m", "alloy_tui", "sendmail", "-t"], env=env, input=b"Subject: x\n\nhi\n")
    assert r.returncode == 0 and r.stderr == b""
    box, log, summary = intake_into(place / "maildrop", place, settings())
    assert summary.taken == 1 and names(place) == []
    [m] = box.list()
    meta = box.read_meta(m.id)
    assert meta is not None and meta["state"] == "failed" and meta["notice"] == "due"
    name = users["a"].name
    assert meta["details"]["submitted_by"] == name and return_path(meta) == name
    assert notice_addresses(settings(), return_path(meta)) == [ADMIN]
    [(_level, _event, text, _details)] = log.events("mail.failed")
    assert "no recipient" in text


def test_a_hostile_header_claiming_another_user_is_ignored(users: Users, place: Path) -> None:
    """Any local user can write any header line: extra fields claiming uid 0 or root are never
    read; the sender is the drop file's owner as the kernel says (and a file named for another
    uid than its owner's is refused, never taken as theirs)."""
    env = system_mode(place)
    header = {
        "recipients": ["ops@contoso.example"],
        "read_headers": False,
        "envelope_from": "",
        "full_name": "",
        "uid": 0,
        "user": "root",
        "login": "root",
        "submitted_by": "root",
        "details": {"submitted_by": "root"},
    }
    body = b"Subject: I am root\n\nreally\n"
    code = (
        "import os, sys\n"
        "d = sys.argv[1]\n"
        "data = b'alloy-maildrop 1 ' + sys.argv[2].encode() + b'\\n' + sys.argv[3].encode()\n"
        "for uid in (os.getuid(), 0):\n"
        "    name = f'{uid}.' + os.urandom(16).hex()\n"
        "    fd = os.open(os.path.join(d, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)\n"
        "    os.write(fd, data)\n"
        "    os.close(fd)\n"
    )
    args = ["-c", code, str(place / "maildrop"), json.dumps(header), body.decode()]
    r = users.run("a", args, env=env)
    assert r.returncode == 0, r.stderr
    box, log, summary = intake_into(place / "maildrop", place, settings())
    assert (summary.taken, summary.refused) == (1, 1)
    [m] = box.list()
    name = users["a"].name
    assert m.details == {"submitted_by": name}
    meta = box.read_meta(m.id)
    assert meta is not None and return_path(meta) == name
    assert f'"{name} ('.encode() in box.read_raw(m.id)  # From: the real user, not root
    [(_lvl, _ev, _text, details)] = log.events("maildrop.refused")
    [refused] = details["files"]
    assert refused["uid"] == 0 and refused["owner"] == users["a"].uid
    assert "not by uid 0 as its name says" in refused["reason"]


def test_sigkill_during_the_hand_off_leaves_nothing_half_picked_up(
    users: Users, place: Path
) -> None:
    """Killed at any moment: either no drop file, or a complete one; a temp file (a dot name)
    is never read; the runner takes every complete file whole and nothing else."""
    env = system_mode(place)
    message = b"To: ops@contoso.example\nSubject: big\n\n" + b"0123456789abcdef\n" * 150_000
    argv = users.argv(users["a"], ["-m", "alloy_tui", "sendmail", "-i", "ops@contoso.example"])
    exits = []
    for i in range(14):
        p = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=users._env(env),
        )
        try:
            if i < 12:  # killed at a moment spread over the whole hand-off
                p.stdin.write(message)  # type: ignore[union-attr]
                p.stdin.close()  # type: ignore[union-attr]
                time.sleep(0.01 * i * i / 2)
                p.send_signal(signal.SIGKILL)
            else:  # and two left alone: they must be taken whole
                p.communicate(message, timeout=60)
        except BrokenPipeError:
            pass
        finally:
            exits.append(p.wait(timeout=60))
    complete = [n for n in names(place) if not n.startswith(".")]
    for n in complete:
        _envelope, raw = parse((place / "maildrop" / n).read_bytes())
        assert raw == message  # only whole files ever carry a name without the dot
    assert exits[12:] == [0, 0] and len(complete) >= 2
    temps = [n for n in names(place) if n.startswith(".")]
    box, _log, summary = intake_into(place / "maildrop", place, settings())
    assert (summary.taken, summary.refused, summary.held) == (len(complete), 0, 0)
    assert sorted(names(place)) == sorted(temps)  # fresh temp files wait (gone after a day)
    for m in box.list():
        assert box.read_raw(m.id).endswith(message[message.index(b"\n\n") :])
