"""A line that wraps keeps its indent: radio descriptions, the sent box, the alert log's details."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.widgets.choice import ChoiceList
from alloy_tui.ui.wizard.service_step import ServiceScreen
from tests.helpers.wizard import on, wait_for


def rendered(widget: object) -> list[str]:
    w = widget.size.width  # type: ignore[attr-defined]
    h = widget.size.height  # type: ignore[attr-defined]
    return [s.text.rstrip() for s in widget.render_lines(Region(0, 0, w, h))]  # type: ignore[attr-defined]


async def test_radio_descriptions_wrap_under_themselves(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test(size=(48, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.is_mounted)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.pause()
        lines = rendered(app.screen.query_one(ChoiceList))
    body = [line[2:] for line in lines[1:-1] if line[2:].strip()]  # inside the border
    assert len(body) > 6, lines  # the descriptions did wrap at this width
    for line in body:
        if "( )" in line or "(●)" in line:
            continue
        assert line.startswith(" " * 6), lines


def test_hanging_text_indents_continuations() -> None:
    from rich.console import Console

    from alloy_tui.ui.widgets.hanging import HangingText

    console = Console(width=30, record=True, color_system=None)
    console.print(HangingText("  Through:  SMTP server 127.0.0.1:40997 (STARTTLS), signed in"))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0].startswith("  Through:  SMTP")
    assert all(line.startswith(" " * 12) for line in lines[1:]) and len(lines) > 1, lines
    assert str(HangingText("a\nb")) == "a\nb"


def test_alert_log_details_wrap_under_their_column() -> None:
    from rich.console import Console

    from alloy_tui.ui.widgets.hanging import COLUMN_START, HangingText

    console = Console(width=32, record=True, color_system=None)
    text = "Event    test_message.sent\nMessage  Test message sent to ops@contoso.example via Graph"
    console.print(HangingText(text, COLUMN_START))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[1].startswith("Message  Test") and len(lines) > 2
    assert all(line.startswith(" " * 9) and line[9] != " " for line in lines[2:]), lines
