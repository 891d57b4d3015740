"""The live alert-log screen in tmux at 120x40, against toolong (`tl`), `tail -f` and a minimal
Textual app, on generated logs of 100,000 and 1,000,000 entries (about 200 bytes each).

Prints, per tool and size: time from start to the first rows visible (median of several runs),
peak memory (VmHWM of the process once it has settled) and, at 1,000,000 entries, the latency from
an append to the entry being visible (median and p90 over 50 appends).

toolong is looked for in /tmp/tl-venv (`python3 -m venv /tmp/tl-venv && /tmp/tl-venv/bin/pip
install toolong`); without it the script says so and measures the rest.

    python benchmarks/bench_alertlog_screen.py [--runs 5] [--appends 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_log import cached  # noqa: E402

TOOLONG = Path("/tmp/tl-venv/bin/tl")
FLOOR_APP = """
from textual.app import App
from textual.widgets import Static

class Floor(App):
    def compose(self):
        yield Static("READY-FLOOR")

Floor().run()
"""


class Tmux:
    def __init__(self) -> None:
        self.sock = f"alloy-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True)

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        cmd = " ".join(_quote(a) for a in ["env", *(f"{k}={v}" for k, v in env.items()), *argv])
        self.run("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "b").stdout

    def pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", "b", "#{pane_pid}").stdout.strip() or 0)

    def kill(self) -> None:
        self.run("kill-server")


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def wait_for(tmux: Tmux, cond: Callable[[str], bool], timeout: float = 30.0) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if cond(tmux.screen()):
            return time.perf_counter()
        time.sleep(0.003)
    return None


def peak_mib(pid: int) -> float:
    """VmHWM of the process and its children (toolong and alloy-tui are one process each)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return float("nan")


def tools(
    log: Path, floor_script: Path
) -> dict[str, tuple[list[str], dict[str, str], Callable[[str], bool]]]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "TERM": "xterm-256color",
    }
    state = Path(tempfile.mkdtemp(prefix="alloy-bench-state-"))
    (state / "alert_log.jsonl").symlink_to(log)
    alloy_env = dict(env, ALLOY_TUI_STATE_DIR=str(state), ALLOY_TUI_CONFIG=str(state / "none.toml"))
    last = last_message(log)
    out: dict[str, tuple[list[str], dict[str, str], Callable[[str], bool]]] = {
        "tail -f": (["tail", "-f", str(log)], env, lambda s: last in s),
        "textual floor": ([sys.executable, str(floor_script)], env, lambda s: "READY-FLOOR" in s),
        "alloy-tui log --live": (
            [sys.executable, "-m", "alloy_tui", "log", "--live"],
            alloy_env,
            lambda s: last in s,
        ),
    }
    if TOOLONG.exists():
        out["toolong (tl)"] = ([str(TOOLONG), str(log)], env, lambda s: last in s)
    return out


def last_message(log: Path) -> str:
    with open(log, "rb") as f:
        f.seek(max(0, log.stat().st_size - 4096))
        line = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1].decode()
    start = line.index('"message":"') + len('"message":"')
    return line[start : start + 20]  # e.g. "Notification 999999 "


def settled(tool: str) -> Callable[[str], bool]:
    if tool.startswith("alloy"):
        return lambda s: "entries" in s and "indexing" not in s
    return lambda s: True


def measure_start(name: str, spec: tuple, runs: int) -> tuple[float, float]:
    argv, env, ready = spec
    times, peaks = [], []
    for _ in range(runs):
        tmux = Tmux()
        try:
            t0 = time.perf_counter()
            tmux.start(argv, env)
            t1 = wait_for(tmux, ready)
            if t1 is None:
                print(f"  {name}: rows never appeared:\n{tmux.screen()}")
                return float("nan"), float("nan")
            times.append(t1 - t0)
            wait_for(tmux, settled(name), timeout=60)
            time.sleep(1.5 if not name.startswith("alloy") else 0.3)  # toolong scans after showing
            peaks.append(peak_mib(tmux.pid()))
        finally:
            tmux.kill()
    return statistics.median(times), max(peaks)


