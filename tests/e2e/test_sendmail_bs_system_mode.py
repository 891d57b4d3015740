"""A Symfony/Laravel-style `sendmail -bs -i` session as a real Unix user in system mode (PHP-FPM's
www-data): the user can read neither root's config nor its outbox, so each message goes to the
maildrop; root's runner (the system config) takes them in with sendmail's rules and the config
and delivers each to the sandbox exactly once, with the DSN parameters and submitted_by in its
details."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.sandboxes import approving_sb  # noqa: F401 - fixture `sb`
from tests.helpers.system_mode import ADMIN, AsUser, Tree, owners, system_config
from tests.helpers.unix_users import as_users

pytestmark = pytest.mark.e2e

MESSAGE = (
    b"From: Laravel <app@shop.example>\r\nTo: orders@contoso.example\r\n"
    b"Subject: Order {n}\r\n\r\nOrder {n} shipped.\r\n..dot-stuffed line\r\n.\r\n"
)


def queue_run(cfg: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), "queue", "run"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr


def test_a_bs_session_as_another_user_is_delivered_once_through_the_system_runner(
    sb: Sandbox,
) -> None:
    with as_users("a") as users:
        base = users.workdir / "sys"
        base.mkdir()
        base.chmod(0o755)
        cfg, maildrop = system_config(sb, base)
        env = {
            "ALLOY_TUI_MAILDROP": str(maildrop),
            "ALLOY_TUI_SYSTEM_CONFIG": str(cfg),  # root's, in a 0700 folder
            "HOME": str(base / "nohome"),
        }
        c = AsUser(users, env)
        assert c.reply()[0] == 220
        assert c.send(b"EHLO [127.0.0.1]\r\n")[0] == 250
        for n, dsn in ((1, b" NOTIFY=FAILURE"), (2, b""), (3, b"")):
            assert c.send(b"MAIL FROM:<app@shop.example> RET=HDRS\r\n")[0] == 250
            assert c.send(b"RCPT TO:<orders@contoso.example>" + dsn + b"\r\n")[0] == 250
            if n == 2:
                assert c.send(b"RCPT TO:<root>\r\n")[0] == 250  # a local name: mapped later
            assert c.send(b"DATA\r\n")[0] == 354
            code, text = c.send(MESSAGE.replace(b"{n}", str(n).encode()))
            assert code == 250, text
        assert c.send(b"QUIT\r\n")[0] == 221
        code, err = c.finish()
        assert code == 0, err
        assert len(os.listdir(maildrop)) == 3
        queue_run(cfg)
        queue_run(cfg)  # nothing is taken or sent twice
        assert os.listdir(maildrop) == []
        got = [m for m in sb.messages() if m.subject.startswith("Order ")]
        assert Counter(m.subject for m in got) == {"Order 1": 1, "Order 2": 1, "Order 3": 1}
        by_subject = {m.subject: m for m in got}
        two = by_subject["Order 2"]
        assert set(two.to) | set(two.bcc) == {"orders@contoso.example", ADMIN}
        assert set(by_subject["Order 1"].to) == {"orders@contoso.example"}
        body = by_subject["Order 1"].body.replace("\r\n", "\n")
        assert "Order 1 shipped.\n.dot-stuffed line" in body  # unstuffed once, exactly
        log = base / "state" / "alert_log.jsonl"
        entries = [json.loads(line) for line in log.read_text().splitlines()]
        sent = [e for e in entries if e["event"] == "mail.sent"]
        assert len(sent) == 3
        assert {e["details"].get("submitted_by") for e in sent} == {users["a"].name}
        assert all(e["details"].get("dsn_ret") == "HDRS" for e in sent)
        notify = [e["details"].get("dsn_notify") for e in sent]
        assert notify.count("orders@contoso.example=FAILURE") == 1
        assert not [e for e in entries if e["event"] == "maildrop.refused"]


def test_roots_bs_session_with_the_service_users_config_goes_through_the_maildrop(
    sb: Sandbox,
) -> None:
    """root never writes into the service user's outbox: its `sendmail -bs` (a whole session
    written at once, stdin then closed) drops each message like any other user's."""

    with as_users("svc") as users:
        t = Tree(users, sb)
        r = t.root("login")  # root, for svc's config: runs as svc
        assert r.returncode == 0, r.stderr
        session = (
            b"EHLO localhost\r\nMAIL FROM:<root@web01>\r\nRCPT TO:<root>\r\nDATA\r\n"
            + MESSAGE.replace(b"{n}", b"root 1")
            + b"QUIT\r\n"
        )
        r = t.root("sendmail", "-bs", "-i", input=session)
        assert r.returncode == 0, r.stderr
        replies = r.stdout.decode().splitlines()
        assert "250 2.0.0 OK: handed to the maildrop; the alloy-tui runner queues it" in replies
        assert [p.stat().st_uid for p in t.maildrop.iterdir()] == [0]  # a drop, like anyone
        assert not (t.queue / "meta").exists() or os.listdir(t.queue / "meta") == []
        r = t.svc("--config", str(t.cfg), "queue", "run")  # the service user's runner
        assert r.returncode == 0, r.stderr
        got = [m for m in sb.messages() if m.subject == "Order root 1"]
        assert len(got) == 1 and got[0].to == (ADMIN,)  # RCPT TO:<root>, mapped by the runner
        assert list(t.maildrop.iterdir()) == []
        svc = users["svc"]
        assert owners(t.queue) == {svc.uid}
