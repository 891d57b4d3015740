"""`alloy-tui status --check` (the monitoring plugin, run every minute on every server): wall
time and peak memory from process start to exit, against `python3 -c pass` (the interpreter
floor) measured in the same run, alternating; medians of runs.

    python benchmarks/bench_status_check.py [--runs 31]

Target (issue 13): at most 1.5x the floor. The check runs on the OK path: a sandbox sign-in,
one keep-alive, an outbox with a few pending messages, an alert log with a sent message. The
script is a console script as pip writes it (`#!python` calling alloy_tui.launch:main).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# A small launcher forks and execs the command and reports the child's own peak RSS: measured
# from this (big) process, a child's ru_maxrss would include the pages it was forked with.
LAUNCHER = (
    "import os, sys, time\n"
    "t = time.perf_counter()\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    fd = os.open(os.devnull, os.O_RDWR); os.dup2(fd, 1); os.dup2(fd, 2)\n"
    "    os.execv(sys.argv[1], sys.argv[1:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(time.perf_counter() - t, usage.ru_maxrss, os.waitstatus_to_exitcode(status))\n"
)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, exit code) of one run of `cmd` (cmd[0] an absolute path)."""
    out = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *cmd], env=env, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def prepare(folder: Path) -> Path:
    from alloy_tui.core.config import load
    from alloy_tui.core.health import keepalive
    from alloy_tui.core.outbox import Outbox
    from alloy_tui.core.signin import SignIn
    from alloy_tui.sandbox import Sandbox
    from alloy_tui.sandbox.session import config_text, write_config

    sb = Sandbox(auto_approve_after=0).start()
    cfg = folder / "config.toml"
    write_config(cfg, config_text(sb, folder))
    settings = load(cfg).settings
    signin = SignIn(settings, cfg)
    code = signin.start_device_flow()
    sb.approve(code.user_code, "alerts@contoso.example")
    signin.wait_for_device_flow(threading.Event())
    assert keepalive(settings, cfg).ok
    box = Outbox(folder / "queue")
    for i in range(5):
        raw = f"To: ops@contoso.example\nSubject: bench {i}\n\nbody\n".encode()
        box.submit(raw, recipients=["ops@contoso.example"], sender="", source="sendmail")
    sb.stop()  # the check needs no network
    return cfg


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=31)
    args = ap.parse_args()
    # As pip installs it: every module byte-compiled (PYTHONDONTWRITEBYTECODE would otherwise
    # make each run compile our modules from source).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "alloy_tui")], check=True)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        os.environ["ALLOY_TUI_STATE_DIR"] = str(folder / "state")
        cfg = prepare(folder)
        shim = folder / "alloy-tui"
        shim.write_text(
            f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
            "from alloy_tui.launch import main\nmain()\n"
        )
        shim.chmod(0o755)
        env = {**os.environ, "ALLOY_TUI_SYSLOG_SOCKET": str(folder / "none.sock")}
        check = [str(shim), "--config", str(cfg), "status", "--check"]
        floor = [sys.executable, "-c", "pass"]
        t_check: list[float] = []
        t_floor: list[float] = []
        m_check: list[int] = []
        m_floor: list[int] = []
        for _ in range(args.runs):
            took, rss, code = timed(check, env)
            if code != 0:
                raise SystemExit(f"status --check exited {code}, not 0 (OK)")
            t_check.append(took)
            m_check.append(rss)
            took, rss, _ = timed(floor, env)
            t_floor.append(took)
            m_floor.append(rss)
        tc, tf = statistics.median(t_check), statistics.median(t_floor)
        mc, mf = statistics.median(m_check), statistics.median(m_floor)
        print(
            f"status --check: {tc * 1000:.1f} ms, {mc / 1024:.1f} MiB peak RSS (median of {args.runs})"
        )
        print(f"python3 -c pass: {tf * 1000:.1f} ms, {mf / 1024:.1f} MiB peak RSS")
        print(f"ratio: {tc / tf:.2f}x time (target <= 1.5x), {mc / mf:.2f}x memory")


if __name__ == "__main__":
    main()
