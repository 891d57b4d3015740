"""Whether the outbox, the state folder, the alert log and the maildrop are, or can become,
what they must be: each a folder (the alert log a regular file) this user may write, on a
file system that is not read-only. One sentence per problem, with its fix.

`config validate` lists them (as settings problems); the queue commands check the outbox before
they touch it and say one line instead of a traceback (exit 1; `queue run --daemon` exits 78,
which the unit's ``RestartPreventExitStatus=`` lists: restarting would change nothing).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from alloy_tui.core.config import alert_log_path, paths

if TYPE_CHECKING:  # status --check imports this module: no dataclasses on its path
    from alloy_tui.core.config import Settings, Values


class Place(NamedTuple):
    key: str  # the setting that moves it ("" for the state folder: $ALLOY_TUI_STATE_DIR)
    what: str  # "the outbox"
    path: Path
    folder: bool  # a folder (else a regular file)
    fix: str


class PlaceProblem(NamedTuple):
    key: str
    text: str  # "the outbox /x is read-only (...). Fix: ..."


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a special file"


def _user() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def problem(place: Place, *, write: bool = True) -> str | None:
    """Why `place` is not (and can't become) what it must be, or None."""
    path = place.path
    if place.folder:
        from alloy_tui.core.folders import ancestors_problem

        above = ancestors_problem(path)  # a folder above that others may write: never used
        if above:
            return above
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _cannot_create(place) if write else None
    except NotADirectoryError:
        return _cannot_create(place)
    except OSError as e:
        return f"can't be reached ({e.strerror or e})"
    if place.folder and not stat.S_ISDIR(st.st_mode):
        return f"is not a folder (it is {_kind(st.st_mode)})"
    if not place.folder and not stat.S_ISREG(st.st_mode):
        return f"is not a regular file (it is {_kind(st.st_mode)})"
    if not write:
        return None if os.access(path, os.R_OK) else f"can't be read by {_user()}"
    if _read_only_fs(path):
        return "is read-only (its file system is mounted read-only)"
    needed = os.W_OK | os.X_OK if place.folder else os.W_OK
    if not os.access(path, needed):
        return f"is read-only for {_user()} (permission denied)"
    return None


def _cannot_create(place: Place) -> str | None:
    """A missing place can be made when its nearest existing parent is a writable folder."""
    up = place.path.parent
    while True:
        try:
            st = os.stat(up)
            break
        except FileNotFoundError:
            up = up.parent
        except NotADirectoryError:
            up = up.parent
        except OSError as e:
            return f"can't be created ({up}: {e.strerror or e})"
    if not stat.S_ISDIR(st.st_mode):
        return f"can't be created: {up} is not a folder (it is {_kind(st.st_mode)})"
    if _read_only_fs(up):
        return f"does not exist and can't be created: {up} is on a read-only file system"
    if not os.access(up, os.W_OK | os.X_OK):
        return f"does not exist and can't be created: {up} is read-only for {_user()}"
    return None


def state_place(config_path: Path) -> Place:
    """The state folder (the token cache, health state): system mode's unless moved."""
    system = paths.is_system_config(config_path)
    state = paths.SYSTEM_STATE if system and not os.environ.get(paths.STATE_ENV) else None
    return Place(
        "",
        "the state folder",
        state or paths.state_dir(),
        True,
        "make it a folder this user can write, or set $ALLOY_TUI_STATE_DIR",
    )


def places(settings: Settings, config_path: Path, *, maildrop: bool = True) -> list[Place]:
    from alloy_tui.core.outbox import outbox_path

    found = [
        Place(
            "queue.path",
            "the outbox",
            outbox_path(settings, config_path),
            True,
            "make it a folder this user can write, or set [queue] path",
        ),
        Place(
            "alert_log.path",
            "the alert log",
            alert_log_path(settings.alert_log.path, config_path),
            False,
            ALERT_LOG_FIX,
        ),
        state_place(config_path),
    ]
    if maildrop:
        from alloy_tui.core.maildrop import maildrop_path, reads_maildrop

        if reads_maildrop(settings, config_path):
            found.append(
                Place(
                    "queue.maildrop",
                    "the maildrop",
                    maildrop_path(settings, config_path),
                    True,
                    "as root, run `alloy-tui setup-system` (or set [queue] maildrop)",
                )
            )
    return found


def place_problems(
    settings: Settings, config_path: Path, *, only: tuple[str, ...] = ()
) -> list[PlaceProblem]:
    """Every place that is not, and can't become, what it must be (`only`: these keys)."""
    out = []
    for place in places(settings, config_path):
        if only and place.key not in only:
            continue
        if place.key == "queue.maildrop":
            if not os.path.lexists(place.path):
                continue  # setup-system makes it; sendmail says so when it is missing
            from alloy_tui.core.maildrop import maildrop_problem

            said = maildrop_problem(place.path)  # a symlink, another user's, open to all...
            if said:
                out.append(PlaceProblem(place.key, said))
                continue
        why = problem(place)
        if why:
            out.append(
                PlaceProblem(place.key, f"{place.what} {place.path} {why}. Fix: {place.fix}.")
            )
    return out


def check_problems(values: Values, config_path: Path) -> list[str]:
    """For `status --check` (CRITICAL each; it reads the config's values, not Settings): the
    state folder that is not (and can't become) a folder this user can write, folders above
    the outbox that others may write, and the maildrop whenever the runner is meant to read
    it (the system config, or [queue] maildrop set)."""
    from alloy_tui.core.folders import ancestors_problem
    from alloy_tui.core.outbox import outbox_path

    found = []
    state = state_place(config_path)
    why = problem(state)
    if why:
        found.append(f"{state.what} {state.path} {why}. Fix: {state.fix}")
    box = outbox_path(values, config_path)
    above = ancestors_problem(box)
    if above:
        found.append(f"the outbox {box} {above}")
    value = values.text("queue.maildrop")
    if value or paths.is_system_config(config_path):
        from alloy_tui.core.maildrop import maildrop_folder, maildrop_problem

        said = maildrop_problem(maildrop_folder(value, config_path))
        if said:
            found.append(said.rstrip("."))
    return found


ALERT_LOG_FIX = "set [alert_log] path to a file in a folder this user can write"


def alert_log_problem(path: Path) -> str | None:
    """The alert log's problem as one sentence (for `status --check`), or None."""
    place = Place("alert_log.path", "the alert log", path, False, ALERT_LOG_FIX)
    why = problem(place)
    return f"{place.what} {path} {why}; mail is sent but not recorded" if why else None


def outbox_problem(settings: Settings, config_path: Path, *, write: bool) -> str | None:
    """The outbox's problem as one sentence with its fix, or None. Without `write` (list,
    show): a missing outbox is an empty one; it must be a folder this user can read."""
    outbox = places(settings, config_path, maildrop=False)[0]
    why = problem(outbox, write=write)
    return f"{outbox.what} {outbox.path} {why}. Fix: {outbox.fix}." if why else None


def os_error_line(e: OSError, settings: Settings, config_path: Path) -> str:
    """One line for an OSError met on one of the places (a race after the checks, a file in
    it): which place, what, the fix."""
    from alloy_tui.core.fs import why

    name = str(e.filename or "")
    for place in places(settings, config_path, maildrop=False):
        root = str(place.path)
        if name == root or name.startswith(root.rstrip("/") + "/"):
            if e.errno == errno.EROFS:
                state = "is read-only (its file system is mounted read-only)"
            elif e.errno in (errno.EACCES, errno.EPERM):
                state = f"is read-only for {_user()} (permission denied)"
            else:
                state = f"can't be used ({why(e)})"
            return f"{place.what} {place.path} {state}: {name}. Fix: {place.fix}."
    return f"{name or 'a file'}: {why(e)}"
