"""The alert-log screen's file work in thread workers: indexing the file backwards, and following
it like ``tail -F``. Both only read; they post what they find to the screen as messages (see
messages.py) and stop when the screen is gone or ``stop`` is set (a restart or the screen closing).
"""

from __future__ import annotations

import os
import threading
import time
from array import array
from pathlib import Path

from textual.dom import DOMNode
from textual.worker import get_current_worker

from alloy_tui.core.alertlog import AlertLogWriter, Follower, scan_backwards
from alloy_tui.core.config import AlertLog
from alloy_tui.ui.alertlog.dialogs import cleared_text
from alloy_tui.ui.alertlog.messages import Cleared, Followed, IndexBatch
from alloy_tui.ui.workers import explain_failure, post_from_thread

POST_EVERY = 0.05  # seconds between batches a scan hands to the UI


def index_file(
    owner: DOMNode, gen: int, fd: int, end: int, typecode: str, stop: threading.Event
) -> None:
    """Post the line offsets of the file open at ``fd`` up to ``end``, newest first, in batches
    (`IndexBatch`); ``fd`` is closed at the end."""
    worker = get_current_worker()
    try:
        pending = array(typecode)
        last = 0.0

        def stopped() -> bool:
            return worker.is_cancelled or stop.is_set()

        for batch, reached in scan_backwards(fd, end, stopped, typecode=typecode):
            pending.extend(batch)
            now = time.monotonic()
            if now - last >= POST_EVERY or reached == 0:
                if not post_from_thread(owner, IndexBatch(gen, pending, reached / end)):
                    return
                pending, last = array(typecode), now
        if not worker.is_cancelled:
            post_from_thread(owner, IndexBatch(gen, pending, 0.0))
    finally:
        os.close(fd)


def follow_file(
    owner: DOMNode,
    gen: int,
    path: Path,
    start: int,
    ino: int | None,
    stop: threading.Event,
    poll: float,
) -> None:
    """Post new lines of ``path`` from offset ``start`` (file ``ino``; None: the file is not
    there yet) as they arrive (`Followed`), until a rotation or truncation, which is posted too."""
    follower = Follower(path, start if ino is not None else 0, ino)
    try:
        while not stop.is_set():
            update = follower.poll()
            if update.reset or update.lines:
                if not post_from_thread(owner, Followed(gen, update)):
                    return
                if update.reset:
                    return  # the UI restarts on the new file with a fresh follower
            else:
                stop.wait(poll)
    finally:
        follower.close()


def rotate_log(owner: DOMNode, path: Path, settings: AlertLog) -> None:
    """Clear: archive (rotate) the log in a thread (applying retention to big archives takes a
    while) and post what it did (`Cleared`)."""
    try:
        archived = AlertLogWriter(path, settings).rotate()
    except Exception as e:  # an AlertLogError (permissions): say it, keep the view
        notice = f"Could not archive the log: {explain_failure(e).cause}"
    else:
        notice = cleared_text(archived, settings)
    post_from_thread(owner, Cleared(notice))
