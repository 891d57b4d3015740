"""`alloy-tui takeover` as a child process against fixture trees (--root): the dry run, the exit
codes, what it writes, and the round trip takeover -> config validate -> test-send against an
aiosmtpd on 127.0.0.1 that requires the fixture's password. No password in any output or file
but the secrets file."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from alloy_tui.core.secrets import secrets_path
from tests.helpers.cli import run
from tests.helpers.relay_trees import PASSWORDS, files_containing, relay_tree, tree_digest
from tests.helpers.smtp_server import SmtpServer


def config_path() -> Path:
    return Path(os.environ["ALLOY_TUI_CONFIG"])


def test_dry_run_shows_findings_diff_and_switch_and_writes_nothing(tmp_path: Path) -> None:
    root = relay_tree(tmp_path, "postfix-o365")
    before = tree_digest(root)
    r = run(config_path(), "takeover", "--dry-run", "--root", str(root))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Found postfix (/etc/postfix/main.cf):" in out
    assert "/etc/postfix/main.cf:7: relayhost: sends through smtp.office365.com:587" in out
    assert "password found in /etc/postfix/sasl_passwd" in out
    assert '+service = "exchange-online" # from /etc/postfix/main.cf:7 (postfix)' in out
    assert '+admin = "ops-team@contoso.com" # from /etc/aliases:3 (postfix)' in out
    assert "What --switch would do:" in out and "skip postfix.service" in out
    assert "point /usr/sbin/sendmail at" in out
    assert "alloy-tui login" in out and "Nothing was written (--dry-run)." in out
    assert PASSWORDS["postfix-o365"] not in out + r.stderr
    assert not config_path().exists() and not secrets_path().exists()
    assert tree_digest(root) == before


def test_exit_codes(tmp_path: Path) -> None:
    several = relay_tree(tmp_path, "several")
    r = run(config_path(), "takeover", "--dry-run", "--root", str(several))
    assert r.returncode == 2
    assert (
        "several relays found: postfix (/etc/postfix/main.cf), msmtp (/etc/msmtprc); pick one with --from KIND"
        in r.stderr
    )
    r = run(config_path(), "takeover", "--dry-run", "--from", "msmtp", "--root", str(several))
    assert r.returncode == 0, r.stderr
    assert "Found msmtp (/etc/msmtprc)" in r.stdout
    r = run(config_path(), "takeover", "--root", str(relay_tree(tmp_path, "msmtp-broken")))
    assert r.returncode == 2
    assert (
        "alloy-tui: /etc/msmtprc:2: account missing is not defined above (nothing was written)"
        in r.stderr
    )
    r = run(config_path(), "takeover", "--root", str(relay_tree(tmp_path, "postfix-direct")))
    assert r.returncode == 1 and "no relay found under" in r.stderr
    r = run(config_path(), "takeover", "--switch", "--rollback", "--root", str(several))
    assert r.returncode == 2 and "pick one" in r.stderr
    r = run(config_path(), "takeover", "--from", "sendmail", "--root", str(several))
    assert r.returncode == 2
    assert not config_path().exists()


def test_exchange_online_takeover_writes_a_commented_config_and_no_password(tmp_path: Path) -> None:
    root = relay_tree(tmp_path, "exim4-o365")
    before = tree_digest(root)
    cfg = config_path()
    cfg.parent.mkdir(parents=True)
    cfg.write_text("# my own notes\n[queue]\nmax_per_minute = 10\n")
    r = run(cfg, "takeover", "--root", str(root))
    assert r.returncode == 0, r.stderr
    text = cfg.read_text()
    data = tomllib.loads(text)
    assert data["service"] == "exchange-online"
    assert data["exchange_online"]["cloud"] == "global"
    assert data["message"]["default_from"] == "exim@contoso.com"
    assert data["sendmail"]["admin"] == "it@contoso.com"
    assert data["queue"]["max_per_minute"] == 10 and "# my own notes" in text
    assert "# from /etc/exim4/update-exim4.conf.conf:10 (exim4)" in text
    assert "# from /etc/exim4/passwd.client:8 (exim4)" in text
    assert Path(str(cfg) + ".bak").read_text() == "# my own notes\n[queue]\nmax_per_minute = 10\n"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert not secrets_path().exists()  # Exchange Online: no password is kept
    assert f"Wrote {cfg} (the previous one kept as {cfg}.bak)." in r.stdout
    assert tree_digest(root) == before
    assert PASSWORDS["exim4-o365"] not in r.stdout + r.stderr + text
    r = run(cfg, "config", "validate")
    assert r.returncode == 0, r.stdout + r.stderr
    again = run(cfg, "takeover", "--root", str(root))  # idempotent
    assert again.returncode == 0 and cfg.read_text() == text


LOCAL = [
    "postfix-local",
    "msmtp-local",
    "ssmtp-local",
    "nullmailer-local",
    "dma-local",
    "exim4-local",
    "opensmtpd-local",
]
USERS = {
    "postfix-local": "relay-user@contoso.test",
    "msmtp-local": "msmtp-user@contoso.test",
    "ssmtp-local": "ssmtp-user@contoso.test",
    "nullmailer-local": "null-user@contoso.test",
    "dma-local": "dma-user@contoso.test",
    "exim4-local": "exim-user@contoso.test",
    "opensmtpd-local": "smtpd-user@contoso.test",
}


@pytest.mark.parametrize("name", LOCAL)
def test_round_trip_takeover_validate_test_send(tmp_path: Path, name: str) -> None:
    user, password = USERS[name], PASSWORDS[name]
    with SmtpServer(tmp_path, "starttls", users={user: password}, auth_required=True) as server:
        root = relay_tree(tmp_path, name, server.port)
        cfg = config_path()
        cfg.parent.mkdir(parents=True)
        cfg.write_text(f'[network]\nca_bundle = "{server.tls.ca_path}"\ntimeout = 5\n')
        outputs = []
        for args in (
            ("takeover", "--root", str(root)),
            ("config", "validate"),
            ("test-send", "--to", "ops@contoso.test"),
        ):
            r = run(cfg, *args)
            outputs.append(r.stdout + r.stderr)
            assert r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
        assert server.attempts and all(login == user for _mech, login in server.attempts)
        assert len(server.messages) == 1 and server.messages[0].rcpt_tos == ["ops@contoso.test"]
    assert stat.S_IMODE(secrets_path().stat().st_mode) == 0o600
    assert password in secrets_path().read_text()
    assert "Stored the password found in" in outputs[0]
    # the password is nowhere but the secrets file (and the old relay's own files)
    assert all(password not in text for text in outputs)
    assert files_containing(tmp_path, password, skip=secrets_path()) == [
        p for p in files_containing(root, password)
    ]


def test_escape_sequences_in_a_relay_file_never_reach_the_terminal(tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    conf = root / "etc/ssmtp/ssmtp.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "mailhub=mail.contoso.test:587\nUseSTARTTLS=YES\n"
        "AuthUser=ops\x1b]0;pwned\x07@contoso.test\nAuthPass=x\n"
        "rewriteDomain=\x1b[2Jcontoso.test\n"
    )
    r = run(config_path(), "takeover", "--dry-run", "--root", str(root))
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr
    assert "signs in as ops" in r.stdout


def test_root_for_a_service_users_config_writes_as_that_user(tmp_path: Path) -> None:
    """`setup-system --user svc`: root reads the relay's files, but the config and the secrets
    file are written by svc (a child that became svc), in svc's folders, owned by svc."""
    from tests.helpers.unix_users import as_users

    with as_users("svc") as users:
        svc = users["svc"]
        home = users.workdir / "svc"
        home.mkdir(mode=0o700)
        (home / "state").mkdir(mode=0o700)
        for path in (home, home / "state"):
            os.chown(path, svc.uid, svc.gid)
        tree = relay_tree(users.workdir, "msmtp-local", 2525)  # root's, as /etc/msmtprc is
        cfg = home / "config.toml"
        r = users.run(
            "root",
            ["-m", "alloy_tui", "--config", str(cfg), "takeover", "--root", str(tree)],
            env={"ALLOY_TUI_STATE_DIR": str(home / "state"), "HOME": "/root", "TERM": "dumb"},
        )
        out, err = r.stdout.decode(), r.stderr.decode()
        assert r.returncode == 0, out + err
        secrets_file = home / "state" / "secrets.toml"
        assert (cfg.stat().st_uid, secrets_file.stat().st_uid) == (svc.uid, svc.uid)
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
        assert PASSWORDS["msmtp-local"] in secrets_file.read_text()
        assert tomllib.loads(cfg.read_text())["smtp"]["username"] == "msmtp-user@contoso.test"
        assert PASSWORDS["msmtp-local"] not in out + err


