"""`alloy-tui smtpd [--listen HOST:PORT]`: the local SMTP listener in the foreground, and
`alloy-tui smtpd password NAME`: the password a listener user logs in with (secrets file).

Grafana, Alertmanager, Zabbix and printers point at 127.0.0.1:2525; what they send goes to the
outbox with sendmail's rules and is delivered as sendmail's mail is. SIGTERM or Ctrl-C stops it
(clients in the middle of a message get 421 and send it again later).
"""

from __future__ import annotations

import re
import sys

import click

from alloy_tui.commands.context import CliContext, config_owner
from alloy_tui.exits import fail


def _ready_line(listener: object) -> None:
    from alloy_tui.core.smtpd import Listener

    assert isinstance(listener, Listener)
    o = listener.options
    where = f"[{o.host}]" if ":" in o.host else o.host
    login = "AUTH required, over STARTTLS" if o.auth_required else "no login (loopback only)"
    click.echo(
        f"alloy-tui smtpd: listening on {where}:{listener.port} ({login}); "
        "mail goes to the outbox. Ctrl-C stops."
    )
    sys.stdout.flush()


@config_owner
@click.group("smtpd", invoke_without_command=True)
@click.option(
    "--listen",
    metavar="HOST:PORT",
    default="",
    help="Where to listen (default: [smtpd] listen, else 127.0.0.1:2525).",
)
@click.option(
    "--no-deliver",
    is_flag=True,
    help="Only queue; leave delivery to `queue run --daemon`.",
)
@click.pass_context
def smtpd_command(ctx: click.Context, listen: str, no_deliver: bool) -> None:
    """Accept mail over SMTP (for Grafana, Alertmanager, Zabbix...) into the outbox."""
    if ctx.invoked_subcommand is not None:
        return
    from alloy_tui.core.smtpd import serve

    obj: CliContext = ctx.obj
    settings = obj.load().settings
    serve(
        settings,
        obj.config_path,
        listen,
        deliver=not no_deliver,
        on_ready=_ready_line,
    )
    click.echo("alloy-tui smtpd: stopped.")


def _read_password() -> str:
    if sys.stdin.isatty():
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    return sys.stdin.readline().rstrip("\r\n")


@smtpd_command.command("password")
@click.argument("name")
@click.pass_obj
def password_command(obj: CliContext, name: str) -> None:
    """Store NAME's login password (typed, or one line on stdin) in the secrets file."""
    from alloy_tui.core import secrets
    from alloy_tui.core.config import smtpd_keys
    from alloy_tui.core.errors import UserInputError

    if not re.match(smtpd_keys.USER, name):
        fail("the user name may hold only letters, digits and . _ @ + - (at most 128).")
    try:
        path = secrets.store_password("smtpd", name, _read_password())
    except UserInputError as e:
        fail(str(e))
    click.echo(f"Stored the password for {name} in {path}.")
    if name not in obj.load().settings.smtpd.users:
        click.echo(f'Add it to the config to use it: [smtpd] users = ["{name}"].')


COMMANDS: list[click.Command] = [smtpd_command]
