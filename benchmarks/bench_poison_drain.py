"""A poison message never stalls the queue: draining N queued messages of which one in ten is
refused for its content (the sandbox's refuse_content scenario: Graph 400
ErrorMimeContentConversionFailed, as Exchange answers a message it cannot convert) against N
clean ones, in the same run, to the local sandbox (Graph, real msal/httpx), pacing off.

Each drain: a fresh outbox, one `run_queue` in a fresh process. Runs alternate clean and
poisoned; prints the medians, the ratio (goal <= 1.2x), and checks that every clean message of
the poisoned outbox was delivered exactly once (by its Message-ID) and every poison one failed.

    python3 benchmarks/bench_poison_drain.py [--runs 3] [--messages 1000] [--every 10]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from queue_bench_common import (  # noqa: E402
    finish,
    fresh_run,
    sign_in,
    start_runner,
    submit_cron,
)

MARKER = "POISON"


def fill(cfg: Path, n: int, tag: str, every: int) -> tuple[set[str], set[str]]:
    """n messages (~2 KB), every `every`-th one poison; returns (clean, poison) Message-IDs."""
    from alloy_tui.core.outbox import Outbox

    box = Outbox(cfg.parent / "queue")
    clean, poison = set(), set()
    for i in range(n):
        bad = every > 0 and i % every == 0
        mid = f"<{tag}-{i}@bench>"
        subject = f"{MARKER} cron {i}" if bad else f"bench {i}"
        submit_cron(box, subject, mid)
        (poison if bad else clean).add(mid)
    return clean, poison


def one_run(sb: Any, work: Path, cache: Path, n: int, every: int, name: str) -> dict[str, Any]:
    cfg = fresh_run(sb, work, name, cache)
    clean, poison = fill(cfg, n, name, every)
    before = len(sb.messages())
    result = finish(start_runner(cfg))
    got = Counter(m.message_id for m in sb.messages()[before:])
    once = sum(1 for mid in clean if got[mid] == 1)
    twice = sum(1 for mid in clean if got[mid] > 1)
    leaked = sum(1 for mid in poison if got[mid])
    if once != len(clean) or twice or leaked or result["failed"] != len(poison):
        raise SystemExit(
            f"{name}: {once} of {len(clean)} clean delivered once, {twice} more than once, "
            f"{leaked} poison delivered, {result['failed']} failed of {len(poison)} poison"
        )
    if result["pending"] or result.get("hold"):
        raise SystemExit(f"{name}: {result['pending']} left pending, hold {result.get('hold')}")
    result["clean_once"] = once
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--every", type=int, default=10, help="one poison message in this many")
    args = ap.parse_args()

    from alloy_tui.sandbox import Sandbox

    work = Path(tempfile.mkdtemp(prefix="alloy-bench-poison-"))
    clean: list[dict[str, Any]] = []
    mixed: list[dict[str, Any]] = []
    try:
        with Sandbox() as sb:
            sb.set_scenario("refuse_content", marker=MARKER, count=None)
            cache = sign_in(sb, work)
            for i in range(args.runs):  # alternate, so load on the machine hits both alike
                clean.append(one_run(sb, work, cache, args.messages, 0, f"clean{i}"))
                mixed.append(one_run(sb, work, cache, args.messages, args.every, f"poison{i}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    t_clean = statistics.median(r["elapsed"] for r in clean)
    t_mixed = statistics.median(r["elapsed"] for r in mixed)
    poison = mixed[0]["failed"]
    print(
        f"drain {args.messages} messages to the sandbox, pacing off, {args.runs} runs each "
        "(median, alternating)"
    )
    print(f"  clean outbox               {t_clean:7.2f} s   ({args.messages} sent)")
    print(
        f"  {poison} refused for content   {t_mixed:7.2f} s   "
        f"({mixed[0]['sent']} sent, {poison} failed at once, 0 pending, no hold)"
    )
    print(f"  ratio poisoned / clean     {t_mixed / t_clean:7.2f}x  (goal <= 1.2x)")
    print(
        f"  clean messages of the poisoned outbox delivered exactly once: "
        f"{mixed[0]['clean_once']} of {mixed[0]['sent']} (every run checked)"
    )


if __name__ == "__main__":
    main()
