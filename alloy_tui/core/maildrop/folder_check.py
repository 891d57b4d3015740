"""Whether the maildrop the runner is meant to read is one it may read: a real folder (lstat:
never a symlink), owned by the runner's own user (the config's owner; setup-system makes it so),
not writable by the group or others unless sticky (else anyone could remove or replace another
user's mail: setup-system makes it 3733), and under folders only root or that user may write
(folders.ancestors_problem). A missing maildrop is not this check's business (setup-system
makes it; sendmail says so when it is missing).

One sentence naming the folder, what is wrong and the fix: the runner says it once in the alert
log (``maildrop.unusable``) and takes nothing from it, `status --check` is CRITICAL and
`config validate` lists it whenever the runner is meant to read that maildrop.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SETUP_FIX = "as root, run `alloy-tui setup-system` (or set [queue] maildrop)"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a file" if stat.S_ISREG(mode) else "a special file"


def maildrop_problem(folder: Path) -> str | None:
    """The maildrop's problem as one sentence with its fix, or None (fine, or missing)."""
    from alloy_tui.core.folders import ancestors_problem, who

    said = f"the maildrop {folder}"
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"{said} can't be reached ({e.strerror or e}). Fix: {SETUP_FIX}."
    if stat.S_ISLNK(st.st_mode):
        return (
            f"{said} is a symbolic link; the runner never follows one there. Fix: make it a "
            "real folder (move the link away, then run `alloy-tui setup-system` as root) or set "
            "[queue] maildrop to where it points."
        )
    if not stat.S_ISDIR(st.st_mode):
        return f"{said} is not a folder (it is {_kind(st.st_mode)}). Fix: move it away, then {SETUP_FIX}."
    me = os.geteuid()
    if st.st_uid != me:
        return (
            f"{said} is owned by {who(st.st_uid)}, not by {who(me)} who runs the runner; it "
            f"never takes mail from another user's folder. Fix: {SETUP_FIX}."
        )
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022 and not mode & stat.S_ISVTX:
        others = "everyone" if mode & 0o002 else "its group"
        return (
            f"{said} is writable by {others} without the sticky bit (mode {mode:04o}): anyone "
            f"could remove or replace another user's mail. Fix: {SETUP_FIX} (it makes it 3733)."
        )
    above = ancestors_problem(folder)
    return f"{said} {above}." if above else None
