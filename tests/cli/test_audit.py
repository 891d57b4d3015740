"""`alloy-tui audit --root` against a host tree with Grafana, Alertmanager, GitLab, Nextcloud,
web apps' .env files, Jenkins, Proxmox and a postfix relay: sorted by urgency, --json one object a
line, exit 1 when something sends a password to Exchange Online, 0 when nothing does; passwords
never printed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.helpers.cli import run
from tests.helpers.relay_trees import AUDIT_PASSWORDS, relay_tree


def config_path() -> Path:
    return Path(os.environ["ALLOY_TUI_CONFIG"])


def audit(root: Path, *options: str) -> subprocess.CompletedProcess[Any]:
    """`alloy-tui audit [options] --root <root>`."""
    return run(config_path(), "audit", *options, "--root", str(root))


def test_audit_json_finds_every_program(tmp_path: Path) -> None:
    r = audit(relay_tree(tmp_path, "host", kind="audit"), "--json")
    assert r.returncode == 1, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    found = {(row["program"], row["file"], row["line"]): row for row in rows}
    at_risk = {(p, f) for (p, f, _l), row in found.items() if row["at_risk"]}
    assert at_risk == {
        ("alertmanager", "/etc/alertmanager/alertmanager.yml"),
        ("gitlab", "/etc/gitlab/gitlab.rb"),
        ("grafana", "/etc/grafana/grafana.ini"),
        ("gitea", "/etc/gitea/app.ini"),
        ("msmtp (user)", "/home/alice/.msmtprc"),
        ("jenkins", "/var/lib/jenkins/hudson.tasks.Mailer.xml"),
        ("nextcloud", "/var/www/nextcloud/config/config.php"),
        ("postfix", "/etc/postfix/main.cf"),
        ("proxmox", "/etc/pve/notifications.cfg"),
        ("web app (.env)", "/var/www/shop/.env"),
    }
    blog = found[("web app (.env)", "/srv/blog/current/.env", 2)]
    assert (blog["host"], blog["port"], blog["password"], blog["exchange_online"]) == (
        "mailgun.example.net",
        2525,
        True,
        False,
    )
    receiver = found[("alertmanager", "/etc/alertmanager/alertmanager.yml", 16)]
    assert (receiver["host"], receiver["password"], receiver["at_risk"]) == (
        "mail.partner.example",
        False,
        False,
    )
    assert found[("nextcloud", "/var/www/nextcloud/config/config.php", 5)]["cloud"] == "usgov-high"
    assert found[("grafana", "/etc/grafana/grafana.ini", 8)]["change"].startswith(
        "[smtp] host = 127.0.0.1:2525"
    )
    assert not any(row["file"] == "/srv/static/.env" for row in rows)  # MAIL_MAILER=log
    gitea = found[("gitea", "/etc/gitea/app.ini", 8)]
    assert (gitea["key"], gitea["port"], gitea["password"]) == ("[mailer] SMTP_ADDR", 587, True)
    alice = found[("msmtp (user)", "/home/alice/.msmtprc", 3)]
    assert alice["change"].startswith("host 127.0.0.1, port 2525")
    # most urgent first
    assert [row["at_risk"] for row in rows] == sorted(
        (row["at_risk"] for row in rows), reverse=True
    )
    for password in AUDIT_PASSWORDS:
        assert password not in r.stdout + r.stderr


def test_audit_human_output_sorted_by_urgency(tmp_path: Path) -> None:
    r = audit(relay_tree(tmp_path, "host", kind="audit"))
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("12 found; 10 send a password to Exchange Online")
    labels = [line[:9].strip() for line in lines[1:] if not line.startswith(" ")]
    assert labels == ["AT RISK"] * 10 + ["password", "ok"]
    assert "change: MAIL_HOST=127.0.0.1 MAIL_PORT=2525" in r.stdout
    for password in AUDIT_PASSWORDS:
        assert password not in r.stdout + r.stderr


def test_audit_nothing_at_risk_exits_0(tmp_path: Path) -> None:
    r = audit(relay_tree(tmp_path, "clean", kind="audit"))
    assert r.returncode == 0, r.stderr
    assert "change: none: it already sends to this host" in r.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    r = audit(empty)
    assert r.returncode == 0 and "No program here is set up to send mail over SMTP." in r.stdout


def test_audit_names_a_file_it_cannot_read_and_goes_on(tmp_path: Path) -> None:
    root = relay_tree(tmp_path, "host", kind="audit")
    jenkins = root / "var/lib/jenkins/hudson.tasks.Mailer.xml"
    jenkins.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    r = audit(root, "--json")
    assert r.returncode == 1
    assert "alloy-tui: /var/lib/jenkins/hudson.tasks.Mailer.xml: has a DOCTYPE" in r.stderr
    assert len(r.stdout.splitlines()) == 11
