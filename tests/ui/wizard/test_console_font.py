"""TERM=linux: glyphs the console font lacks are drawn with ones it has, one cell for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.console_font import FALLBACK, ConsoleFontFilter


def test_every_fallback_is_one_cell() -> None:
    for glyph, plain in FALLBACK.items():
        assert cell_len(glyph) == cell_len(plain) == 1, glyph


def test_the_filter_swaps_marks_and_borders() -> None:
    out = ConsoleFontFilter().apply(
        [Segment("✓ looks right "), Segment("▊▔▁▎ ╭─╮ ⚠")], Color(0, 0, 0)
    )
    text = "".join(s.text for s in out)
    assert text == "√ looks right ▌▀▄▐ ┌─┐ !"


@pytest.mark.parametrize("term", ["linux", "xterm-256color"])
async def test_the_wizard_uses_it_on_the_linux_console_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, term: str
) -> None:
    monkeypatch.setenv("TERM", term)
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test():
        used = any(isinstance(f, ConsoleFontFilter) for f in app._filters)
    assert used == (term == "linux")
