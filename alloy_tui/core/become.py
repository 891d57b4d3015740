"""Root acting for a config another user owns becomes that user first.

The one rule of system mode: no process acts by path on a tree another user owns. With
`setup-system --user alloy` the config, the outbox, the state folder and the alert log are
alloy's; alloy can replace any entry in them with a symlink, so root writing there by path
could be steered anywhere. Root's commands for that config (`queue ...`, `status`,
`keepalive`, `log`, `send`...) therefore become the config's owner (its groups, then its gid,
then its uid: for good, no way back) before they touch any of it, after reading what only
root may read (the command line's files). The config file's owner decides, as
``stat`` sees it (its folder's owner when it is not written yet). The wizard does the same. root's sendmail does not come here: it hands the message to the maildrop
like every other user (commands/sendmail/maildrop.py).
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False  # root's sendmail asks foreign_owner on every hand-off: no pathlib, typing
if TYPE_CHECKING:
    from pathlib import Path

#: Environment variables naming the old user's folders, dropped when they lie in its home.
_HOME_VARS = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")


class BecomeError(Exception):
    """Root could not become the config's owner; the message is a sentence."""


def foreign_owner(config_path: str | os.PathLike[str]) -> int | None:
    """The uid of the config's owner when this process is root and the config is another
    user's; None otherwise (not root, or root's own config). A config not written yet belongs
    to whoever owns its folder (`setup-system --user alloy` makes /etc/alloy-tui alloy's: the
    wizard then writes the config as alloy)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        link = os.lstat(config_path)
        st = os.stat(config_path)
    except FileNotFoundError:
        try:
            st = os.stat(os.path.dirname(os.path.abspath(config_path)))
        except OSError:
            return None
        return st.st_uid if st.st_uid != 0 else None
    except OSError:
        return None
    owners: list[int | None] = [st.st_uid]
    if stat.S_ISLNK(link.st_mode):
        # A symlinked config: whoever owns the link or the folder it stands in could have
        # pointed it at a root file, so it is theirs as much as the target's owner's.
        owners[:0] = [link.st_uid, _owner(os.path.dirname(os.path.abspath(config_path)))]
    return next((uid for uid in owners if uid not in (0, None)), None)


def _owner(path: str) -> int | None:
    try:
        return os.stat(path).st_uid
    except OSError:
        return None


def become(uid: int, gid: int | None = None) -> str:
    """Become `uid` for the rest of this process: its supplementary groups, its primary group
    (`gid` when it has no passwd entry), then the uid (real, effective and saved). Returns the
    user's name. BecomeError if any step fails or root could be regained."""
    import pwd

    try:
        entry: pwd.struct_passwd | None = pwd.getpwuid(uid)
    except KeyError:
        entry = None
    if entry is None and gid is None:
        raise BecomeError(f"uid {uid} has no entry in the user database and no group was given")
    name = entry.pw_name if entry is not None else f"uid {uid}"
    group = entry.pw_gid if entry is not None else gid
    assert group is not None
    try:
        if entry is not None:
            os.initgroups(entry.pw_name, group)
        else:
            os.setgroups([])
        os.setgid(group)
        os.setuid(uid)
    except OSError as e:
        raise BecomeError(f"cannot become {name}: {e.strerror or e}") from None
    if os.geteuid() != uid or os.getuid() != uid or _can_regain_root():
        raise BecomeError(f"cannot become {name}: root could still be regained")
    if entry is not None:
        _move_home(entry.pw_dir, entry.pw_name)
    return name


def become_owner_of(config_path: Path) -> str | None:
    """`become` the config's owner when root acts for another user's config; the user's name
    then, None when nothing changed. BecomeError as `become`."""
    uid = foreign_owner(config_path)
    if uid is None:
        return None
    try:
        gid = os.stat(config_path).st_gid
    except OSError:
        gid = None
    return become(uid, gid)


def _can_regain_root() -> bool:
    try:
        os.setuid(0)
    except OSError:
        return False
    return True


def _move_home(home: str, name: str) -> None:
    """HOME, USER and LOGNAME now say the new user (as `sudo -u` does); XDG folders that lay in
    the old home are forgotten, so per-user paths resolve in the new user's own folders."""
    old = os.environ.get("HOME", "")
    for var in _HOME_VARS:
        value = os.environ.get(var, "")
        if old and (value == old or value.startswith(old.rstrip("/") + "/")):
            del os.environ[var]
    os.environ.update(HOME=home, USER=name, LOGNAME=name)
