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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args()
    py = sys.executable
    base_env = {k: v for k, v in os.environ.items() if k != "ALLOY_TUI_CONFIG"}
    exe = shutil.which("alloy-tui")
    cases: dict[str, tuple[list[str], dict[str, str]]] = {"floor": ([py, "-c", "pass"], base_env)}
    sizes = {}
    for n in (10_000, 1_000_000):
        log = cached(n)
        sizes[n] = log.stat().st_size / 1024 / 1024
        env = dict(base_env)
        env["ALLOY_TUI_CONFIG"] = str(log.parent / "no-such-config.toml")
        env["ALLOY_TUI_STATE_DIR"] = str(log.parent / f"state-{n}")
        Path(env["ALLOY_TUI_STATE_DIR"]).mkdir(exist_ok=True)
        link = Path(env["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"
        if not link.exists():
            link.symlink_to(log)
        argv = [exe, "log", "-n", "50"] if exe else [py, "-m", "alloy_tui", "log", "-n", "50"]
        cases[str(n)] = (argv, env)
    for argv, env in cases.values():
        run_once(argv, env)  # warm the page cache and the .pyc files
    times: dict[str, list[float]] = {k: [] for k in cases}
    peaks: dict[str, int] = dict.fromkeys(cases, 0)
    for _ in range(args.runs):  # interleaved, so load on the machine hits every case alike
        for key, (argv, env) in cases.items():
            t, m = run_once(argv, env)
            times[key].append(t)
            peaks[key] = max(peaks[key], m)
    floor = statistics.median(times["floor"])
    print(f"runs per case: {args.runs} (interleaved), median wall time, peak RSS of the child")
    print(
        f"python -c pass                             median {floor * 1000:7.1f} ms   peak {peaks['floor'] / 1024:6.1f} MiB"
    )
    for n in (10_000, 1_000_000):
        t = statistics.median(times[str(n)])
        print(
            f"alloy-tui log -n 50 {n:>9,} entries ({sizes[n]:4.0f} MiB)  median {t * 1000:7.1f} ms"
            f"   (+{(t - floor) * 1000:5.1f} ms over the floor)   peak {peaks[str(n)] / 1024:6.1f} MiB"
        )
    t_big = statistics.median(times["1000000"])
    print()
    print(f"over the floor at 1,000,000: {(t_big - floor) * 1000:.1f} ms (target <= 120 ms)")
    print(
        f"peak memory 1,000,000 vs 10,000: {peaks['1000000'] / peaks['10000']:.3f}x (target within 1.10x)"
    )


if __name__ == "__main__":
    main()
