"""The runner against the sandbox (real msal/httpx), with simulated time: sent, throttled with
Retry-After, 503 for an hour, a sign-in that needs the admin, refused From, pacing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.outbox import Outbox, open_outbox, run_queue
from alloy_tui.sandbox import Sandbox
from tests.helpers.clock import FakeClock
from tests.helpers.m365 import (
    ACCOUNT,
    log_entries,
    queued_settings,  # noqa: F401 - fixture `settings`
    settings_for,
    sign_in,
)


def mime(subject: str, from_: str = ACCOUNT) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = from_, "ops@contoso.example", subject
    m["Message-ID"] = f"<{subject.replace(' ', '-')}@web01>"
    m.set_content("body\n")
    return m.as_bytes()


def submit(settings: Settings, tmp_path: Path, clock: FakeClock, *subjects: str) -> list[str]:
    box = open_outbox(settings, tmp_path / "config.toml")
    box.clock = clock.now
    return [
        box.submit(mime(s), recipients=["ops@contoso.example"], sender=ACCOUNT, source="test")
        for s in subjects
    ]


def events(settings: Settings, name: str) -> list[dict[str, Any]]:
    return [e for e in log_entries(settings) if e["event"] == name]


def box_of(settings: Settings) -> Outbox:
    return Outbox(Path(settings.queue.path))


def test_drains_everything_with_one_token(sb: Sandbox, settings: Settings, tmp_path: Path) -> None:
    clock = FakeClock()
    ids = submit(settings, tmp_path, clock, "one", "two", "three")
    progress: list[str] = []
    summary = run_queue(
        settings, tmp_path / "config.toml", clock=clock, on_progress=progress.append
    )
    assert (summary.sent, summary.deferred, summary.failed, summary.pending) == (3, 0, 0, 0)
    assert {m.subject for m in sb.messages()} >= {"one", "two", "three"}
    assert box_of(settings).list() == []
    assert sorted(e["details"]["queue_id"] for e in events(settings, "mail.sent")) == sorted(ids)
    assert summary.token_acquisitions == 1 and len(progress) == 3
    assert not [r for r in sb.requests("entra") if r.path.endswith("/token")]


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_throttled_waits_for_retry_after_then_sends(
    sb: Sandbox, settings: Settings, tmp_path: Path, api: str
) -> None:
    settings = settings.with_section("exchange_online", api=api)
    clock = FakeClock()
    [qid] = submit(settings, tmp_path, clock, f"throttled {api}")
    sb.set_scenario("throttle", retry_after=300, api=api)
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
    assert (summary.sent, summary.deferred) == (0, 1)
    m = box_of(settings).get(qid)
    assert m.state == "pending" and m.attempts == 1 and m.last_error is not None
    assert m.next_attempt_at == datetime.fromtimestamp(clock.t + 300, UTC)  # not the 1 min
    [deferred] = events(settings, "mail.deferred")
    assert deferred["level"] == "warning" and deferred["details"]["queue_id"] == qid
    assert deferred["details"]["next_attempt_at"] and deferred["details"]["retry_after"] == 300
    assert "next attempt at" in deferred["message"]
    assert run_queue(settings, tmp_path / "config.toml", clock=clock).sent == 0  # not due yet
    clock.t += 300
    assert run_queue(settings, tmp_path / "config.toml", clock=clock).sent == 1
    assert box_of(settings).list() == []


def test_503_for_an_hour_stays_pending_then_fails_at_its_lifetime(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    settings = settings.with_section("queue", lifetime_hours=1)
    stop = threading.Event()
    clock = FakeClock(stop=stop)
    clock.until = clock.t + 2 * 3600
    ids = submit(settings, tmp_path, clock, "outage a", "outage b")
    start = clock.t
    sb.set_scenario("server_busy", retry_after=None, api="graph", count=None)  # no Retry-After
    summary = run_queue(settings, tmp_path / "config.toml", daemon=True, stop=stop, clock=clock)
    assert summary.sent == 0 and summary.failed == 2 and summary.pending == 0
    # Back-off 1, 2, 4, 8, 16, 32 minutes: six tries in the hour, one request each (the
    # second message waits behind the outage instead of doubling the load).
    deferred = events(settings, "mail.deferred")
    assert len(sb.requests("graph")) == len(deferred) == 6
    failed = events(settings, "mail.failed")
    assert sorted(f["details"]["queue_id"] for f in failed) == sorted(ids)
    for f in failed:
        assert f["level"] == "error" and "Not delivered within 1 hour" in f["message"]
        assert "busy" in f["details"]["cause"] and "queue retry" in f["details"]["fix"]
    assert all(m.state == "failed" for m in box_of(settings).list())
    offsets = [60, 180, 420, 900, 1860, 3600]  # the last one capped at the lifetime's end
    assert [d["details"]["next_attempt_at"] for d in deferred] == [
        datetime.fromtimestamp(start + o, UTC).isoformat().replace("+00:00", "Z") for o in offsets
    ]


def test_sign_in_needed_defers_and_says_sign_in_again(tmp_path: Path) -> None:
    with Sandbox() as own:  # its tokens get revoked: not the module's sandbox
        settings = settings_for(own, tmp_path).with_section(
            "queue", path=str(tmp_path / "queue"), max_per_minute=0
        )
        sign_in(own, settings, tmp_path / "config.toml")
        own.expire_access_tokens()
        own.revoke_refresh_tokens()
        signin_needed(settings, tmp_path)


def signin_needed(settings: Settings, tmp_path: Path) -> None:
    clock = FakeClock()
    [qid] = submit(settings, tmp_path, clock, "needs login")
    for _ in range(3):
        summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
        assert summary.failed == 0 and summary.pending == 1
        clock.t += 3600
    m = box_of(settings).get(qid)
    assert m.state == "pending" and m.attempts == 3
    last = events(settings, "mail.deferred")[-1]
    assert "alloy-tui login" in last["details"]["fix"]
    clock.t += 120 * 3600
    assert run_queue(settings, tmp_path / "config.toml", clock=clock).failed == 1
    assert "alloy-tui login" in events(settings, "mail.failed")[-1]["details"]["fix"]


def test_refused_from_fails_at_once_explained(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    clock = FakeClock()
    box = open_outbox(settings, tmp_path / "config.toml")
    box.clock = clock.now
    qid = box.submit(
        mime("spoof", from_="ceo@contoso.example"),
        recipients=["ops@contoso.example"],
        sender="ceo@contoso.example",
        source="test",
    )
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
    assert summary.failed == 1 and summary.deferred == 0
    m = box_of(settings).get(qid)
    assert m.state == "failed" and m.last_error is not None and m.attempts == 1
    [failed] = events(settings, "mail.failed")
    assert failed["details"]["queue_id"] == qid and failed["details"]["fix"]
    assert m.attempts_log and m.attempts_log[0]["code"] == failed["details"]["error_code"]


def test_pacing_never_more_than_max_per_minute(
    sb: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    settings = settings.with_section("queue", max_per_minute=2)
    clock = FakeClock()
    submit(settings, tmp_path, clock, *(f"paced {n}" for n in range(5)))
    started = clock.t
    summary = run_queue(settings, tmp_path / "config.toml", clock=clock)
    assert summary.sent == 5
    assert clock.t - started >= 120  # 2 now, 2 after a minute, 1 after two minutes
    times = [
        datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
        for e in events(settings, "mail.sent")
    ]
    assert len(times) == 5 and time.time() - times[0] < 60  # real time: no real sleeping
