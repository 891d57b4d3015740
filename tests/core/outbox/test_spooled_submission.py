"""A message already written to the outbox's tmp/ (the SMTP listener spools large ones) is
queued by renaming that very file into messages/, fsynced like any other; a file elsewhere or a
symlink is refused, and nothing is left behind."""

from __future__ import annotations

import os
from pathlib import Path

from alloy_tui.core.outbox import Outbox, OutboxError, Submission

HEAD = b"From: a@contoso.com\r\nTo: ops@contoso.com\r\nSubject: spooled\r\n\r\n"


def spooled(box: Outbox, body: bytes) -> Path:
    box.ensure()
    path = box.path / "tmp" / f".smtpd.{os.urandom(4).hex()}.tmp"
    path.write_bytes(HEAD + body)
    return path


def test_a_spooled_file_becomes_the_message_file_by_rename(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "q")
    path = spooled(box, b"x" * 100000)
    inode = path.stat().st_ino
    item = Submission(HEAD, ["ops@contoso.com"], "a@contoso.com", "smtpd", None, path)
    [qid] = box.submit_many([item])
    assert isinstance(qid, str)
    message = box.path / "messages" / f"{qid}.eml"
    assert message.stat().st_ino == inode  # the same file: renamed, not copied
    assert message.stat().st_mode & 0o777 == 0o600
    meta = box.read_meta(qid)
    assert meta is not None and meta["size"] == len(HEAD) + 100000
    assert meta["subject"] == "spooled"
    assert list((box.path / "tmp").iterdir()) == []


def test_a_spooled_path_outside_tmp_or_a_symlink_is_refused(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "q")
    box.ensure()
    outside = tmp_path / "elsewhere.eml"
    outside.write_bytes(HEAD)
    link = box.path / "tmp" / ".smtpd.link.tmp"
    link.symlink_to(outside)
    items = [
        Submission(HEAD, ["ops@contoso.com"], "a@contoso.com", "smtpd", None, outside),
        Submission(HEAD, ["ops@contoso.com"], "a@contoso.com", "smtpd", None, link),
        Submission(HEAD, ["ops@contoso.com"], "a@contoso.com", "smtpd"),
    ]
    done = box.submit_many(items)
    assert isinstance(done[0], OutboxError) and isinstance(done[1], OutboxError)
    assert isinstance(done[2], str)
    assert box.ids() == [done[2]]
    assert outside.read_bytes() == HEAD  # never touched through the link
    assert list((box.path / "tmp").iterdir()) == []
