"""Wizard start-up: time from process start to the first wizard screen fully drawn, in tmux at
80x24, against a minimal Textual app (Header, Footer, a Static) measured in the same run; and peak
memory (VmHWM) of each process once its first screen is up. Also lists which heavy libraries
(msal, httpx, exchangelib) the first screen loaded: it should be none.

    python benchmarks/bench_startup.py [--runs 9]

Targets (issue 4): time at most 1.15x the minimal app; peak memory at most 45 MiB.
Both programs run with a clean environment (env -i) and compiled bytecode, as after `pip install`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MINIMAL_APP = """
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

class Minimal(App):
    BINDINGS = [Binding("ctrl+q", "quit", "Quit")]
    def compose(self):
        yield Header()
        yield Static("MINIMAL-READY")
        yield Footer()

Minimal().run()
"""

HEAVY_PROBE = """
import asyncio, sys
from pathlib import Path
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen

async def main():
    app = AlloyApp(Path(sys.argv[1]))
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, WelcomeScreen):
            await pilot.pause(0.01)
        await pilot.pause(0.1)
    print(",".join(m for m in ("msal", "httpx", "exchangelib", "requests", "segno") if m in sys.modules))

asyncio.run(main())
"""


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(command: str, marker: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds to `marker` visible, peak MiB) for one run of `command` in a fresh tmux server."""
    sock = f"alloy-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    tmux = ["tmux", "-L", sock]
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    try:
        start = time.perf_counter()
        subprocess.run(
            [
                *tmux,
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
                f"exec env -i {exports} {command}",
            ],
            check=True,
        )
        deadline = start + 30
        while True:
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p"], capture_output=True, text=True
            ).stdout
            if marker in screen and "Quit" in screen:
                elapsed = time.perf_counter() - start
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{marker!r} never appeared:\n{screen}")
            time.sleep(0.005)
        pid = int(
            subprocess.run(
                [*tmux, "display", "-p", "#{pane_pid}"], capture_output=True, text=True
            ).stdout
        )
        time.sleep(0.3)  # let it settle, then read the high-water mark
        return elapsed, vm_hwm_kib(pid) / 1024
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        config = Path(tmp) / "config" / "config.toml"  # not created: the first-run welcome screen
        env = {
            "TERM": "xterm-256color",
            "PATH": os.environ["PATH"],
            "HOME": tmp,
            "ALLOY_TUI_STATE_DIR": str(Path(tmp) / "state"),
            "PYTHONPATH": str(ROOT),
            # As installed by pip: compiled bytecode is used. (This shell sets
            # PYTHONDONTWRITEBYTECODE=1, which would recompile alloy_tui on every start while
            # Textual's own .pyc files are there.) The cache goes to a temp folder, not the tree.
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
        }
        py = shlex.quote(sys.executable)
        wizard_cmd = f"{py} -m alloy_tui --config {shlex.quote(str(config))}"
        minimal_cmd = f"{py} {shlex.quote(str(minimal))}"
        measure(wizard_cmd, "Welcome", env)  # warm the file cache for both
        measure(minimal_cmd, "MINIMAL-READY", env)
        wiz_t, wiz_m, min_t, min_m = [], [], [], []
        for _ in range(args.runs):  # interleaved, so load on the machine hits both alike
            t, m = measure(minimal_cmd, "MINIMAL-READY", env)
            min_t.append(t)
            min_m.append(m)
            t, m = measure(wizard_cmd, "Config file:", env)
            wiz_t.append(t)
            wiz_m.append(m)
        heavy = subprocess.run(
            [sys.executable, "-c", HEAVY_PROBE, str(config)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        ).stdout.strip()

    mt, wt = statistics.median(min_t), statistics.median(wiz_t)
    print(f"runs: {args.runs} each, tmux 80x24, median (min..max)")
    print(
        f"minimal Textual app : {mt * 1000:7.0f} ms  ({min(min_t) * 1000:.0f}..{max(min_t) * 1000:.0f})  peak {statistics.median(min_m):5.1f} MiB"
    )
    print(
        f"wizard first screen : {wt * 1000:7.0f} ms  ({min(wiz_t) * 1000:.0f}..{max(wiz_t) * 1000:.0f})  peak {statistics.median(wiz_m):5.1f} MiB"
    )
    print(f"ratio wizard/minimal: {wt / mt:5.2f}x   (target <= 1.15x)")
    print(
        f"peak memory target  : <= 45 MiB -> {'met' if statistics.median(wiz_m) <= 45 else 'NOT met'}"
    )
    print(f"heavy modules loaded by the first screen: {heavy or 'none'}")


if __name__ == "__main__":
    main()
