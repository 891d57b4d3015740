"""The queue screen's row names the recipients still waiting for a partly delivered message."""

from __future__ import annotations

from pathlib import Path

from alloy_tui.core.outbox import Outbox
from alloy_tui.ui.queue.rows import QueueRow

RAW = b"From: s@contoso.test\nTo: a@contoso.test\nSubject: s\n\nb\n"


def test_a_partly_delivered_message_shows_who_still_waits(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    to = ["ok@contoso.test", "ops@contoso.test", "bad@contoso.test"]
    qid = box.submit(RAW, recipients=to, sender="", source="t")
    meta = box.read_meta(qid)
    assert meta is not None
    assert QueueRow.of(meta, "pending").to == ", ".join(to)  # nobody has it yet: all of them
    meta["recipients"] = [
        {"address": to[0], "state": "sent", "last_error": None},
        {"address": to[1], "state": "pending", "last_error": None},
        {"address": to[2], "state": "failed", "last_error": {"title": "User unknown"}},
    ]
    assert QueueRow.of(meta, "pending").to == "ops@contoso.test, bad@contoso.test"
