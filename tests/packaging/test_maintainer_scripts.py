"""The maintainer scripts, fast (review of issue 25), beside the slow end-to-end test in a Debian
root: postrm purge run for real by sh with its paths moved under a test folder (the only change
made to it), and postinst/prerm read for what an upgrade stops and starts again."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEBIAN = REPO / "packaging/debian"
PATHS = ("/var/spool/alloy-tui", "/var/backups", "/etc/alloy-tui", "/var/lib/alloy-tui",
         "/usr/lib/alloy-tui", "/run/systemd/system")  # fmt: skip
TOOLS = ("sh", "find", "date", "mkdir", "mv", "cat", "wc", "rm")


def relocated_postrm(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """postrm with every absolute path it acts on under tmp_path/fs, and a PATH of only the
    tools it needs (no deb-systemd-helper, no systemctl: nothing of this machine's is touched)."""
    fs = tmp_path / "fs"
    text = (DEBIAN / "postrm").read_text()
    for path in PATHS:
        text = text.replace(path, f"{fs}{path}")
    assert "/var/" not in text.replace(f"{fs}/var/", ""), "a path the test did not move"
    script = tmp_path / "postrm"
    script.write_text(text)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        os.symlink(shutil.which(tool) or f"/usr/bin/{tool}", bin_dir / tool)
    return script, fs, {"PATH": str(bin_dir), "LANG": "C"}


def test_purge_does_not_write_through_a_link_the_service_user_left_in_the_spool(
    tmp_path: Path,
) -> None:
    script, fs, env = relocated_postrm(tmp_path)
    spool = fs / "var/spool/alloy-tui"
    (spool / "maildrop").mkdir(parents=True)
    (spool / "queue/meta").mkdir(parents=True)
    (spool / "maildrop/1733.abc").write_text("To: root\n\nqueued\n")
    victim = tmp_path / "shadow"
    victim.write_text("root's file\n")
    # The spool is the service user's: it can leave any name in it, a link to root's files too.
    os.symlink(victim, spool / "README.alloy-tui")
    r = subprocess.run(["sh", str(script), "purge"], capture_output=True, text=True, env=env,
                       timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert victim.read_text() == "root's file\n"
    assert not spool.exists()
    (backup,) = (fs / "var/backups").glob("alloy-tui-spool-*")
    note = backup / "README.alloy-tui"
    assert note.is_file() and not note.is_symlink()
    assert "1 file(s) in the maildrop" in note.read_text()
    kept = [p.read_text() for p in backup.rglob("1733.abc")]
    assert kept == ["To: root\n\nqueued\n"]
    # The note's command puts the spool back as it was.
    (command,) = re.findall(r"^\s+(mv .*)$", note.read_text(), re.M)
    r = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (spool / "maildrop/1733.abc").read_text() == "To: root\n\nqueued\n"


def _units(script: str, verb: str) -> set[str]:
    text = (DEBIAN / script).read_text().replace("\\\n", " ")
    units = re.search(r'^UNITS="([^"]*)"', text, re.M)
    if units:
        text = re.sub(r'"?\$UNITS"?', units.group(1), text)
    found: set[str] = set()
    for line in text.splitlines():
        m = re.search(rf"deb-systemd-invoke {verb} (.*?)(>|\|\||$)", line)
        if m:
            found |= set(m.group(1).split())
    return found


def test_an_upgrade_starts_again_every_unit_prerm_stopped() -> None:
    """prerm stops the daemon, its path unit and the timers; postinst must start each again
    (deb-systemd-invoke starts only the enabled ones): a keepalive timer the admin enabled must
    not stay stopped after an upgrade until the next boot."""
    stopped = {u for u in _units("prerm", "stop") if u.endswith((".timer", ".path"))}
    stopped.add("alloy-tui-queue.service")
    assert stopped - _units("postinst", "start") == set()


def test_remove_says_when_mail_is_left_in_the_queue(tmp_path: Path) -> None:
    """apt removes alloy-tui when another MTA is installed: the queued mail stays (not lost) but
    is not sent, and the admin is told so, with what sends it."""
    script, fs, env = relocated_postrm(tmp_path)
    spool = fs / "var/spool/alloy-tui"
    (spool / "queue/messages").mkdir(parents=True)
    (spool / "queue/messages/q1.eml").write_text("To: root\n\nqueued\n")
    r = subprocess.run(["sh", str(script), "remove"], capture_output=True, text=True, env=env,
                       timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "mail is still queued" in r.stdout and "install alloy-tui again" in r.stdout
    assert (spool / "queue/messages/q1.eml").exists()
    (spool / "queue/messages/q1.eml").unlink()
    r = subprocess.run(["sh", str(script), "remove"], capture_output=True, text=True, env=env,
                       timeout=60)  # fmt: skip
    assert r.returncode == 0 and "queued" not in r.stdout
