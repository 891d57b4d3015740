"""Draining the outbox to the local sandbox (Graph, real msal/httpx) with pacing off.

Each run: a fresh outbox of N messages (~2 KB each), one `run_queue` in a fresh process.
Prints, as the median of the runs: messages per second (target >= 25 on 2 cores), token
requests to the sign-in endpoint during the drain (target: at most one acquisition), and the
runner's peak memory (VmHWM) for a small and a large outbox, to show it is flat in N.

    python3 benchmarks/bench_queue_drain.py [--runs 3] [--messages 500] [--small 50]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from queue_bench_common import fill, finish, fresh_run, sign_in, start_runner  # noqa: E402


def one_run(sb: Any, work: Path, cache: Path, n: int, name: str) -> dict[str, Any]:
    cfg = fresh_run(sb, work, name, cache)
    fill(cfg, n, name)
    sb.clear_requests()
    before = len(sb.messages())
    result = finish(start_runner(cfg))
    result["delivered"] = len(sb.messages()) - before
    result["token_requests"] = sum(1 for r in sb.requests("entra") if r.path.endswith("/token"))
    result["graph_requests"] = len(sb.requests("graph"))
    if result["sent"] != n or result["delivered"] != n:
        raise SystemExit(f"{name}: sent {result['sent']}, delivered {result['delivered']} of {n}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--small", type=int, default=50)
    args = ap.parse_args()

    from alloy_tui.sandbox import Sandbox

    work = Path(tempfile.mkdtemp(prefix="alloy-bench-drain-"))
    try:
        with Sandbox() as sb:
            cache = sign_in(sb, work)
            big = [one_run(sb, work, cache, args.messages, f"big{i}") for i in range(args.runs)]
            small = [one_run(sb, work, cache, args.small, f"small{i}") for i in range(args.runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def med(rows: list[dict[str, Any]], key: str) -> float:
        return float(statistics.median(r[key] for r in rows))

    rate = statistics.median(r["sent"] / r["elapsed"] for r in big)
    print(f"drain {args.messages} messages to the sandbox, pacing off, {args.runs} runs (median)")
    print(f"  messages per second      {rate:7.1f}   (target >= 25)")
    print(f"  drain time               {med(big, 'elapsed'):7.2f} s")
    print(f"  token requests per drain {med(big, 'token_requests'):7.0f}   (one token reused)")
    print(f"  token acquisitions       {med(big, 'token_acquisitions'):7.0f}   (by the runner)")
    print(f"  Graph requests           {med(big, 'graph_requests'):7.0f}   (one per message)")
    print(f"  peak memory, {args.small:4d} msgs   {med(small, 'vmhwm_kb') / 1024:7.1f} MiB")
    print(f"  peak memory, {args.messages:4d} msgs   {med(big, 'vmhwm_kb') / 1024:7.1f} MiB")


if __name__ == "__main__":
    main()
