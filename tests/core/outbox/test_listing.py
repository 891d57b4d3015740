"""The queue listing (core/outbox/listing.py): `queue list`, `queue show` and the queue screen
say the same thing about a held queue, and never "held until" a time already past."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alloy_tui.core.outbox import Outbox, list_lines, show_lines, standing
from alloy_tui.ui.queue.rows import QueueRow, next_text

REASON = {"title": "Microsoft Graph is busy", "code": "http.503", "cause": "503 from Graph."}


def hold(since: float, until: float) -> dict[str, Any]:
    return {"since": since, "until": until, "verdict": "service", "reason": REASON}


def queued(tmp_path: Path, next_at: float | None = None) -> Outbox:
    box = Outbox(tmp_path / "queue")
    raw = b"To: ops@contoso.example\nSubject: nightly\n\nbody\n"
    qid = box.submit(raw, recipients=["ops@contoso.example"], sender="", source="cron")
    if next_at is not None:
        meta = box.read_meta(qid)
        assert meta is not None
        meta.update(attempts=1, next_attempt_at=next_at)
        box.write_meta(meta)
    return box


def test_standing_is_the_runners_rule() -> None:
    now = 1_900_000_000.0
    h = hold(now - 60, now + 300)
    assert standing("failed", None, h, now) == ("failed", 0.0)
    assert standing("sending", None, h, now) == ("sending", 0.0)
    assert standing("pending", None, h, now) == ("held", now + 300)
    assert standing("pending", now + 300.5, h, now) == ("held", now + 300)  # rounding
    # its own back-off ends after the hold: that is when it is tried
    assert standing("pending", now + 900, h, now) == ("later", now + 900)
    # a hold whose time is past: a probe is due, the message is due
    past = hold(now - 600, now - 5)
    assert standing("pending", None, past, now) == ("due", 0.0)
    assert standing("pending", now + 60, past, now) == ("later", now + 60)
    assert standing("pending", None, None, now) == ("due", 0.0)


def test_list_show_and_screen_agree_on_held(tmp_path: Path) -> None:
    box = queued(tmp_path)
    now = time.time()
    h = hold(now - 60, now + 600)
    [m] = box.list()
    listing = list_lines([m], datetime.fromtimestamp(now, UTC), h)
    assert listing[0].startswith("Queue held until "), listing
    assert "held until" in listing[2] and "due now" not in "\n".join(listing)
    shown = show_lines(m, None, datetime.fromtimestamp(now, UTC), h)
    assert "held until" in shown[0], shown[0]
    row = QueueRow.of(box.read_meta(m.id) or {}, m.state)
    assert next_text(row, now, h).startswith("held 10 min"), next_text(row, now, h)


def test_a_hold_whose_time_passed_is_never_held_until(tmp_path: Path) -> None:
    box = queued(tmp_path)
    now = time.time()
    past = hold(now - 600, now - 5)
    [m] = box.list()
    text = "\n".join(list_lines([m], datetime.fromtimestamp(now, UTC), past))
    assert "held until" not in text, text
    assert text.startswith("Queue held (a probe is due): Microsoft Graph is busy"), text
    assert "due now" in text
    row = QueueRow.of(box.read_meta(m.id) or {}, m.state)
    assert next_text(row, now, past) == "due now"


def test_a_back_off_longer_than_the_hold_is_said_alike(tmp_path: Path) -> None:
    now = float(int(time.time()))  # the record keeps whole seconds: 3599.6 s would read "59 min"
    box = queued(tmp_path, next_at=now + 3600)
    h = hold(now - 60, now + 600)
    [m] = box.list()
    text = "\n".join(list_lines([m], datetime.fromtimestamp(now, UTC), h))
    assert "next try" in text and text.count("held until") == 1, text  # the top line only
    row = QueueRow.of(box.read_meta(m.id) or {}, m.state)
    assert next_text(row, now, h) == "in 1 h"
