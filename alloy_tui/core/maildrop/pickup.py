"""The runner's side: every maildrop entry judged alone, checked, prepared, into the outbox.

Each entry is looked at with lstat first: a symlink, FIFO, socket, device or folder is never
opened; it is refused and removed (moved aside when it can't be: refusals.py), and the next
entry is looked at. A ``<uid>.<random>`` file is opened O_RDONLY|O_NOFOLLOW|O_NONBLOCK and
checked on the open descriptor: the same file as the lstat, a regular file with one link, owned
by the uid its name says, under the size limit. Then its header is parsed and the message goes
through sendmail's rules with the config's settings (`core/outbox/sendmail_rules.py`, exactly
as for the outbox's own hand-off), and into the outbox with ``details.submitted_by``: the user
name of the file's owner as the kernel says it (never anything written in the file). What the
rules refuse is queued as failed: a ``mail.failed`` entry and a failure notice to the sender
(a local sender's reaches ``[sendmail] admin``); the drop file goes.

The drop file is removed once the outbox submit is durable (a crash in between gives at most a
duplicate, never a loss). When it can't be removed (a read-only maildrop), its (device, inode,
size, mtime) goes into the outbox's ledger (ledger.py) at once: it is never taken twice, that
is one ``maildrop.stuck`` error, and `status --check` is CRITICAL until it is gone. A file that
can't be read, or that waits for the config or the outbox, is said once (``maildrop.held``),
not on every pass. Refusals are one ``maildrop.refused`` warning per pass; every name and
reason passes through `printable`. Temp files (``.*``) older than a day, left by a killed
sendmail, are removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alloy_tui.core import filelocks
from alloy_tui.core.config import Settings
from alloy_tui.core.errors import printable
from alloy_tui.core.fs import fsync_folder
from alloy_tui.core.maildrop.drop_file import HeaderError, parse
from alloy_tui.core.maildrop.ledger import STUCK, Ledger, fingerprint
from alloy_tui.core.maildrop.reading import Changed, limit, read_drop_file
from alloy_tui.core.maildrop.refusals import (
    ASIDE_PREFIX,
    Refusals,
    Refused,
    RefusedFile,
    Stuck,
    dispose,
    prune,
    shown,
    user_name,
)
from alloy_tui.core.outbox import Outbox, OutboxError

LogFn = Callable[[str, str, str, dict[str, Any]], None]
NAME_RE = re.compile(r"([0-9]{1,10})\.([0-9a-f]{32})")
STALE_TEMP_SECONDS = 24 * 3600.0
EX_CONFIG = 78


@dataclass
class IntakeSummary:
    taken: int = 0  # now in the outbox
    refused: int = 0  # moved aside or removed, each with a maildrop.refused entry
    held: int = 0  # left in the maildrop for a later run (the outbox or config can't take it now)
    stuck: int = 0  # could not be removed (a read-only maildrop): in the ledger, never taken twice


def usable(folder: Path) -> bool:
    """A maildrop this runner may take mail from (folder_check.py): a real folder of its own
    user's, not open to others' writes, under safe folders. Missing: nothing to take."""
    from alloy_tui.core.maildrop.folder_check import maildrop_problem

    return os.path.lexists(folder) and maildrop_problem(folder) is None


@contextlib.contextmanager
def _only_one(box: Outbox) -> Iterator[bool]:
    """One intake per outbox at a time (two runners must not both submit a file)."""
    with box.folders() as (root,):  # the checked outbox folder: never through a symlink
        lock = filelocks.try_lock(Path("maildrop.lock"), remove=False, dir_fd=root)
    if lock is None:
        yield False
        return
    with lock:
        yield True


def intake(
    folder: Path, box: Outbox, settings: Settings, config_path: Path, log: LogFn | None = None
) -> IntakeSummary:
    """Take every complete drop file from `folder` into `box` (see the module docstring)."""
    folder = Path(folder)
    if not usable(folder):
        return IntakeSummary()
    box.ensure()
    with _only_one(box) as mine:
        if not mine:
            return IntakeSummary()
        return _Intake(folder, box, settings, log).run()


_UNREADABLE = (
    "it could not be read (permission denied): drop files are 0640 in the maildrop's group, "
    "so the maildrop must be set-group-ID to the runner's group; run `alloy-tui setup-system`"
)


class _Intake:
    def __init__(self, folder: Path, box: Outbox, settings: Settings, log: LogFn | None) -> None:
        self.folder = folder
        self.box = box
        self.settings = settings
        self.log_fn = log
        self.summary = IntakeSummary()
        self.limit = limit()
        self.ledger = Ledger(box.path)
        self.refusals = Refusals()
        self.now = time.time()

    def log(self, level: str, event: str, text: str, details: dict[str, Any]) -> None:
        if self.log_fn is not None:
            with contextlib.suppress(Exception):  # the log never stops the intake
                self.log_fn(level, event, text, details)

    def run(self) -> IntakeSummary:
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return self.summary
        complete = True
        for name in names:
            try:
                go = self.one(name)
            except Exception as e:  # noqa: BLE001 - one entry never stops the others
                said = shown(name)
                self.log(
                    "error",
                    "maildrop.error",
                    f"The maildrop entry {said} could not be handled: {printable(str(e))}",
                    {"file": said, "error": type(e).__name__},
                )
                go = True
            if not go:
                complete = False
                break  # the outbox (or the config) can't take mail now: the rest waits too
        if complete:
            self.ledger.prune()
        self.save_ledger()
        self.tell_refusals()
        return self.summary

    def save_ledger(self) -> None:
        try:
            self.ledger.save()
        except OSError as e:
            self.log(
                "error",
                "maildrop.error",
                f"The maildrop ledger {self.ledger.path} could not be written: {e.strerror or e}",
                {"file": str(self.ledger.path)},
            )

    # ---------------------------------------------------------------- one entry
    def one(self, name: str) -> bool:
        """Take or refuse one entry; False when the rest must wait (nothing can be queued)."""
        path = self.folder / name
        try:
            first = os.lstat(path)
        except FileNotFoundError:
            return True
        fp = fingerprint(first)
        known = self.ledger.get(fp)
        if known is not None and known.get("state") in STUCK:
            self.retry_stuck(name, first, fp, known)
            return True
        regular = stat.S_ISREG(first.st_mode)
        if name.startswith(".") and (regular or name.startswith(ASIDE_PREFIX)):
            if regular and not name.startswith(ASIDE_PREFIX):  # what was set aside stays
                self.tidy_temp(path, first)
            return True
        match = NAME_RE.fullmatch(name)
        uid = int(match.group(1)) if match else None
        try:
            data, st = read_drop_file(path, first, uid, self.limit)
            return self.queue(name, uid, data, st)
        except (FileNotFoundError, Changed):
            return True  # gone or replaced meanwhile: nothing to do until the next run
        except Refused as r:
            self.refuse(name, uid, first, r)
        except PermissionError:
            self.hold(fp, name, uid, _UNREADABLE)
        except OSError as e:
            self.hold(fp, name, uid, f"it could not be read: {e.strerror or e}")
        except Exception as e:  # noqa: BLE001 - any local user writes these: one file never stops the rest
            self.refuse(
                name, uid, first, Refused(f"it could not be processed ({type(e).__name__})")
            )
        return True

    def tidy_temp(self, path: Path, st: os.stat_result) -> None:
        """A temp file left by a killed sendmail (a day old) is removed."""
        if self.now - st.st_mtime > STALE_TEMP_SECONDS:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def queue(self, name: str, uid: int | None, data: bytes, st: os.stat_result) -> bool:
        """Parse the header, apply sendmail's rules (the outbox's `sendmail_rules`, as for the
        outbox's own hand-off), queue. Who sent it is the kernel's word: the owner of the file
        on the descriptor it was read through (reading.py checked it is the uid its name says);
        nothing written in the file can claim another user."""
        from alloy_tui.core.mail import MessageRefused
        from alloy_tui.core.outbox import Handoff, RulesRefused, apply_rules, queue_refused

        user = user_name(st.st_uid)
        try:
            envelope, raw = parse(data)
        except HeaderError as e:
            raise Refused(f"its header can't be read: {e}") from None
        h = Handoff(
            raw=raw,
            recipients=envelope.recipients,
            read_headers=envelope.read_headers,
            envelope_from=envelope.envelope_from,
            full_name=envelope.full_name,
            login=user,
            return_path=envelope.envelope_from or user,  # a failure notice goes there
            dsn=dict(envelope.dsn),  # DSN: recorded
            details={"submitted_by": user},
        )
        try:
            prepared = apply_rules(self.settings, h)
        except MessageRefused as e:  # 78: the config is not complete, not the message's fault
            self.hold(fingerprint(st), name, uid, str(e))
            return True  # it waits alone (an alias that loops holds only its own mail)
        except RulesRefused as e:
            try:
                qid, stored = queue_refused(self.box, self.settings, h, str(e))
            except OutboxError as oe:
                self.hold(fingerprint(st), name, uid, oe.explanation.one_line())
                return False
            self.done(name, uid, st, qid)
            self.tell_refused(qid, stored, h, str(e))
            return True
        try:
            qid = self.box.submit(
                prepared.raw,
                recipients=prepared.recipients,
                sender=prepared.sender,
                source="sendmail",
                details={**h.details, **h.dsn},
                return_path=h.return_path,
            )
        except OutboxError as e:
            self.hold(fingerprint(st), name, uid, e.explanation.one_line())
            return False
        self.done(name, uid, st, qid)
        return True

    def done(self, name: str, uid: int | None, st: os.stat_result, qid: str) -> None:
        """Queued (for delivery, or as failed): the drop file goes."""
        self.summary.taken += 1
        try:
            self.remove_if_same(self.folder / name, st)
        except OSError as e:  # queued, but still there: never take it again
            self.taken_not_removed(name, uid, st, qid, e)

    def tell_refused(self, qid: str, stored: Any, h: Any, reason: str) -> None:
        from alloy_tui.core.outbox import tell_refused

        with contextlib.suppress(Exception):  # the log never stops the intake
            tell_refused(self.box, qid, stored, h, reason)

    # ---------------------------------------------------------------- outcomes
    def remove_if_same(self, path: Path, st: os.stat_result) -> None:
        try:
            now = os.lstat(path)
        except FileNotFoundError:
            return
        if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
            os.unlink(path)
            with contextlib.suppress(OSError):
                fsync_folder(self.folder)

    def taken_not_removed(
        self, name: str, uid: int | None, st: os.stat_result, qid: str, e: OSError
    ) -> None:
        from alloy_tui.core.fs import why

        self.summary.stuck += 1
        label, user = shown(name), user_name(uid)
        reason = f"it could not be removed after it was queued as {qid}: {why(e)}"
        if self.ledger.put(fingerprint(st), "taken", label, reason, self.now):
            self.save_ledger()  # at once: a crash now must not deliver it twice
            self.log(
                "error",
                "maildrop.stuck",
                f"The maildrop file {label} from {user} is queued as {qid} but {reason}; it "
                f"will not be taken again. Fix: the runner's account must be able to write "
                f"{self.folder} (a read-only mount? run `alloy-tui setup-system`); "
                "`status --check` is CRITICAL until it is gone.",
                {"uid": uid, "user": user, "file": label, "queue_id": qid, "reason": reason},
            )

    def retry_stuck(self, name: str, first: os.stat_result, fp: str, known: dict[str, Any]) -> None:
        """A file already queued (or refused) that could not be removed: try again, quietly;
        still there: counted as stuck (the watch then looks again within a minute)."""
        try:
            if known.get("state") == "taken":
                self.remove_if_same(self.folder / name, first)
            else:
                keep = stat.S_ISREG(first.st_mode) and first.st_nlink == 1
                refused = self.box.path / "refused"
                dispose(self.folder, name, first, Refused("", keep=keep), refused)
        except (Stuck, OSError):
            self.summary.stuck += 1
            return
        self.ledger.drop(fp)

    def refuse(self, name: str, uid: int | None, first: os.stat_result, why: Refused) -> None:
        label, reason = shown(name), printable(str(why))
        try:
            outcome, kept = dispose(self.folder, name, first, why, self.box.path / "refused")
        except Stuck as s:
            self.summary.stuck += 1
            said = f"{reason}; {s}"
            if self.ledger.put(fingerprint(first), "stuck", label, said, self.now):
                self.log(
                    "error",
                    "maildrop.stuck",
                    f"Refused the maildrop file {label} from {_owner(first)}: {said}. Fix: the "
                    f"runner's account must be able to write {self.folder}.",
                    {"uid": uid, "owner": first.st_uid, "file": label, "reason": said},
                )
            return
        self.summary.refused += 1
        self.refusals.add(RefusedFile(label, uid, first.st_uid, reason, outcome, kept))

    def tell_refusals(self) -> None:
        told = self.refusals.entry()
        if told is None:
            return
        self.log("warning", "maildrop.refused", *told)
        if not any(f.kept_as and "/refused/" in f.kept_as for f in self.refusals.files):
            return
        q = self.settings.queue
        refused = self.box.path / "refused"
        removed, freed = prune(refused, q.refused_max_files, q.refused_max_mb)
        if removed:
            self.log(
                "info",
                "maildrop.pruned",
                f"Removed the {removed} oldest refused file(s) ({freed} bytes) from {refused}: "
                f"it keeps at most {q.refused_max_files} files and {q.refused_max_mb} MB "
                "([queue] refused_max_files, refused_max_mb).",
                {"removed": removed, "bytes": freed, "folder": str(refused)},
            )

    def hold(self, fp: str, name: str, uid: int | None, reason: str) -> None:
        """The file waits in the maildrop; said once (not on every pass) while it stays so."""
        self.summary.held += 1
        user, label, reason = user_name(uid), shown(name), printable(reason)
        if not self.ledger.put(fp, "held", label, reason, self.now):
            return
        self.log(
            "warning",
            "maildrop.held",
            f"The maildrop file {label} from {user} waits: {reason}",
            {"uid": uid, "user": user, "file": label, "reason": reason},
        )


def _owner(st: os.stat_result) -> str:
    name = user_name(st.st_uid)
    return name if name == f"uid {st.st_uid}" else f"{name} (uid {st.st_uid})"
