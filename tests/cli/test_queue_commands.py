"""`alloy-tui queue list/show/retry/delete` against a real outbox folder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.core.outbox import Outbox

CONFIG = (
    'service = "exchange-online"\n[exchange_online]\ntenant = "contoso.onmicrosoft.com"\n'
    'client_id = "11111111-2222-3333-4444-555555555555"\naccount = "alerts@contoso.com"\n'
    # A runner started here must never reach Microsoft: nothing listens on port 9.
    'login_endpoint = "https://127.0.0.1:9"\ngraph_endpoint = "https://127.0.0.1:9"\n'
    '[alert_log]\npath = "{d}/alert_log.jsonl"\n[queue]\npath = "{d}/queue"\n'
)
FAILURE = {
    "title": "The recipient was refused",
    "code": "ErrorInvalidRecipients",
    "cause": "nobody@contoso.com does not exist.",
    "fix": "Correct the address.",
}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Outbox]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(d=tmp_path))
    return config, Outbox(tmp_path / "queue")


def queue(box: Outbox, subject: str, to: str = "ops@contoso.com") -> str:
    raw = f"From: a@contoso.com\nTo: {to}\nSubject: {subject}\n\nbody\n".encode()
    return box.submit(raw, recipients=[to], sender="alerts@contoso.com", source="sendmail")


def make_failed(box: Outbox, qid: str) -> None:
    meta = box.read_meta(qid)
    assert meta is not None
    meta.update(state="failed", attempts=1, last_error=FAILURE)
    meta["attempts_log"] = [{"at": "2026-12-02T04:40:00Z", **FAILURE}]
    box.write_meta(meta)


def invoke(config: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["--config", str(config), *args], input=stdin)
    return r.exit_code, r.output


def test_list_text_and_empty(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    assert invoke(config, "queue", "list") == (0, "The queue is empty.\n")
    qid = queue(box, "Disk /var 95% full")
    code, out = invoke(config, "queue", "list")
    assert code == 0
    assert out.startswith(qid.split("-")[1] + " ") and qid not in out  # the short form
    assert "pending" in out and "ops@contoso.com" in out
    assert "Disk /var 95% full" in out and "due now" in out and "1 pending." in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_list_json_contract(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    first = queue(box, "one")
    time.sleep(0.01)
    second = queue(box, "two", to="b@contoso.com")
    make_failed(box, second)
    code, out = invoke(config, "queue", "list", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["id"] for r in rows} == {first, second}
    row = next(r for r in rows if r["id"] == first)
    assert set(row) == {
        "id",
        "state",
        "queued_at",
        "attempts",
        "next_attempt_at",
        "to",
        "from",
        "subject",
        "size",
        "last_error",
        "details",  # e.g. submitted_by, for mail from the maildrop; {} otherwise
        "recipients",  # each recipient's address, state and last error (issue 19)
    }
    assert row["recipients"] == [
        {"address": "ops@contoso.com", "state": "pending", "last_error": None}
    ]
    assert (
        row["state"] == "pending"
        and row["to"] == ["ops@contoso.com"]
        and row["from"] == "alerts@contoso.com"
    )
    assert (
        row["queued_at"].endswith("Z") and row["queued_at"][10] == "T" and row["last_error"] is None
    )
    assert isinstance(row["size"], int) and row["size"] == len(box.read_raw(first))
    failed = next(r for r in rows if r["id"] == second)
    assert failed["state"] == "failed"
    assert failed["last_error"] == {"title": FAILURE["title"], "code": FAILURE["code"]}


@pytest.mark.parametrize(
    ("state", "subjects"), [("pending", ["one"]), ("failed", ["two"]), ("all", ["one", "two"])]
)
def test_list_state_filter(setup: tuple[Path, Outbox], state: str, subjects: list[str]) -> None:
    config, box = setup
    queue(box, "one")
    make_failed(box, queue(box, "two"))
    code, out = invoke(config, "queue", "list", "--json", "--state", state)
    assert code == 0
    assert sorted(json.loads(line)["subject"] for line in out.splitlines()) == subjects


def test_show_headers_and_explained_attempts(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    qid = queue(box, "report")
    make_failed(box, qid)
    code, out = invoke(config, "queue", "show", qid)
    assert code == 0
    assert f"Message {qid}: failed" in out
    assert "  Subject: report" in out and "  To: ops@contoso.com" in out
    assert "The recipient was refused [ErrorInvalidRecipients]" in out
    assert "Why: nobody@contoso.com does not exist." in out and "Fix: Correct the address." in out


def test_show_unknown_and_malformed_ids(setup: tuple[Path, Outbox]) -> None:
    config, _ = setup
    code, out = invoke(config, "queue", "show", "20261202T043512-3f9a1c7e")
    assert code == 2 and "No such queued message" in out
    code, out = invoke(config, "queue", "show", "../../etc/passwd")
    assert code == 2 and "not a queue id" in out


def test_retry_failed_back_to_pending(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    qid = queue(box, "x")
    make_failed(box, qid)
    code, out = invoke(config, "queue", "retry", "--failed")
    assert code == 0 and f"{qid}: pending, due now." in out
    assert box.get(qid).state in ("pending", "sending")  # the runner retry started may hold it
    assert invoke(config, "queue", "retry", "--failed") == (0, "No failed messages.\n")


def test_retry_needs_ids_or_failed(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    assert invoke(config, "queue", "retry")[0] == 2
    assert invoke(config, "queue", "retry", "--failed", queue(box, "x"))[0] == 2


def test_delete_asks_needs_yes_without_terminal(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    qid = queue(box, "x")
    code, out = invoke(config, "queue", "delete", qid)  # CliRunner's stdin is not a terminal
    assert code == 2 and "--yes" in out
    assert box.get(qid).state == "pending"
    code, out = invoke(config, "queue", "delete", "--yes", qid)
    assert code == 0 and f"{qid}: deleted." in out
    assert box.list() == []
    events = [
        json.loads(x)["event"] for x in (config.parent / "alert_log.jsonl").read_text().splitlines()
    ]
    assert events == ["mail.deleted"]  # the CLI opens the outbox with the alert log wired in


def test_delete_failed_only(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    keep = queue(box, "keep")
    make_failed(box, queue(box, "drop"))
    assert invoke(config, "queue", "delete", "--failed", "--yes")[0] == 0
    assert [m.id for m in box.list()] == [keep]


def test_unknown_id_is_bad_input_everywhere(setup: tuple[Path, Outbox]) -> None:
    """A queue id that names no message is bad input (exit 2) for show, retry and delete alike,
    and nothing is done when one of several ids is wrong."""
    config, box = setup
    keep = queue(box, "keep")
    for command in (["show"], ["retry"], ["delete", "--yes"]):
        code, out = invoke(config, "queue", *command, "20261202T043512-3f9a1c7e")
        assert code == 2 and "No such queued message" in out, (command, out)
        code, out = invoke(config, "queue", *command, "abcdef12")
        assert code == 2 and "no queued message has the id 'abcdef12'" in out, (command, out)
    code, out = invoke(config, "queue", "delete", "--yes", keep, "20261202T043512-3f9a1c7e")
    assert code == 2 and [m.id for m in box.list()] == [keep]


def test_status_shows_pending_failed_and_oldest_age(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    # No app registration: status stops before any sign-in check, and still reports the queue.
    config.write_text(
        f'[alert_log]\npath = "{tmp_path}/log.jsonl"\n[queue]\npath = "{tmp_path}/queue"\n'
    )
    assert "Queue: empty" in invoke(config, "status")[1]
    box = Outbox(tmp_path / "queue")
    queue(box, "one")
    make_failed(box, queue(box, "two"))
    code, out = invoke(config, "status")
    assert code == 1  # not ready to send: unchanged by the queue
    line = next(x for x in out.splitlines() if x.startswith("Queue:"))
    assert line.startswith("Queue: 1 pending (oldest ") and " s)" in line
    assert "1 failed" in line
    assert "no runner is retrying them now (run `alloy-tui queue run`)" in line


def test_list_lines_fit_80_columns_with_many_recipients(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    many = [f"person{i}@example.com" for i in range(6)]
    raw = b"To: x@example.com\nSubject: " + b"s" * 120 + b"\n\nbody\n"
    box.submit(raw, recipients=many, sender="alerts@contoso.com", source="sendmail")
    code, out = invoke(config, "queue", "list")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "person0@example.com +5 more" in out and "…" not in out.splitlines()[0]


def twins(box: Outbox) -> tuple[str, str]:
    """Two queued messages whose short forms share their first 6 characters."""
    raw = b"To: ops@contoso.com\nSubject: twin\n\nbody\n"
    first = box.submit(raw, recipients=["ops@contoso.com"], sender="", source="t")
    second = first[:-2] + ("00" if first[-2:] != "00" else "11")
    copy = box.path / "messages" / f"{second}.eml"
    copy.write_bytes((box.path / "messages" / f"{first}.eml").read_bytes())
    copy.chmod(0o600)
    meta = box.read_meta(first)
    assert meta is not None
    meta["id"] = second
    box.write_meta(meta)
    return first, second


def test_short_ids_and_unique_prefixes(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    qid = queue(box, "short")
    short = qid.split("-")[1]
    for typed in (short, short[:6], qid[:-2], qid.upper().replace("T", "t", 1)):
        code, out = invoke(config, "queue", "show", typed)
        assert code == 0 and f"Message {qid}:" in out, (typed, out)
    make_failed(box, qid)
    code, out = invoke(config, "queue", "retry", short[:7])
    assert code == 0 and f"{qid}: pending, due now." in out
    code, out = invoke(config, "queue", "delete", "--yes", short)
    assert code == 0 and f"{qid}: deleted." in out and box.list() == []


def test_short_prefix_too_short_or_ambiguous_is_bad_input(setup: tuple[Path, Outbox]) -> None:
    config, box = setup
    first, second = twins(box)
    for command in (["show"], ["retry"], ["delete", "--yes"]):
        code, out = invoke(config, "queue", *command, first.split("-")[1][:5])
        assert code == 2 and "too short" in out, out
        code, out = invoke(config, "queue", *command, first.split("-")[1][:6])
        assert code == 2 and "names 2 queued messages" in out, out
        assert first in out and second in out  # the candidates, to pick from
    assert len(box.list()) == 2
    code, out = invoke(config, "queue", "list")
    assert first.split("-")[1] in out and second.split("-")[1] in out
    code, out = invoke(config, "queue", "show", second.split("-")[1])
    assert code == 0 and f"Message {second}:" in out


def test_show_says_each_state_once(setup: tuple[Path, Outbox]) -> None:
    """No doubled words: "failed", not "failed (failed)"; "sending now" while a runner has it."""
    config, box = setup
    failed = queue(box, "failed one")
    make_failed(box, failed)
    first = invoke(config, "queue", "show", failed)[1].splitlines()[0]
    assert first == f"Message {failed}: failed", first
    sending = queue(box, "sending one")
    claim = box.claim(sending)
    assert claim is not None
    with claim:
        first = invoke(config, "queue", "show", sending)[1].splitlines()[0]
    assert first == f"Message {sending}: sending now", first
    pending = invoke(config, "queue", "show", queue(box, "pending one"))[1].splitlines()[0]
    assert pending.endswith(": pending (due now)"), pending
    for line in invoke(config, "queue", "show", failed)[1].splitlines():
        words = line.split()
        assert not any(a == b and a.isalpha() for a, b in zip(words, words[1:], strict=False)), line
