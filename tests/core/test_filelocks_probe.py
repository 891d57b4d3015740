"""runner.lock's probe (`filelocks.held_shared`): runners hold the lock shared, other probes
take it exclusive for a moment. Each holder here is a real process holding a real flock."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alloy_tui.core.filelocks import held_shared

_HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_SH if sys.argv[2] == "shared" else fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def holder(path: Path, how: str) -> Iterator[None]:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"held\n"
        yield
    finally:
        child.kill()
        child.wait()


def test_a_runner_is_a_shared_holder_and_a_probe_is_not(tmp_path: Path) -> None:
    lock = tmp_path / "runner.lock"
    assert not held_shared(lock)  # no file: nobody (and it is not created)
    assert not lock.exists()
    lock.touch()
    assert not held_shared(lock)
    with holder(lock, "shared"):
        assert held_shared(lock)  # a runner
        with holder(lock, "shared"):
            assert held_shared(lock)  # two runners
    with holder(lock, "exclusive"):
        assert not held_shared(lock)  # another probe's moment: not a runner
    assert not held_shared(lock)