def measure_latency(name: str, spec: tuple, log: Path, appends: int) -> tuple[float, float]:
    argv, env, ready = spec
    size = log.stat().st_size
    tmux = Tmux()
    lat: list[float] = []
    try:
        tmux.start(argv, env)
        if wait_for(tmux, ready) is None:
            return float("nan"), float("nan")
        wait_for(tmux, settled(name), timeout=60)
        time.sleep(0.5)
        for _ in range(appends):
            mark = f"MARK{uuid.uuid4().hex[:10]}"
            line = (
                '{"ts":"2026-06-01T00:00:00.000Z","level":"info","event":"bench.append",'
                f'"message":"{mark} appended","details":{{}}}}\n'
            )
            fd = os.open(log, os.O_WRONLY | os.O_APPEND)
            t0 = time.perf_counter()
            os.write(fd, line.encode())
            os.close(fd)
            t1 = wait_for(tmux, lambda s, m=mark: m in s, timeout=5)
            lat.append((t1 - t0) if t1 else float("nan"))
            time.sleep(0.05)
    finally:
        tmux.kill()
        os.truncate(log, size)  # back to the generated content
    good = sorted(x for x in lat if x == x)
    if not good:
        return float("nan"), float("nan")
    return statistics.median(good), good[min(len(good) - 1, int(0.9 * len(good)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--appends", type=int, default=50)
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed")
    if not TOOLONG.exists():
        print(
            f"toolong is missing ({TOOLONG}): python3 -m venv /tmp/tl-venv && /tmp/tl-venv/bin/pip install toolong"
        )
    floor_script = Path(tempfile.mkdtemp(prefix="alloy-bench-")) / "floor_app.py"
    floor_script.write_text(FLOOR_APP)
    results: dict[tuple[str, int], tuple[float, float]] = {}
    print(f"tmux 120x40, median of {args.runs} starts; peak = VmHWM after settling\n")
    for n in (10_000, 100_000, 1_000_000):
        log = cached(n)
        print(f"{n:,} entries ({log.stat().st_size / 1024 / 1024:.0f} MiB)")
        for name, spec in tools(log, floor_script).items():
            if n == 10_000 and not name.startswith("alloy"):
                continue  # 10,000 only as the memory baseline for alloy-tui
            t, m = measure_start(name, spec, args.runs)
            results[(name, n)] = (t, m)
            print(f"  {name:<22} first rows {t * 1000:7.0f} ms   peak {m:6.1f} MiB")
        print()
    log = cached(1_000_000)
    print(f"append -> visible at 1,000,000 entries, {args.appends} appends")
    lat = {}
    for name, spec in tools(log, floor_script).items():
        if name == "textual floor":
            continue
        med, p90 = measure_latency(name, spec, log, args.appends)
        lat[name] = med
        print(f"  {name:<22} median {med * 1000:6.1f} ms   p90 {p90 * 1000:6.1f} ms")
    print()
    alloy = "alloy-tui log --live"
    t_alloy, m_alloy = results[(alloy, 1_000_000)]
    t_floor = results[("textual floor", 1_000_000)][0]
    print("targets at 1,000,000 entries")
    if ("toolong (tl)", 1_000_000) in results:
        t_tl = results[("toolong (tl)", 1_000_000)][0]
        print(f"  first rows vs toolong: {t_alloy / t_tl:.2f}x (target < 0.6x)")
    print(
        f"  first rows above the minimal Textual app: {(t_alloy - t_floor) * 1000:.0f} ms (target <= 150 ms)"
    )
    print(f"  peak memory: {m_alloy:.1f} MiB (target < 60 MiB)")
    print(
        f"  peak memory vs 10,000 entries: {m_alloy / results[(alloy, 10_000)][1]:.2f}x (target <= 1.3x)"
    )
    print(f"  append -> visible median: {lat[alloy] * 1000:.1f} ms (target < 30 ms)")


if __name__ == "__main__":
    main()
