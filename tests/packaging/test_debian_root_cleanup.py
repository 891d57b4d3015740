"""The Debian root helper never leaves a mount behind (review of issue 25): a /proc or /sys left
mounted in a root (a killed debootstrap or chroot run) is unmounted before the root is deleted,
so the next run neither deletes through it nor fails on it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers.debian_root import _remove, mounts_under

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mount needs root")


def test_remove_unmounts_every_mount_in_the_root_first(tmp_path: Path) -> None:
    root = tmp_path / "bookworm-minbase.new"
    for sub in ("sys", "proc", "dev/pts"):
        (root / sub).mkdir(parents=True)
    try:
        for sub in ("sys", "dev/pts"):  # not the two the helper mounts itself
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(root / sub)], check=True)
            (root / sub / "kept-if-deleted-through").write_text("x")
        assert len(mounts_under(root)) == 2
        _remove(root)
        assert mounts_under(root) == []
        assert not root.exists()
    finally:
        for target in mounts_under(tmp_path):
            subprocess.run(["umount", "-l", str(target)], check=False)
