"""`alloy-tui log -n 50` on 10,000 and 1,000,000 entries against `python -c pass`.

Prints the median wall time of several runs (and the difference to the interpreter floor) and the
peak memory (ru_maxrss of the child). Targets (issue 2): at most 120 ms above the floor; the same
peak memory (within 10%) for 10,000 and 1,000,000 entries.

    python benchmarks/bench_log_tail.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_log import cached  # noqa: E402


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one child."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(
        argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
    )
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return elapsed, usage.ru_maxrss


def measure(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, int]:
    run_once(argv, env)  # warm the page cache and the .pyc files
    times, peaks = [], []
    for _ in range(runs):
        t, m = run_once(argv, env)
        times.append(t)
        peaks.append(m)
    return statistics.median(times), max(peaks)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    py = sys.executable
    base_env = {k: v for k, v in os.environ.items() if k != "ALLOY_TUI_CONFIG"}
    floor_t, floor_m = measure([py, "-c", "pass"], base_env, args.runs)
    print(
        f"python -c pass            median {floor_t * 1000:7.1f} ms   peak {floor_m / 1024:6.1f} MiB"
    )
    results = {}
    for n in (10_000, 1_000_000):
        log = cached(n)
        env = dict(base_env)
        env["ALLOY_TUI_CONFIG"] = str(log.parent / "no-such-config.toml")
        env["ALLOY_TUI_STATE_DIR"] = str(log.parent / f"state-{n}")
        Path(env["ALLOY_TUI_STATE_DIR"]).mkdir(exist_ok=True)
        link = Path(env["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"
        if not link.exists():
            link.symlink_to(log)
        exe = shutil.which("alloy-tui")
        argv = [exe, "log", "-n", "50"] if exe else [py, "-m", "alloy_tui", "log", "-n", "50"]
        t, m = measure(argv, env, args.runs)
        results[n] = (t, m)
        size = log.stat().st_size / 1024 / 1024
        print(
            f"alloy-tui log -n 50 {n:>9,} entries ({size:5.0f} MiB)  median {t * 1000:7.1f} ms"
            f"   (+{(t - floor_t) * 1000:5.1f} ms over the floor)   peak {m / 1024:6.1f} MiB"
        )
    t_big, m_big = results[1_000_000]
    m_small = results[10_000][1]
    print()
    print(f"over the floor at 1,000,000: {(t_big - floor_t) * 1000:.1f} ms (target <= 120 ms)")
    print(f"peak memory 1,000,000 vs 10,000: {m_big / m_small:.3f}x (target within 1.10x)")


if __name__ == "__main__":
    main()
