"""The runner's side of sendmail's hand-off (`core/incoming`): each file in ``<outbox>/incoming/`` parsed (the stdlib
``email`` package, `mail.prepare`), sendmail's rules applied (-t, local names, aliases, From
rewriting, -f/-r, -F), and queued in the outbox under the file's own name as its queue id.

One intake per outbox at a time (``incoming.lock``, flock: a second runner waits for the first,
which takes milliseconds per message), one file at a time:

- its metadata already there (a runner killed after queueing it, before removing the file):
  the file is only removed, so it is never queued twice;
- otherwise it is read (``O_NOFOLLOW|O_NONBLOCK``, a regular file of this user's with one link,
  at most the size limit plus the header), its header line parsed (`header.parse`), the rules
  applied, the message submitted, and only then the file removed (the folder fsynced). A kill
  at any point before the submit leaves the file: the next run does it all again; after it,
  the first case above.
- The rules are `sendmail_rules.py` (the maildrop's pickup applies the same). What they refuse
  (no recipient, a malformed header, a sender or recipient the rules refuse, too big once
  prepared) is queued as a *failed* message with the reason: one
  `mail.failed` entry, and the runner's failure notice (`outbox/notices.py`) to the sender
  (the -f address, else the user who ran sendmail: local names mapped, so root's reaches
  ``[sendmail] admin``).
- A config that is not complete (78) leaves the file where it is (said once: ``mail.held``)
  and goes on with the others; an outbox that can't take it now stops this pass (the next run
  tries again).
- A file that can't even be read (not a regular file, not this user's, a header that is not
  ours) is moved to ``<outbox>/refused/`` with one ``mail.failed`` entry; if it can't be moved
  it is passed over: it never holds the others back.

The runner never sends a message whose incoming file is still there (`waits_intake`): the
intake finishes it first.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alloy_tui.core import filelocks
from alloy_tui.core.config import Settings
from alloy_tui.core.errors import printable
from alloy_tui.core.folders import fsync_fd
from alloy_tui.core.fs import read_at_most
from alloy_tui.core.incoming import INCOMING, Handed, HeaderError, parse_handoff
from alloy_tui.core.mail import MessageRefused
from alloy_tui.core.outbox.model import OutboxError
from alloy_tui.core.outbox.sendmail_rules import (
    Handoff,
    RulesRefused,
    apply_rules,
    queue_refused,
    tell_refused,
)
from alloy_tui.core.outbox.spool import Outbox

EX_CONFIG = 78
STALE_TEMP_SECONDS = 24 * 3600.0
REFUSED = "refused"


class Unreadable(Exception):
    """A file the runner can't take as a message at all (moved aside, never retried)."""


def _limit() -> int:
    from alloy_tui.core.mail import MAX_MESSAGE_BYTES

    return MAX_MESSAGE_BYTES + 64 * 1024


def waits_intake(box: Outbox, qid: str) -> bool:
    """Whether ``incoming/<qid>`` is still there (then the intake, not a send, comes first)."""
    try:
        os.lstat(box.path / INCOMING / qid)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _only_one(box: Outbox) -> Iterator[None]:
    """``incoming.lock`` held: two runners never queue the same hand-off (a second waits)."""
    with box.folders() as (root,):  # the checked outbox folder: never through a symlink
        lock = filelocks.wait_lock(Path("incoming.lock"), dir_fd=root)
    with lock:
        yield


