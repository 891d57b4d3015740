"""What `--switch`/`--rollback` trust (review of issue 26): the record root acts on must be root's
own file in a root-owned folder (not the service user's /var/lib/alloy-tui, where a forged record
would have root rename any file anywhere), only the three links it knows, and under --root no
write may follow a symlink out of the tree."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from alloy_tui.core import relays
from tests.cli.test_takeover_switch import config_path, with_mta
from tests.helpers.cli import run


def test_the_record_is_not_in_the_service_users_state_folder() -> None:
    # setup-system --user alloy-tui makes /var/lib/alloy-tui the service user's (0700).
    assert not relays.RECORD.startswith("/var/lib/alloy-tui/")


def test_a_forged_record_does_not_move_files_anywhere(tmp_path: Path) -> None:
    root = with_mta(tmp_path)
    (root / "secret-stash").write_text("planted\n")
    (root / "etc/profile.d").mkdir(parents=True, exist_ok=True)
    record = root / relays.RECORD.lstrip("/")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(
        json.dumps(
            {
                "program": "/usr/bin/alloy-tui",
                "links": [
                    {"path": "/etc/profile.d/evil.sh", "backup": "/secret-stash", "target": "/x"}
                ],  # fmt: skip
                "services": [],
            }
        )
    )
    r = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert r.returncode == 1, r.stdout + r.stderr
    assert not (root / "etc/profile.d/evil.sh").exists()
    assert (root / "secret-stash").read_text() == "planted\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_a_record_another_user_owns_is_not_trusted(tmp_path: Path) -> None:
    root = with_mta(tmp_path)
    assert run(config_path(), "takeover", "--switch", "--root", str(root)).returncode == 0
    record = root / relays.RECORD.lstrip("/")
    os.chown(record, 65534, 65534)
    r = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert r.returncode == 1
    assert "not trusted" in r.stderr
    assert os.readlink(root / "usr/sbin/sendmail") != "/etc/alternatives/mta"  # left as it was


def test_switch_under_root_does_not_follow_a_symlink_out_of_the_tree(tmp_path: Path) -> None:
    root = with_mta(tmp_path)
    outside = tmp_path / "host-usr-bin"
    outside.mkdir()
    (outside / "mailq").write_text("the host's mailq\n")
    for name in os.listdir(root / "usr/bin"):
        os.unlink(root / "usr/bin" / name)
    (root / "usr/bin").rmdir()
    os.symlink(str(outside), root / "usr/bin")  # an absolute link, as images have them
    r = run(config_path(), "takeover", "--switch", "--root", str(root))
    assert r.returncode == 1, r.stdout
    assert "leads out of" in r.stderr
    assert sorted(os.listdir(outside)) == ["mailq"]
    assert (outside / "mailq").read_text() == "the host's mailq\n"


def test_audit_does_not_hang_on_a_fifo_a_user_planted(tmp_path: Path) -> None:
    root = tmp_path / "host"
    (root / "home/bob").mkdir(parents=True)
    os.mkfifo(root / "home/bob/.msmtprc")
    (root / "var/www/site").mkdir(parents=True)
    os.mkfifo(root / "var/www/site/.env")
    r = run(config_path(), "audit", "--root", str(root), timeout=30)
    assert r.returncode in (0, 1, 2), r.stderr
    assert "is not a regular file" in r.stdout + r.stderr


def test_switch_refuses_a_program_other_users_cannot_run(tmp_path: Path) -> None:
    """sendmail pointed at a pipx install under /root (0700) would fail for cron's www-data."""
    from alloy_tui.core.relays import switching

    home = tmp_path / "root-home"
    (home / ".local/bin").mkdir(parents=True)
    program = home / ".local/bin/alloy-tui"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    home.chmod(0o700)
    assert "other users can't enter" in switching.not_for_everyone(str(program))
    assert "cannot be run" in switching.not_for_everyone(str(tmp_path / "missing"))
    assert switching.not_for_everyone("/bin/sh") == ""


def test_rollback_under_root_does_not_use_a_record_outside_the_tree(tmp_path: Path) -> None:
    root = with_mta(tmp_path)
    host_backups = tmp_path / "host-var-backups"
    host_backups.mkdir()
    record = host_backups / Path(relays.RECORD).name
    record.write_text('{"program": "/usr/bin/alloy-tui", "links": [], "services": []}\n')
    (root / "var").mkdir(exist_ok=True)
    os.symlink(str(host_backups), root / "var/backups")
    r = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert r.returncode == 1 and "leads out of" in r.stderr, r.stdout + r.stderr
    assert record.exists()  # the host's record is not removed through the tree's link


def test_a_rollback_cut_short_is_finished_by_the_next_one(tmp_path: Path) -> None:
    """A rollback killed after putting sendmail back, before it rewrote the record: run again,
    it finishes (sendmail is not 'changed since' forever) and removes the record."""
    root = with_mta(tmp_path)
    assert run(config_path(), "takeover", "--switch", "--root", str(root)).returncode == 0
    sendmail = root / "usr/sbin/sendmail"
    os.unlink(sendmail)  # what the cut-short rollback did for the first link
    os.rename(root / "usr/sbin/sendmail.before-alloy-tui", sendmail)
    r = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert r.returncode == 0, r.stderr
    assert "changed since" not in r.stdout, r.stdout
    assert os.readlink(sendmail) == "/etc/alternatives/mta"
    assert (root / "usr/bin/mailq").read_text() == "postfix's mailq\n"
    assert not (root / relays.RECORD.lstrip("/")).exists()


def test_rhel_usr_lib_sendmail_is_switched_and_debians_left_following(tmp_path: Path) -> None:
    """RHEL's alternatives make /usr/lib/sendmail the old relay's program: a program calling it
    would hand its mail to the relay --switch stopped. Debian's link to ../sbin/sendmail
    already follows alloy-tui's: left alone."""
    rhel = with_mta(tmp_path / "rhel")
    (rhel / "usr/lib").mkdir(parents=True, exist_ok=True)
    os.symlink("/etc/alternatives/mta-sendmail", rhel / "usr/lib/sendmail")
    r = run(config_path(), "takeover", "--switch", "--root", str(rhel))
    assert r.returncode == 0, r.stderr
    program = json.loads((rhel / relays.RECORD.lstrip("/")).read_text())["program"]
    assert os.readlink(rhel / "usr/lib/sendmail") == program
    back = run(config_path(), "takeover", "--rollback", "--root", str(rhel))
    assert back.returncode == 0, back.stderr
    assert os.readlink(rhel / "usr/lib/sendmail") == "/etc/alternatives/mta-sendmail"

    debian = with_mta(tmp_path / "debian")
    (debian / "usr/lib").mkdir(parents=True, exist_ok=True)
    os.symlink("../sbin/sendmail", debian / "usr/lib/sendmail")
    assert run(config_path(), "takeover", "--switch", "--root", str(debian)).returncode == 0
    assert os.readlink(debian / "usr/lib/sendmail") == "../sbin/sendmail"
    assert not os.path.lexists(debian / "usr/lib/sendmail.before-alloy-tui")
