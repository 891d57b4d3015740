"""A folder fsync that fails fails the hand-off (issue 19): exit 75, one line, nothing queued,
no temp file left; and a new outbox folder's parent is fsynced when it is created.

How the failure is made: strace's syscall tampering (`-e inject=fsync:error=EIO:when=N`) makes
the kernel's answer to one real fsync(2) of the real sendmail process an EIO, as a failing disk
would (no Python is patched; the process cannot tell). N is found by tracing an identical
hand-off first, and the injected run's trace must show the EIO landing on the intended folder
(strace -y names each descriptor's path), so the test can't pass by hitting another fsync.
What it proves: when fsync(2) of incoming/ (where the hand-off puts the message, issue 23) or
of a new folder's parent fails, the door does not say "queued"; it exits 75 and leaves nothing
behind. (The runner's own folder fsyncs, messages/ and meta/, are the outbox's: tests/core/outbox.) A real failing disk may fail
other calls too; those paths (write, rename) were already covered by the full-disk tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from tests.helpers.sendmail_door import (
    MAIL,
    env_for,
    leftovers,
    queued,
    scripts,
    sendmail,
    take_in,
    write_config,
)

FSYNC = re.compile(r"^fsync\(\d+<(?P<path>[^>]*)>\)\s+=\s+(?P<result>.*)$")


def strace() -> str:
    path = shutil.which("strace")
    if path is None:
        pytest.fail("strace is not installed (.ci/run installs it)")
    return path


def traced(folder: Path, trace: Path, *inject: str) -> subprocess.CompletedProcess[bytes]:
    """`sendmail -t` under strace (this process only: a detached runner is not traced)."""
    argv = [strace(), "-y", "-qq", "-e", "trace=fsync", *inject, "-o", str(trace)]
    return subprocess.run(
        [*argv, str(scripts(folder) / "sendmail"), "-t"],
        input=MAIL,
        capture_output=True,
        timeout=60,
        env=env_for(folder),
    )


def fsyncs(trace: Path) -> list[tuple[str, str]]:
    out = []
    for line in trace.read_text().splitlines():
        m = FSYNC.match(line)
        if m:
            out.append((m["path"], m["result"]))
    return out


def nth_fsync_of(trace: Path, folder: Path) -> int:
    paths = [p for p, _ in fsyncs(trace)]
    assert str(folder) in paths, paths
    return paths.index(str(folder)) + 1


def fsync_number(folder: Path, target: Path) -> int:
    """sendmail -t traced in `folder` (it must succeed): the number of `target`'s fsync among
    all its fsyncs."""
    r = traced(folder, folder / "plain.trace")
    assert r.returncode == 0, r.stderr
    return nth_fsync_of(folder / "plain.trace", target)


def with_eio_at(folder: Path, n: int, target: Path) -> subprocess.CompletedProcess[bytes]:
    """sendmail -t traced in `folder` with an EIO injected at the `n`th fsync, which must be
    `target`'s."""
    r = traced(folder, folder / "eio.trace", "-e", f"inject=fsync:error=EIO:when={n}")
    injected = [p for p, result in fsyncs(folder / "eio.trace") if "INJECTED" in result]
    assert injected == [str(target)]
    return r


def incoming_files(folder: Path) -> list[str]:
    incoming = folder / "queue" / "incoming"
    return sorted(p.name for p in incoming.iterdir()) if incoming.exists() else []


@pytest.mark.parametrize("which", ["incoming"])
def test_a_failed_folder_fsync_is_75_and_nothing_is_queued(tmp_path: Path, which: str) -> None:
    write_config(tmp_path)
    assert sendmail(tmp_path, "-t").returncode == 0  # folders, config memo: as on a used system
    n = fsync_number(tmp_path, tmp_path / "queue" / which)
    before = [m.id for m in queued(tmp_path)]
    r = with_eio_at(tmp_path, n, tmp_path / "queue" / which)  # the EIO hit that folder's fsync
    assert r.returncode == 75, r.stderr
    err = r.stderr.decode()
    assert err.count("\n") == 1 and "I/O error" in err and "Nothing was queued" in err
    assert incoming_files(tmp_path) == []  # neither the temp file nor the named one
    assert [m.id for m in queued(tmp_path)] == before
    assert leftovers(tmp_path) == {"tmp": [], "orphan_messages": []}


def test_a_new_outbox_folders_parents_are_fsynced(tmp_path: Path) -> None:
    queue = tmp_path / "spool" / "alloy" / "queue"
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace(str(tmp_path / "queue"), str(queue)))
    r = traced(tmp_path, tmp_path / "new.trace")
    assert r.returncode == 0, r.stderr
    take_in(tmp_path)
    assert len(Outbox(queue).list()) == 1
    paths = [p for p, _ in fsyncs(tmp_path / "new.trace")]
    created = [tmp_path, tmp_path / "spool", tmp_path / "spool" / "alloy", queue]
    for parent in created:  # each new name made durable ...
        assert str(parent) in paths, (parent, paths)
    first_queued = paths.index(str(queue / "incoming"))
    assert all(paths.index(str(p)) < first_queued for p in created)  # ... before any mail


def test_a_failed_fsync_of_a_new_folders_parent_is_75(tmp_path: Path) -> None:
    plain, failing = tmp_path / "plain", tmp_path / "failing"
    for folder in (plain, failing):
        write_config(folder)
    r = with_eio_at(failing, fsync_number(plain, plain / "queue"), failing / "queue")
    assert r.returncode == 75, r.stderr
    assert b"I/O error" in r.stderr and r.stderr.count(b"\n") == 1
    assert queued(failing) == []


def test_a_failed_fsync_of_the_outbox_when_making_incoming_is_75(tmp_path: Path) -> None:
    """An outbox made before hand-offs existed (no incoming/ yet): the hand-off makes the folder
    and fsyncs the outbox; an EIO there is one line and 75, never a traceback."""
    for folder in (tmp_path / "plain", tmp_path / "failing"):
        write_config(folder)
        Outbox(folder / "queue").ensure()
    plain, failing = tmp_path / "plain", tmp_path / "failing"
    r = with_eio_at(failing, fsync_number(plain, plain / "queue"), failing / "queue")
    assert b"Traceback" not in r.stderr
    assert r.returncode == 75, r.stderr
    assert b"I/O error" in r.stderr and r.stderr.count(b"\n") == 1
    assert incoming_files(failing) == []


def test_no_room_to_make_incoming_is_75_and_says_so(tmp_path: Path) -> None:
    """An outbox without incoming/ yet on a disk with no inode left: 75 (temporary, the disk
    is full), one line that says so; not 73 'can't be used'."""
    from tests.helpers.tmpfs import small_tmpfs

    mount = tmp_path / "mnt"
    with small_tmpfs(mount, "1m", mode="0755,nr_inodes=16"):
        config = write_config(tmp_path)
        config.write_text(config.read_text().replace(str(tmp_path / "queue"), str(mount / "q")))
        Outbox(mount / "q").ensure()
        n = 0
        while True:  # every inode taken
            try:
                (mount / f"f{n}").write_bytes(b"")
            except OSError:
                break
            n += 1
        r = sendmail(tmp_path, "-t")
        assert b"Traceback" not in r.stderr
        assert r.returncode == 75, r.stderr
        assert r.stderr.count(b"\n") == 1 and b"Nothing was queued" in r.stderr, r.stderr