class IncomingIntake:
    """run_queue's hook: `take()` before each drain."""

    def __init__(self, settings: Settings, config_path: Path, box: Outbox) -> None:
        self.settings = settings
        self.config_path = Path(config_path)
        self.box = box
        self.passed_over: set[str] = set()  # unreadable and could not be moved aside
        self.said: dict[str, str] = {}  # held files: said once while they stay so
        self.unreached: set[str] = set()  # after a held file: this pass stopped before them

    def fresh(self) -> bool:
        """Whether incoming/ holds a file this intake has not passed over or held (a runner
        ending its run looks once more, without spinning on a file that waits)."""
        try:
            names = os.listdir(self.box.path / INCOMING)
        except OSError:
            return False
        return any(
            not n.startswith(".")
            and n not in self.passed_over
            and n not in self.said
            and n not in self.unreached
            for n in names
        )

    def log(self, level: str, event: str, text: str, details: dict[str, Any]) -> None:
        if self.box.log is not None:
            with contextlib.suppress(Exception):  # the log never stops the intake
                self.box.log(level, event, text, details)

    def take(self) -> int:
        """Queue what waits in incoming/; returns how many files were handled."""
        try:
            names = sorted(os.listdir(self.box.path / INCOMING))
        except OSError:
            return 0
        now = time.time()
        for name in names:
            if name.startswith("."):
                self.tidy(name, now)
        if not any(not n.startswith(".") for n in names):
            return 0
        try:
            self.box.ensure()  # claims/ and the rest (sendmail made incoming/ alone, maybe)
        except OutboxError:
            return 0  # the drain says what is wrong with the outbox
        with _only_one(self.box):
            try:  # again: another runner's intake may have taken some while this one waited
                names = sorted(os.listdir(self.box.path / INCOMING))
            except OSError:
                return 0
            return self._take_all(names)

    def _take_all(self, names: list[str]) -> int:
        done = 0
        self.said = {n: r for n, r in self.said.items() if n in names}
        self.unreached = set()
        for i, name in enumerate(names):
            if name.startswith(".") or name in self.passed_over:
                continue
            try:
                go = self.one(name)
            except Exception as e:  # noqa: BLE001 - one file never stops the others
                self.set_aside(name, f"it could not be handled ({type(e).__name__}: {e})")
                go = True
            if go is None:
                self.unreached = set(names[i + 1 :])  # not fresh: a runner ending its run
                return done  # the outbox (or the config) can't take mail now: the rest waits
            done += go
        return done

    def tidy(self, name: str, now: float) -> None:
        path = self.box.path / INCOMING / name
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_TEMP_SECONDS:
                os.unlink(path)

    # ---------------------------------------------------------------- one file
    def one(self, name: str) -> bool | None:
        """True: handled; None: stop this pass (the outbox or the settings can't take it now)."""
        with self.box.folders(INCOMING) as (_root, ifd):
            if self.box.read_meta(name) is not None:  # queued before a kill: only remove it
                self.remove(ifd, name)
                return True
            try:
                handed = self.read(ifd, name)
            except FileNotFoundError:
                return True
            except (Unreadable, HeaderError, OSError) as e:
                self.set_aside(name, str(e) if not isinstance(e, OSError) else why(e))
                return True
            return self.queue(ifd, name, handed)

    def read(self, ifd: int, name: str) -> Handed:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(name, flags, dir_fd=ifd)
        except OSError as e:
            if os.path.islink(self.box.path / INCOMING / name):
                raise Unreadable("it is a symbolic link (never followed)") from None
            raise e
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise Unreadable("it is not a regular file")
            if st.st_uid != os.geteuid() or st.st_nlink != 1:
                raise Unreadable("it is not a file of this user's with one link")
            most = _limit()
            data = read_at_most(fd, most + 1)
        finally:
            os.close(fd)
        if len(data) > most:
            raise Unreadable(f"it is larger than {most} bytes")
        return parse_handoff(data)

    def queue(self, ifd: int, name: str, handed: Handed) -> bool | None:
        from alloy_tui.core.mail import end_at_lone_dot

        h = Handoff(
            raw=handed.raw if handed.ignore_dots else end_at_lone_dot(handed.raw),
            recipients=handed.recipients,
            read_headers=handed.read_headers,
            envelope_from=handed.envelope_from,
            full_name=handed.full_name,
            login=handed.user,
            return_path=handed.return_path(),  # a failure notice goes there
            dsn=handed.dsn,  # -N/-R/-V: recorded, not acted on
            qid=name,
            queued_at=handed.time,
        )
        try:
            prepared = apply_rules(self.settings, h)
        except RulesRefused as e:
            return self.refuse(ifd, name, h, str(e))
        except MessageRefused as e:  # 78: the settings are not complete, not the message's fault
            self.hold(name, str(e))
            return False  # it waits alone (an alias that loops holds only its own mail)
        try:
            self.box.submit(
                prepared.raw,
                recipients=prepared.recipients,
                sender=prepared.sender,
                source="sendmail",
                details=dict(h.dsn) or None,
                return_path=h.return_path,
                meta={"id": name, "queued_at": handed.time},
            )
        except OutboxError as e:
            self.hold(name, e.explanation.one_line())
            return None
        self.remove(ifd, name)
        return True

    def refuse(self, ifd: int, name: str, h: Handoff, reason: str) -> bool | None:
        """Queued as failed, with the reason: mail.failed, and the runner's failure notice."""
        try:
            qid, stored = queue_refused(self.box, self.settings, h, reason)
        except OutboxError as e:
            self.hold(name, e.explanation.one_line())
            return None
        self.remove(ifd, name)
        tell_refused(self.box, qid, stored, h, reason)
        return True

    def remove(self, ifd: int, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=ifd)
        fsync_fd(ifd)

    def hold(self, name: str, reason: str) -> None:
        if self.said.get(name) == reason:
            return
        self.said[name] = reason
        self.log(
            "warning",
            "mail.held",
            f"Mail {name} from sendmail waits to be queued: {printable(reason)}",
            {"queue_id": name, "reason": printable(reason)},
        )

    def set_aside(self, name: str, reason: str) -> None:
        """A file that is not a message we can read: moved to refused/, said once."""
        reason = printable(reason)
        kept = ""
        try:
            with self.box.folders(INCOMING, REFUSED, create=True) as (_root, ifd, rfd):
                os.rename(name, f"incoming-{name}", src_dir_fd=ifd, dst_dir_fd=rfd)
                fsync_fd(rfd)
                fsync_fd(ifd)
            kept = str(self.box.path / REFUSED / f"incoming-{name}")
        except OSError:
            self.passed_over.add(name)  # never blocks the others; looked at again next run
        self.log(
            "error",
            "mail.failed",
            f"The hand-off {printable(name)} in {self.box.path / INCOMING} can't be read as a "
            f"message: {reason}"
            + (f"; it was moved to {kept}" if kept else "; it was left where it is"),
            {"file": printable(name), "reason": reason, **({"kept_as": kept} if kept else {})},
        )


def why(e: OSError) -> str:
    from alloy_tui.core.fs import why as fs_why

    return f"it could not be read: {fs_why(e)}"
