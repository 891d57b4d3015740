"""Many submissions at once (`Outbox.submit_many`, the listener's group commit): each message
gets its own id and details, a failure is that message's alone and leaves nothing, a SIGKILL
mid-batch leaves nothing half-written, and the files are 0600 whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from alloy_tui.core.outbox import EX_TEMPFAIL, Outbox, OutboxError, Submission
from tests.helpers.outbox_faults import (
    assert_intact,
    assert_tidied_to,
    kill_mid_write,
    message,
    start_writer,
)


def submission(n: int, size: int = 3000) -> Submission:
    return Submission(message(n, size), (f"to{n}@b.com",), f"from{n}@b.com", "smtpd")


class Logs:
    def __init__(self) -> None:
        self.single: list[tuple[str, str, str, dict[str, Any]]] = []
        self.batches: list[list[tuple[str, str, str, dict[str, Any]]]] = []

    def log(self, level: str, event: str, message: str, details: dict[str, Any]) -> None:
        self.single.append((level, event, message, details))

    def log_many(self, entries: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        self.batches.append(entries)


def test_each_message_of_a_batch_is_queued_with_its_own_id_and_details(tmp_path: Path) -> None:
    logs = Logs()
    box = Outbox(tmp_path / "q", log=logs.log, log_many=logs.log_many)
    ids = box.submit_many([submission(n) for n in range(20)])
    assert all(isinstance(i, str) for i in ids) and len(set(ids)) == 20
    for n, qid in enumerate(ids):
        m = box.get(str(qid))
        assert (m.subject, m.to, m.sender, m.source) == (
            f"m{n}",
            (f"to{n}@b.com",),
            f"from{n}@b.com",
            "smtpd",
        )
        assert box.read_raw(str(qid)) == message(n, 3000)
    assert list((box.path / "tmp").iterdir()) == []
    # The alert log gets the batch's entries at once, in order (and not once more one by one).
    [entries] = logs.batches
    assert [d["queue_id"] for _, _, _, d in entries] == ids and logs.single == []
    assert {e for _, e, _, _ in entries} == {"mail.queued"}


def test_without_a_batch_log_each_entry_goes_to_log(tmp_path: Path) -> None:
    logs = Logs()
    box = Outbox(tmp_path / "q", log=logs.log)
    ids = box.submit_many([submission(n) for n in range(3)])
    assert [d["queue_id"] for _, _, _, d in logs.single] == ids


def test_an_empty_batch_queues_nothing(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "q")
    assert box.submit_many([]) == []
    assert box.list() == []


def test_files_are_0600_even_when_the_umask_takes_owner_bits(tmp_path: Path) -> None:
    old = os.umask(0o277)  # would make new files read-only for their owner
    try:
        box = Outbox(tmp_path / "q")
        [qid] = box.submit_many([submission(0)])
    finally:
        os.umask(old)
    for f in (box.path / "messages" / f"{qid}.eml", box.path / "meta" / f"{qid}.json"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_an_outbox_that_cannot_be_made_refuses_every_message(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way")
    out = Outbox(tmp_path / "file" / "q").submit_many([submission(0), submission(1)])
    assert [type(e) for e in out] == [OutboxError, OutboxError]


def test_a_batch_on_a_filling_disk_keeps_what_fits_and_refuses_the_rest(small_tmpfs: Path) -> None:
    box = Outbox(small_tmpfs / "q")
    out = box.submit_many([submission(n, 9_000 + n * 13) for n in range(40)])
    accepted = [qid for qid in out if isinstance(qid, str)]
    refused = [e for e in out if isinstance(e, OutboxError)]
    assert len(accepted) > 5 and refused
    assert all(
        e.exit_code == EX_TEMPFAIL and "Nothing was queued" in e.explanation.cause for e in refused
    )
    assert assert_intact(box) == len(accepted)
    assert {m.id for m in box.list()} == set(accepted)
    assert list((box.path / "tmp").iterdir()) == []
    assert {p.stem for p in (box.path / "messages").iterdir()} == set(accepted)
    # Once there is room again, the next batch is queued whole.
    for qid in accepted:
        box.remove(qid)
    assert all(isinstance(q, str) for q in box.submit_many([submission(n) for n in range(5)]))


_BATCHER = """
import sys
from pathlib import Path
from alloy_tui.core.outbox import Outbox, Submission
path, size = Path(sys.argv[1]), int(sys.argv[2])
box = Outbox(path)
n = 0
print("ready", flush=True)
while True:
    batch = []
    for _ in range(20):
        head = f"To: a@b.com\\r\\nSubject: m{n}\\r\\n\\r\\n".encode()
        batch.append(Submission(head + bytes([65 + n % 26]) * (size - len(head)), ("a@b.com",), "", "t"))
        n += 1
    box.submit_many(batch)
    print("batch", flush=True)
"""


def test_sigkill_mid_batch_leaves_nothing_half_written(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "q")
    for round_no in range(6):
        child = start_writer(_BATCHER, box, 200_000 + round_no * 7919)
        # One whole batch first, whatever the machine's load, then the kill lands in
        # different phases of the next one.
        assert child.stdout is not None and child.stdout.readline() == b"batch\n"
        kill_mid_write(child, box, 0.05 + 0.043 * round_no)
    listed = {m.id for m in box.list()}
    assert listed
    assert {p.stem for p in (box.path / "meta").iterdir()} == listed
    # Leftovers are only temp files and message files whose metadata never landed; tidy-up
    # removes them (an hour later) and nothing listed.
    assert_tidied_to(box, listed)
