"""`takeover --switch` and `--rollback` inside a --root tree: sendmail, mailq and newaliases become
links to alloy-tui (the old ones kept beside them), a record says what changed, no service is
touched (a tree has no systemd: said, and skipped); both are idempotent."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers.cli import run
from tests.helpers.relay_trees import PASSWORDS, relay_tree, tree_digest


def config_path() -> Path:
    return Path(os.environ["ALLOY_TUI_CONFIG"])


def with_mta(tmp_path: Path) -> Path:
    """A postfix tree with its sendmail programs: RHEL's alternatives link and Debian's files."""
    root = relay_tree(tmp_path, "postfix-o365")
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/sbin/sendmail.postfix").write_text("postfix's sendmail\n")
    os.symlink("/etc/alternatives/mta", root / "usr/sbin/sendmail")
    (root / "usr/bin/mailq").write_text("postfix's mailq\n")
    return root  # no /usr/bin/newaliases: made, and removed again by --rollback


def test_switch_then_rollback_in_a_tree(tmp_path: Path) -> None:
    root = with_mta(tmp_path)
    etc_before = tree_digest(root / "etc")
    r = run(config_path(), "takeover", "--switch", "--root", str(root))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "postfix.service: skipped (--root is a tree, not a running system)" in out
    record = json.loads((root / "var/backups/alloy-tui-takeover-switch.json").read_text())
    program = record["program"]
    assert os.readlink(root / "usr/sbin/sendmail") == program
    assert os.readlink(root / "usr/bin/mailq") == program
    assert os.readlink(root / "usr/bin/newaliases") == program
    assert os.readlink(root / "usr/sbin/sendmail.before-alloy-tui") == "/etc/alternatives/mta"
    assert (root / "usr/bin/mailq.before-alloy-tui").read_text() == "postfix's mailq\n"
    assert (
        f"/usr/sbin/sendmail now points at {program} (the old one kept as /usr/sbin/sendmail.before-alloy-tui)"
        in out
    )
    assert [link["path"] for link in record["links"]] == [
        "/usr/sbin/sendmail",
        "/usr/bin/mailq",
        "/usr/bin/newaliases",
    ]
    assert tree_digest(root / "etc") == etc_before  # the old relay's files are unchanged
    assert PASSWORDS["postfix-o365"] not in out + r.stderr

    again = run(config_path(), "takeover", "--switch", "--root", str(root))
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already points at") == 3

    back = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert back.returncode == 0, back.stderr
    assert os.readlink(root / "usr/sbin/sendmail") == "/etc/alternatives/mta"
    assert (root / "usr/bin/mailq").read_text() == "postfix's mailq\n"
    assert not os.path.lexists(root / "usr/bin/newaliases")
    assert not os.path.lexists(root / "usr/sbin/sendmail.before-alloy-tui")
    assert "/usr/bin/newaliases removed (there was none before the switch)" in back.stdout
    assert not (root / "var/backups/alloy-tui-takeover-switch.json").exists()

    twice = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert twice.returncode == 0 and "nothing to roll back" in twice.stdout


def test_dry_run_switch_changes_nothing(tmp_path: Path) -> None:
    root = with_mta(tmp_path)
    r = run(config_path(), "takeover", "--dry-run", "--switch", "--root", str(root))
    assert r.returncode == 0, r.stderr
    assert "What --switch will do (not now: --dry-run):" in r.stdout
    assert os.readlink(root / "usr/sbin/sendmail") == "/etc/alternatives/mta"
    assert not (root / "var/backups").exists()
    r = run(config_path(), "takeover", "--rollback", "--dry-run", "--root", str(root))
    assert r.returncode == 0 and "nothing to roll back" in r.stdout


def test_rollback_leaves_a_link_someone_changed_since(tmp_path: Path) -> None:
    root = with_mta(tmp_path)
    assert run(config_path(), "takeover", "--switch", "--root", str(root)).returncode == 0
    os.unlink(root / "usr/bin/mailq")
    (root / "usr/bin/mailq").write_text("someone else's mailq\n")
    r = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert r.returncode == 0, r.stderr
    assert (
        "/usr/bin/mailq was changed since the switch (not alloy-tui's link): left alone" in r.stdout
    )
    assert (root / "usr/bin/mailq").read_text() == "someone else's mailq\n"
    assert os.readlink(root / "usr/sbin/sendmail") == "/etc/alternatives/mta"
    record = json.loads((root / "var/backups/alloy-tui-takeover-switch.json").read_text())
    assert [link["path"] for link in record["links"]] == ["/usr/bin/mailq"]


def test_a_step_that_cannot_be_done_stops_with_exit_1_and_rollback_undoes_the_rest(
    tmp_path: Path,
) -> None:
    root = with_mta(tmp_path)
    (root / "usr/bin/mailq.before-alloy-tui").write_text("an old leftover\n")
    r = run(config_path(), "takeover", "--switch", "--root", str(root))
    assert r.returncode == 1
    assert "/usr/bin/mailq.before-alloy-tui already exists; move it away first" in r.stderr
    assert "`alloy-tui takeover --rollback` undoes what was done" in r.stderr
    assert os.readlink(root / "usr/sbin/sendmail") != "/etc/alternatives/mta"  # done before
    assert (root / "usr/bin/mailq").read_text() == "postfix's mailq\n"  # untouched
    back = run(config_path(), "takeover", "--rollback", "--root", str(root))
    assert back.returncode == 0, back.stderr
    assert os.readlink(root / "usr/sbin/sendmail") == "/etc/alternatives/mta"
    assert (root / "usr/bin/mailq.before-alloy-tui").read_text() == "an old leftover\n"
