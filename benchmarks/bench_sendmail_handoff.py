"""sendmail hand-off (issue 23): process start to exit with a 2 KB message durable, for the
installed package's `alloy-sendmail -oi -t`, against `python -c pass` and `python -I -S -c pass`
of the same interpreter (the one the console script runs, never a pyenv shim), and postfix's
`sendmail -oi -t` in a debootstrap root when there is one; all interleaved in one run (each round
runs every command once, in turn), medians of the rounds.

    python benchmarks/bench_sendmail_handoff.py --venv /tmp/v-after [--venv before=/tmp/v-before]
        [--venv editable=/tmp/v-edit] [--postfix-root /var/tmp/postfix-root] [--runs 21]
        [--burst] [--procs 20] [--calls 50] [--maildrop]

Each `--venv [label=]PATH` is a virtualenv holding an install of alloy-tui (its `bin/alloy-sendmail`
is the console script pip wrote; its `bin/python` is the floor). Make one of this checkout, not
editable: `python3 -m venv /tmp/v && /tmp/v/bin/pip install .` (build it from a clean tree).
Each gets its own config, state folder and outbox; a runner is held "already running" (its lock
taken here, as during a burst of cron mail), so the figure is the hand-off itself. Goal (issue
23): at most 1.5x `python -c pass`. `--burst`: then 20 processes x 50 calls at once through the
first venv's script, and every message checked queued once and whole after the runner's intake.
`--maildrop` (as root): also the maildrop hand-off of system mode, for each venv: root with a
config another user owns (root's cron mail), and a user who can't read the config (`setpriv`
as nobody, against `python -c pass` run the same way); the drop files are removed each round.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import offline_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIG = offline_config(queue="max_per_minute = 0\n")


def message(token: str, size: int = 2048) -> bytes:
    head = (
        "From: root (Cron Daemon)\nTo: root\n"
        f"Subject: Cron <root@web01> job {token}\nContent-Type: text/plain; charset=UTF-8\n\n"
    ).encode()
    line = b"backup: /var/lib/postgresql 42 files 1.2 GB copied to /srv/backup ok\n"
    body = (line * (size // len(line) + 1))[: size - len(head) - 80]
    digest = hashlib.sha256(body).hexdigest()
    return head + body + f"\nsha256 {digest}\n".encode()


def hold_runner_lock(queue: Path) -> int:
    queue.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(queue / "runner.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


class Variant:
    """One command to time: argv, stdin, environment."""

    def __init__(self, label: str, argv: list[str], stdin: bytes, env: dict[str, str]) -> None:
        self.label, self.argv, self.stdin, self.env = label, argv, stdin, env
        self.times: list[float] = []

    def once(self) -> float:
        start = time.perf_counter()
        r = subprocess.run(self.argv, input=self.stdin, env=self.env, capture_output=True)
        took = time.perf_counter() - start
        if r.returncode != 0:
            raise SystemExit(f"{self.label} failed ({r.returncode}): {r.stderr.decode().strip()}")
        return took


def venv_variants(label: str, venv: Path, work: Path, msg: bytes) -> list[Variant]:
    folder = work / label
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(CONFIG.format(d=folder))
    (folder / "state").mkdir(mode=0o700)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(folder),
        "ALLOY_TUI_CONFIG": str(config),
        "ALLOY_TUI_STATE_DIR": str(folder / "state"),
    }
    hold_runner_lock(folder / "queue")
    return [
        Variant(
            f"{label}: alloy-sendmail -oi -t",
            [str(venv / "bin" / "alloy-sendmail"), "-oi", "-t"],
            msg,
            env,
        )
    ]


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def maildrop_variants(label: str, venv: Path, work: Path, msg: bytes) -> list[Variant]:
    """root with the service user's config, and nobody with root's 0600 config: both drop."""
    out = []
    for who, owner, prefix in (("root", 65534, []), ("nobody", 0, NOBODY)):
        folder = work / f"{label}-{who}"
        folder.mkdir()
        folder.chmod(0o755)
        config = folder / "config.toml"
        config.write_text(CONFIG.format(d=folder))
        config.chmod(0o600)
        os.chown(config, owner, owner)
        drop = folder / "maildrop"
        drop.mkdir()
        drop.chmod(0o3733)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
            "ALLOY_TUI_CONFIG": str(config),
            "ALLOY_TUI_MAILDROP": str(drop),
        }
        argv = [*prefix, str(venv / "bin" / "alloy-sendmail"), "-oi", "-t"]
        out.append(Variant(f"{label}: alloy-sendmail -oi -t ({who}, maildrop)", argv, msg, env))
    return out


def all_variants(
    venvs: list[tuple[str, Path]], work: Path, msg: bytes, floor: Variant, maildrop: bool
) -> list[Variant]:
    out = []
    if maildrop:
        work.chmod(0o711)
        out.append(Variant("python -c pass (nobody)", [*NOBODY, *floor.argv], b"", {}))
    for label, venv in venvs:
        out += venv_variants(label, venv, work, msg)
        if maildrop:
            out += maildrop_variants(label, venv, work, msg)
    return out


def clear_maildrops(work: Path) -> None:
    for drop in work.glob("*/maildrop"):
        for f in drop.iterdir():
            f.unlink()


def postfix_variant(root: Path, msg: bytes) -> Variant | None:
    if not (root / "usr/sbin/sendmail").exists() or os.geteuid() != 0:
        return None
    argv = ["chroot", str(root), "/usr/sbin/sendmail", "-oi", "-t"]
    return Variant(
        "postfix sendmail -oi -t (chroot)", argv, msg, {"PATH": "/usr/sbin:/usr/bin:/bin"}
    )


def postfix_files(root: Path) -> set[str]:
    drop = root / "var/spool/postfix/maildrop"
    return set(os.listdir(drop)) if drop.exists() else set()


def burst(venv: Path, work: Path, procs: int, calls: int) -> None:
    sys.path.insert(0, str(ROOT))  # the runner's side, from this checkout
    from alloy_tui.core.config import load_or_default
    from alloy_tui.core.outbox import Outbox, open_outbox
    from alloy_tui.core.outbox.intake import IncomingIntake

    folder = work / "burst"
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(CONFIG.format(d=folder))
    (folder / "state").mkdir(mode=0o700)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(folder),
        "ALLOY_TUI_CONFIG": str(config),
        "ALLOY_TUI_STATE_DIR": str(folder / "state"),
    }
    lock = hold_runner_lock(folder / "queue")
    script = str(venv / "bin" / "alloy-sendmail")

    def worker(w: int) -> int:
        bad = 0
        for c in range(calls):
            r = subprocess.run(
                [script, "-t", "-oi"], input=message(f"{w}-{c}"), env=env, capture_output=True
            )
            bad += r.returncode != 0
        return bad

    start = time.perf_counter()
    with ThreadPoolExecutor(procs) as pool:
        failures = sum(pool.map(worker, range(procs)))
    took = time.perf_counter() - start
    settings = load_or_default(config).settings
    began = time.perf_counter()
    IncomingIntake(settings, config, open_outbox(settings, config)).take()
    intake_s = time.perf_counter() - began
    os.close(lock)
    box = Outbox(folder / "queue")
    listed = box.list()
    tokens, torn = [], 0
    for m in listed:
        body = box.read_raw(m.id).split(b"\n\n", 1)[1]
        content, _, tail = body.rpartition(b"\nsha256 ")
        torn += hashlib.sha256(content).hexdigest().encode() != tail.strip()
        tokens.append(m.subject.rsplit(" ", 1)[-1])
    expected = {f"{w}-{c}" for w in range(procs) for c in range(calls)}
    total = procs * calls
    print(
        f"\n{procs} processes x {calls} calls at once: {took:.1f} s ({total / took:.0f} hand-offs/s)"
    )
    print(
        f"  exit 0: {total - failures} of {total}; queued by the intake: {len(listed)} in {intake_s:.1f} s"
    )
    print(
        f"  lost: {len(expected - set(tokens))}; twice: {len(tokens) - len(set(tokens))}; "
        f"torn: {torn}; left in incoming/: {len(os.listdir(folder / 'queue' / 'incoming'))}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--venv", action="append", required=True, help="[label=]PATH (repeatable)")
    ap.add_argument("--postfix-root", default="/var/tmp/postfix-root")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--burst", action="store_true")
    ap.add_argument("--procs", type=int, default=20)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--maildrop", action="store_true")
    args = ap.parse_args()
    venvs = []
    for i, item in enumerate(args.venv):
        label, _, path = item.rpartition("=")
        venvs.append((label or ("after" if i == 0 else f"venv{i}"), Path(path)))
    msg = message("timing")
    first_python = str(venvs[0][1] / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="bench-sendmail-") as tmp:
        work = Path(tmp)
        floor = Variant(
            "python -c pass", [first_python, "-c", "pass"], b"", {"PATH": "/usr/bin:/bin"}
        )
        bare = Variant("python -I -S -c pass", [first_python, "-I", "-S", "-c", "pass"], b"", {})
        variants = [floor, bare, *all_variants(venvs, work, msg, floor, args.maildrop)]
        pf_root = Path(args.postfix_root)
        pf = postfix_variant(pf_root, msg)
        pf_before = postfix_files(pf_root)
        if pf is not None:
            variants.append(pf)
        try:
            for _ in range(3):  # warm the page cache, .pyc files and sendmail's facts cache
                for v in variants:
                    v.once()
            for _ in range(args.runs):
                for v in variants:
                    v.times.append(v.once())
                clear_maildrops(work)
        finally:
            drop = pf_root / "var/spool/postfix/maildrop"
            for name in postfix_files(pf_root) - pf_before:  # only what this run put there
                (drop / name).unlink(missing_ok=True)
        print(f"interpreter: {first_python} -> {os.path.realpath(first_python)}")
        print(
            f"message: {len(msg)} bytes; rounds: {args.runs} (interleaved); runner: already running"
        )
        f = statistics.median(floor.times)
        for v in variants:
            m = statistics.median(v.times)
            print(f"{m * 1000:7.1f} ms  {m / f:5.2f}x  {v.label}")
        if pf is None:
            print(f"postfix: no debootstrap root at {pf_root} (or not root): not measured")
        print("goal (issue 23): alloy-sendmail at most 1.50x `python -c pass`")
        if args.burst:
            burst(venvs[0][1], work, args.procs, args.calls)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
