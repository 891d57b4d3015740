"""Which maildrop a runner reads, and the runner's intake (core/daemon.py hands it to run_queue):
taken in before each drain.

A runner reads a maildrop only when its config says so: the system config (its maildrop is
/var/spool/alloy-tui/maildrop unless set), or any config with ``[queue] maildrop`` set. So
root's own ~/.config daemon never takes other users' mail with the wrong account, and one drop
is never served by two accounts.

The daemon wakes at least every IDLE_POLL seconds (runner.py); each wake costs one stat of the
maildrop folder: its mtime changes whenever a file is renamed into it, so the folder is listed
only then. A change in the last two seconds is looked at again on the next wake (a second
rename in the same timestamp tick would leave the mtime as it was), and the folder is listed
once an hour anyway, so stale temp files are tidied on an idle server too.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from alloy_tui.core.config import Settings, paths
from alloy_tui.core.maildrop.drop_file import DEFAULT_MAILDROP
from alloy_tui.core.maildrop.pickup import IntakeSummary, intake
from alloy_tui.core.outbox import Outbox, OutboxError

SETTLE_SECONDS = 2.0
FULL_SCAN_SECONDS = 3600.0
STUCK_RETRY_SECONDS = 60.0


def maildrop_path(settings: Settings, config_path: Path) -> Path:
    """``[queue] maildrop``, else /var/spool/alloy-tui/maildrop; relative: next to the config."""
    value = settings.queue.maildrop
    if not value:
        return DEFAULT_MAILDROP
    return paths.resolve_setting_path(value, Path(config_path), "maildrop")


def reads_maildrop(settings: Settings, config_path: Path) -> bool:
    """Whether this config's runner takes mail from a maildrop at all: the system config's does,
    and any config with ``[queue] maildrop`` set; no other (never two accounts for one drop)."""
    return bool(settings.queue.maildrop) or paths.is_system_config(Path(config_path))


class MaildropIntake:
    """An intake of run_queue (`outbox.Intake`): ``take()`` before the first drain,
    ``take(if_changed=True)`` on wakes."""

    def __init__(self, settings: Settings, config_path: Path, box: Outbox) -> None:
        self.settings = settings
        self.config_path = Path(config_path)
        self.box = box
        self.folder: Path | None = (
            maildrop_path(settings, config_path) if reads_maildrop(settings, config_path) else None
        )
        self._seen: tuple[int, int] | None = None
        self._listed_at = 0.0
        self._said = ""
        self._stuck = 0

    def changed(self) -> bool:
        """Whether the folder may hold something new since it was last listed (one stat)."""
        if self.folder is None:
            return False
        try:
            st = os.lstat(self.folder)  # a symlink put there is looked at (and refused)
        except OSError:
            return False
        key = (st.st_ino, st.st_mtime_ns)
        now = time.time()
        # a file that could not be removed (a read-only maildrop): looked at once a minute, so
        # it goes (and status --check is OK again) soon after the admin fixes the maildrop
        every = STUCK_RETRY_SECONDS if self._stuck else FULL_SCAN_SECONDS
        if key == self._seen and now - self._listed_at < every:
            return False
        self._seen = key if now - st.st_mtime > SETTLE_SECONDS else None
        self._listed_at = now
        return True

    def take(self, *, if_changed: bool = False) -> IntakeSummary:
        if self.folder is None or (not self.changed() and if_changed):
            return IntakeSummary()
        from alloy_tui.core.maildrop.folder_check import maildrop_problem

        unusable = maildrop_problem(self.folder)
        if unusable:  # a file, a symlink, another user's: never read; said once, not every wake
            self._seen = None  # looked at again on the next wake: it goes once it is fixed
            if self.box.log is not None and unusable != self._said:
                what = f"{unusable[0].upper()}{unusable[1:]} No mail is taken from it until then."
                self.box.log("error", "maildrop.unusable", what, {"folder": str(self.folder)})
            self._said = unusable
            return IntakeSummary()
        try:
            taken = intake(self.folder, self.box, self.settings, self.config_path, self.box.log)
        except (OSError, OutboxError) as e:  # the outbox's own trouble: the drain reports it
            why = e.explanation.one_line() if isinstance(e, OutboxError) else e.strerror or e
            text = f"The maildrop {self.folder} could not be taken in: {why}"
            if self.box.log is not None and text != self._said:  # once, not on every wake
                self.box.log("error", "maildrop.error", text, {"folder": str(self.folder)})
            self._said = text
            return IntakeSummary()
        self._said = ""
        self._stuck = taken.stuck
        return taken
