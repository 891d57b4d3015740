"""F1 help names each key once: a step that lists every key does not get the list again."""

from __future__ import annotations

import re

import pytest

from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen

KEYS = ("^L", "^Q", "F1", "PgUp")


@pytest.mark.parametrize("screen", [WelcomeScreen, DoneScreen])
def test_help_lists_each_key_once(screen: type) -> None:
    text = screen.help_text()
    for key in KEYS:
        assert len(re.findall(re.escape(key), text)) <= 1, (key, text)
    assert "^L" in text and "^Q" in text  # still there, once
