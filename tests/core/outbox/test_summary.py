"""`Outbox.summary(now)`: the queue in one look, the one count `status`, `status --check`, the
health jobs and the screens share (it was counted three ways)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.health import run_check
from alloy_tui.core.outbox import Outbox, QueueSummary, queue_summary
from alloy_tui.core.outbox.hold import write_hold

OTHER = 4242
RAW = b"To: ops@contoso.example\nSubject: nightly\n\nbody\n"
ERROR = {"title": "Microsoft Graph is busy", "code": "http.503", "cause": "503.", "fix": "Wait."}


def queued(box: Outbox, **change: Any) -> str:
    qid = box.submit(RAW, recipients=["ops@contoso.example"], sender="", source="cron")
    if change:
        meta = box.read_meta(qid)
        assert meta is not None
        meta.update(change)
        box.write_meta(meta)
    return qid


def test_an_outbox_not_made_yet_is_empty_and_readable(tmp_path: Path) -> None:
    seen = Outbox(tmp_path / "queue").summary(time.time())
    assert seen == QueueSummary()
    assert queue_summary(seen) == "Queue: empty"


def test_counts_ages_failures_and_the_hold_in_one_look(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    now = time.time()
    queued(box, queued_at=now - 600)
    tried = queued(
        box,
        queued_at=now - 60,
        attempts=1,
        last_error=ERROR,
        attempts_log=[{"at": "2026-12-01T10:00:00Z", **ERROR}],
    )
    queued(box, state="failed", failed_at=now - 3600, last_error=ERROR)
    queued(box, state="failed", failed_at=now - 3 * 86400, last_error=ERROR)  # out of the window
    write_hold(box.path, {"since": now - 120, "until": now + 60, "reason": ERROR})
    seen = box.summary(now)
    assert (seen.pending, seen.failed) == (2, 2)
    assert seen.oldest_pending_s == 600
    assert seen.failed_recent == 1
    assert seen.last_failure is not None and seen.last_failure["queue_id"] == tried
    assert seen.hold is not None and seen.held_s == 120
    assert seen.readable and seen.problem == "" and seen.foreign == "" and seen.unreadable == ()
    assert queue_summary(seen).startswith("Queue: 2 pending (oldest 10 min), 2 failed")


def test_no_pending_mail_no_hold(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    now = time.time()
    queued(box, state="failed", failed_at=now)
    write_hold(box.path, {"since": now - 120, "until": now + 60, "reason": ERROR})
    seen = box.summary(now)
    assert seen.hold is None and seen.held_s is None and seen.failed == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_files_of_another_user_and_an_unsafe_outbox(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = queued(box)
    for name in (f"meta/{qid}.json", f"messages/{qid}.eml"):
        os.chown(box.path / name, OTHER, OTHER)
    seen = box.summary(time.time())
    assert f"does not own (2 of uid {OTHER})" in seen.foreign
    assert seen.pending == 1  # root reads it all the same
    os.chown(box.path, OTHER, OTHER)
    seen = box.summary(time.time())
    assert not seen.readable and f"owned by uid {OTHER}" in seen.problem


def test_a_damaged_metadata_file_is_not_counted(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = queued(box)
    queued(box)
    (box.path / "meta" / f"{qid}.json").write_text("{not json")
    assert box.summary(time.time()).pending == 1


def test_status_check_looks_at_the_outbox_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = 9\n'
        f'[queue]\npath = "{tmp_path}/queue"\n[alert_log]\npath = "{tmp_path}/log.jsonl"\n'
    )
    box = Outbox(tmp_path / "queue")
    queued(box)
    looks: list[float] = []
    real = Outbox.summary

    def counted(self: Outbox, now: float | None = None, window_hours: float = 24.0) -> QueueSummary:
        looks.append(window_hours)
        return real(self, now, window_hours)

    monkeypatch.setattr(Outbox, "summary", counted)
    result = run_check(cfg, alert=False)
    assert len(looks) == 1, looks
    assert result.perf["pending"] == 1


def test_stamp_moves_with_the_messages_and_the_hold_only(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    assert box.stamp() == (None, None)
    qid = queued(box)
    first = box.stamp()
    assert first[0] is not None and first[1] is None
    assert box.stamp() == first  # nothing changed: the same two lstat results
    write_hold(box.path, {"since": 1.0, "until": 2.0, "reason": ERROR})
    held = box.stamp()
    assert held[0] == first[0] and held[1] is not None
    time.sleep(0.01)
    box.remove(qid)
    assert box.stamp()[0] != first[0]
    assert box.entries() == {}


def test_claimed_probes_without_taking_the_claim(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    a, b = queued(box), queued(box)
    assert set(box.entries()) == {a, b}
    claim = box.claim(a)
    assert claim is not None
    with claim:
        assert box.claimed([a, b]) == {a}
        assert box.claimed([b]) == set()  # only the ids asked about
        assert box.claim(a) is None  # still held by us: the probe took nothing
    assert box.claimed([a, b]) == set()
