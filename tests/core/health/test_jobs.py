"""The daemon's background jobs: each runs when due, a job that raises does not stop the
others, the thread sleeps between runs and stops at once; the keep-alive's first run follows
the last recorded refresh (at once when none)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.health import Job, daemon_jobs, run_jobs, start_jobs


def test_jobs_run_when_due_and_a_broken_one_does_not_stop_the_rest() -> None:
    stop = threading.Event()
    ran: list[str] = []

    def fast() -> float:
        ran.append("fast")
        return 1.0

    def broken() -> float:
        ran.append("broken")
        raise RuntimeError("boom")

    t = start_jobs([Job("fast", fast), Job("broken", broken, on_error=100.0)], stop)
    time.sleep(2.5)
    stop.set()
    t.join(2)
    assert not t.is_alive()
    assert ran.count("broken") == 1  # not again before on_error
    assert 2 <= ran.count("fast") <= 4


def test_a_stop_ends_the_wait_at_once() -> None:
    stop = threading.Event()
    t = threading.Thread(target=run_jobs, args=([Job("later", lambda: 1.0, first_in=3600)], stop))
    t.start()
    time.sleep(0.2)
    start = time.monotonic()
    stop.set()
    t.join(2)
    assert time.monotonic() - start < 0.5


def test_the_keepalive_comes_first_when_never_refreshed_and_waits_when_recent(
    tmp_path: Path,
) -> None:
    s = Settings().with_section("queue", path=str(tmp_path / "queue"))
    cfg = tmp_path / "config.toml"
    jobs = {j.name: j for j in daemon_jobs(s, cfg)}
    assert set(jobs) == {"keepalive", "watch"}
    assert jobs["keepalive"].first_in == 0.0
    (tmp_path / "queue").mkdir()
    (tmp_path / "queue" / "health.json").write_text(
        json.dumps({"last_refresh": time.time() - 3600})
    )
    first = {j.name: j for j in daemon_jobs(s, cfg)}["keepalive"].first_in
    assert 10.5 * 3600 < first < 11.5 * 3600  # 12 h after the last refresh
    smtp = Settings(service="smtp").with_section("queue", path=str(tmp_path / "queue"))
    assert [j.name for j in daemon_jobs(smtp, cfg)] == ["watch"]


def test_a_failing_job_is_one_line_said_once_never_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The daemon's health thread: a job that keeps failing the same way is said once on
    stderr (the journal), one line, no traceback; a new failure is said again."""
    stop = threading.Event()
    runs: list[int] = []
    ticks = iter(range(0, 10_000, 400))

    def broken() -> float:
        runs.append(1)
        if len(runs) >= 6:
            stop.set()
        if len(runs) <= 3:
            raise PermissionError(13, "Permission denied", "/var/lib/alloy-tui/alert_log.jsonl")
        raise RuntimeError("the webhook \x1b[2Jsaid no")

    run_jobs([Job("watch", broken)], stop, clock=lambda: float(next(ticks)))
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(runs) == 6
    assert err.splitlines() == [
        "alloy-tui: the background job watch failed: /var/lib/alloy-tui/alert_log.jsonl: "
        "Permission denied; it runs again later",
        "alloy-tui: the background job watch failed: the webhook said no; it runs again later",
    ], err
    assert "\x1b" not in err  # a webhook's reply never reaches the terminal raw
