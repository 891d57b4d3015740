"""The .deb end to end (issue 25): packaging/build-deb builds it with Debian's python3, and it is
installed into a clean Debian 12 root (debootstrap --variant=minbase, cached; see
tests/helpers/debian_root.py) where it must behave as a server's MTA: apt installs it and then
bsd-mailx without another MTA; the service user, system mode's folders and modes; `mail` as root
and `sendmail -t` as another user each put one message in the queue, which `queue run` delivers
to the sandbox; the units pass `systemd-analyze verify`; an upgrade to a rebuilt package with a
higher version keeps 5 queued messages (and the config, the state), which are then delivered
once each; remove keeps the config and the queue; purge leaves nothing of ours outside
/var/backups, where a queue still holding mail is kept with a note; lintian finds no error and
only the warnings the README lists.

One test, one root, one build per version (the second built while the first is tested), so the
whole of it costs a few minutes of CI. Needs root, debootstrap, dpkg-dev and lintian (.ci/run).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.debian_root import ENV, apt_install, build_command, build_deb, debian_root, run
from tests.helpers.smtp_server import free_port

REPO = Path(__file__).resolve().parents[2]
VERSION = "0.1.0-1"
NEWER = "0.1.0-2"
OURS = ("etc/alloy-tui", "var/lib/alloy-tui", "var/spool/alloy-tui")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chroot and dpkg need root")


def test_the_deb_installs_upgrades_and_purges_in_a_clean_debian_12(tmp_path: Path) -> None:
    for tool in ("debootstrap", "dpkg-deb", "lintian"):
        assert shutil.which(tool), f"{tool} is missing: .ci/run installs it"
    newer_out = tmp_path / "newer"
    newer_out.mkdir()
    newer = subprocess.Popen(  # the upgrade's package, built while the first one is tested
        build_command(REPO, NEWER, newer_out),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(newer_out)},
    )  # fmt: skip
    try:
        deb = build_deb(REPO, tmp_path, VERSION)
        lint = subprocess.Popen(
            ["lintian", "--tag-display-limit", "0", str(deb)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV,
        )  # fmt: skip
        with Sandbox(workdir=tmp_path / "sandbox") as sb, debian_root() as root:
            installs(root, deb)
            system_mode_is_set_up(root)
            the_wizard_runs_as_the_service_user(root)
            units_verify(root)
            dead = free_port()  # nothing listens: mail stays queued
            write_config(root, sb, dead)
            program_mail_is_queued(root)
            write_config(root, sb, sb.smtp_port)
            run(root, "alloy-tui", "queue", "run")  # root: it becomes the config's owner
            assert sorted(m.subject for m in sb.messages()) == ["from cron", "test"]
            owners = {p.lstat().st_uid for top in OURS for p in (root / top).rglob("*")}
            assert owners == {_ids(root)[0]}, "root's queue run left files that are not alloy-tui's"

            write_config(root, sb, dead)
            queue_five(root)
            before = state_files(root)
            out, _ = newer.communicate(timeout=1200)
            assert newer.returncode == 0, out.decode()
            (newer_deb,) = newer_out.glob(f"alloy-tui_{NEWER}_*.deb")
            shutil.copy(newer_deb, root / "tmp")
            # The upgrade, interrupted after the unpack (the old daemon stopped, new files in
            # place, postinst not run), then finished by `dpkg --configure -a`.
            run(root, "dpkg", "--unpack", f"/tmp/{newer_deb.name}")
            status = run(root, "dpkg-query", "-W", "-f", "${Status}", "alloy-tui").stdout
            assert status.endswith(b" unpacked"), status
            run(root, "dpkg", "--configure", "-a")
            assert (
                run(root, "dpkg-query", "-W", "-f", "${Version}", "alloy-tui").stdout
                == NEWER.encode()
            )
            after = state_files(root)
            assert {k: v for k, v in after.items() if k in before} == before, (
                "upgrade changed files"
            )
            assert len(pending(root)) == 5
            assert list(
                (root / "usr/lib/alloy-tui/lib").glob(
                    "python3.*/site-packages/alloy_tui/__pycache__/*.pyc"
                )
            )
            write_config(root, sb, sb.smtp_port)
            run(root, "alloy-tui", "queue", "flush")
            run(root, "alloy-tui", "queue", "run")  # a second pass sends nothing again
            upgrade = [m.subject for m in sb.messages() if m.subject.startswith("queued ")]
            assert sorted(upgrade) == [f"queued {n}" for n in range(1, 6)], upgrade
            assert pending(root) == []

            remove_then_purge(root)
        lint_out, _ = lint.communicate(timeout=600)
        lintian_is_clean(lint_out.decode())
    finally:
        if newer.poll() is None:
            newer.kill()
            newer.wait()


def installs(root: Path, deb: Path) -> None:
    shutil.copy(deb, root / "tmp")
    apt_install(root, f"/tmp/{deb.name}")
    listed = run(root, "dpkg", "-L", "alloy-tui").stdout.decode().split()
    assert not [p for p in listed if p.startswith(("/root", "/home", "/opt"))], listed
    for name in ("usr/sbin/sendmail", "usr/lib/sendmail", "usr/bin/mailq", "usr/bin/newaliases"):
        assert os.path.realpath(root / name) == str(root / "usr/lib/alloy-tui/bin/alloy-sendmail")
    assert os.path.realpath(root / "usr/bin/alloy-tui") == str(
        root / "usr/lib/alloy-tui/bin/alloy-tui"
    )
    # Nothing of it in the system's Python; the venv's byte-code made by postinst.
    assert not list((root / "usr/lib/python3/dist-packages").glob("alloy*"))
    assert list(
        (root / "usr/lib/alloy-tui/lib").glob("python3.*/site-packages/alloy_tui/__pycache__/*.pyc")
    )
    # bsd-mailx needs default-mta | mail-transport-agent: alloy-tui is it, no other MTA comes.
    r = apt_install(root, "bsd-mailx")
    got = run(root, "dpkg-query", "-W", "-f", "${Package} ${Status}\n").stdout.decode()
    installed = {ln.split()[0] for ln in got.splitlines() if ln.endswith(" installed")}
    assert "bsd-mailx" in installed and "alloy-tui" in installed
    assert not installed & {
        "exim4-daemon-light",
        "exim4-base",
        "postfix",
        "nullmailer",
        "msmtp-mta",
        "dma",
    }, r.stdout
    # Running the install again (dpkg --configure -a after an interruption) changes nothing.
    run(root, "dpkg-reconfigure", "alloy-tui")
    run(root, "dpkg", "--configure", "-a")


def system_mode_is_set_up(root: Path) -> None:
    passwd = (root / "etc/passwd").read_text()
    (entry,) = [ln.split(":") for ln in passwd.splitlines() if ln.startswith("alloy-tui:")]
    assert int(entry[2]) < 1000 and entry[6] in ("/usr/sbin/nologin", "/bin/false"), entry
    assert re.search(r"^alloy-tui:", (root / "etc/group").read_text(), re.M)
    uid, gid = int(entry[2]), int(entry[3])
    for path, mode in (
        ("etc/alloy-tui", 0o700),
        ("var/lib/alloy-tui", 0o700),
        ("var/spool/alloy-tui", 0o711),
        ("var/spool/alloy-tui/queue", 0o700),
        ("var/spool/alloy-tui/maildrop", 0o3733),
    ):
        st = (root / path).stat()
        assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (uid, gid, mode), (
            path,
            oct(st.st_mode),
        )
    for unit in ("alloy-tui-queue.service", "alloy-tui-queue-once.service", "alloy-tui-keepalive.service",
                 "alloy-tui-queue.timer", "alloy-tui-keepalive.timer", "alloy-tui-queue.path"):  # fmt: skip
        assert (root / "lib/systemd/system" / unit).is_file(), unit
    # Enabled, started only once the config exists (no systemd runs in this root).
    wants = root / "etc/systemd/system"
    assert (wants / "multi-user.target.wants/alloy-tui-queue.service").is_symlink()
    assert (wants / "paths.target.wants/alloy-tui-queue.path").is_symlink()
    daemon = (root / "lib/systemd/system/alloy-tui-queue.service").read_text()
    assert "ConditionPathExists=/etc/alloy-tui/config.toml" in daemon
    assert "User=alloy-tui" in daemon and "ExecStart=/usr/lib/alloy-tui/bin/python3" in daemon


def the_wizard_runs_as_the_service_user(root: Path) -> None:
    """The README's command, as root in a terminal (tmux), before any config exists: the wizard
    opens, in a process of the service user's (it became the config folder's owner)."""
    socket = f"alloy-deb-{os.getpid()}"
    command = (
        f"env -i TERM=xterm-256color LANG=C.UTF-8 HOME=/root PATH={ENV['PATH']} chroot {root} "
        "alloy-tui --config /etc/alloy-tui/config.toml; sleep 60"
    )
    tmux = ["tmux", "-L", socket]
    subprocess.run([*tmux, "new-session", "-d", "-x", "100", "-y", "30", command], check=True)
    try:
        deadline = time.monotonic() + 60
        screen = ""
        while "Welcome" not in screen and time.monotonic() < deadline:
            time.sleep(0.5)
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p"], capture_output=True, text=True
            ).stdout
        assert "Welcome" in screen, screen
        uids = set()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if os.readlink(f"/proc/{pid}/root") != str(root) or b"--config" not in argv:
                    continue
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            uids.add(int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1)))  # type: ignore[union-attr]
        assert uids == {_ids(root)[0]}, uids
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    assert not (root / "etc/alloy-tui/config.toml").exists()  # quit unsaved: nothing written


def units_verify(root: Path) -> None:
    """systemd-analyze verify on the installed units, in the root (systemd installed there for
    it: the package needs no systemd to install, and none runs in this root)."""
    apt_install(root, "systemd")
    units = sorted(
        f"/lib/systemd/system/{p.name}" for p in (root / "lib/systemd/system").glob("alloy-tui-*")
    )
    assert len(units) == 6, units
    r = run(root, "systemd-analyze", "verify", *units, check=False)
    said = (r.stdout + r.stderr).decode()
    assert r.returncode == 0 and "alloy-tui" not in said, said


def write_config(root: Path, sb: Sandbox, port: int) -> None:
    """The system config, the service user's 0600 file, pointing at the sandbox's SMTP."""
    uid, gid = _ids(root)
    ca = root / "etc/alloy-tui/sandbox-ca.pem"
    shutil.copy(sb.ca_path, ca)
    os.chown(ca, uid, gid)
    config = root / "etc/alloy-tui/config.toml"
    config.write_text(
        'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\n'
        f'port = {port}\nsecurity = "starttls"\n'
        '[network]\nca_bundle = "/etc/alloy-tui/sandbox-ca.pem"\ntimeout = 10.0\n'
        '[sendmail]\nadmin = "ops@contoso.example"\n'
        '[message]\ndefault_from = "alerts@contoso.example"\n'
    )
    os.chown(config, uid, gid)
    config.chmod(0o600)


def _ids(root: Path) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        f = line.split(":")
        if f[0] == "alloy-tui":
            return int(f[2]), int(f[3])
    raise AssertionError("no alloy-tui user")


def drop_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "var/spool/alloy-tui/maildrop").iterdir()
                  if re.fullmatch(r"\d+\.[^.]+", p.name))  # fmt: skip


def program_mail_is_queued(root: Path) -> None:
    run(root, "mail", "-s", "test", "root", input=b"hi\n")
    assert len(drop_files(root)) == 1
    run(root, "useradd", "-M", "-d", "/nonexistent", "cronuser")
    message = b"To: root\nSubject: from cron\n\nbackup ok\n"
    run(
        root,
        "/usr/sbin/sendmail",
        "-t",
        user="cronuser",
        input=message,
        env={"HOME": "/nonexistent"},
    )
    assert len(drop_files(root)) == 2
    run(root, "mailq")  # root's mailq lists the service user's queue
    said = run(root, "newaliases")  # sendmail -bi: a note, exit 0
    assert b"aliases" in said.stdout + said.stderr


def queue_five(root: Path) -> None:
    for n in range(1, 6):
        run(
            root,
            "/usr/sbin/sendmail",
            "-t",
            input=f"To: root\nSubject: queued {n}\n\nn={n}\n".encode(),
        )
    run(root, "alloy-tui", "queue", "run", check=False)  # into the outbox; the relay is down
    assert drop_files(root) == []
    assert len(pending(root)) == 5
    cache = root / "var/lib/alloy-tui/token_cache.json"  # kept across the upgrade, byte for byte
    cache.write_text('{"AccessToken": {}, "RefreshToken": {}, "Account": {}}')
    os.chown(cache, *_ids(root))
    cache.chmod(0o600)


def pending(root: Path) -> list[dict[str, object]]:
    out = run(root, "alloy-tui", "queue", "list", "--json", "--state", "pending").stdout.decode()
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def state_files(root: Path) -> dict[str, str]:
    """Every file of the config, the state and the queue (not locks): path -> sha256."""
    found = {}
    for top in OURS:
        for path in (root / top).rglob("*"):
            if path.is_file() and not path.is_symlink() and not path.name.endswith(".lock"):
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def remove_then_purge(root: Path) -> None:
    run(root, "/usr/sbin/sendmail", "-t", input=b"To: root\nSubject: left behind\n\nstill queued\n")
    config = (root / "etc/alloy-tui/config.toml").read_bytes()
    run(root, "apt-get", "remove", "-y", "-q", "bsd-mailx", "alloy-tui")
    assert (root / "etc/alloy-tui/config.toml").read_bytes() == config
    assert len(drop_files(root)) == 1
    for gone in ("usr/lib/alloy-tui", "usr/sbin/sendmail", "usr/bin/alloy-tui", "usr/bin/mailq"):
        assert not os.path.lexists(root / gone), gone
    run(root, "dpkg", "--purge", "alloy-tui")
    for top in OURS:
        assert not os.path.lexists(root / top), top
    (backup,) = (root / "var/backups").glob("alloy-tui-spool-*")
    note = (backup / "README.alloy-tui").read_text()
    assert "1 file(s) in the maildrop" in note and "mv " in note
    assert [
        p.name for p in (backup / "spool/maildrop").iterdir() if re.fullmatch(r"\d+\.[^.]+", p.name)
    ]
    skip = {"proc", "tmp", "var/backups", "var/cache/apt", "var/lib/apt", "var/lib/dpkg", "var/log"}
    left = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames if os.path.normpath(os.path.join(rel, d)) not in skip]
        left += [os.path.join(rel, n) for n in dirnames + filenames if "alloy" in n]
    assert left == [], left
    for name in ("usr/sbin/sendmail", "usr/lib/sendmail", "usr/bin/newaliases"):
        assert not os.path.lexists(root / name), name


def lintian_is_clean(out: str) -> None:
    """No error; each warning's tag is one the README lists with why it is left."""
    errors = [ln for ln in out.splitlines() if ln.startswith("E:")]
    assert errors == [], out
    readme = (REPO / "README.md").read_text()
    warned = {ln.split()[2] for ln in out.splitlines() if ln.startswith("W:")}
    assert warned, out  # lintian ran and said something (no-manual-page at least)
    assert {t for t in warned if f"`{t}`" not in readme} == set(), out
