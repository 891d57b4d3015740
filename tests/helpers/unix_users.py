"""Real Unix users for the maildrop tests: `useradd --system`, commands run as them, `userdel`.

`as_users("a", "b")` creates the users (names made unique per test run) and yields a `Users`
whose `run(user, argv, env=..., input=...)` runs this checkout's Python as that user with
`setpriv --reuid --regid --clear-groups` (a real uid and gid; nothing is faked). When this
Python lives where other users can't reach it (pyenv under a 0700 /root), it is bind-mounted
read-only into a world-readable folder inside a private mount namespace (`unshare -m`) for that
one command, so the rest of the machine sees nothing. Needs root; without useradd the test
fails (CI installs `passwd`), it does not skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int


def require_root_and_tools() -> None:
    if os.geteuid() != 0:
        pytest.fail("these tests need root (they create Unix users with useradd)")
    for tool in ("useradd", "userdel", "setpriv"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install the passwd and util-linux packages (CI does)")


class Users:
    def __init__(self, users: dict[str, User], workdir: Path) -> None:
        self.users = users
        self.workdir = workdir
        self._python: list[str] | None = None
        self._wrap = False

    def __getitem__(self, key: str) -> User:
        return self.users[key]

    def _setpriv(self, user: User) -> list[str]:
        return ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups"]

    def _choose_python(self, user: User) -> None:
        probe = [*self._setpriv(user), sys.executable, "-c", "import platformdirs, tomlkit"]
        if subprocess.run(probe, capture_output=True, timeout=60).returncode == 0:
            self._python = [sys.executable]
            return
        if sys.prefix != sys.base_prefix:
            pytest.fail(f"{sys.executable} (a venv) is out of reach of other users")
        base = Path(sys.base_prefix)
        view = self.workdir / "python"
        view.mkdir()
        self._python = [str(view / Path(sys.executable).relative_to(base))]
        self._wrap = True

    def argv(self, user: User | None, args: list[str]) -> list[str]:
        """The command line for `args` as `user` (None: as root, with the same Python other
        users can reach, so a root process that becomes another user can still import)."""
        if self._python is None:
            self._choose_python(user or next(iter(self.users.values())))
        assert self._python is not None
        command = [*(self._setpriv(user) if user else []), *self._python, *args]
        if not self._wrap:
            return command
        view = self.workdir / "python"
        mount = f'mount --bind -o ro {sys.base_prefix} {view} && exec "$@"'
        return ["unshare", "-m", "sh", "-c", mount, "sh", *command]

    def popen(
        self, user: str, args: list[str], *, env: Mapping[str, str]
    ) -> subprocess.Popen[bytes]:
        """`run`, started in the background (a daemon); the caller stops and waits for it."""
        argv = self.argv(None if user == "root" else self.users[user], args)
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=self._env(env),
        )

    def _env(self, env: Mapping[str, str]) -> dict[str, str]:
        full_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env}
        if self._wrap:  # the bind-mounted Python's own libpython, not the system's
            full_env["LD_LIBRARY_PATH"] = str(self.workdir / "python" / "lib")
        return full_env

    def run(
        self,
        user: str,
        args: list[str],
        *,
        env: Mapping[str, str],
        input: bytes = b"",  # noqa: A002 - subprocess's name
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[bytes]:
        """This checkout's Python as `user` ("root": as root, through the same Python other
        users reach): `args` after the interpreter (e.g. -m alloy_tui)."""
        argv = self.argv(None if user == "root" else self.users[user], args)
        return subprocess.run(
            argv,
            input=input,
            capture_output=True,
            env=self._env(env),
            timeout=timeout,
        )


def _create(name: str) -> User:
    subprocess.run(["userdel", name], capture_output=True)  # left by a killed run
    subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        check=True,
        capture_output=True,
    )
    import pwd

    entry = pwd.getpwnam(name)
    return User(name, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def as_users(*keys: str) -> Iterator[Users]:
    require_root_and_tools()
    made: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="alloy-users-", dir="/tmp"))
    workdir.chmod(0o755)  # the users must reach the folders the test makes in here
    try:
        users = {}
        for key in keys:
            name = f"atui{os.getpid() % 100000}{key}"[:32]
            made.append(name)
            users[key] = _create(name)
        yield Users(users, workdir)
    finally:
        for name in made:
            subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module", name="users")
def one_user() -> Iterator[Users]:
    """One test user, "a", for a whole module."""
    with as_users("a") as u:
        yield u


@pytest.fixture(name="place")
def reachable_place(users: Users) -> Iterator[Path]:
    """A folder the test user can reach (pytest's tmp_path is under root's 0700 folder)."""
    d = users.workdir / f"t{os.urandom(4).hex()}"
    d.mkdir(mode=0o755)
    d.chmod(0o755)
    yield d
