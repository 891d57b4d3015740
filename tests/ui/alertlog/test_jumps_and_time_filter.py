"""e/E jump between warnings and errors; t cycles "last hour" and "today", T takes a time
typed as HH:MM; the time filter works with the level filter, on the file and on live lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alloy_tui.core.alertlog import AlertLogWriter
from alloy_tui.ui.alertlog import timefilter
from alloy_tui.ui.alertlog.app import AlertLogApp
from tests.helpers.alertlog_screen import cursor_details, ready, status, until

NOW = datetime.now(UTC)


def _line(i: int, level: str, when: datetime) -> str:
    obj = {
        "ts": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "level": level,
        "event": "notification.sent",
        "message": f"entry {i}",
        "details": {"i": i},
    }
    return json.dumps(obj, separators=(",", ":")) + "\n"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


async def test_e_and_E_jump_between_warnings_and_errors(tmp_path: Path) -> None:
    levels = ["info"] * 400
    for i, level in ((350, "error"), (200, "warning"), (20, "error")):  # far apart
        levels[i] = level
    log = _write(
        tmp_path / "alert_log.jsonl",
        [_line(i, lv, NOW - timedelta(seconds=400 - i)) for i, lv in enumerate(levels)],
    )
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        seen = []
        for _ in range(3):
            await pilot.press("e")
            await until(pilot, lambda: "Looking" not in status(app))
            seen.append(cursor_details(app)["i"])
        assert seen == [350, 200, 20]  # newest first, going down (older)
        await pilot.press("e")
        await pilot.pause()
        assert cursor_details(app)["i"] == 20
        assert "No warning or error below (older)" in status(app)
        await pilot.press("E")
        await pilot.pause()
        assert cursor_details(app)["i"] == 200
        await pilot.press("E", "E")
        await pilot.pause()
        assert cursor_details(app)["i"] == 350
        assert "No warning or error above (newer)" in status(app)
        # A warning that arrives while the screen is open is found too.
        AlertLogWriter(log).write("warning", "smtp.retry", "new one", {"i": 999})
        await until(pilot, lambda: len(app.screen.base) == 401)  # type: ignore[attr-defined]
        await pilot.press("E")
        await pilot.pause()
        assert cursor_details(app)["i"] == 999


async def test_t_filters_the_last_hour_and_today_and_T_since_a_time(tmp_path: Path) -> None:
    local_now = NOW.astimezone()
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    times = {
        0: midnight - timedelta(days=2),  # before today
        1: midnight - timedelta(minutes=1),  # yesterday, just
        2: max(midnight, local_now - timedelta(hours=3)),  # today, hours ago
        3: local_now - timedelta(minutes=30),  # in the last hour
        4: local_now - timedelta(minutes=5),
    }
    levels = {0: "error", 1: "info", 2: "error", 3: "info", 4: "error"}
    log = _write(tmp_path / "alert_log.jsonl", [_line(i, levels[i], times[i]) for i in times])
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, app)

        async def shown() -> list[int]:
            await until(pilot, lambda: "filter" not in screen.query_progress)
            view = screen.view
            return [view.entry_at(r).details["i"] for r in range(len(view.rows))]  # type: ignore[union-attr]

        await pilot.press("t")
        assert await shown() == [4, 3]
        assert "last hour" in status(app)
        await pilot.press("t")
        today = [i for i in (4, 3, 2) if times[i] >= midnight]
        assert await shown() == today and "today" in status(app)
        await pilot.press("l", "l")  # errors only, today
        assert await shown() == [i for i in today if levels[i] == "error"]
        assert "errors only · today" in status(app)
        await pilot.press("t")  # any time again: every error
        assert await shown() == [4, 2, 0]
        # T: since a time typed as HH:MM (here: 10 minutes ago, to the minute).
        since = local_now - timedelta(minutes=10)
        await pilot.press("l")  # all levels
        await pilot.press("T", *since.strftime("%H:%M"), "enter")
        assert await shown() == [4]
        assert f"since {since:%H:%M}" in status(app)
        # A line that arrives later passes the filter by its own time.
        AlertLogWriter(log).write("info", "notification.sent", "new", {"i": 5})
        await until(pilot, lambda: len(screen.view.rows) == 2)
        assert cursor_details(app)["i"] == 5
        await pilot.press("T", *"25:99", "enter")
        await pilot.pause()
        assert "is not a time" in status(app) and len(screen.view.rows) == 2
        await pilot.press("T", "enter")  # empty: any time
        assert len(await shown()) == 6


def test_time_choices() -> None:
    now = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    hour = timefilter.next_choice(None, now)
    assert hour is not None and hour.name == "last hour" and hour.since == now - timedelta(hours=1)
    today = timefilter.next_choice(hour, now)
    assert today is not None and today.since == datetime(2026, 3, 1, tzinfo=UTC)
    assert timefilter.next_choice(today, now) is None
    late = timefilter.since_hhmm("23:00", now)  # still to come today: last night
    assert late is not None and late.since == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    early = timefilter.since_hhmm("since 0105", now)
    assert early is not None and early.name == "since 01:05"
    assert early.since == datetime(2026, 3, 1, 1, 5, tzinfo=UTC)
    for bad in ("24:00", "12:60", "noon", ""):
        assert timefilter.since_hhmm(bad, now) is None
    assert timefilter.next_choice(early, now) is None  # t after T: any time
