"""The maildrop: a drop is one complete 0640 file named <uid>.<random>; the intake queues it
with details.submitted_by and removes it only then; every refused shape is logged and moved
aside (or removed when it is no regular file of its own), never read through a symlink."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.maildrop import (
    Envelope,
    HeaderError,
    MaildropIntake,
    drop,
    header_line,
    parse,
)
from alloy_tui.core.maildrop.pickup import limit
from alloy_tui.core.outbox import Outbox
from alloy_tui.core.outbox.listing import as_json, show_lines
from tests.helpers import maildrop
from tests.helpers.maildrop import new_maildrop
from tests.helpers.recording_log import Log

RAW = b"To: ops@contoso.example\nSubject: nightly backup\n\nall 3 files copied\n"
OTHER_UID = 4242  # no such user: shown as "uid 4242"


def settings(
    *, admin: str = "ops@contoso.example", account: str = "alerts@contoso.example"
) -> Settings:
    s = Settings().with_section("message", default_from=account)
    return s.with_section("sendmail", admin=admin)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return new_maildrop(tmp_path)


def intake_into(folder: Path, tmp_path: Path, s: Settings | None = None) -> tuple[Outbox, Log, Any]:
    return maildrop.intake_into(folder, tmp_path, s or settings())


def plant(folder: Path, uid: int, data: bytes, *, owner: int | None = None) -> Path:
    """A drop file as user `uid` would leave it (root writes it, then gives it away)."""
    path = folder / f"{uid}.{os.urandom(16).hex()}"
    path.write_bytes(data)
    path.chmod(0o640)
    os.chown(path, uid if owner is None else owner, 0)
    return path


# ---------------------------------------------------------------- drop


def test_drop_is_one_complete_0640_file_named_by_uid(folder: Path) -> None:
    before = os.umask(0o077)  # the file is 0640 whatever the umask: the runner's group reads it
    try:
        env = Envelope(("root", "a@contoso.example"), True, "cron@web01", "Cron Daemon")
        name = drop(folder, RAW, env)
    finally:
        os.umask(before)
    assert re.fullmatch(rf"{os.getuid()}\.[0-9a-f]{{32}}", name)
    assert os.listdir(folder) == [name]  # no temp file left beside it
    st = os.lstat(folder / name)
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o640
    data = (folder / name).read_bytes()
    assert data.startswith(b"alloy-maildrop 1 {") and data.endswith(RAW)
    assert parse(data) == (env, RAW)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"no header at all", "no header line"),
        (b"From: x\n\nbody", "does not start with"),
        (b"alloy-maildrop 2 {}\n" + RAW, "unknown format version"),
        (b"alloy-maildrop 1 {not json\n" + RAW, "not JSON"),
        (b"alloy-maildrop 1 []\n" + RAW, "not a JSON object"),
        (b'alloy-maildrop 1 {"recipients": "root"}\n' + RAW, "recipients"),
        (b'alloy-maildrop 1 {"read_headers": 1}\n' + RAW, "read_headers"),
        (b'alloy-maildrop 1 {"envelope_from": 5}\n' + RAW, "envelope_from"),
        (b"alloy-maildrop 1 " + b"[" * 60_000 + b"\n" + RAW, "nested too deep"),
    ],
)
def test_a_bad_header_is_a_clear_error(data: bytes, why: str) -> None:
    with pytest.raises(HeaderError, match=why):
        parse(data)


def test_no_maildrop_is_78_and_nothing_is_made(tmp_path: Path) -> None:
    from alloy_tui.core.maildrop import MaildropError

    with pytest.raises(MaildropError, match="no maildrop folder") as e:
        drop(tmp_path / "missing", RAW, Envelope(("root",)))
    assert e.value.exit_code == 78 and not (tmp_path / "missing").exists()


# ---------------------------------------------------------------- intake


def test_intake_queues_with_submitted_by_then_removes_the_file(
    folder: Path, tmp_path: Path
) -> None:
    nobody = 65534
    no_from = b"To: root\nSubject: disk 91% full\n\nfrom a cron job\n"
    plant(folder, nobody, header_line(Envelope(("root",))) + no_from)
    box, log, summary = intake_into(folder, tmp_path)
    assert (summary.taken, summary.refused, summary.held) == (1, 0, 0)
    assert os.listdir(folder) == []
    [m] = box.list()
    assert m.to == ("ops@contoso.example",) and m.details == {"submitted_by": "nobody"}
    assert m.source == "sendmail" and m.subject == "disk 91% full"
    raw = box.read_raw(m.id)
    assert b'From: "nobody (' in raw  # the submitting user's name, not the runner's (root)
    [(_lvl, _ev, text, details)] = log.events("mail.queued")
    assert details["submitted_by"] == "nobody" and details["queue_id"] == m.id
    assert text.endswith("from sendmail (user nobody, through the maildrop)"), text
    assert as_json(m)["details"] == {"submitted_by": "nobody"}
    assert "for nobody (through the maildrop)" in show_lines(m, raw)[1]


def test_t_and_f_are_applied_by_the_runner(folder: Path, tmp_path: Path) -> None:
    raw = b"To: a@contoso.example\nCc: root\nSubject: s\n\nbody\n"
    plant(folder, 0, header_line(Envelope((), True, "cron@web01", "Cron Daemon")) + raw)
    box, _log, summary = intake_into(folder, tmp_path)
    assert summary.taken == 1
    [m] = box.list()
    assert m.to == ("a@contoso.example", "ops@contoso.example")
    assert b"Cron Daemon" in box.read_raw(m.id)


def refused(log: Log) -> dict[str, Any]:
    """The one refused file of the pass (one maildrop.refused entry per pass)."""
    [(level, _event, text, details)] = log.events("maildrop.refused")
    [file] = details["files"]
    assert level == "warning" and file["reason"] in text and details["count"] == 1
    return file


def test_a_symlink_is_removed_and_never_read_through(folder: Path, tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_bytes(header_line(Envelope(("root",))) + b"To: root\n\nSECRET-CONTENT\n")
    secret.chmod(0o600)
    link = folder / f"0.{os.urandom(16).hex()}"
    link.symlink_to(secret)
    box, log, summary = intake_into(folder, tmp_path)
    assert summary.refused == 1 and box.list() == [] and not os.path.lexists(link)
    assert secret.exists()  # the target is untouched
    details = refused(log)
    assert "symbolic link" in details["reason"] and details["kept_as"] is None
    assert "SECRET" not in json.dumps(log.entries)


def test_a_fifo_is_removed_without_hanging(folder: Path, tmp_path: Path) -> None:
    fifo = folder / f"0.{os.urandom(16).hex()}"
    os.mkfifo(fifo)
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(intake_into(folder, tmp_path)), daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "the intake hung on a FIFO"
    _box, log, summary = result[0]
    assert summary.refused == 1 and not os.path.lexists(fifo)
    assert "a FIFO" in refused(log)["reason"]


def test_a_hard_link_to_another_users_file_is_removed_and_the_file_kept(
    folder: Path, tmp_path: Path
) -> None:
    theirs = tmp_path / "their-mail"
    theirs.write_bytes(header_line(Envelope(("root",))) + RAW)
    os.chown(theirs, OTHER_UID, 0)
    os.link(theirs, folder / f"{OTHER_UID}.{os.urandom(16).hex()}")
    box, log, summary = intake_into(folder, tmp_path)
    assert summary.refused == 1 and box.list() == [] and os.listdir(folder) == []
    assert theirs.read_bytes().endswith(RAW) and os.stat(theirs).st_nlink == 1
    details = refused(log)
    assert "2 links" in details["reason"] and details["user"] == f"uid {OTHER_UID}"
    os.link(theirs, folder / "not-a-drop-name")  # under any name: never kept beside ours
    box, log, summary = intake_into(folder, tmp_path)
    assert summary.refused == 1 and os.listdir(folder) == [] and os.stat(theirs).st_nlink == 1
    assert not (box.path / "refused").exists()


def test_owned_by_someone_else_than_its_name_says_is_moved_aside(
    folder: Path, tmp_path: Path
) -> None:
    path = plant(folder, OTHER_UID, header_line(Envelope(("root",))) + RAW, owner=0)
    box, log, summary = intake_into(folder, tmp_path)
    assert summary.refused == 1 and box.list() == []
    kept = box.path / "refused" / path.name
    assert kept.read_bytes().endswith(RAW)  # nothing lost, and only the runner can reach it
    assert stat.S_IMODE(os.stat(box.path / "refused").st_mode) == 0o700
    details = refused(log)
    assert details["uid"] == OTHER_UID and details["kept_as"] == str(kept)
    assert "owned by root (uid 0), not by uid 4242" in details["reason"]


def test_too_big_is_moved_aside_unread(folder: Path, tmp_path: Path) -> None:
    path = folder / f"0.{os.urandom(16).hex()}"
    with open(path, "wb") as f:
        f.truncate(limit() + 1)  # sparse: no disk used
    box, log, summary = intake_into(folder, tmp_path)
    assert summary.refused == 1 and box.list() == []
    assert (box.path / "refused" / path.name).stat().st_size == limit() + 1
    assert "larger than" in refused(log)["reason"]


def test_a_bad_header_or_name_is_moved_aside_and_logged_printable(
    folder: Path, tmp_path: Path
) -> None:
    plant(folder, 0, b"alloy-maildrop 9\x1b[31m {}\n" + RAW)
    odd = folder / "evil\x1b]0;pwned\x07name"
    odd.write_bytes(RAW)
    box, log, summary = intake_into(folder, tmp_path)
    assert summary.refused == 2 and box.list() == [] and os.listdir(folder) == []
    assert len(os.listdir(box.path / "refused")) == 2
    [(_l, _e, text, details)] = log.events("maildrop.refused")  # one summary for the pass
    assert details["count"] == 2 and text.startswith("2 files from uid 0 (root) refused: ")
    reasons = [f["reason"] for f in details["files"]]
    assert any("unknown format version" in r for r in reasons)
    assert any("its name is not <uid>" in r for r in reasons)
    assert "\x1b" not in json.dumps(log.entries) and "\x07" not in json.dumps(log.entries)


def test_a_local_name_with_no_address_is_refused_by_sendmails_rules(
    folder: Path, tmp_path: Path
) -> None:
    """Issue 23: as on the outbox's own hand-off, what the rules refuse is queued as failed
    (one mail.failed entry; the runner's failure notice goes to the sender), not set aside."""
    plant(folder, 0, header_line(Envelope(("postgres",))) + RAW)
    box, log, summary = intake_into(folder, tmp_path, settings(admin=""))
    assert (summary.taken, summary.refused) == (1, 0) and os.listdir(folder) == []
    [m] = box.list()
    assert m.state == "failed" and m.details["submitted_by"] == "root"
    [(_lvl, _ev, text, details)] = log.events("mail.failed")
    assert "postgres" in text and details["queue_id"] == m.id
    assert log.events("maildrop.refused") == [] and not (box.path / "refused").exists()


def test_an_incomplete_config_holds_the_file_in_the_maildrop(folder: Path, tmp_path: Path) -> None:
    path = plant(folder, 0, header_line(Envelope(("ops@contoso.example",))) + RAW)
    box, log, summary = intake_into(folder, tmp_path, settings(account=""))
    assert (summary.held, summary.refused) == (1, 0) and path.exists() and box.list() == []
    [(_l, _e, text, _d)] = log.events("maildrop.held")
    assert "no account to send as" in text
    _box, _log, summary = intake_into(folder, tmp_path)  # once signed in: taken
    assert summary.taken == 1 and not path.exists()


def test_stale_temp_files_go_fresh_ones_stay(folder: Path, tmp_path: Path) -> None:
    old, new = folder / f".0.{'a' * 32}.tmp", folder / f".0.{'b' * 32}.tmp"
    old.write_bytes(b"half")
    new.write_bytes(b"half")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    box, _log, summary = intake_into(folder, tmp_path)
    assert not old.exists() and new.exists() and box.list() == []
    assert (summary.taken, summary.refused) == (0, 0)


def test_someone_elses_folder_or_a_symlink_to_one_is_not_read(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    plant(real, 0, header_line(Envelope(("root",))) + RAW)
    (tmp_path / "link").symlink_to(real)
    box, _log, summary = intake_into(tmp_path / "link", tmp_path)
    assert summary.taken == 0 and len(os.listdir(real)) == 1


def test_the_watch_lists_the_folder_only_when_it_changed(folder: Path, tmp_path: Path) -> None:
    settled = time.time() - 60
    os.utime(folder, (settled, settled))
    s = settings().with_section("queue", maildrop=str(folder))
    watch = MaildropIntake(s, tmp_path / "config.toml", Outbox(tmp_path / "queue"))
    assert watch.folder == folder
    assert watch.changed() is True  # the first look
    assert watch.changed() is False  # one stat, nothing new
    plant(folder, 0, header_line(Envelope(("root",))) + RAW)
    os.utime(folder, (settled + 1, settled + 1))
    assert watch.changed() is True and watch.changed() is False
    plant(folder, 0, header_line(Envelope(("root",))) + RAW)  # just now: the mtime may not
    assert watch.changed() is True and watch.changed() is True  # move again; keep looking
    assert watch.take(if_changed=True).taken == 2
    os.utime(folder, (settled + 2, settled + 2))
    assert watch.take(if_changed=True).taken == 0 and watch.changed() is False
    assert watch.take(if_changed=True).taken == 0


def test_no_drop_file_stops_the_intake(folder: Path, tmp_path: Path) -> None:
    """Any local user writes these: whatever a file holds, the others are still taken in."""
    hostile = [
        b"alloy-maildrop 1 " + b"[" * 60_000 + b"\n" + RAW,  # json's recursion limit
        b'alloy-maildrop 1 {"recipients": ["\\ud800"]}\n' + RAW,  # a lone surrogate
        b"alloy-maildrop 1 {}\n\x00\xff\xfe" * 50,  # no recipient, binary
        header_line(Envelope(("root",))) + b"Subject: =?x-unknown?q?a?=\n\n\xff\n",
    ]
    for data in hostile:
        plant(folder, 0, data)
    good = plant(folder, 0, header_line(Envelope(("ops@contoso.example",))) + RAW)
    box, log, summary = intake_into(folder, tmp_path)
    assert not good.exists()
    assert summary.taken + summary.refused == len(hostile) + 1 and summary.held == 0
    assert summary.taken >= 1 and len(box.list()) == summary.taken


def test_a_refused_file_never_replaces_one_set_aside_before(folder: Path, tmp_path: Path) -> None:
    """refused/ already holds <name> and <name>.<ino> (earlier refusals of that name): the new
    one goes beside them, and both earlier ones are kept as they were."""
    path = folder / "not-a-drop-name"
    path.write_bytes(b"third")
    ino = os.lstat(path).st_ino
    aside = tmp_path / "queue" / "refused"
    aside.mkdir(parents=True, mode=0o700)
    (tmp_path / "queue").chmod(0o700)
    (aside / path.name).write_bytes(b"first")
    (aside / f"{path.name}.{ino}").write_bytes(b"second")
    box, log, summary = intake_into(folder, tmp_path)
    assert summary.refused == 1 and os.listdir(folder) == []
    assert (aside / path.name).read_bytes() == b"first"
    assert (aside / f"{path.name}.{ino}").read_bytes() == b"second"
    assert (aside / f"{path.name}.{ino}.1").read_bytes() == b"third"
    assert refused(log)["kept_as"] == str(aside / f"{path.name}.{ino}.1")


def test_the_ledger_is_written_only_in_a_checked_outbox_folder(tmp_path: Path) -> None:
    from alloy_tui.core.maildrop.ledger import LEDGER_FILE, Ledger, read_entries

    box = Outbox(tmp_path / "queue")
    box.ensure()
    ledger = Ledger(box.path)
    ledger.put("1:2:3:4", "taken", "0.abc", "could not be removed", 1.0)
    ledger.save()
    assert read_entries(box.path / LEDGER_FILE)["1:2:3:4"]["state"] == "taken"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    swapped = tmp_path / "swapped"
    box.path.rename(swapped)
    box.path.symlink_to(elsewhere)  # the outbox swapped for a symlink: never written through
    ledger.put("5:6:7:8", "stuck", "0.def", "read-only", 2.0)
    with pytest.raises(OSError, match="symbolic link"):
        ledger.save()
    assert os.listdir(elsewhere) == [] and read_entries(box.path / LEDGER_FILE) == {}
