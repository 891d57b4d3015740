"""Every file in the outbox, its health state and the alert log's folder is opened relative to a
checked folder descriptor: a symlink swapped in, another user's folder or a folder others may
write is one clear error (CRITICAL in `status --check`), never followed; a sentinel survives.
(Root in a temporary folder; uid 4242 stands for another user, chown makes it so.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alloy_tui.core.alertlog import AlertLogError, AlertLogWriter, unsafe_problem
from alloy_tui.core.folders import FolderCheckError
from alloy_tui.core.health import daemon_lock
from alloy_tui.core.health.facts import outbox_facts
from alloy_tui.core.health.state import read_state, state_path, updating
from alloy_tui.core.maildrop import Envelope, MaildropError, drop
from alloy_tui.core.outbox import Outbox, OutboxError, runner_active

OTHER = 4242
RAW = b"To: ops@contoso.example\nSubject: s\n\nb\n"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another uid needs root")


def sentinel(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path / "sentinel"
    folder.mkdir()
    old = time.time() - 7200
    for name in ("keep.eml", ".old.tmp", "root-only.log"):
        (folder / name).write_bytes(b"root's\n")
        os.utime(folder / name, (old, old))
    return folder, {p.name: p.read_bytes() for p in folder.iterdir()}


def unchanged(folder: Path, before: dict[str, bytes]) -> bool:
    return {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_tmp_folder_swapped_for_a_symlink_is_never_tidied_or_written(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    box.ensure()
    guard, before = sentinel(tmp_path)
    (box.path / "tmp").rmdir()
    (box.path / "tmp").symlink_to(guard)
    box.tidy(older_than=60)
    with pytest.raises(OutboxError, match="tmp is a symbolic link"):
        box.ensure()
    with pytest.raises(OutboxError, match="symbolic link"):
        box.submit(RAW, recipients=["ops@contoso.example"], sender="", source="t")
    assert unchanged(guard, before)
    assert "symbolic link" in outbox_facts(box.path, time.time()).problem


def test_another_users_or_a_shared_outbox_is_refused_and_critical(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    box.submit(RAW, recipients=["ops@contoso.example"], sender="", source="t")
    os.chown(box.path, OTHER, OTHER)
    for action in (box.ensure, box.list, box.ids):
        with pytest.raises(OutboxError, match=f"owned by uid {OTHER}, not by uid 0"):
            action()
    facts = outbox_facts(box.path, time.time())
    assert f"owned by uid {OTHER}" in facts.problem and not facts.readable
    os.chown(box.path, 0, 0)
    os.chmod(box.path / "meta", 0o777)
    with pytest.raises(OutboxError, match=r"writable by everyone \(mode 0777\)"):
        box.list()
    os.chmod(box.path / "meta", 0o700)
    assert len(box.list()) == 1


def test_lock_files_swapped_for_symlinks_create_nothing(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    box.ensure()
    guard, before = sentinel(tmp_path)
    for name in ("runner.lock", "daemon.lock"):
        (box.path / name).symlink_to(guard / f"made-by-{name}")
    assert runner_active(box.path) is False
    with pytest.raises(OutboxError, match="runner.lock is a symbolic link"), box.runner_lock():
        pass
    with pytest.raises(FolderCheckError, match="daemon.lock is a symbolic link"):
        daemon_lock(box.path)
    (box.path / "claims").rmdir()
    (box.path / "claims").symlink_to(guard)
    with pytest.raises(OutboxError, match="claims is a symbolic link"):
        box.claim("20261202T043512-3f9a1c7e")
    assert unchanged(guard, before)


def test_health_json_swapped_for_a_symlink_is_neither_read_nor_written_through(
    tmp_path: Path,
) -> None:
    box = Outbox(tmp_path / "queue")
    box.ensure()
    guard, before = sentinel(tmp_path)
    (guard / "root-only.log").write_bytes(b'{"last_refresh": 1}')
    before["root-only.log"] = b'{"last_refresh": 1}'
    path = state_path(box.path)
    path.symlink_to(guard / "root-only.log")
    assert read_state(path) == {}
    with updating(path) as st:
        st["last_refresh"] = 2.0
    assert not path.is_symlink() and read_state(path) == {"last_refresh": 2.0}
    assert unchanged(guard, before)


def test_the_alert_log_never_follows_or_appends_to_a_file_it_does_not_own(tmp_path: Path) -> None:
    guard, before = sentinel(tmp_path)
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    log = folder / "alert_log.jsonl"
    log.symlink_to(guard / "root-only.log")
    writer = AlertLogWriter(log)
    with pytest.raises(AlertLogError, match="symbolic link"):
        writer.write("info", "t.x", "never written")
    assert "is a symbolic link, never followed" in (unsafe_problem(log) or "")
    log.unlink()
    log.write_bytes(b"")
    os.chown(log, OTHER, OTHER)
    with pytest.raises(AlertLogError, match=f"owned by uid {OTHER}"):
        writer.write("info", "t.x", "never written")
    assert f"is owned by uid {OTHER}, not by uid 0" in (unsafe_problem(log) or "")
    log.unlink()
    os.chown(folder, OTHER, OTHER)
    with pytest.raises(AlertLogError, match=f"folder {folder} is owned by uid {OTHER}"):
        writer.write("info", "t.x", "never written")
    os.chown(folder, 0, 0)
    writer.write("info", "t.x", "written")
    assert log.stat().st_uid == 0 and b"written" in log.read_bytes()
    assert unsafe_problem(log) is None
    assert unchanged(guard, before)


def test_a_rotation_never_follows_an_archive_planted_as_a_symlink(tmp_path: Path) -> None:
    guard, before = sentinel(tmp_path)
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o700)
    log = folder / "alert_log.jsonl"
    (folder / "alert_log.jsonl.1").symlink_to(guard / "root-only.log")
    writer = AlertLogWriter(log)
    writer.max_bytes, writer.keep, writer.retention_days = 400, 2, 1
    for i in range(20):
        writer.write("info", "t.x", f"entry {i} " + "x" * 100)
    assert unchanged(guard, before)


def test_a_maildrop_swapped_for_a_symlink_gets_no_file(tmp_path: Path) -> None:
    guard, before = sentinel(tmp_path)
    (tmp_path / "maildrop").symlink_to(guard)
    with pytest.raises(MaildropError, match="symbolic link") as e:
        drop(tmp_path / "maildrop", RAW, Envelope(("root",)))
    assert e.value.exit_code == 73
    assert unchanged(guard, before)


BECOME = """
import os, sys
from alloy_tui.core.become import become, foreign_owner
cfg = sys.argv[1]
print(foreign_owner(cfg))
os.environ["XDG_STATE_HOME"] = os.environ["HOME"] + "/.local/state"
name = become(int(sys.argv[2]), int(sys.argv[2]))
try:
    os.setuid(0)
    print("regained")
