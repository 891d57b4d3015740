"""A clean Debian 12 root for the package's end-to-end test and benchmark.

`debootstrap --variant=minbase bookworm` once into /var/cache/alloy-tui-test/bookworm-minbase
(kept between runs on the same machine; made again after a week), from the same package source
as this machine's apt (its /etc/apt/sources.list*), then copied for each run. The run's root
gets /proc mounted (always unmounted on exit) and the machine-wide cache of downloaded .debs
bound on its /var/cache/apt/archives, so apt in it downloads each package once per machine.
Everything runs as root (chroot); one run at a time (a lock in the cache folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

CACHE = Path(os.environ.get("ALLOY_TUI_TEST_CACHE", "/var/cache/alloy-tui-test"))
SUITE = "bookworm"
MAX_AGE = 7 * 86400  # the cached root is made again after a week (security updates)
LISTS_AGE = 86400  # its package lists are refreshed after a day
SOURCES = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "DEBIAN_FRONTEND": "noninteractive",
    "LANG": "C.UTF-8",
    "HOME": "/root",
}


def mirror() -> str:
    """The Debian archive this machine's apt uses for `bookworm` (deb822 or one-line lists)."""
    for path in SOURCES:
        if not path.is_file() or path.suffix not in (".list", ".sources", ""):
            continue
        text = path.read_text()
        for stanza in re.split(r"\n\s*\n", text):  # deb822
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if uris and suites and SUITE in suites.group(1).split():
                return uris.group(1)
        for line in text.splitlines():  # one-line style
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and SUITE in parts[2:3]:
                return next(p for p in parts[1:] if not p.startswith("["))
    return "http://deb.debian.org/debian"


def copy_sources(root: Path) -> None:
    """The root's apt reads the same package source as this machine's."""
    lists = root / "etc/apt/sources.list.d"
    lists.mkdir(parents=True, exist_ok=True)
    (root / "etc/apt/sources.list").write_text("")
    for path in SOURCES[1:]:
        if path.is_file() and path.suffix in (".list", ".sources"):
            shutil.copy(path, lists / path.name)
    if Path("/etc/apt/sources.list").is_file():
        shutil.copy("/etc/apt/sources.list", root / "etc/apt/sources.list")


def run(root: Path, *argv: str, user: str | None = None, input: bytes | None = None,
        check: bool = True, timeout: float = 600, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
    """argv inside the root (as `user`, via chroot --userspec, else root)."""
    cmd = ["chroot", *([f"--userspec={user}:{user}"] if user else []), str(root), *argv]
    r = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout,
                       env={**ENV, **(env or {})})  # fmt: skip
    if check and r.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {r.returncode}\n{r.stdout.decode(errors='replace')}\n"
            f"{r.stderr.decode(errors='replace')}"
        )
    return r


def apt_install(root: Path, *what: str) -> subprocess.CompletedProcess[bytes]:
    """apt-get install in the root; once more after `apt-get update` when the lists were stale
    (the archive replaced a package since: 404)."""
    argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *what]
    r = run(root, *argv, check=False)
    if r.returncode != 0:
        run(root, "apt-get", "update", "-qq")
        r = run(root, *argv)
    return r


def _fresh(path: Path, age: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime < age
    except OSError:
        return False


def base_root() -> Path:
    """The cached minbase root with its package lists (made or refreshed when needed)."""
    base = CACHE / f"{SUITE}-minbase"
    stamp = CACHE / f"{SUITE}-minbase.done"
    if not (_fresh(stamp, MAX_AGE) and base.is_dir()):
        stamp.unlink(missing_ok=True)
        _remove(base)
        scratch = CACHE / f"{SUITE}-minbase.new"
        _remove(scratch)
        try:
            subprocess.run(
                ["debootstrap", "--variant=minbase", SUITE, str(scratch), mirror()],
                check=True, capture_output=True, timeout=900, env=ENV,
            )  # fmt: skip
        except BaseException:  # killed (timeout) or failed: its /proc, /sys may still be mounted
            _remove(scratch)
            raise
        copy_sources(scratch)
        scratch.rename(base)
        stamp.touch()
    lists = CACHE / f"{SUITE}-minbase.lists"
    if not _fresh(lists, LISTS_AGE):
        run(base, "apt-get", "update", "-qq", timeout=600)
        lists.touch()
    return base


@contextlib.contextmanager
def debian_root(name: str = "run") -> Iterator[Path]:
    """A copy of the clean root for one run, /proc mounted; removed (and unmounted) after."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        base = base_root()
        root = CACHE / name
        _remove(root)
        subprocess.run(["cp", "-a", str(base), str(root)], check=True)
        archives = CACHE / "archives"
        (archives / "partial").mkdir(parents=True, exist_ok=True)
        mounts: list[Path] = []
        try:
            for source, target, opts in (
                ("proc", root / "proc", ["-t", "proc"]),
                (str(archives), root / "var/cache/apt/archives", ["--bind"]),
            ):
                subprocess.run(["mount", *opts, source, str(target)], check=True)
                mounts.append(target)
            yield root
        finally:
            for target in reversed(mounts):
                subprocess.run(["umount", "-l", str(target)], check=False)
            _remove(root)


def mounts_under(top: Path) -> list[Path]:
    """Every mount point at or under `top` (this process's view), deepest first."""
    prefix = os.path.realpath(top)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            if point == prefix or point.startswith(prefix + "/"):
                found.append(Path(point))
    return sorted(set(found), key=lambda p: len(p.parts), reverse=True)


def _remove(root: Path) -> None:
    """Unmount whatever is mounted in the root (ours, and the /proc and /sys a killed debootstrap
    leaves), then delete it: never delete through a live mount."""
    if not root.exists():
        return
    for target in mounts_under(root):
        subprocess.run(["umount", "-l", str(target)], check=False)
    if mounts_under(root):
        raise RuntimeError(f"{root}: still mounted after umount: {mounts_under(root)}")
    shutil.rmtree(root, ignore_errors=True)


def build_command(source: Path, version: str, out: Path) -> list[str]:
    """gzip: the test's packages are packed fast; xz (the default) is for release."""
    return [str(source / "packaging/build-deb"), "--version", version, "--out", str(out),
            "--compression", "gzip"]  # fmt: skip


def build_deb(source: Path, out: Path, version: str) -> Path:
    """packaging/build-deb with Debian's python3: the path of the .deb."""
    r = subprocess.run(
        [*build_command(source, version, out)],
        capture_output=True, timeout=1200, env={**os.environ, "TMPDIR": str(out)},
    )  # fmt: skip
    if r.returncode != 0:
        raise AssertionError(f"build-deb failed:\n{r.stdout.decode()}\n{r.stderr.decode()}")
    (deb,) = out.glob(f"alloy-tui_{version}_*.deb")
    return deb
