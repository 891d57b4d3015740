"""Outgoing test messages and the foreground send, shared by the per-service mail tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.mail.message import OutgoingMessage, SendResult
from alloy_tui.core.mail.sending import send_message
from alloy_tui.core.secrets import passwords as secrets


def message_maker(to: str, subject: str, body: str) -> Callable[..., OutgoingMessage]:
    """A test module's `msg(**changes)`: a message to `to` with this subject and body, any
    field of OutgoingMessage changed by keyword."""

    def msg(**kw: object) -> OutgoingMessage:
        base: dict[str, object] = {"to": (to,), "subject": subject, "body": body}
        base.update(kw)
        return OutgoingMessage(**base)  # type: ignore[arg-type]

    return msg


class Send(Protocol):
    def __call__(
        self,
        settings: Settings,
        tmp_path: Path,
        message: OutgoingMessage | None = None,
        password: str | None = None,
    ) -> SendResult: ...


def foreground_sender(msg: Callable[[], OutgoingMessage]) -> Send:
    """A test module's `send(settings, tmp_path, message=msg(), password=None)`: `send_message`,
    the foreground's one road, with <tmp_path>/config.toml; `password`: stored first for the
    configured user of the service (smtp or exchange-server), as the wizard or `alloy-tui
    config` would."""

    def send(
        settings: Settings,
        tmp_path: Path,
        message: OutgoingMessage | None = None,
        password: str | None = None,
    ) -> SendResult:
        if password is not None:
            section = settings.smtp if settings.service == "smtp" else settings.exchange_server
            secrets.store_password(settings.service, section.username, password)
        return send_message(settings, tmp_path / "config.toml", message or msg())

    return send
