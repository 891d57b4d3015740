"""The runner reads each failure's verdict (issue 19), against the sandbox (real msal/httpx/
exchangelib), with simulated time: a poison message fails alone and never holds the queue; a
service failure holds it, names its cause on disk, is probed with one message and lifted by the
first success or by `queue delete`; Retry-After is honoured as given; a flush goes on past a
message's own failure, waits out a short Retry-After, and stops only at a service verdict; an
access token the service no longer accepts is refreshed and the message sent at once."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.outbox import Outbox, open_outbox, read_hold, run_queue
from alloy_tui.sandbox import Sandbox
from tests.helpers.clock import FakeClock
from tests.helpers.m365 import (
    ACCOUNT,
    log_entries,
    queued_settings,  # noqa: F401 - fixture `settings`
    settings_for,
    sign_in,
)


def mime(subject: str, body: bytes = b"body\n") -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = ACCOUNT, "ops@contoso.example", subject
    m["Message-ID"] = f"<{subject.replace(' ', '-')}@web01>"
    m.set_content("body\n")
    raw = m.as_bytes()
    return raw.replace(b"body\n", body) if body != b"body\n" else raw


def submit(settings: Settings, tmp_path: Path, clock: FakeClock, *raws: bytes) -> list[str]:
    box = open_outbox(settings, tmp_path / "config.toml")
    box.clock = clock.now
    ids = []
    for raw in raws:  # a second apart: the oldest is tried first
        ids.append(box.submit(raw, recipients=["ops@contoso.example"], sender=ACCOUNT, source="t"))
        clock.t += 1
    return ids


def events(settings: Settings, name: str) -> list[dict[str, Any]]:
    return [e for e in log_entries(settings) if e["event"] == name]


def delivered(sb: Sandbox) -> Counter[str]:
    return Counter(m.subject for m in sb.messages())


def test_poison_messages_fail_alone_and_the_others_go_once(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    sb.set_scenario("refuse_content", marker="POISON", count=None)
    clock = FakeClock()
    before = delivered(sb)
    raws = [
        mime("clean 1"),
        mime("POISON first, the oldest"),
        mime("cron output with a NUL", body=b"line one\x00line two\n"),  # made sendable
        mime("clean 2"),
        mime("POISON by marker"),
        mime("clean 3"),
    ]
    ids = submit(settings, tmp_path, clock, *raws)
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
    assert (summary.sent, summary.failed, summary.deferred, summary.pending) == (4, 2, 0, 0)
    assert summary.hold is None and read_hold(Path(settings.queue.path)) is None
    got = delivered(sb) - before
    assert got == Counter({"clean 1": 1, "cron output with a NUL": 1, "clean 2": 1, "clean 3": 1})
    failed = events(settings, "mail.failed")
    assert sorted(f["details"]["queue_id"] for f in failed) == sorted([ids[1], ids[4]])
    for f in failed:
        assert f["details"]["error_code"] == "ErrorMimeContentConversionFailed"
        assert f["details"]["verdict"] == "message"
    assert clock.slept == []  # nothing waited: no hold, no back-off for the others


def test_a_service_failure_holds_names_its_cause_and_the_first_success_lifts_it(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    clock = FakeClock()
    box = Outbox(Path(settings.queue.path))
    ids = submit(settings, tmp_path, clock, mime("held a"), mime("held b"), mime("held c"))
    sb.set_scenario("server_busy", retry_after=None, api="graph", count=None)
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
    assert (summary.deferred, summary.pending) == (1, 3)  # one probe, not one request each
    hold = read_hold(box.path)
    assert hold is not None and hold == summary.hold
    assert hold["verdict"] == "service" and hold["queue_id"] == ids[0]
    assert hold["reason"]["code"] == "ServiceUnavailable"
    assert hold["until"] == clock.t + 60  # no Retry-After: the back-off
    assert [box.get(q).attempts for q in ids] == [1, 0, 0]
    # Still held: a run before `until` tries nothing.
    assert run_queue(settings, tmp_path / "config.toml", clock=clock).deferred == 0
    # The hold ends and is probed with one message; still busy: renewed, twice as long.
    clock.t = hold["until"]
    run_queue(settings, tmp_path / "config.toml", clock=clock)
    again = read_hold(box.path)
    assert again is not None and again["probes"] == 2 and again["since"] == hold["since"]
    assert again["until"] == clock.t + 120
    assert sum(box.get(q).attempts for q in ids) == 2
    # Microsoft is back: the probe succeeds, the hold is lifted, everything goes.
    sb.clear_scenarios()
    clock.t = again["until"]
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
    assert summary.sent == 3 and summary.hold is None and read_hold(box.path) is None


def test_retry_after_is_honoured_as_given(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    clock = FakeClock()
    [qid] = submit(settings, tmp_path, clock, mime("retry after 3"))
    sb.set_scenario("throttle", retry_after=3, api="graph")
    run_queue(settings, tmp_path / "config.toml", clock=clock)
    m = Outbox(Path(settings.queue.path)).get(qid)
    assert m.next_attempt_at is not None and m.next_attempt_at.timestamp() == clock.t + 3
    [deferred] = events(settings, "mail.deferred")
    assert deferred["details"]["retry_after"] == 3


def test_a_flush_goes_past_poison_and_waits_out_a_short_retry_after(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    sb.set_scenario("refuse_content", marker="POISON", count=None)
    clock = FakeClock()
    submit(
        settings,
        tmp_path,
        clock,
        mime("POISON one"),
        mime("POISON two"),
        mime("flush a"),
        mime("flush b"),
    )
    sb.set_scenario("throttle", retry_after=2, api="graph", count=1)
    progress: list[str] = []
    summary = run_queue(
        settings, tmp_path / "config.toml", clock=clock, flush=True, on_progress=progress.append
    )
    assert (summary.sent, summary.failed, summary.deferred, summary.pending) == (2, 2, 0, 0)
    assert clock.slept == [2]  # the Retry-After waited out, then the same message again
    assert any("waiting 2 s" in p for p in progress)


def test_a_flush_stops_only_at_a_service_verdict_and_says_why(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    clock = FakeClock()
    ids = submit(settings, tmp_path, clock, mime("stop a"), mime("stop b"), mime("stop c"))
    sb.set_scenario("server_busy", retry_after=None, api="graph", count=None)
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock, flush=True)
    assert (summary.deferred, summary.pending) == (1, 3)
    assert summary.hold is not None and summary.hold["reason"]["title"]
    box = Outbox(Path(settings.queue.path))
    assert [box.get(q).attempts for q in ids] == [1, 0, 0]
    # A Retry-After over a minute is not waited out by a flush either.
    sb.clear_scenarios()
    sb.set_scenario("server_busy", retry_after=300, api="graph", count=None)
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock, flush=True)
    assert summary.hold is not None and summary.hold["until"] == clock.t + 300
    assert clock.slept == []


def test_deleting_a_held_message_lifts_the_hold_without_sighup(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    clock = FakeClock()
    box = Outbox(Path(settings.queue.path))
    poison, other = submit(settings, tmp_path, clock, mime("held poison"), mime("held other"))
    sb.set_scenario("server_busy", retry_after=None, api="graph", count=1)
    stop = threading.Event()
    clock.stop, clock.until = stop, clock.t + 30  # a daemon, for 30 simulated seconds
    run_queue(settings, tmp_path / "config.toml", daemon=True, stop=stop, clock=clock)
    assert read_hold(box.path) is not None  # held for 60 s: nothing went in those 30
    box.delete(poison)
    assert read_hold(box.path) is None
    stop.clear()
    clock.until = clock.t + 10
    summary = run_queue(settings, tmp_path / "config.toml", daemon=True, stop=stop, clock=clock)
    assert summary.sent == 1 and delivered(sb)["held other"] == 1
    assert other not in box.ids()


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_an_access_token_refused_as_expired_is_refreshed_and_the_message_sent_at_once(
    tmp_path: Path, api: str
) -> None:
    with Sandbox() as own:  # its tokens are expired server-side: not the module's sandbox
        settings = settings_for(own, tmp_path, api=api).with_section(
            "queue", path=str(tmp_path / "queue"), max_per_minute=0
        )
        sign_in(own, settings, tmp_path / "config.toml")
        clock = FakeClock()
        submit(settings, tmp_path, clock, mime(f"after expiry {api}"))
        own.expire_access_tokens()  # the client still thinks its token is good
        summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
        assert (summary.sent, summary.deferred) == (1, 0)
        assert [m.subject for m in own.messages()] == [f"after expiry {api}"]


def test_a_settings_hold_ends_when_the_config_changes(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    clock = FakeClock()
    clock.t = time.time()  # the config file's mtime is real time
    [qid] = submit(settings, tmp_path, clock, mime("no mailbox yet"))
    sb.set_scenario("mailbox_not_enabled", count=None)
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
    assert summary.hold is not None and summary.hold["verdict"] == "settings"
    assert run_queue(settings, tmp_path / "config.toml", clock=clock).deferred == 0  # held
    sb.clear_scenarios()  # the admin licensed the mailbox and saved the config
    cfg = tmp_path / "config.toml"
    cfg.write_text("# saved\n")
    later = summary.hold["since"] + 5
    os.utime(cfg, (later, later))
    summary = run_queue(settings, cfg, clock=clock)  # still before the hold's end
    assert summary.sent == 1 and summary.hold is None
    assert qid not in Outbox(Path(settings.queue.path)).ids()
