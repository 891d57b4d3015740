"""Small helpers for the alert-log screen's Pilot tests (not a test module)."""

from __future__ import annotations

from typing import Any

from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from tests.helpers.pilot import lines_of, screen_of, until  # noqa: F401 - until: shared with the tests here


def log_screen(app: AlertLogApp) -> AlertLogScreen:
    return screen_of(app, AlertLogScreen)


def rows(app: AlertLogApp) -> list[str]:
    """The list's rows as drawn (blank rows dropped)."""
    return lines_of(log_screen(app).view)


def drawn(app: AlertLogApp) -> list[str]:
    """The list's rows as drawn, blank rows kept."""
    return lines_of(log_screen(app).view, blank=True)


def status(app: AlertLogApp) -> str:
    return str(log_screen(app).query_one("#al-status").render())


def footer_text(app: Any) -> str:
    """The footer's key labels, as shown ("Esc Back / Search ...")."""
    from textual.widgets import Footer

    footer = app.screen.query_one(Footer)
    return " ".join(str(w.render()) for w in footer.children if w.display)


def cursor_details(app: AlertLogApp) -> dict[str, Any]:
    view = log_screen(app).view
    entry = view.entry_at(view.cursor_row)
    assert entry is not None
    return entry.details


async def ready(pilot: Any, app: AlertLogApp) -> AlertLogScreen:
    await until(pilot, lambda: isinstance(app.screen, AlertLogScreen) and not app.screen.scanning)
    return log_screen(app)
