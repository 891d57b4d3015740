"""The outbox folder: one raw message and one metadata file per queued message, written like a
maildir so a crash, SIGKILL or full disk never leaves anything half-written visible.

    <queue>/            0700
      tmp/              files being written (a leftover here is never listed)
      messages/<id>.eml the MIME message exactly as handed over (0600)
      meta/<id>.json    state, recipients, attempts... (0600); its presence makes <id> queued
      claims/<id>.lock  flock held by whoever is sending or changing <id>
      runner.lock       shared-locked by every running runner

Submission writes the message and the metadata to fsynced temp files, renames the message into
messages/ (folder fsynced), then the metadata into meta/ (folder fsynced), and returns the id only
then; many submissions at once share those folder fsyncs (`batch`). Every later change to a
message happens under its claim.

Every file is opened relative to a checked descriptor of its folder (`core.folders`): the
outbox and each sub-folder are opened O_NOFOLLOW, must belong to this process's user and be
writable by it alone; anything else (a symlink swapped in, another user's folder) is one
OutboxError naming it, and nothing in it is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from alloy_tui.core import filelocks as locks
from alloy_tui.core import folders
from alloy_tui.core.errors import Explanation
from alloy_tui.core.fs import fsync_folder, new_folder_parents
from alloy_tui.core.outbox import hold as holding
from alloy_tui.core.outbox.batch import Dirs, Placing, place
from alloy_tui.core.outbox.changes import RecordChanges
from alloy_tui.core.outbox.folder_access import FOLDERS
from alloy_tui.core.outbox.model import (
    EX_TEMPFAIL,
    OutboxError,
    new_id,
)
from alloy_tui.core.outbox.subject import subject_of

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord

LogFn = Callable[[str, str, str, dict[str, Any]], None]
LogManyFn = Callable[[list[tuple[str, str, str, dict[str, Any]]]], None]


class Submission(NamedTuple):
    """One message for `Outbox.submit_many`."""

    raw: bytes
    recipients: Sequence[str]
    sender: str
    source: str
    details: Mapping[str, str] | None = None  # the maildrop's submitted_by: in every mail.* entry
    # The message is already in a file in this outbox's tmp/ (the SMTP listener spools large
    # messages as they arrive): `raw` is then only its header block, and the file is renamed
    # into messages/ (never copied).
    spooled: Path | None = None
    # The envelope sender as the program gave it (sendmail's -f or its user, the listener's
    # MAIL FROM, "<>" for none): where a failure notice goes (notices.py). None: not known.
    return_path: str | None = None
    # Set in the new metadata over what submit decides (the sendmail hand-off's intake: its own
    # queue id and hand-off time, so a runner killed before removing the hand-off file never
    # queues it twice; a message sendmail's rules refused is queued already failed).
    meta: Mapping[str, Any] | None = None


def _size(item: Submission) -> int:
    if item.spooled is None:
        return len(item.raw)
    try:
        return os.stat(item.spooled).st_size
    except OSError:
        return 0  # batch.place reports the file's trouble


class Outbox(RecordChanges):
    """The queue in one folder. `log` receives alert-log entries (level, event, message, details);
    `log_many`, when given, the entries of one `submit_many` at once (else `log` gets each)."""

    def __init__(
        self,
        path: Path,
        *,
        log: LogFn | None = None,
        log_many: LogManyFn | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.log = log
        self.log_many = log_many
        self.clock = clock

    # ------------------------------------------------------------------ folders
    def ensure(self) -> None:
        """Create the folders (0700) if missing, each new one's parent fsynced so the new name
        is durable before anything is queued in it; OutboxError if that is not possible, or if
        they are not this user's alone (a symlink, another user's folder, not a folder)."""
        with self._ready():
            pass

    @contextlib.contextmanager
    def _ready(self) -> Iterator[list[int]]:
        """`ensure`, keeping the checked descriptors of the outbox and of FOLDERS (in that
        order) open for the caller: a submit opens each folder once."""
        stack = contextlib.ExitStack()
        try:
            made: dict[Path, None] = {}  # the parents to fsync, in order
            if not os.path.lexists(self.path):
                made.update(dict.fromkeys(new_folder_parents(self.path)))
                _make_parents(self.path)
            new_sub = not all(os.path.lexists(self.path / f) for f in FOLDERS)
            fds = stack.enter_context(self.folders(*FOLDERS, create=True))
            if new_sub:
                folders.fsync_fd(fds[0], strict=True)
            for parent in made:
                fsync_folder(parent, strict=True)
        except OSError as e:
            stack.close()
            raise self._fail("create the folders", e) from None
        with stack:
            yield fds

    def submit(
        self,
        raw: bytes,
        *,
        recipients: Sequence[str],
        sender: str,
        source: str,
        details: Mapping[str, str] | None = None,
        return_path: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> str:
        """Queue one message; returns its id once both files are durable. OutboxError if not.
        `details` (e.g. the maildrop's ``submitted_by``) is kept and added to every mail.* entry;
        `return_path`: the envelope sender as given; `meta`: set over the new metadata (see
        Submission)."""
        item = Submission(
            raw, tuple(recipients), sender, source, details, return_path=return_path, meta=meta
        )
        [done] = self.submit_many([item])
        if isinstance(done, OutboxError):
            raise done
        return done

    def submit_many(self, items: Sequence[Submission]) -> list[str | OutboxError]:
        """Queue several messages with one fsync per folder for all (`batch`): for each, its id
        once it (and every other one) is durable, or the OutboxError saying why it is not."""
        now = self.clock()
        metas = [self._new_meta(now, item) for item in items]
        batch = [
            Placing(m["id"], item.raw, json.dumps(m, sort_keys=True).encode(), item.spooled)
            for m, item in zip(metas, items, strict=True)
        ]
        try:  # the folders made if missing and opened once, checked, for the whole batch
            with self._ready() as (_root, *fds):
                place(Dirs(self.path, *fds), batch)
        except OutboxError as e:
            return [e for _ in items]
        except OSError as e:  # nothing of this batch is queued
            return [self._fail("open the folders", e) for _ in items]
        out: list[str | OutboxError] = []
        queued = []
        for p, meta, item in zip(batch, metas, items, strict=True):
            if p.failed is not None:
                out.append(self._fail(*p.failed))
                continue
            who = item.source or "a program"
            if item.details and item.details.get("submitted_by"):
                who += f" (user {item.details['submitted_by']}, through the maildrop)"
            to = ", ".join(item.recipients) or "no recipient (refused)"
            text = f"Queued mail to {to} from {who}"
            queued.append(("info", "mail.queued", text, self._details(meta)))
            out.append(p.qid)
        if self.log_many is not None and queued:
            with contextlib.suppress(Exception):  # the log never hides what happened to the mail
                self.log_many(queued)
        else:
            for level, name, text, details in queued:
                self._log(level, name, text, details)
        return out

    def _new_meta(self, now: float, item: Submission) -> QueueRecord:
        meta: QueueRecord = {
            "id": new_id(now),
            "state": "pending",
            "queued_at": now,
            "attempts": 0,
            "next_attempt_at": now,
            "to": list(item.recipients),
            "sender": item.sender,
            "subject": subject_of(item.raw),
            "size": _size(item),
            "source": item.source,
            "last_error": None,
            "attempts_log": [],
        }
        if item.details:
            meta["details"] = dict(item.details)
        if item.return_path is not None:
            meta["return_path"] = item.return_path
        if item.meta:  # keys of QueueRecord (the intake's id, time, a refused message's state)
            meta.update(cast("QueueRecord", dict(item.meta)))
        return meta

    def event(self, level: str, name: str, text: str, meta: QueueRecord, **extra: Any) -> None:
        if self.log is not None:
            self._log(level, name, text, self._details(meta, **extra))

    def _log(self, level: str, name: str, text: str, details: dict[str, Any]) -> None:
        if self.log is None:
            return
        with contextlib.suppress(Exception):  # the log never hides what happened to the mail
            self.log(level, name, text, details)

    @staticmethod
    def _details(meta: QueueRecord, **extra: Any) -> dict[str, Any]:
        return {
            "queue_id": meta["id"],
            "to": list(meta.get("to", [])),
            "from": meta.get("sender", ""),
            "subject": meta.get("subject", ""),
            "size": meta.get("size", 0),
            "attempts": meta.get("attempts", 0),
            "source": meta.get("source", ""),
            **(meta.get("details") or {}),
            **extra,
        }

    # ------------------------------------------------------------------ claims
    def claim(self, qid: str) -> locks.Lock | None:
        """The claim on one message if nobody else holds it now (never waits)."""
        name = Path(f"{qid}.lock")
        try:
            with self.folders("claims") as (_root, claims):
                return locks.try_lock(name, dir_fd=claims)
        except FileNotFoundError:
            return None
        except OSError as e:
            path = self.path / "claims" / name
            raise self._fail("claim a message", folders.file_error(e, path)) from None

    @contextlib.contextmanager
    def _changing(self, qid: str) -> Iterator[QueueRecord]:
        """Hold the claim and the current metadata, for retry/delete/force from the CLI."""
        lock = None
        for _ in range(100):  # a runner sending it holds the claim for one request at most
            lock = self.claim(qid)
            if lock is not None:
                break
            time.sleep(0.05)
        if lock is None:
            raise OutboxError(
                Explanation(
                    title="The message is being sent right now",
                    cause=f"A runner is sending {qid} at this moment.",
                    fix="Wait a few seconds and run the command again.",
                    code="outbox.busy",
                ),
                EX_TEMPFAIL,
            )
        with lock:
            meta = self.read_meta(qid)
            if meta is None:
                raise self._unknown(qid)
            yield meta

    def retry(self, qid: str) -> None:
        """Back to pending, due now (a failed message gets a fresh lifetime)."""
        with self._changing(qid) as meta:
            self.reopen(meta, self.clock())
        self.lift_hold()

    def force(self, qid: str) -> None:
        """Due now, whatever its back-off said."""
        with self._changing(qid) as meta:
            meta["next_attempt_at"] = self.clock()
            if meta["state"] == "sending":
                meta["state"] = "pending"
            self.write_meta(meta)
        self.lift_hold()

    def delete(self, qid: str) -> None:
        with self._changing(qid) as meta:
            self.remove(qid)
            self.event("info", "mail.deleted", f"Deleted queued mail {qid}", meta)
        self.lift_hold()

    # ------------------------------------------------------------------ the hold (hold.py)
    def hold(self) -> dict[str, Any] | None:
        """The queue's hold (a service or settings failure), or None."""
        return holding.read_hold(self.path)

    def lift_hold(self) -> bool:
        """Lift the hold at once (a running daemon sees it at its next look, within seconds)."""
        return holding.lift_hold(self.path)

    def remove(self, qid: str) -> None:
        """Drop both files (metadata first, so the message is never listed half-removed)."""
        with self.folders("meta", "messages") as (_root, meta_fd, messages_fd):
            folders.unlink_quietly(meta_fd, f"{qid}.json")
            folders.unlink_quietly(messages_fd, f"{qid}.eml")
            folders.fsync_fd(meta_fd)

    def tidy(self, older_than: float = 3600.0) -> None:
        """Remove what a writer killed mid-submit left behind (never listed, just tidied): temp
        files, and message files whose metadata never landed, once they are an hour old. Only
        in the outbox's own checked folders: a tmp/ swapped for a symlink is not tidied."""
        try:
            with self.folders("tmp", "messages", "meta") as (_root, tmp_fd, messages_fd, meta_fd):
                listed = set(self._ids_in(meta_fd))
                self._tidy_in(tmp_fd, lambda _n: True, older_than)
                self._tidy_in(messages_fd, lambda n: n[:-4] not in listed, older_than)
        except OSError:
            return

    def _tidy_in(self, dir_fd: int, orphan: Callable[[str], bool], older_than: float) -> None:
        for name in os.listdir(dir_fd):
            with contextlib.suppress(OSError):
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if orphan(name) and self.clock() - st.st_mtime > older_than:
                    os.unlink(name, dir_fd=dir_fd)


def _make_parents(path: Path) -> None:
    """The missing folders above `path`, each 0700 whatever the umask (os.makedirs would make
    them 0777 under umask 000)."""
    missing = []
    up = path.parent
    while not os.path.lexists(up) and up.parent != up:
        missing.append(up)
        up = up.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(d, 0o700)
            os.chmod(d, 0o700)
