"""The queue daemon at rest: CPU over a quiet period with an empty queue, and resident memory.

    python benchmarks/bench_daemon_idle.py [--seconds 600]

Targets (issue 13): under 0.1% of one core idle (it sleeps until the next due message, the
keep-alive or the runner's poll; no busy loop) and at most 40 MiB resident. The daemon runs as
`python -m alloy_tui queue run --daemon` against a signed-in sandbox config; the first
keep-alive (at start, as no refresh was recorded) is done before measuring.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600.0)
    args = ap.parse_args()
    from alloy_tui.sandbox import Sandbox
    from alloy_tui.sandbox.session import config_text, write_config

    with tempfile.TemporaryDirectory() as d, Sandbox(auto_approve_after=0) as sb:
        folder = Path(d)
        env = {**os.environ, "ALLOY_TUI_STATE_DIR": str(folder / "state"), "PYTHONPATH": str(ROOT)}
        cfg = folder / "config.toml"
        write_config(cfg, config_text(sb, folder))
        cli = [sys.executable, "-m", "alloy_tui", "--config", str(cfg)]
        subprocess.run([*cli, "login"], env=env, check=True, capture_output=True)
        proc = subprocess.Popen([*cli, "queue", "run", "--daemon"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        log = folder / "alert_log.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if log.exists() and '"signin.refreshed"' in log.read_text():
                break
            time.sleep(0.2)
        time.sleep(2.0)
        start_cpu, start = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(args.seconds)
        used, took = cpu_seconds(proc.pid) - start_cpu, time.monotonic() - start
        rss = rss_mib(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        share = 100.0 * used / took
        print(json.dumps({"seconds": round(took, 1), "cpu_s": round(used, 3),
                          "cpu_percent_of_one_core": round(share, 4), "rss_mib": round(rss, 1)}))  # fmt: skip
        print(
            f"idle CPU {share:.4f}% of one core (target < 0.1%), RSS {rss:.1f} MiB (target <= 40)"
        )


if __name__ == "__main__":
    main()
