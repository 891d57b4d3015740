"""After the test: "Local mail for this server": where mail for root and other local users goes
([sendmail] admin), and the exact command that makes alloy-tui this server's sendmail, so cron,
smartd, mdadm and mailx send through it (^Y copies the command).

Optional: leave the address as it is and press Enter to go on. Not numbered in the step list
(like Welcome and Done), so the numbered steps are the same for everyone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from alloy_tui.scripts import link_command, sendmail_script
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading

SENDMAIL = Path("/usr/sbin/sendmail")


def sendmail_command(path: Path = SENDMAIL) -> str:
    """The command to run as root: update-alternatives where the system manages sendmail that
    way (/usr/sbin/sendmail -> /etc/alternatives/<group>), else a plain symlink."""
    try:
        target = os.readlink(path)
    except OSError:
        return link_command(str(SENDMAIL))
    if target.startswith("/etc/alternatives/"):
        group = target.rsplit("/", 1)[-1]
        return f"update-alternatives --install {path} {group} {sendmail_script()} 90"
    return link_command(str(SENDMAIL))


def sendmail_now(path: Path = SENDMAIL) -> str:
    """What /usr/sbin/sendmail is today, in one line."""
    if not path.exists() and not path.is_symlink():
        return f"{path} does not exist yet: mail from cron and other programs is lost today."
    real = Path(os.path.realpath(path))
    if real.name.startswith("alloy"):
        return f"✓ {path} is already alloy-tui ({real})."
    return f"Today {path} is {real.name} ({real}); the command replaces it."


INTRO = (
    "Programs on this server (cron, smartd, mdadm, mailx, backup scripts) hand their mail "
    "to /usr/sbin/sendmail. alloy-tui can be that sendmail: each message is queued safely, "
    "then sent through this account; while Microsoft can't take it, it waits in the queue "
    "with the reason."
)

SMTP_NOTE = (
    "Programs that speak SMTP instead (Grafana, Alertmanager, Zabbix) can hand their mail to "
    "`alloy-tui smtpd` on 127.0.0.1:2525, no password, same rules. Grafana: [smtp] enabled = "
    "true, host = 127.0.0.1:2525. Alertmanager: smarthost: 127.0.0.1:2525, require_tls: false. "
    "Zabbix media type Email: SMTP server 127.0.0.1, port 2525, no security, no authentication."
)


@dataclass(frozen=True)
class LocalMail:
    admin: str


class LocalMailScreen(WizardScreen[LocalMail]):
    STEP_TITLE = heading("local_mail")
    HELP = """\
Mail for root, cron's reports and other local users (root, a bare user name,
user@localhost or user@<this host>) goes to the admin address; per-user
addresses go in [sendmail.aliases] in the config file. From is the signed-in
account, keeping the program's name ("Cron Daemon (web01)").

The command makes alloy-tui the server's sendmail; run it as root. ^Y copies
it (through your terminal, OSC 52; works over SSH in most terminals).
Afterwards `alloy-tui queue list` (or `mailq`) shows what waits to be sent.
System mode (/etc/alloy-tui/config.toml): other users (www-data, backup) send
through the maildrop; `alloy-tui setup-system` makes it (README: System mode).

Leave the address empty to skip this; Enter goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "copy_command", "Copy command", key_display="^Y"),
    ]

    def compose_body(self) -> Iterable[Any]:
        yield Static(INTRO, markup=False)
        yield Static(
            "Admin address (mail for root and other local users)", classes="label", markup=False
        )
        yield Input(
            self.initial("admin", self.state.draft.sendmail.admin),
            placeholder="you@example.com (empty: skip)",
            id="admin",
        )
        yield Static("", id="admin-check", classes="check", markup=False)
        yield Static("Then, as root (^Y copies it):", classes="label", markup=False)
        yield Static(sendmail_command(), id="sendmail-command", classes="code", markup=False)
        yield Static(sendmail_now(), id="sendmail-now", markup=False)
        yield Static(SMTP_NOTE, id="smtpd-note", markup=False)
        if self.state.sandbox is not None:
            yield Static(
                "⚠ Sandbox: this config is thrown away when you quit; run the command only "
                "after setting up the real thing (`alloy-tui` without --sandbox).",
                id="sandbox-note",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#admin", Input).focus()

    def action_copy_command(self) -> None:
        self.app.copy_to_clipboard(sendmail_command())
        self.notify(
            "Sent the command to your clipboard through the terminal (OSC 52). "
            "If nothing arrived, your terminal blocks OSC 52: select the text instead.",
            title="Copied",
        )

    def collect(self) -> LocalMail | None:
        from alloy_tui.core.errors import UserInputError
        from alloy_tui.core.mail import parse_address

        field = self.query_one("#admin", Input)
        value = field.value.strip()
        check = self.query_one("#admin-check", Static)
        if not value:
            return LocalMail("")
        try:
            address = parse_address(value, "admin address")
        except UserInputError as e:
            check.update(f"✗ {e}")
            check.set_classes("check -error")
            field.focus()
            self.say("Fix the address marked ✗ first (or empty it to skip).", "error")
            return None
        return LocalMail(address)


def apply(state: WizardState, result: LocalMail) -> None:
    state.draft = state.draft.with_section("sendmail", admin=result.admin)


STEP = Step.named("local_mail", make=LocalMailScreen, apply=apply)
