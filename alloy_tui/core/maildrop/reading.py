"""Reading one maildrop file safely: never through a symlink, never blocking on a FIFO, the
same file as the lstat, one link, owned by the uid its name says, under the size limit."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from alloy_tui.core.fs import read_at_most
from alloy_tui.core.maildrop.drop_file import MAX_HEADER_BYTES
from alloy_tui.core.maildrop.refusals import Refused, user_name


class Changed(Exception):
    """The name no longer names the file we looked at: look again next run."""


def limit() -> int:
    from alloy_tui.core.mail import MAX_MESSAGE_BYTES

    return MAX_MESSAGE_BYTES + MAX_HEADER_BYTES


def read_drop_file(
    path: Path, first: os.stat_result, uid: int | None, most: int
) -> tuple[bytes, os.stat_result]:
    """The bytes of a drop file (at most `most`) and its fstat; Refused, Changed or OSError."""
    if stat.S_ISLNK(first.st_mode):
        raise Refused("it is a symbolic link (never followed)", keep=False)
    if not stat.S_ISREG(first.st_mode):
        raise Refused(f"it is not a regular file ({_kind(first.st_mode)})", keep=False)
    if uid is None:
        keep = first.st_nlink == 1  # a second name of another file is only removed
        raise Refused("its name is not <uid>.<32 hex digits>, as sendmail writes it", keep=keep)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise Changed() from None  # swapped for a symlink since the lstat
        raise
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (first.st_dev, first.st_ino):
            raise Changed()
        _check(st, uid, most)
        data = read_at_most(fd, most + 1)
    finally:
        os.close(fd)
    if len(data) > most:
        raise Refused(f"it is larger than {most} bytes (the message size limit)")
    return data, st


def _check(st: os.stat_result, uid: int, most: int) -> None:
    if st.st_nlink != 1:
        raise Refused(
            f"it has {st.st_nlink} links: a hard link to another file (only that link was removed)",
            keep=False,
        )
    if st.st_uid != uid:
        raise Refused(
            f"it is owned by {user_name(st.st_uid)} (uid {st.st_uid}), not by uid {uid} as "
            "its name says"
        )
    if st.st_size > most:
        raise Refused(f"it is {st.st_size} bytes, larger than {most} (the message size limit)")


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a file"
