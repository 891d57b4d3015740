"""Real callers of sendmail: bsd-mailx's `mail -s` through a real symlink named `sendmail` in a
folder on PATH, and cron's own `sendmail -FCronDaemon -i -B8BITMIME -oem root` (cron as the
real daemon, in a private mount namespace so /usr/sbin/sendmail is ours only there). The
message must arrive in the sandbox's mailbox, delivered by the detached runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.sandboxes import approving_sb  # noqa: F401 - fixture `sb`
from tests.helpers.waiting import arrived

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ADMIN = "ops@contoso.example"


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    write_config(path, config_text(sb, tmp_path) + f'[sendmail]\nadmin = "{ADMIN}"\n')
    r = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(path), "login"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    return path


def shim(folder: Path, config: Path) -> Path:
    """`alloy-sendmail` as pip writes a console script (plus where this checkout and config are,
    since cron gives its mailer a bare environment) and a real symlink `sendmail` to it."""
    folder.mkdir(exist_ok=True)
    script = folder / "alloy-sendmail"
    script.write_text(
        f"#!{sys.executable}\nimport os, sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        f"os.environ.setdefault('ALLOY_TUI_CONFIG', {str(config)!r})\n"
        "from alloy_tui.commands.sendmail.handoff import main\nmain()\n"
    )
    script.chmod(0o755)
    (folder / "sendmail").symlink_to(script)
    return script


def wait_for(sb: Sandbox, subject_part: str, timeout: float) -> Any:
    return arrived(sb, lambda m: subject_part in m.subject, timeout=timeout, what=subject_part)[-1]


@pytest.mark.skipif(shutil.which("bsd-mailx") is None, reason="bsd-mailx is not installed")
def test_mailx_mail_s_through_a_sendmail_symlink(sb: Sandbox, cfg: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    shim(bin_dir, cfg)
    mailrc = tmp_path / "mailrc"  # bsd-mailx runs the `sendmail` variable, else /usr/sbin/sendmail
    mailrc.write_text(f"set sendmail={bin_dir / 'sendmail'}\n")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "MAILRC": str(mailrc)}
    env["ALLOY_TUI_CONFIG"] = str(cfg)
    r = subprocess.run(
        ["bsd-mailx", "-s", "RAID degraded on md0", "root"],
        input="md0: [U_]\nCafé: one disk left\n".encode(),
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    m = wait_for(sb, "RAID degraded on md0", timeout=60)
    assert m.mime and m.to == (ADMIN,)
    assert "Café: one disk left" in m.body
    raw = Path(m.path).read_bytes()
    assert b"To: " + ADMIN.encode() in raw


def _cron_possible() -> str:
    if os.geteuid() != 0:
        return (
            "needs root (cron runs root's crontab; a private mount namespace needs CAP_SYS_ADMIN)"
        )
    if not (shutil.which("cron") and shutil.which("unshare")):
        return "cron or unshare is not installed"
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return "" if probe.returncode == 0 else "no private mount namespace here (unshare -m refused)"


@pytest.mark.skipif(bool(_cron_possible()), reason=_cron_possible() or "runs")
def test_real_cron_job_output_arrives(sb: Sandbox, cfg: Path, tmp_path: Path) -> None:
    script = shim(tmp_path / "bin", cfg)
    spool = tmp_path / "crontabs"
    spool.mkdir(mode=0o730)
    tab = spool / "root"
    tab.write_text("MAILTO=root\n* * * * * echo 'backup finished: 3 files'; echo oops >&2\n")
    tab.chmod(0o600)
    (tmp_path / "cron.d").mkdir()
    (tmp_path / "crontab").write_text("SHELL=/bin/sh\n")
    # Only inside this namespace: /usr/sbin/sendmail is our shim, cron sees only our crontab.
    setup = " && ".join(
        [
            f"mount --bind {script} /usr/sbin/sendmail",
            f"mount --bind {spool} /var/spool/cron/crontabs",
            f"mount --bind {tmp_path / 'cron.d'} /etc/cron.d",
            f"mount --bind {tmp_path / 'crontab'} /etc/crontab",
            "mount -t tmpfs tmpfs /run",
            "exec cron -f",
        ]
    )
    env = {**os.environ, "ALLOY_TUI_CONFIG": str(cfg)}
    cron = subprocess.Popen(
        ["unshare", "-m", "sh", "-c", setup],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        m = wait_for(sb, "echo 'backup finished: 3 files'", timeout=150)
    finally:
        cron.terminate()
        try:
            cron.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cron.kill()
    assert m.to == (ADMIN,)
    assert "backup finished: 3 files" in m.body and "oops" in m.body
    raw = Path(m.path).read_bytes()
    assert b"Cron Daemon" in raw or b"CronDaemon" in raw
