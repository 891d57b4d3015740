"""`alloy-tui setup-system`: the system mode's folders, with their owners and modes.

    /etc/alloy-tui                 0700  the config (and what sits beside it) for its owner only
    /var/lib/alloy-tui             0700  the state: token cache, alert log
    /var/spool/alloy-tui           0711  others may pass through to the maildrop, not list
    /var/spool/alloy-tui/queue     0700  the outbox (only the runner reads or writes it)
    /var/spool/alloy-tui/maildrop  3733  anyone may drop a file, nobody else may list or read it

All belong to the config's owner (root, or the service user given by --user). Each step is
planned first (what exists, what would change), then applied; running it again changes nothing.
A path that exists as something other than a folder (a symlink included) is refused, not
replaced: the admin decides.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from alloy_tui.core.config import paths
from alloy_tui.core.maildrop.drop_file import DEFAULT_MAILDROP

MAILDROP_MODE = 0o3733  # set-group-ID (files take the runner's group), sticky, -wx for all


class SetupError(Exception):
    """A step that can't be done; the message is a sentence."""


@dataclass(frozen=True)
class FolderStep:
    path: Path
    mode: int
    uid: int
    gid: int
    purpose: str
    action: str = ""  # "create", "fix", "ok" (filled in by plan)

    def describe(self) -> str:
        verb = {"create": "create", "fix": "fix", "ok": "ok:"}[self.action]
        return f"{verb:<7}{self.path}  ({self.mode:04o}, owner {_owner(self.uid, self.gid)}: {self.purpose})"


def _owner(uid: int, gid: int) -> str:
    import grp
    import pwd

    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    return f"{user}:{group}"


def system_folders(uid: int, gid: int, prefix: Path | None = None) -> list[FolderStep]:
    """The folders of system mode, under `prefix` (a package build root or a test) if given."""

    def at(p: Path) -> Path:
        return Path(prefix) / p.relative_to("/") if prefix else p

    spool = paths.SYSTEM_SPOOL
    wanted = [
        (paths.SYSTEM_CONFIG.parent, 0o700, "the config"),
        (paths.SYSTEM_STATE, 0o700, "the token cache and alert log"),
        (spool, 0o711, "the spool: passed through, not listed"),
        (spool / "queue", 0o700, "the outbox"),
        (DEFAULT_MAILDROP, MAILDROP_MODE, "the maildrop: any user drops, nobody lists"),
    ]
    return [plan(FolderStep(at(p), mode, uid, gid, purpose)) for p, mode, purpose in wanted]


def plan(step: FolderStep) -> FolderStep:
    try:
        st = os.lstat(step.path)
    except FileNotFoundError:
        return _with(step, "create")
    if not stat.S_ISDIR(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a folder"
        raise SetupError(
            f"{step.path} exists but is {kind}; move it away (or make it a folder), then run "
            "setup-system again."
        )
    right = stat.S_IMODE(st.st_mode) == step.mode and (st.st_uid, st.st_gid) == (
        step.uid,
        step.gid,
    )
    return _with(step, "ok" if right else "fix")


def _with(step: FolderStep, action: str) -> FolderStep:
    return FolderStep(step.path, step.mode, step.uid, step.gid, step.purpose, action)


def _make_parents(folder: Path) -> None:
    """Missing folders on the way (under --prefix), 0755 whatever the umask: every user must
    pass through them to reach the maildrop."""
    from alloy_tui.core.fs import FolderError, make_folder

    try:
        make_folder(folder, mode=0o755)
    except FolderError as e:
        raise SetupError(str(e)) from None


def apply(step: FolderStep) -> None:
    """Make the folder exist with its mode and owner; SetupError with the reason if not."""
    try:
        if step.action == "create":
            _make_parents(step.path.parent)
            os.mkdir(step.path, 0o700)  # closed until its owner and mode are set
        if step.action in ("create", "fix"):
            fd = os.open(step.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            try:
                os.fchown(fd, step.uid, step.gid)
                os.fchmod(fd, step.mode)
            finally:
                os.close(fd)
    except OSError as e:
        raise SetupError(f"cannot {step.action} {step.path}: {e.strerror or e}") from None
