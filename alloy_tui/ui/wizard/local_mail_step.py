"""After the test: "Local mail for this server": where mail for root and other local users goes
([sendmail] admin), and the exact command that makes alloy-tui this server's sendmail, so cron,
smartd, mdadm and mailx send through it (^Y copies the command).

Optional: leave the address as it is and press Enter to go on. Numbered and in the step list
like every step between Welcome and Saved.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from alloy_tui.scripts import BY_PATH, script_path, sendmail_script
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading

SENDMAIL = Path("/usr/sbin/sendmail")


def sendmail_command(path: Path = SENDMAIL, script: str | None = None) -> str:
    """The command to run as root: update-alternatives where the system manages sendmail that
    way (/usr/sbin/sendmail -> /etc/alternatives/<group>), else a plain symlink. `script`: the
    shell word for this installation's alloy-sendmail (default: `scripts.sendmail_script`)."""
    word = sendmail_script() if script is None else script
    try:
        target = os.readlink(path)
    except OSError:
        target = ""
    if target.startswith("/etc/alternatives/"):
        group = target.rsplit("/", 1)[-1]
        return f"update-alternatives --install {path} {group} {word} 90"
    return f"ln -sf {word} {SENDMAIL}"


_FIND = object()  # sendmail_now's default: look for this installation's script


def sendmail_now(path: Path = SENDMAIL, script: Path | None | object = _FIND) -> str:
    """What /usr/sbin/sendmail is today, in one line, against THIS installation's
    alloy-sendmail (`script`; default `scripts.script_path()`, None when it has none)."""
    if not path.exists() and not path.is_symlink():
        return f"{path} does not exist yet: mail from cron and other programs is lost today."
    mine = script_path() if script is _FIND else script
    real = Path(os.path.realpath(path))
    if isinstance(mine, Path) and real == Path(os.path.realpath(mine)):
        return f"✓ {path} is already this alloy-tui ({real})."
    if real.name.startswith("alloy"):
        if isinstance(mine, Path):
            return (
                f"⚠ {path} is another alloy-tui installation's ({real}); the command "
                f"links this one's ({mine}) instead."
            )
        return (
            f"⚠ {path} is an alloy-tui sendmail ({real}), but this installation has no "
            "alloy-sendmail script to compare it with."
        )
    return f"Today {path} is {real.name} ({real}); the command replaces it."


INTRO = (
    "Programs on this server (cron, smartd, mdadm, mailx, backup scripts) hand their mail "
    "to /usr/sbin/sendmail. alloy-tui can be that sendmail: each message is queued safely, "
    "then sent through this account; while {relay} can't take it, it waits in the queue "
    "with the reason."
)
#: Who takes the mail, per service (INTRO's {relay}).
RELAY = {"exchange-online": "Microsoft", "exchange-server": "the Exchange server"}

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

    def __init__(
        self, state: WizardState, *, link: Path = SENDMAIL, script: Path | None | object = _FIND
    ) -> None:
        """`link`, `script`: the server's sendmail and this installation's alloy-sendmail
        (found by default; a test names fixed ones)."""
        super().__init__(state)
        self.link = link
        self.script = script

    def command(self) -> str:
        if self.script is _FIND:
            return sendmail_command(self.link)
        word = shlex.quote(str(self.script)) if isinstance(self.script, Path) else BY_PATH
        return sendmail_command(self.link, word)

    def compose_body(self) -> Iterable[Any]:
        relay = RELAY.get(self.state.draft.service, "the SMTP server")
        yield Static(INTRO.format(relay=relay), markup=False)
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
        yield Static(self.command(), id="sendmail-command", classes="code", markup=False)
        yield Static(sendmail_now(self.link, self.script), id="sendmail-now", markup=False)
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
        self.app.copy_to_clipboard(self.command())
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
