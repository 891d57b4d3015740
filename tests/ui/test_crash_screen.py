"""An unexpected crash never prints local variables (they could hold a token)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from textual.widgets import Static
    from {module} import {cls}

    class Crashing({cls}):
        def on_mount(self) -> None:
            super_secret_token = "eyJTOKEN.PAYLOAD.SIGNATURE-must-not-show"
            raise RuntimeError("boom " + str(len(super_secret_token)))

    app = Crashing({args})
    async def main():
        async with app.run_test(size=(80, 24)):
            pass
    import asyncio
    try:
        asyncio.run(main())
    except Exception:
        pass
    from rich.console import Console
    console = Console(file=sys.stdout, width=100, color_system=None)
    for r in app._exit_renderables:
        console.print(r)
    """
)


def _run(module: str, cls: str, args: str, tmp: str) -> str:
    code = SCRIPT.format(module=module, cls=cls, args=args)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp
    )
    return out.stdout + out.stderr


def test_wizard_crash_shows_no_locals(tmp_path) -> None:
    text = _run(
        "alloy_tui.ui.app", "AlloyApp", f"Path({str(tmp_path / 'c.toml')!r})", str(tmp_path)
    )
    assert "RuntimeError" in text and "boom" in text  # the crash is reported...
    assert "eyJTOKEN" not in text  # ...without the local that held a token


def test_alertlog_crash_shows_no_locals(tmp_path) -> None:
    text = _run(
        "alloy_tui.ui.alertlog.app",
        "AlertLogApp",
        f"Path({str(tmp_path / 'a.jsonl')!r})",
        str(tmp_path),
    )
    assert "RuntimeError" in text and "boom" in text
    assert "eyJTOKEN" not in text
