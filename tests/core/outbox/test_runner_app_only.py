"""The outbox with app-only sign-in (exchange_online.auth = "certificate"), for real: real msal,
httpx and exchangelib against the sandbox. Raw MIME goes to /users/{mailbox}/sendMail (drafts
under /users/{mailbox}/messages) or EWS MimeContent with the mailbox impersonated; a mailbox or
From outside the app's scope fails at once, explained."""

from __future__ import annotations

import email.policy
import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.outbox import Outbox, open_outbox, run_queue
from alloy_tui.sandbox import Sandbox
from tests.helpers.app_only import app_settings, new_certificate, token_requests
from tests.helpers.m365 import ACCOUNT, log_entries

HELPDESK = "helpdesk@contoso.example"  # granted alerts@ Send On Behalf in the sandbox
CEO = "ceo@contoso.example"  # granted nothing


@pytest.fixture
def pem(sb: Sandbox, tmp_path: Path) -> Iterator[Path]:
    sb.clear_scenarios()
    sb.clear_requests()
    sb.set_app_roles(["Mail.Send", "Mail.ReadWrite", "EWS.AccessAsApp"])
    sb.scope_app_to([ACCOUNT])
    cred = new_certificate(tmp_path / "app.pem")
    sb.register_certificate(cred.certificate_pem)
    yield tmp_path / "app.pem"
    sb.clear_scenarios()


def queued(sb: Sandbox, tmp_path: Path, pem: Path, **eo: Any) -> Settings:
    return app_settings(sb, tmp_path, pem, **eo).with_section(
        "queue", path=str(tmp_path / "queue"), max_per_minute=0
    )


def mime(subject: str, from_: str = ACCOUNT, attachment: bytes = b"") -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = f"Cron Daemon <{from_}>", "ops@contoso.example", subject
    m["Message-ID"] = f"<{subject.replace(' ', '-')}@web01>"
    m.set_content("body\n")
    if attachment:
        m.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="a")
    return m.as_bytes(policy=email.policy.SMTP)


def submit(settings: Settings, tmp_path: Path, raw: bytes) -> str:
    box = open_outbox(settings, tmp_path / "config.toml")
    return box.submit(raw, recipients=["ops@contoso.example"], sender=ACCOUNT, source="test")


def failed_event(settings: Settings) -> dict[str, Any]:
    [failed] = [e for e in log_entries(settings) if e["event"] == "mail.failed"]
    return failed


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_queued_message_arrives_from_the_mailbox(
    sb: Sandbox, pem: Path, tmp_path: Path, api: str
) -> None:
    settings = queued(sb, tmp_path, pem, api=api)
    submit(settings, tmp_path, mime(f"app-only {api} first"))
    submit(settings, tmp_path, mime(f"app-only {api}"))
    summary = run_queue(settings, tmp_path / "config.toml")
    assert (summary.sent, summary.failed, summary.deferred) == (2, 0, 0)
    assert summary.token_acquisitions == 1 and len(token_requests(sb)) == 1
    got = sb.messages()[-1]
    assert got.mime and got.subject == f"app-only {api}"
    assert got.account == ACCOUNT and got.from_address == ACCOUNT and got.api == api
    assert Outbox(Path(settings.queue.path)).list() == []
    if api == "graph":
        posts = sb.requests("graph")
        assert [p.path.lower() for p in posts] == [f"/graph/v1.0/users/{ACCOUNT}/sendmail"] * 2
    else:
        posts = sb.requests("ews")
        assert len(posts) == 2
        assert all(b"ExchangeImpersonation" in p.body and b"MimeContent" in p.body for p in posts)


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_out_of_scope_mailbox_holds_the_queue_explained(
    sb: Sandbox, pem: Path, tmp_path: Path, api: str
) -> None:
    settings = queued(sb, tmp_path, pem, api=api, mailbox=CEO)
    qid = submit(settings, tmp_path, mime("not ours", from_=CEO))
    before = len(sb.messages())
    summary = run_queue(settings, tmp_path / "config.toml")
    # The configured mailbox itself is outside the app's scope: nothing can go until the
    # settings change, so the queue is held (named), and the message waits.
    assert (summary.sent, summary.failed, summary.deferred) == (0, 0, 1)
    assert summary.hold is not None and summary.hold["verdict"] == "settings"
    m = Outbox(Path(settings.queue.path)).get(qid)
    assert m.state == "pending" and m.attempts == 1
    [failed] = [e for e in log_entries(settings) if e["event"] == "mail.deferred"]
    assert failed["details"]["queue_id"] == qid
    assert "outside its scope" in failed["message"] + failed["details"].get("title", "")
    assert f"PrimarySmtpAddress -eq '{CEO}'" in failed["details"]["fix"]
    assert len(sb.messages()) == before


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_from_another_mailbox_needs_the_apps_scope(
    sb: Sandbox, pem: Path, tmp_path: Path, api: str
) -> None:
    settings = queued(sb, tmp_path, pem, api=api, from_delegation=True)
    sb.scope_app_to([ACCOUNT, HELPDESK])
    submit(settings, tmp_path, mime("on behalf", from_=HELPDESK))
    assert run_queue(settings, tmp_path / "config.toml").sent == 1
    assert sb.messages()[-1].from_address == HELPDESK
    sb.scope_app_to([ACCOUNT])
    qid = submit(settings, tmp_path, mime("out of scope", from_=HELPDESK))
    assert run_queue(settings, tmp_path / "config.toml").failed == 1
    failed = failed_event(settings)
    assert failed["details"]["queue_id"] == qid
    assert f"PrimarySmtpAddress -eq '{HELPDESK}'" in failed["details"]["fix"]
    assert sb.messages()[-1].subject == "on behalf"


