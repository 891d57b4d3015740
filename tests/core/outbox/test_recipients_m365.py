"""Per-recipient outcomes through the sandbox (real msal/httpx/exchangelib): Graph's or EWS's
ErrorInvalidRecipients for one of two recipients fails that one and the other gets the message;
when the refusal names nobody, each recipient is tried alone."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.outbox import Outbox, run_queue
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import (
    ACCOUNT,
    copy_cache,
    log_entries,
    settings_for,
    sign_in,
)

GOOD, BAD, OTHER = "ops@contoso.example", "typo.refused@contoso.example", "ceo@contoso.example"


def mime(subject: str, *to: str) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = ACCOUNT, ", ".join(to), subject
    m["Message-ID"] = f"<{subject.replace(' ', '-')}@web01>"
    m.set_content("body\n")
    return m.as_bytes()


def settings(sb: Sandbox, signed_in: Settings, tmp_path: Path, api: str) -> Settings:
    sb.clear_scenarios()
    copy_cache(signed_in, tmp_path)
    return settings_for(sb, tmp_path, api=api).with_section(
        "queue", path=str(tmp_path / "queue"), max_per_minute=0, failure_notices=False
    )


def delivered_to(sb: Sandbox, subject: str) -> list[str]:
    return [a for m in sb.messages() if m.subject == subject for a in (*m.to, *m.cc, *m.bcc)]


@pytest.mark.parametrize("api", ["graph", "ews"])
@pytest.mark.parametrize("named", [True, False])
def test_one_refused_recipient_of_two_the_other_gets_it(
    sb: Sandbox, signed_in: Settings, tmp_path: Path, api: str, named: bool
) -> None:
    s = settings(sb, signed_in, tmp_path, api)
    sb.set_scenario("refuse_recipients", named=named)
    subject = f"Nightly {api} {named}"
    box = Outbox(tmp_path / "queue")
    qid = box.submit(mime(subject, GOOD, BAD), recipients=[GOOD, BAD], sender=ACCOUNT, source="t")
    summary = run_queue(s, tmp_path / "config.toml")
    assert delivered_to(sb, subject) == [GOOD]  # once, and to the good one only
    assert summary.failed == 1
    m = box.get(qid)
    assert m.state == "failed"
    states = {r.address: r.state for r in m.recipients}
    assert states == {GOOD: "sent", BAD: "failed"}
    bad = next(r for r in m.recipients if r.address == BAD)
    assert bad.last_error is not None and bad.last_error.code == "ErrorInvalidRecipients"
    entries = log_entries(s)
    [sent] = [e for e in entries if e["event"] == "mail.sent"]
    assert sent["details"]["recipients"] == [GOOD] and sent["details"]["partial"] is True
    [failed] = [e for e in entries if e["event"] == "mail.failed"]
    assert failed["details"]["recipients"] == [BAD] and failed["details"]["sent_to"] == [GOOD]


def test_two_refused_of_three_each_fails_and_the_third_gets_it_once(
    sb: Sandbox, signed_in: Settings, tmp_path: Path
) -> None:
    s = settings(sb, signed_in, tmp_path, "graph")
    sb.set_scenario("refuse_recipients")  # named: one at a time, as Exchange names them
    bad2 = "other.refused@contoso.example"
    box = Outbox(tmp_path / "queue")
    qid = box.submit(
        mime("Three", BAD, GOOD, bad2), recipients=[BAD, GOOD, bad2], sender=ACCOUNT, source="t"
    )
    run_queue(s, tmp_path / "config.toml")
    assert delivered_to(sb, "Three") == [GOOD]
    assert {r.address: r.state for r in box.get(qid).recipients} == {
        BAD: "failed",
        GOOD: "sent",
        bad2: "failed",
    }


def test_the_refused_recipient_alone_fails_and_nothing_is_resent(
    sb: Sandbox, signed_in: Settings, tmp_path: Path
) -> None:
    s = settings(sb, signed_in, tmp_path, "graph")
    sb.set_scenario("refuse_recipients", named=False)
    box = Outbox(tmp_path / "queue")
    qid = box.submit(mime("Alone", BAD), recipients=[BAD], sender=ACCOUNT, source="t")
    sb.clear_requests()
    run_queue(s, tmp_path / "config.toml")
    assert box.get(qid).state == "failed" and delivered_to(sb, "Alone") == []
    assert len([r for r in sb.requests("graph") if r.path.endswith("/sendMail")]) == 1
    run_queue(s, tmp_path / "config.toml")  # failed: never tried again by itself
    assert len([r for r in sb.requests("graph") if r.path.endswith("/sendMail")]) == 1


@pytest.fixture(scope="module")
def signed_in_large(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    d = tmp_path_factory.mktemp("large")
    s = settings_for(sb, d, large_messages=True)
    sign_in(sb, s, d / "config.toml")
    return s


def test_a_large_message_through_a_draft_splits_the_same_way(
    sb: Sandbox, signed_in_large: Settings, tmp_path: Path
) -> None:
    import os

    sb.clear_scenarios()
    copy_cache(signed_in_large, tmp_path)
    s = settings_for(sb, tmp_path, large_messages=True).with_section(
        "queue", path=str(tmp_path / "queue"), max_per_minute=0, failure_notices=False
    )
    sb.set_scenario("refuse_recipients", named=False)
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = ACCOUNT, f"{GOOD}, {BAD}", "Big report"
    m.set_content("Report attached.\n")
    m.add_attachment(os.urandom(3_300_000), maintype="application", subtype="gzip", filename="r.gz")
    big = m.as_bytes()
    assert len(big) > 3 * 1024 * 1024  # over Graph's sendMail request: a draft
    box = Outbox(tmp_path / "queue")
    qid = box.submit(big, recipients=[GOOD, BAD], sender=ACCOUNT, source="t")
    run_queue(s, tmp_path / "config.toml")
    assert delivered_to(sb, "Big report") == [GOOD]
    assert {r.address: r.state for r in box.get(qid).recipients} == {GOOD: "sent", BAD: "failed"}
