"""A queued message whose From the service refuses (Graph or EWS ErrorSendAsDenied, SMTP
5.7.60), when it came from a program (sendmail, the SMTP listener, the maildrop: the outbox
record's `source`): it is sent From the account instead, as any other foreign From is at the
door (`mime_from.rewrite_to_account`: the original into Reply-To, a foreign Sender removed), and
the result says so (`extra["from_rewritten"]`), for a warning in the alert log. A cron job's
mail is not lost because someone set a From (or turned on delegation for a mailbox that never
granted it). A message someone sent with an explicit From (`send --from`, `send --queue
--from`, `test-send --from`) still fails with the explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import ExplainedError, Explanation

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.mail.message import SendResult

PROGRAM_SOURCES = ("sendmail", "smtpd", "maildrop")  # the doors programs use


def from_a_program(source: str) -> bool:
    """True for mail a program handed over ("sendmail", "sendmail -bs", "smtpd", ...)."""
    return source.split(" ", 1)[0] in PROGRAM_SOURCES


def send_as_denied(ex: Explanation) -> bool:
    """The service refused the message's From (or Sender) for this account."""
    code = ex.code or ""
    return code == "ErrorSendAsDenied" or code.endswith("-5.7.60")


def send_queued(
    delivery: Any,
    raw: bytes,
    recipients: Sequence[str],
    *,
    sender: str,
    source: str,
    settings: Settings,
) -> SendResult:
    """`delivery.send_raw`, and for a program's message whose From was refused, once more From
    the account. ExplainedError as send_raw raises it (the second attempt's, if it failed)."""
    try:
        result: SendResult = delivery.send_raw(raw, recipients, sender=sender)
        return result
    except ExplainedError as e:
        refused = e.explanation
        if not (from_a_program(source) and send_as_denied(refused)):
            raise
        account = _account(delivery, settings)
        if not account:
            raise
        from alloy_tui.core.mail.mime_from import rewrite_to_account

        fixed, was = rewrite_to_account(raw, account)
        if not was and sender.lower() in ("", account.lower()):
            raise  # already From the account: nothing to fall back to
    result = delivery.send_raw(fixed, recipients, sender=account)
    was = was or sender
    result.extra["from_rewritten"] = (
        f"The service refused to send as {was} for {account} ({refused.title}); the message was "
        f"sent From {account} instead (replies go to {was} unless the message named its own "
        f"Reply-To). Fix: {refused.fix}"
    )
    result.extra["from_refused"] = was
    return result


def _account(delivery: Any, settings: Settings) -> str:
    """The mailbox the delivery signs in as (Graph/EWS know it after the first request)."""
    from alloy_tui.core.mail.mime import sending_account

    signin = getattr(delivery, "signin", None)
    name = ""
    if signin is not None and hasattr(signin, "username"):
        try:
            name = str(signin.username() or "")
        except Exception:  # noqa: BLE001 - the settings say it too
            name = ""
    return name or str(getattr(delivery, "_account", "") or "") or sending_account(settings)
