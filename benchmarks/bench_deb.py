"""The .deb as users run it: its installed size, and the `sendmail` hand-off of the installed
package (a non-editable install in /usr/lib/alloy-tui, byte-compiled by postinst) against
`python3 -c pass` of the same interpreter, measured in the same run, alternating; beside it the
editable install's figure (this clone, the running interpreter's `alloy-sendmail` console
script), also against its own interpreter's floor. Medians of --runs (default 21).

    python benchmarks/bench_deb.py [--deb dist/alloy-tui_..._amd64.deb] [--runs 21]

Needs root, debootstrap and dpkg-dev (as the package test): the package is installed into the
cached clean Debian 12 root of tests/helpers/debian_root.py. Without --deb it is built first.
Three hand-offs, each `sendmail -t -oi` of a 2 KB message: the config's owner (alloy-tui,
straight into the outbox; a runner held "already running", as bench_sendmail_handoff does) and
root (cron's usual case: into the maildrop) in the package; the editable one as the config's
owner.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_common import offline_config  # noqa: E402
from bench_sendmail_handoff import message  # noqa: E402

from tests.helpers.debian_root import ENV, build_deb, debian_root, run  # noqa: E402

CONFIG = (
    'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
    '[sendmail]\nadmin = "ops@contoso.example"\n[message]\ndefault_from = "alerts@contoso.example"\n'
    "[queue]\nmax_per_minute = 0\n"
)


def timed(cmd: list[str], stdin: bytes, env: dict[str, str]) -> float:
    start = time.perf_counter()
    r = subprocess.run(cmd, input=stdin, env=env, capture_output=True)
    took = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode().strip()}")
    return took


def hold(lock: Path) -> int:
    fd = os.open(lock, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def ids(root: Path, name: str) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        f = line.split(":")
        if f[0] == name:
            return int(f[2]), int(f[3])
    raise SystemExit(f"no user {name}")


def installed(root: Path, deb: Path) -> tuple[int, int]:
    (root / "tmp" / deb.name).write_bytes(deb.read_bytes())
    run(root, "apt-get", "install", "-y", "-q", f"/tmp/{deb.name}")
    uid, gid = ids(root, "alloy-tui")
    config = root / "etc/alloy-tui/config.toml"
    config.write_text(CONFIG)
    os.chown(config, uid, gid)
    config.chmod(0o600)
    # The runner lock, made by the service user as a runner would, then held here.
    run(root, "alloy-tui", "queue", "list")
    run(root, "sh", "-c", "umask 077; : > /var/spool/alloy-tui/queue/runner.lock", user="alloy-tui")
    return uid, gid


def editable(tmp: Path) -> tuple[list[str], dict[str, str]]:
    """pyproject's alloy-sendmail as `pip install -e .` writes it for this interpreter (its
    first line made this interpreter's), running this clone's code."""
    tmp.mkdir()
    source = ROOT / "scripts/alloy-sendmail"
    if source.is_file():
        script = tmp / "alloy-sendmail"
        lines = source.read_text().splitlines(keepends=True)
        script.write_text(f"#!{sys.executable}\n" + "".join(lines[1:]))
        script.chmod(0o755)
    else:  # a [project.scripts] entry point, as pip installed it
        script = Path(sysconfig.get_path("scripts")) / "alloy-sendmail"
    config = tmp / "config.toml"
    config.write_text(offline_config(queue="max_per_minute = 0\n").format(d=tmp))
    (tmp / "state").mkdir(mode=0o700)
    (tmp / "queue").mkdir(mode=0o700)
    (tmp / "queue/runner.lock").touch(mode=0o600)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ALLOY_TUI_CONFIG": str(config),
           "HOME": str(tmp), "ALLOY_TUI_STATE_DIR": str(tmp / "state"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    return [str(script), "-t", "-oi"], env


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--deb", type=Path)
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-deb-") as t:
        tmp = Path(t)
        deb = args.deb or build_deb(ROOT, tmp, "0.1.0-1")
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(ROOT / "alloy_tui")], check=True
        )
        with debian_root("bench") as root:
            installed(root, deb)
            size = run(
                root, "dpkg-query", "-W", "-f", "${Installed-Size}", "alloy-tui"
            ).stdout.decode()
            du = run(root, "du", "-sk", "/usr/lib/alloy-tui").stdout.decode().split()[0]
            print(f"package: {deb.name}, {deb.stat().st_size / 1e6:.1f} MB file; Installed-Size {int(size) / 1024:.1f} MiB; "
                  f"/usr/lib/alloy-tui with its byte-code {int(du) / 1024:.1f} MiB")  # fmt: skip
            pyver = next((root / "usr/lib/alloy-tui/bin").glob("python3.*")).name
            lock = hold(root / "var/spool/alloy-tui/queue/runner.lock")
            owner = {**ENV, "HOME": "/var/lib/alloy-tui"}
            chroot_as = ["chroot", "--userspec=alloy-tui:alloy-tui", str(root)]
            cases = {
                f"deb: /usr/bin/{pyver} -c pass": (chroot_as + [f"/usr/bin/{pyver}", "-c", "pass"], b"", owner),
                "deb: sendmail -t -oi (alloy-tui, outbox)": (chroot_as + ["/usr/sbin/sendmail", "-t", "-oi"], None, owner),
                "deb: sendmail -t -oi (root, maildrop)": (["chroot", str(root), "/usr/sbin/sendmail", "-t", "-oi"], None, ENV),
            }  # fmt: skip
            argv, env = editable(tmp / "editable")
            elock = hold(tmp / "editable/queue/runner.lock")  # its runner "already running" too
            cases[f"editable: {sys.executable} -c pass"] = (
                [sys.executable, "-c", "pass"],
                b"",
                env,
            )
            cases["editable: alloy-sendmail -t -oi (the config's owner, outbox)"] = (
                argv,
                None,
                env,
            )
            msg = message("timing")
            took: dict[str, list[float]] = {name: [] for name in cases}
            for n in range(args.runs + 2):  # two warm-up rounds, not counted
                for name, (cmd, stdin, env) in cases.items():
                    t = timed(cmd, msg if stdin is None else stdin, env)
                    if n >= 2:
                        took[name].append(t)
            os.close(lock)
            os.close(elock)
            med = {name: statistics.median(v) * 1000 for name, v in took.items()}
            print(f"message: {len(msg)} bytes; runs: {args.runs} (medians, alternating)")
            floor = med[f"deb: /usr/bin/{pyver} -c pass"]
            efloor = med[f"editable: {sys.executable} -c pass"]
            for name, ms in med.items():
                base = floor if name.startswith("deb:") else efloor
                ratio = (
                    ""
                    if name.endswith("-c pass")
                    else f"  ->  {ms / base:.2f}x its interpreter floor"
                )
                print(f"  {name}: {ms:.1f} ms{ratio}")
            queue = root / "var/spool/alloy-tui/queue"  # handed off: incoming/, or already meta/
            queued = len([p for d in ("incoming", "meta") if (queue / d).is_dir()
                          for p in (queue / d).iterdir() if not p.name.startswith(".")])  # fmt: skip
            dropped = [
                p
                for p in (root / "var/spool/alloy-tui/maildrop").iterdir()
                if not p.name.startswith(".")
            ]
            print(
                f"in the package's outbox: {queued}; in its maildrop: {len(dropped)} (each call exited 0)"
            )


if __name__ == "__main__":
    main()
