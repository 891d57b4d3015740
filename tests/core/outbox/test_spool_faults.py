"""Submission under faults: SIGKILL mid-write, a full disk (a real small tmpfs), an unwritable
folder (a child dropped to `nobody`). Nothing half-written is ever listed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.outbox import EX_CANTCREAT, EX_TEMPFAIL, Outbox, OutboxError
from tests.helpers.outbox_faults import (
    assert_intact,
    assert_tidied_to,
    kill_mid_write,
    message,
    start_writer,
)
from tests.helpers.store import public_dir, unprivileged

ROOT = Path(__file__).resolve().parents[3]


_SUBMITTER = """
import sys
from pathlib import Path
from alloy_tui.core.outbox import Outbox
path, size = Path(sys.argv[1]), int(sys.argv[2])
box = Outbox(path)
n = 0
print("ready", flush=True)
while True:
    head = f"To: a@b.com\\r\\nSubject: m{n}\\r\\n\\r\\n".encode()
    box.submit(head + bytes([65 + n % 26]) * (size - len(head)), recipients=["a@b.com"],
               sender="", source="t")
    n += 1
"""


def test_sigkill_mid_submit_leaves_nothing_half_written(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "q")
    for round_no in range(8):
        child = start_writer(_SUBMITTER, box, 2_000_000 + round_no * 7919)
        # the kill lands in different phases of a 2 MB write
        kill_mid_write(child, box, 0.05 + 0.037 * round_no)
    assert len(box.list()) >= 1
    # The leftovers of killed writers are only ever temp files (never listed) or a message
    # file whose metadata never landed (never listed either).
    listed = {m.id for m in box.list()}
    metas = {p.stem for p in (box.path / "meta").iterdir()}
    assert metas == listed
    # An hour later the runner's tidy-up removes those leftovers, and nothing listed.
    assert_tidied_to(box, listed)
    assert {m.id for m in box.list()} == listed


def test_full_disk_refuses_with_tempfail_and_leaves_nothing(small_tmpfs: Path) -> None:
    box = Outbox(small_tmpfs / "q")
    with pytest.raises(OutboxError) as e:
        box.submit(message(0, 400_000), recipients=["a@b.com"], sender="", source="t")
    assert e.value.exit_code == EX_TEMPFAIL
    assert "disk is full" in e.value.explanation.cause
    assert "Nothing was queued" in e.value.explanation.cause
    assert box.list() == []
    assert list((box.path / "tmp").iterdir()) == []
    assert list((box.path / "messages").iterdir()) == []


def test_filling_the_disk_keeps_every_queued_message_whole(small_tmpfs: Path) -> None:
    box = Outbox(small_tmpfs / "q")
    accepted, refused = 0, 0
    for n in range(200):
        try:
            box.submit(message(n, 9_000 + n * 13), recipients=["a@b.com"], sender="", source="t")
            accepted += 1
        except OutboxError as e:
            assert e.exit_code == EX_TEMPFAIL
            refused += 1
    assert accepted > 5 and refused > 0
    assert assert_intact(box) == accepted
    assert list((box.path / "tmp").iterdir()) == []
    assert {p.stem for p in (box.path / "messages").iterdir()} == {m.id for m in box.list()}


_UNWRITABLE = """
import json, os, sys
from pathlib import Path
from alloy_tui.core.outbox import Outbox, OutboxError
import alloy_tui.core.outbox.spool, email.parser, email.policy, secrets  # before the drop
Outbox(Path("/nonexistent")).list()
args = json.loads(sys.argv[1])
os.setgroups([]); os.setgid(args["drop"]); os.setuid(args["drop"])
try:
    Outbox(Path(args["path"])).submit(b"Subject: x\\r\\n\\r\\nbody", recipients=["a@b.com"],
                                      sender="", source="t")
    out = dict(ok=True)
except OutboxError as e:
    out = dict(ok=False, code=e.exit_code, cause=e.explanation.cause, fix=e.explanation.fix)
print(json.dumps(out))
"""


def run_as(uid: int, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _UNWRITABLE, json.dumps({"drop": uid, "path": str(path)})],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_unwritable_outbox_folder_is_cantcreat(tmp_path: Path) -> None:
    uid = unprivileged()
    assert uid is not None, "these tests run as root so that a child can drop to nobody"
    with public_dir() as d:
        Outbox(d / "q").ensure()  # root's 0700 folder: nobody may not write (or enter) it
        out = run_as(uid, d / "q")
        assert out["ok"] is False and out["code"] == EX_CANTCREAT, out
        assert "permission denied" in out["cause"] and "[queue] path" in out["fix"]
        # A folder it can't even create: inside a root-owned 0755 folder.
        out = run_as(uid, d / "new" / "q")
        assert out["ok"] is False and out["code"] == EX_CANTCREAT, out
        assert Outbox(d / "q").list() == []
