"""A runner knows when its settings were saved: mail deferred before then is due now (a fixed
password is used at once), mail tried since is not (the attempts log keeps whole seconds: an
attempt in the save's own second must not read as one before it, or it goes again at once)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from alloy_tui.core.outbox.model import iso
from alloy_tui.core.outbox.pacing import SystemClock
from alloy_tui.core.outbox.runner import Runner
from tests.helpers.smtp_server import smtp_settings, write_smtp_config


@pytest.mark.parametrize(
    ("saved_after_attempt", "due"),
    [(-1.3, False), (-0.2, False), (0.0, False), (0.3, False), (1.2, True)],
    ids=[
        "saved-a-second-before",
        "same-second-before",
        "same-instant",
        "same-second-after",
        "after",
    ],
)
def test_a_deferred_message_is_due_only_when_the_settings_are_newer_than_its_last_try(
    tmp_path: Path, saved_after_attempt: float, due: bool
) -> None:
    """The last try at T.5 (the log keeps T) and the config saved relative to it. Saved in the
    try's own second reads as not newer (the message waits for its back-off, never a second try
    at once); saved in a later second, the message is due now."""
    config = write_smtp_config(tmp_path, 2525)
    box = Outbox(tmp_path / "queue")
    qid = box.submit(
        b"Subject: x\n\nbody\n", recipients=["ops@contoso.test"], sender="", source="t"
    )
    tried = float(int(time.time()) - 10) + 0.5
    meta = box.read_meta(qid)
    assert meta is not None
    meta.update(
        attempts=1,
        next_attempt_at=time.time() + 3600,
        attempts_log=[{"at": iso(tried), "title": "refused", "code": "x"}],
    )
    box.write_meta(meta)
    os.utime(config, (tried + saved_after_attempt, tried + saved_after_attempt))
    runner = Runner(smtp_settings(tmp_path, 2525), config, box, SystemClock())
    assert runner.due(box.read_meta(qid) or {}, time.time()) is due
