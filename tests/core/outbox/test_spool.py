"""The outbox folder: submit, list, get, retry, delete, force, counts; modes; the front door."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import Outbox, OutboxError, open_outbox, outbox_path
from tests.helpers.recording_log import Log

RAW = (
    b"From: Cron Daemon <root@web01>\r\nTo: root\r\n"
    b"Subject: =?utf-8?q?Cron_h=C3=A9llo?=\r\nMessage-ID: <1@web01>\r\n\r\nbody \xff 8-bit\r\n"
)


def test_submit_is_listed_with_its_details_and_raw_bytes_kept(tmp_path: Path) -> None:
    log = Log()
    box = Outbox(tmp_path / "q", log=log)
    qid = box.submit(RAW, recipients=["ops@contoso.com"], sender="a@contoso.com", source="sendmail")
    [m] = box.list()
    assert m.id == qid and m.state == "pending" and m.attempts == 0
    assert m.to == ("ops@contoso.com",) and m.sender == "a@contoso.com"
    assert m.subject == "Cron héllo" and m.size == len(RAW)
    assert m.next_attempt_at is not None and m.queued_at.tzinfo is not None
    assert box.read_raw(qid) == RAW
    assert box.get(qid) == m
    seen = box.summary()
    assert (seen.pending, seen.failed) == (1, 0)
    assert seen.oldest_pending_s is not None and 0 <= seen.oldest_pending_s < 30
    [(level, event, _text, details)] = log.entries
    assert (level, event, details["queue_id"]) == ("info", "mail.queued", qid)


def test_modes_folders_0700_files_0600(tmp_path: Path) -> None:
    os.umask(0o022)
    box = Outbox(tmp_path / "q")
    qid = box.submit(RAW, recipients=["a@b.com"], sender="", source="t")
    for d in [tmp_path / "q", *(tmp_path / "q").iterdir()]:
        if d.is_dir():
            assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    for f in (tmp_path / "q" / "messages" / f"{qid}.eml", tmp_path / "q" / "meta" / f"{qid}.json"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert list((tmp_path / "q" / "tmp").iterdir()) == []


def test_ids_are_unique_and_list_is_oldest_first(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    box = Outbox(tmp_path / "q", clock=lambda: now[0])
    ids = []
    for i in range(20):
        now[0] += 1
        ids.append(box.submit(RAW, recipients=[f"u{i}@b.com"], sender="", source="t"))
    assert len(set(ids)) == 20
    assert [m.id for m in box.list()] == ids


def test_state_filter_retry_force_delete(tmp_path: Path) -> None:
    log = Log()
    box = Outbox(tmp_path / "q", log=log)
    a = box.submit(RAW, recipients=["a@b.com"], sender="", source="t")
    b = box.submit(RAW, recipients=["b@b.com"], sender="", source="t")
    meta = box.read_meta(b)
    assert meta is not None
    meta.update(state="failed", next_attempt_at=None)
    box.write_meta(meta)
    assert [m.id for m in box.list("failed")] == [b]
    assert [m.id for m in box.list("pending")] == [a]
    assert len(box.list("all")) == 2
    box.retry(b)
    assert box.get(b).state == "pending"
    meta = box.read_meta(a)
    assert meta is not None
    meta["next_attempt_at"] = meta["queued_at"] + 3600
    box.write_meta(meta)
    box.force(a)
    forced = box.get(a).next_attempt_at
    assert forced is not None and forced < box.get(a).queued_at + timedelta(seconds=60)
    box.delete(a)
    assert [m.id for m in box.list()] == [b]
    assert not (tmp_path / "q" / "messages" / f"{a}.eml").exists()
    assert log.entries[-1][1] == "mail.deleted" and log.entries[-1][3]["queue_id"] == a
    with pytest.raises(OutboxError) as e:
        box.get(a)
    assert "queue list" in e.value.explanation.fix


def test_a_stale_sending_claim_reads_as_pending(tmp_path: Path) -> None:
    """A runner killed mid-send leaves state "sending" on disk but no claim: it is pending."""
    box = Outbox(tmp_path / "q")
    qid = box.submit(RAW, recipients=["a@b.com"], sender="", source="t")
    meta = box.read_meta(qid)
    assert meta is not None
    meta["state"] = "sending"
    box.write_meta(meta)
    assert box.get(qid).state == "pending"
    claim = box.claim(qid)
    assert claim is not None
    assert box.get(qid).state == "sending"
    assert box.claim(qid) is None  # a second claimer is refused while the first holds it
    claim.release()
    assert box.get(qid).state == "pending"


def test_metadata_on_disk_is_json_with_no_surprises(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "q")
    qid = box.submit(RAW, recipients=["a@b.com"], sender="s@b.com", source="t")
    data = json.loads((tmp_path / "q" / "meta" / f"{qid}.json").read_text())
    assert data["id"] == qid and data["state"] == "pending" and data["to"] == ["a@b.com"]


def test_outbox_path_follows_the_setting_and_the_state_dir(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "config.toml"
    assert outbox_path(Settings(), config) == Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "queue"
    s = Settings().with_section("queue", path="spool")
    assert outbox_path(s, config) == tmp_path / "etc" / "spool"
    s = Settings().with_section("queue", path=str(tmp_path / "abs"), max_per_minute=0)
    s = s.with_section("alert_log", path=str(tmp_path / "log.jsonl"))
    box = open_outbox(s, config)
    assert box.path == tmp_path / "abs"
    qid = box.submit(RAW, recipients=["a@b.com"], sender="", source="sendmail")
    entry = json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])
    assert entry["event"] == "mail.queued" and entry["details"]["queue_id"] == qid
