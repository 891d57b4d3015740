"""At 60x20 the wizard still says which step this is and shows the field being edited, and the
footer keeps ^Q Quit: the less common keys fold behind F1, whose help lists them all."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.dialogs import HelpScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from tests.helpers.alertlog_screen import footer_text
from tests.helpers.wizard import to_registration, wait_for


def _title(app: AlloyApp) -> str:
    return str(app.screen.query_one("#titlebar", Static).content)


def _visible(app: AlloyApp) -> bool:
    """The focused field is on screen, not scrolled away under the title or the footer."""
    focused = app.focused
    assert isinstance(focused, Input)
    x, y = focused.region.offset
    if not app.screen.region.contains(x + 2, y + 1):
        return False
    widget, _ = app.screen.get_widget_at(x + 2, y + 1)
    return widget is focused


async def test_step_title_field_and_quit_stay_visible_at_60x20(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "cfg" / "config.toml")
    async with app.run_test(size=(60, 20)) as pilot:
        await to_registration(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="a field")
        await pilot.pause()
        assert _title(app).startswith("Step 2 of ") and "App registration" in _title(app)
        assert not app.screen.query_one(".step-heading").display  # not twice
        for field in ("tenant", "client_id"):
            await wait_for(pilot, lambda f=field: app.focused.id == f, what=field)  # type: ignore[union-attr]
            await pilot.press(*"abc")
            await pilot.pause()
            assert _visible(app), field
            assert "App registration" in _title(app)
            await pilot.press("tab")
        shown = footer_text(app)
        assert shown.endswith("^Q Quit") and "F1 More keys" in shown, shown
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-text Static", Static).content)
        assert "Keys here:" in text and "^L Alert log" in text and "^Q Quit" in text
        await pilot.press("escape")
        # Back to a roomy terminal: the heading returns to the body, every key to the footer.
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "More keys" not in footer_text(app), what="all keys")
        assert _title(app).startswith("alloy-tui setup")
        assert app.screen.query_one(".step-heading").display
        assert isinstance(app.screen, RegistrationScreen)
        assert "^L Alert log" in footer_text(app) and footer_text(app).endswith("^Q Quit")
