"""DATA as it arrives, with memory bounded by design (no aiosmtpd, no asyncio: any door that
reads a message line by line can use it).

- The header block is kept in memory, at most `header_limit` bytes (then 552 with the limit);
  its end is found as sendmail's rules find it (the first empty line, mail.prepare's split).
- A message of at most SPILL bytes stays in memory (most alerts are a few KB: no file, the
  outbox writes it once).
- A longer one goes to a file in the outbox's tmp/ as it arrives: once its header block is
  complete, the caller prepares that block (sendmail's rules, `mail.prepare` on the header
  block alone) and calls `spill(prepared_head)`: the file starts with the prepared header
  block and the body follows as it comes, written in WRITE_CHUNK pieces. That file becomes the
  outbox's message file by a rename, never copied.
- Past `size_limit` or a refusal: the rest is read and dropped (RFC 5321 4.2.5: the reply comes
  after the final dot), the file removed.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from alloy_tui.core.smtpd.envelope import headers_too_big, too_big

SPILL = 256 * 1024  # bytes of a message kept in memory before it goes to a file
WRITE_CHUNK = 256 * 1024  # body bytes gathered before one write
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
EMPTY_HEAD = (
    "554 5.6.0 The message starts with an empty line, so it has no headers: send header lines "
    "(To:, Subject:), an empty line, then the body"
)


class Spooled:
    """A message in a file in the outbox's tmp/: `head` is its (prepared) header block."""

    __slots__ = ("path", "head", "size")

    def __init__(self, path: Path, head: bytes, size: int) -> None:
        self.path = path
        self.head = head
        self.size = size


class DataSpool:
    def __init__(
        self, folder: Path, size_limit: int, header_limit: int, spill_at: int | None = SPILL
    ) -> None:
        self.folder = folder
        self.spill_at = spill_at  # None: never to a file (sendmail -bs into the maildrop)
        self.size_limit = size_limit
        self.header_limit = header_limit
        self.size = 0  # bytes received (after dot-unstuffing)
        self.head = bytearray()
        self.head_end = -1  # bytes of the header block with its empty line, once found
        self.body = bytearray()  # in memory: the body so far; spilled: bytes not yet written
        self.refusal = ""  # the reply once refused (the rest is dropped)
        self.fd = -1
        self.path: Path | None = None
        self.prepared_head = b""
        self.written = 0

    def add(self, line: bytes) -> None:
        """One line of DATA, dot-unstuffed, with its line ending."""
        if self.refusal:
            return
        self.size += len(line)
        if self.size > self.size_limit:
            self.refuse(too_big(self.size_limit))
        elif self.head_end >= 0:
            self.body += line
            if self.fd >= 0 and len(self.body) >= WRITE_CHUNK:
                self._write()
        elif not self.head and line in (b"\r\n", b"\n"):
            self.refuse(EMPTY_HEAD)
        else:
            start = max(0, len(self.head) - 2)
            self.head += line
            found = [self.head.find(sep, start) for sep in (b"\n\n", b"\n\r\n")]
            ends = [(at, n) for at, n in zip(found, (2, 3), strict=True) if at >= 0]
            if ends:
                at, n = min(ends)
                self.head_end = at + n
                self.body += self.head[self.head_end :]
                del self.head[self.head_end :]
            if len(self.head) > self.header_limit:
                self.refuse(headers_too_big(self.header_limit))

    @property
    def wants_spill(self) -> bool:
        """True once the header block is complete and the message is too long for memory."""
        if self.spill_at is None or self.refusal or self.fd >= 0:
            return False
        return self.head_end >= 0 and self.size > self.spill_at

    def header_block(self) -> bytes:
        """The header block with its empty line (what `mail.prepare` reads)."""
        return bytes(self.head)

    def spill(self, prepared_head: bytes) -> None:
        """From now on in a file: `prepared_head`, then the body. OSError if it can't be."""
        from alloy_tui.core import folders

        path = self.folder / f".smtpd.{os.urandom(6).hex()}.tmp"
        with (  # the outbox's checked tmp/ folder: never through a symlink (core.folders)
            folders.opened(self.folder.parent, "the outbox") as root,
            folders.opened(self.folder, "the outbox folder", parent_fd=root) as tmp_fd,
        ):
            fd = os.open(path.name, _FLAGS | os.O_NOFOLLOW, 0o600, dir_fd=tmp_fd)
        self.fd, self.path = fd, path
        self.prepared_head = prepared_head
        self.head = bytearray()  # not needed any more: the file holds the prepared block
        self.body[:0] = prepared_head
        self._write()

    def _write(self) -> None:
        view = memoryview(self.body)
        try:
            while view:
                view = view[os.write(self.fd, view) :]
        finally:
            view.release()
        self.written += len(self.body)
        self.body = bytearray()

    def refuse(self, reply: str) -> None:
        if not self.refusal:
            self.refusal = reply
        self.head = bytearray()
        self.body = bytearray()
        self.discard()

    def finish(self) -> bytes | Spooled:
        """The whole message: its bytes (kept in memory) or the file it is in (closed).
        OSError if the file's last write fails."""
        if self.fd < 0:
            raw = bytes(self.head) + bytes(self.body)
            self.head, self.body = bytearray(), bytearray()
            return raw
        assert self.path is not None
        try:
            self._write()
        except OSError:
            self.discard()
            raise
        os.close(self.fd)
        self.fd = -1
        spooled = Spooled(self.path, self.prepared_head, self.written)
        self.path = None  # the outbox owns it now
        return spooled

    def discard(self) -> None:
        """Close and remove the file, if any (a session cut off, a refusal)."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.path = None