def test_root_never_reads_a_service_users_linked_config_for_it(tmp_path: Path) -> None:
    """svc's config is a link svc made to a file only root may read: root's takeover reads the
    config as svc (the child that became svc), so the dry run's diff can't show that file."""
    from tests.helpers.unix_users import as_users

    with as_users("svc") as users:
        svc = users["svc"]
        home = users.workdir / "svc"
        home.mkdir(mode=0o700)
        (home / "state").mkdir(mode=0o700)
        for path in (home, home / "state"):
            os.chown(path, svc.uid, svc.gid)
        secret = users.workdir / "root-only.toml"
        secret.write_text('[message]\ndefault_from = "only-root-may-read@contoso.test"\n')
        secret.chmod(0o600)
        cfg = home / "config.toml"
        cfg.symlink_to(secret)
        os.chown(cfg, svc.uid, svc.gid, follow_symlinks=False)
        tree = relay_tree(users.workdir, "msmtp-local", 2525)
        r = users.run(
            "root",
            ["-m", "alloy_tui", "--config", str(cfg), "takeover", "--dry-run", "--root", str(tree)],
            env={"ALLOY_TUI_STATE_DIR": str(home / "state"), "HOME": "/root", "TERM": "dumb"},
        )
        out, err = r.stdout.decode(), r.stderr.decode()
        assert "only-root-may-read" not in out + err
        assert r.returncode == 2, out + err  # svc can't read it: said as bad input, one line
        assert "Traceback" not in err
