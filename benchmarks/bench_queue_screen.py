"""The queue screen (`alloy-tui queue --live`) in tmux at 80x24 on an outbox of 10,000 pending
messages, against a minimal Textual app measured in the same run (as bench_startup.py does).

Prints the median time from start to the first rows drawn (the newest message's subject on
screen), the same for the minimal app, the difference, the time End takes to show the oldest
message, and peak memory (VmHWM) once the whole outbox is read.

    python benchmarks/bench_queue_screen.py [--runs 5] [--messages 10000]

Targets (issue 12): first rows under 0.5 s above the Textual floor; memory under 60 MiB.
The outbox is built once per size with the real `Outbox.submit` and kept in /tmp.
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
sys.path.insert(0, str(ROOT))

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


def outbox(n: int) -> Path:
    """An outbox of ``n`` pending messages (built once, then reused)."""
    from alloy_tui.core.outbox import Outbox

    folder = Path(tempfile.gettempdir()) / f"alloy-bench-queue-{n}"
    if (folder / "done").exists():
        return folder
    box = Outbox(folder / "queue")
    for i in range(n):
        raw = f"To: ops@contoso.com\nSubject: Disk alert {i:05d}\n\n/var is 95% full\n".encode()
        box.submit(raw, recipients=["ops@contoso.com"], sender="srv@contoso.com", source="bench")
    (folder / "config.toml").write_text(f'[queue]\npath = "{folder / "queue"}"\n')
    (folder / "done").write_text("")
    return folder


class Tmux:
    def __init__(self) -> None:
        self.sock = f"alloy-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p")

    def wait(self, marker: str, start: float, timeout: float = 30.0, gone: bool = False) -> float:
        while True:
            if (marker in self.screen()) != gone:
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"{marker!r} never appeared:\n{self.screen()}")
            time.sleep(0.005)

    def peak_mib(self) -> float:
        pid = int(self.run("display", "-p", "#{pane_pid}").strip() or 0)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


def measure(command: str, marker: str, env: dict[str, str], scroll: str = "") -> tuple:
    """(seconds to ``marker``, to the whole outbox read, for End to show ``scroll``; peak MiB)."""
    tmux = Tmux()
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    try:
        start = time.perf_counter()
        tmux.run("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24",
                 f"exec env -i {exports} {command}")  # fmt: skip
        first = tmux.wait(marker, start)
        end_key = whole = 0.0
        if scroll:
            whole = tmux.wait("reading", start, gone=True)  # the whole outbox read
            pressed = time.perf_counter()
            tmux.run("send-keys", "End")
            end_key = tmux.wait(scroll, pressed)
        time.sleep(0.3)
        return first, whole, end_key, tmux.peak_mib()
    finally:
        tmux.run("kill-server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    n = args.messages
    folder = outbox(n)
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        env = {
            "TERM": "xterm-256color",
            "PATH": os.environ["PATH"],
            "HOME": tmp,
            "ALLOY_TUI_STATE_DIR": str(Path(tmp) / "state"),
            "PYTHONPATH": str(ROOT),
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
        }
        py = shlex.quote(sys.executable)
        config = shlex.quote(str(folder / "config.toml"))
        queue_cmd = f"{py} -m alloy_tui --config {config} queue --live"
        minimal_cmd = f"{py} {shlex.quote(str(minimal))}"
        newest, oldest = f"Disk alert {n - 1:05d}", "Disk alert 00000"
        measure(queue_cmd, newest, env)  # warm the caches for both
        measure(minimal_cmd, "MINIMAL-READY", env)
        q_t, q_all, q_end, q_m, m_t, m_m = [], [], [], [], [], []
        for _ in range(args.runs):  # interleaved: load on the machine hits both alike
            t, _, _, m = measure(minimal_cmd, "MINIMAL-READY", env)
            m_t.append(t)
            m_m.append(m)
            t, w, e, m = measure(queue_cmd, newest, env, scroll=oldest)
            q_t.append(t)
            q_all.append(w)
            q_end.append(e)
            q_m.append(m)
    med = statistics.median
    print(f"{n:,} pending messages, tmux 80x24, {args.runs} runs each, median (min..max)")
    print(f"minimal Textual app : {med(m_t) * 1000:6.0f} ms  peak {med(m_m):5.1f} MiB")
    print(
        f"queue, first rows   : {med(q_t) * 1000:6.0f} ms  ({min(q_t) * 1000:.0f}.."
        f"{max(q_t) * 1000:.0f})  peak {med(q_m):5.1f} MiB (whole outbox read)"
    )
    above = med(q_t) - med(m_t)
    print(f"above the floor     : {above * 1000:6.0f} ms  (target < 500 ms)")
    print(f"whole outbox read   : {med(q_all) * 1000:6.0f} ms (rows usable all along)")
    print(f"End to the oldest   : {med(q_end) * 1000:6.0f} ms")
    print(f"memory target       : < 60 MiB -> {'met' if med(q_m) < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
