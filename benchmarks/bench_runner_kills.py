"""SIGKILL a runner again and again while it drains 200 messages to the sandbox (Graph).

Each round starts a fresh runner process, kills it once it has delivered a random few more
messages plus a random fraction of a send (so kills land mid-drain, often mid-request),
then counts: messages delivered (unique Message-IDs at the sandbox), still queued, lost (neither)
and duplicates. After the kills one last runner drains the rest. Targets: lost = 0 after every
kill; duplicates <= kills. Several runs; prints each and the medians.

    python3 benchmarks/bench_runner_kills.py [--runs 3] [--kills 20] [--messages 200]
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from queue_bench_common import fill, finish, fresh_run, sign_in, start_runner  # noqa: E402


def delivered(sb: Any, tag: str) -> Counter[str]:
    return Counter(m.message_id for m in sb.messages() if m.message_id.startswith(f"<{tag}-"))


def queued_ids(cfg: Path, tag: str) -> set[str]:
    from alloy_tui.core.outbox import Outbox

    box = Outbox(cfg.parent / "queue")
    return {f"<{tag}-{m.subject.split()[-1]}@bench>" for m in box.list()}


def one_run(
    sb: Any, work: Path, cache: Path, n: int, kills: int, rng: random.Random, tag: str
) -> dict[str, Any]:
    cfg = fresh_run(sb, work, tag, cache)
    fill(cfg, n, tag)
    everyone = {f"<{tag}-{i}@bench>" for i in range(n)}
    worst_lost, done = 0, 0
    for _ in range(kills):
        p = start_runner(cfg)
        # Kill once it is really draining: after a random number of deliveries, plus a random
        # fraction of one send, so kills land before, during and after requests.
        target = len(delivered(sb, tag)) + rng.randint(1, 12)
        deadline = time.monotonic() + 20
        while len(delivered(sb, tag)) < target and time.monotonic() < deadline:
            if p.poll() is not None:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.03))
        p.send_signal(signal.SIGKILL)
        p.wait()
        done += 1
        lost = everyone - set(delivered(sb, tag)) - queued_ids(cfg, tag)
        worst_lost = max(worst_lost, len(lost))
        if not queued_ids(cfg, tag):
            break
    left_before_final = len(queued_ids(cfg, tag))
    finish(start_runner(cfg))
    got = delivered(sb, tag)
    return {
        "kills": done,
        "left_for_final_run": left_before_final,
        "worst_lost_after_a_kill": worst_lost,
        "delivered": len(got),
        "duplicates": sum(got.values()) - len(got),
        "still_queued": len(queued_ids(cfg, tag)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    from alloy_tui.sandbox import Sandbox

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="alloy-bench-kills-"))
    rows = []
    try:
        with Sandbox() as sb:
            cache = sign_in(sb, work)
            for i in range(args.runs):
                row = one_run(sb, work, cache, args.messages, args.kills, rng, f"k{i}")
                rows.append(row)
                print(f"run {i + 1}: " + ", ".join(f"{k} {v}" for k, v in row.items()))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{args.messages} messages, up to {args.kills} SIGKILLs per run, {args.runs} runs (median)"
    )
    for key in rows[0]:
        print(f"  {key:26s} {statistics.median(r[key] for r in rows):6.0f}")
    ok = all(
        r["worst_lost_after_a_kill"] == 0
        and r["delivered"] == args.messages
        and r["duplicates"] <= r["kills"]
        and r["still_queued"] == 0
        for r in rows
    )
    print(
        "  result                     "
        + ("OK: nothing lost, duplicates <= kills" if ok else "FAILED")
    )


if __name__ == "__main__":
    main()