def test_large_message_drafts_are_under_the_mailbox(sb: Sandbox, pem: Path, tmp_path: Path) -> None:
    settings = queued(sb, tmp_path, pem, large_messages=True)
    submit(settings, tmp_path, mime("large app-only", attachment=os.urandom(4 * 1024 * 1024)))
    assert run_queue(settings, tmp_path / "config.toml").sent == 1
    got = sb.messages()[-1]
    assert got.subject == "large app-only" and got.attachments == ("a",)
    assert got.account == ACCOUNT and got.from_address == ACCOUNT
    paths = [r.path.lower() for r in sb.requests("graph") if "/upload/" not in r.path]
    assert paths and all(f"/v1.0/users/{ACCOUNT}/messages" in p for p in paths)


def test_large_message_without_the_mail_readwrite_role_names_it(
    sb: Sandbox, pem: Path, tmp_path: Path
) -> None:
    sb.set_app_roles(["Mail.Send"])
    settings = queued(sb, tmp_path, pem, large_messages=True)
    submit(settings, tmp_path, mime("large no role", attachment=os.urandom(4 * 1024 * 1024)))
    summary = run_queue(settings, tmp_path / "config.toml")
    assert (summary.sent, summary.deferred, summary.hold) == (0, 1, None)  # the others still go
    [deferred] = [e for e in log_entries(settings) if e["event"] == "mail.deferred"]
    assert deferred["details"]["verdict"] == "retry"
    assert 'Role "Application Mail.ReadWrite"' in deferred["details"]["fix"]


def test_certificate_with_the_wrong_mode_keeps_the_message_queued(
    sb: Sandbox, pem: Path, tmp_path: Path
) -> None:
    settings = queued(sb, tmp_path, pem)
    qid = submit(settings, tmp_path, mime("cert mode"))
    pem.chmod(0o644)
    summary = run_queue(settings, tmp_path / "config.toml")
    assert (summary.sent, summary.failed, summary.deferred) == (0, 0, 1)
    assert Outbox(Path(settings.queue.path)).get(qid).state == "pending"
    [deferred] = [e for e in log_entries(settings) if e["event"] == "mail.deferred"]
    assert str(pem) in deferred["message"] + deferred["details"].get("cause", "")
    pem.chmod(0o600)  # fixed: `queue flush` sends it now
    assert run_queue(settings, tmp_path / "config.toml", flush=True).sent == 1


def test_large_message_with_large_messages_off_names_the_app_role(
    sb: Sandbox, pem: Path, tmp_path: Path
) -> None:
    settings = queued(sb, tmp_path, pem)
    submit(settings, tmp_path, mime("large off", attachment=os.urandom(4 * 1024 * 1024)))
    assert run_queue(settings, tmp_path / "config.toml").failed == 1
    fix = failed_event(settings)["details"]["fix"]
    assert "large_messages = true" in fix and "Application Mail.ReadWrite" in fix
    assert "alloy-tui login" not in fix