except PermissionError:
    print("for good")
print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), name)
print("XDG_STATE_HOME" in os.environ, os.environ["HOME"])
"""


def test_root_becomes_the_configs_owner_for_good(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    os.chown(cfg, OTHER, OTHER)
    r = subprocess.run(
        [sys.executable, "-c", BECOME, str(cfg), str(OTHER)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": "/root"},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        str(OTHER),
        "for good",
        f"{OTHER} {OTHER} {OTHER} [] uid {OTHER}",
        "True /root",  # no passwd entry: HOME stays (nothing to move to)
    ]


def test_a_config_not_written_yet_belongs_to_its_folders_owner(tmp_path: Path) -> None:
    from alloy_tui.core.become import foreign_owner

    etc = tmp_path / "etc"
    etc.mkdir(mode=0o700)
    assert foreign_owner(etc / "config.toml") is None  # root's folder: root's config
    os.chown(etc, OTHER, OTHER)  # setup-system --user: the wizard then runs as that user
    assert foreign_owner(etc / "config.toml") == OTHER
    assert foreign_owner(tmp_path / "nowhere" / "config.toml") is None


def test_a_symlinked_config_is_its_links_or_folders_owners(tmp_path: Path) -> None:
    """A service user who owns the config folder swaps config.toml for a link to a root file:
    root still acts as that user, never as root on the paths the link chose."""
    from alloy_tui.core.become import foreign_owner

    root_file = tmp_path / "roots.toml"
    root_file.write_text("")
    etc = tmp_path / "etc"
    etc.mkdir(mode=0o700)
    (etc / "config.toml").symlink_to(root_file)
    assert foreign_owner(etc / "config.toml") is None  # all root's: root's config
    os.chown(etc, OTHER, OTHER)
    assert foreign_owner(etc / "config.toml") == OTHER  # the folder is the other user's
    os.chown(etc, 0, 0)
    os.lchown(etc / "config.toml", OTHER + 1, OTHER + 1)
    assert foreign_owner(etc / "config.toml") == OTHER + 1  # the link is


def test_files_in_the_outbox_another_user_owns_are_critical(tmp_path: Path) -> None:
    """What root's sendmail of an older version left in a service user's outbox: never read
    by the runner, so `status --check` says so (it was "OK" while the mail waited forever)."""
    box = Outbox(tmp_path / "queue")
    qid = box.submit(RAW, recipients=["ops@contoso.example"], sender="", source="t")
    assert outbox_facts(box.path, time.time()).problem == ""
    for name in (f"meta/{qid}.json", f"messages/{qid}.eml"):
        os.chown(box.path / name, OTHER, OTHER)
    problem = outbox_facts(box.path, time.time()).problem
    assert f"does not own (2 of uid {OTHER})" in problem and "chown -R 0" in problem
