"""Every change to a queued message's record (record.py), as `Outbox` methods: recipient by
recipient (`mark_sent`, `mark_failed`, `note_deferred`), then the message as a whole
(`attempted`, `defer`, `fail`, `note_notice`, `reopen`), and `write_meta`, the one writer. The
runner's outcomes (settled.py, outcomes.py, deliver.py) and retry/force (spool.py) change a
record only through these, under the message's claim.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from alloy_tui.core import folders
from alloy_tui.core.outbox.model import iso
from alloy_tui.core.outbox.reading import OutboxReading

# recipients.py loads on first use: `status --check` and the doors never change a record

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord

MAX_ATTEMPTS_LOG = 50


class RecordChanges(OutboxReading):
    """The writing side of `Outbox` for one message's record."""

    def write_meta(self, meta: QueueRecord) -> None:
        """meta/<id>.json replaced: a temp file in tmp/ (0600, fsynced), renamed, folder fsynced."""
        import json

        name = f"{meta['id']}.json"
        data = json.dumps(meta, sort_keys=True).encode()
        with self.folders("tmp", "meta") as (_root, tmp_fd, meta_fd):
            tmp = folders.write_temp(tmp_fd, name, data)
            try:
                os.replace(tmp, name, src_dir_fd=tmp_fd, dst_dir_fd=meta_fd)
            except BaseException:
                folders.unlink_quietly(tmp_fd, tmp)
                raise
            folders.fsync_fd(meta_fd)

    # ------------------------------------------------------------------ recipient by recipient
    # In memory: deliver.py writes the record after each send that changed one, before the next.
    @staticmethod
    def mark_sent(meta: QueueRecord, addresses: Iterable[str]) -> list[str]:
        """The named pending recipients have it; returns those changed."""
        from alloy_tui.core.outbox import recipients as rcpt

        return rcpt.mark(meta, addresses, rcpt.SENT)

    @staticmethod
    def mark_failed(
        meta: QueueRecord, addresses: Iterable[str], error: dict[str, Any] | None
    ) -> list[str]:
        """The named pending recipients failed for good, with why; returns those changed."""
        from alloy_tui.core.outbox import recipients as rcpt

        return rcpt.mark(meta, addresses, rcpt.FAILED, error)

    @staticmethod
    def note_deferred(meta: QueueRecord, addresses: Iterable[str], error: dict[str, Any]) -> None:
        """Why the named recipients are still pending (a 4xx, an outage)."""
        from alloy_tui.core.outbox import recipients as rcpt

        rcpt.note_error(meta, addresses, error)

    # ------------------------------------------------------------------ the message
    @staticmethod
    def attempted(meta: QueueRecord, error: dict[str, Any] | None, at: float) -> None:
        """One more attempt; a failed one goes into the attempts log (the last 50) and is the
        message's last error."""
        meta["attempts"] = int(meta.get("attempts", 0)) + 1
        if error is not None:
            entry = {"at": iso(at), **error}
            meta["attempts_log"] = [*meta.get("attempts_log", []), entry][-MAX_ATTEMPTS_LOG:]
            meta["last_error"] = error

    def defer(self, meta: QueueRecord, when: float) -> None:
        """Pending, next tried at `when`; written."""
        meta["state"] = "pending"
        meta["next_attempt_at"] = when
        self.write_meta(meta)

    def fail(
        self, meta: QueueRecord, error: dict[str, Any], at: float, *, notices: bool = False
    ) -> None:
        """Failed for good: every recipient still pending fails with `error`; with `notices`,
        a failure notice is noted as owed (before the write, so a runner killed after it
        still queues the notice); written."""
        from alloy_tui.core.outbox import recipients as rcpt

        rcpt.mark(meta, rcpt.pending(meta), rcpt.FAILED, error)
        meta["state"] = "failed"
        meta["next_attempt_at"] = None
        meta["last_error"] = error
        meta["failed_at"] = at
        if notices and not meta.get("notice") and rcpt.addresses(meta, rcpt.FAILED):
            meta["notice"] = "due"
        self.write_meta(meta)

    def note_notice(self, meta: QueueRecord, notice: str) -> None:
        """The failure notice's fate: its queue id, or "none" (nobody to tell); written."""
        meta["notice"] = notice
        self.write_meta(meta)

    def reopen(self, meta: QueueRecord, now: float) -> None:
        """`queue retry`: pending and due now, the failed recipients again (the sent ones stay
        sent), a failed message with a fresh lifetime; written."""
        from alloy_tui.core.outbox import recipients as rcpt

        if meta["state"] == "failed":
            meta["lifetime_from"] = now  # queued_at stays as it was
        rcpt.reopen(meta)
        meta["state"] = "pending"
        meta["next_attempt_at"] = now
        self.write_meta(meta)
