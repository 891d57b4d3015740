"""`alloy-tui setup-system`: the system folders with their owners and modes, each step printed;
idempotent; a wrong mode or owner fixed; a symlink in the way refused; --dry-run changes
nothing; not root refused. `--prefix DIR` puts the tree under DIR (as a package build does)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.cli import CLI
from tests.helpers.unix_users import Users, as_users

TREE = {
    "etc/alloy-tui": 0o700,
    "var/lib/alloy-tui": 0o700,
    "var/spool/alloy-tui": 0o711,
    "var/spool/alloy-tui/queue": 0o700,
    "var/spool/alloy-tui/maildrop": 0o3733,
}


def setup(prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "setup-system", "--prefix", str(prefix), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def modes(prefix: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for rel in TREE:
        st = os.lstat(prefix / rel)
        out[rel] = (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    return out


@pytest.fixture(scope="module")
def users() -> Iterator[Users]:
    with as_users("svc") as u:
        yield u


def test_creates_every_folder_for_the_service_user_then_changes_nothing(
    tmp_path: Path, users: Users
) -> None:
    svc = users["svc"]
    r = setup(tmp_path, "--user", svc.name)
    assert r.returncode == 0, r.stderr
    assert modes(tmp_path) == {rel: (mode, svc.uid, svc.gid) for rel, mode in TREE.items()}
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"create {tmp_path}/etc/alloy-tui  (0700, owner {svc.name}:")
    assert any("maildrop  (3733" in line and "nobody lists" in line for line in lines)
    assert f"sudo -u {svc.name} alloy-tui --config {tmp_path}/etc/alloy-tui/config.toml" in r.stdout
    again = setup(tmp_path, "--user", svc.name)
    assert again.returncode == 0
    assert [line.split()[0] for line in again.stdout.splitlines()[:5]] == ["ok:"] * 5


def test_a_wrong_mode_or_owner_is_fixed(tmp_path: Path) -> None:
    (tmp_path / "var/spool/alloy-tui/maildrop").mkdir(parents=True, mode=0o777)
    (tmp_path / "var/spool/alloy-tui/maildrop").chmod(0o777)
    os.chown(tmp_path / "var/spool/alloy-tui", 4242, 4242)
    r = setup(tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"fix    {tmp_path}/var/spool/alloy-tui/maildrop" in r.stdout
    assert modes(tmp_path) == {rel: (mode, 0, 0) for rel, mode in TREE.items()}


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    r = setup(tmp_path, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(f"would create {tmp_path}/etc/alloy-tui")
    assert "Dry run: nothing was changed." in r.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "var/spool/alloy-tui").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "var/spool/alloy-tui/maildrop").symlink_to(tmp_path / "elsewhere")
    r = setup(tmp_path)
    assert r.returncode == 1
    assert "maildrop exists but is a symbolic link; move it away" in r.stderr
    assert not (tmp_path / "etc").exists()  # refused before anything was made
    assert stat.S_IMODE(os.stat(tmp_path / "elsewhere").st_mode) != 0o3733


def test_an_unknown_user_is_refused(tmp_path: Path) -> None:
    r = setup(tmp_path, "--user", "no-such-user-here")
    assert r.returncode == 1 and "there is no user 'no-such-user-here'" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_not_root_is_refused(users: Users) -> None:
    prefix = users.workdir / "prefix"
    r = users.run("svc", ["-m", "alloy_tui", "setup-system", "--prefix", str(prefix)], env={})
    assert r.returncode == 1
    assert b"setup-system must run as root" in r.stderr and not prefix.exists()


def test_a_program_other_users_cannot_run_is_a_warning_with_the_fix(tmp_path: Path) -> None:
    """pipx or pyenv under a 0700 /root: other users' sendmail exits 126, their mail lost."""
    import shutil
    import tempfile

    from alloy_tui.core.health.unit_places import blocking_folder

    open_dir = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's tmp_path is under a 0700 folder
    open_dir.chmod(0o755)
    try:
        closed_check(open_dir / "root-like")
    finally:
        shutil.rmtree(open_dir)
    r = setup(tmp_path / "tree", "--dry-run")
    assert r.returncode == 0
    ours = blocking_folder(Path(sys.executable).resolve(), 65534, 65534)
    if ours is None:  # a system-wide install (CI): nothing to say
        assert "warning" not in r.stderr
    else:  # this machine's pyenv under /root: said, with the fix
        assert f"can't be run by other users: {ours} is closed to them" in r.stderr
        assert "exit 126" in r.stderr and "install alloy-tui system-wide" in r.stderr


def closed_check(closed: Path) -> None:
    from alloy_tui.core.health.unit_places import blocking_folder

    (closed / "bin").mkdir(parents=True)
    (closed / "bin" / "python3").write_text("")
    (closed / "bin" / "python3").chmod(0o755)
    closed.chmod(0o700)
    assert blocking_folder(closed / "bin" / "python3", 65534, 65534) == closed
    closed.chmod(0o755)
    assert blocking_folder(closed / "bin" / "python3", 65534, 65534) is None
    (closed / "bin" / "python3").chmod(0o700)  # there, but not executable by them
    assert blocking_folder(closed / "bin" / "python3", 65534, 65534) == closed / "bin" / "python3"
    assert blocking_folder(closed / "bin" / "python3", 0, 0) is None  # root passes anywhere
