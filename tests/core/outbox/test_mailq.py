"""`mailq` / `sendmail -bp` in postfix's format (core/outbox/mailq.py), on a real outbox: the
header line, one block per message (short id, `*` while a runner holds it, `!` when failed,
size, asctime arrival, sender or MAILER-DAEMON), each recipient still to deliver with its
reason right-aligned to column 76, and the `-- N Kbytes in M Requests.` footer or
`Mail queue is empty` that check_mailq-style scripts parse."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from alloy_tui.core.outbox import Outbox, mailq_lines, short_id

HEADER = "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------"
BUSY = {"title": "Microsoft Graph is busy", "code": "http.503", "cause": "503", "fix": ""}
GONE = {"title": "The recipient does not exist", "code": "smtp.550", "cause": "550", "fix": ""}
RCPT_LINE = re.compile(r"^ {41}\S+$")
SENDER_LINE = re.compile(
    r"^(?P<id>[0-9a-f]{8})(?P<mark>[*!]?) +(?P<size>\d+) (?P<when>\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d) "
    r" (?P<sender>\S+)$"
)


def submit(
    box: Outbox, to: list[str], sender: str = "cron@web01.contoso.com", size: int = 0
) -> str:
    raw = (f"To: {', '.join(to)}\nSubject: nightly\n\n".encode()) + b"x" * size
    return box.submit(raw, recipients=to, sender=sender, source="cron")


def change(box: Outbox, qid: str, **meta: Any) -> None:
    got = box.read_meta(qid)
    assert got is not None
    got.update(meta)
    box.write_meta(got)


def test_empty_queue(tmp_path: Path) -> None:
    assert mailq_lines(Outbox(tmp_path / "queue").list()) == ["Mail queue is empty"]


def test_blocks_marks_reasons_and_footer(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    waiting = submit(box, ["ops@contoso.com", "cto@contoso.com"], size=3000)
    change(
        box,
        waiting,
        attempts=1,
        recipients=[
            {"address": "ops@contoso.com", "state": "sent", "last_error": None},
            {"address": "cto@contoso.com", "state": "pending", "last_error": BUSY},
        ],
    )
    failed = submit(box, ["typo@contoso.com"], sender="")
    change(
        box,
        failed,
        state="failed",
        last_error=GONE,
        recipients=[{"address": "typo@contoso.com", "state": "failed", "last_error": GONE}],
    )
    sending = submit(box, ["a@contoso.com", "b@contoso.com"])
    claim = box.claim(sending)
    assert claim is not None
    with claim:
        messages = box.list()
        lines = mailq_lines(messages)
    sizes = {m.id: m.size for m in messages}
    assert lines[0] == HEADER
    blocks = "\n".join(lines[1:-2]).split("\n\n")
    assert len(blocks) == 3 and lines[-2] == ""
    assert lines[-1] == f"-- {sum(sizes.values()) // 1024} Kbytes in 3 Requests."
    heads = [SENDER_LINE.match(b.splitlines()[0]) for b in blocks]
    assert all(heads), blocks
    got = {h["id"]: h for h in heads if h}
    assert set(got) == {short_id(q) for q in (waiting, failed, sending)}
    assert got[short_id(sending)]["mark"] == "*" and got[short_id(failed)]["mark"] == "!"
    assert got[short_id(waiting)]["mark"] == ""
    assert got[short_id(failed)]["sender"] == "MAILER-DAEMON"
    assert int(got[short_id(waiting)]["size"]) == sizes[waiting]
    assert (
        got[short_id(waiting)]["when"]
        == time.asctime(time.localtime(box.get(waiting).queued_at.timestamp()))[:19]
    )
    # the partial message: only the recipient still waiting, its reason right-aligned at 76
    first = blocks[[h["id"] for h in heads if h].index(short_id(waiting))].splitlines()
    assert (
        first[1]
        == " " * (76 - len(f"{BUSY['title']} [http.503]")) + "(Microsoft Graph is busy [http.503])"
    )
    assert first[2].strip() == "cto@contoso.com" and RCPT_LINE.match(first[2])
    assert len(first) == 3  # ops@ has it: not listed
    # the one being sent: no reason, both recipients
    block = blocks[[h["id"] for h in heads if h].index(short_id(sending))].splitlines()
    assert [x.strip() for x in block[1:]] == ["a@contoso.com", "b@contoso.com"]
    failed_block = blocks[[h["id"] for h in heads if h].index(short_id(failed))].splitlines()
    assert failed_block[1].strip() == "(The recipient does not exist [smtp.550])"


def test_one_request_the_held_queue_and_incoming(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = submit(box, ["ops@contoso.com"], size=5000)
    now = time.time()
    hold = {"since": now - 60, "until": now + 600, "verdict": "service", "reason": BUSY}
    lines = mailq_lines(box.list(), hold=hold, now=now)
    assert lines[-1].startswith("-- ") and lines[-1].endswith(" Kbytes in 1 Request.")
    until = time.strftime("%H:%M", time.localtime(now + 600))
    assert lines[2].strip() == f"(queue held until {until}: Microsoft Graph is busy)"
    both = mailq_lines(box.list(), now=now, incoming=[("20261207T040000-0badf00d", 2048)])
    assert both[-1] == f"-- {(box.get(qid).size + 2048) // 1024} Kbytes in 2 Requests."
    assert any(x.startswith("20261207T040000-0badf00d") for x in both)
    assert mailq_lines([], incoming=[("x", 10)])[-1] == "-- 0 Kbytes in 1 Request."


def test_nothing_from_a_sender_reaches_the_terminal(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = submit(box, ["ops@contoso.com"])
    evil = {"title": "busy\x1b]0;pwned\x07\x1b[2J", "code": "x\x9b31m", "cause": "", "fix": ""}
    change(
        box,
        qid,
        attempts=1,
        last_error=evil,
        recipients=[{"address": "ops@contoso.com", "state": "pending", "last_error": evil}],
    )
    out = "\n".join(mailq_lines(box.list()))
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "busy" in out
