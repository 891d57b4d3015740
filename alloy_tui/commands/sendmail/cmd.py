"""`alloy-tui sendmail`: the same hand-off as `alloy-sendmail` and a `sendmail` symlink.

The arguments go to sendmail's own parser untouched (`-FCronDaemon -odi -oem -oi -t`), so this
command takes no click options of its own; `--config` belongs to `alloy-tui` itself.
"""

from __future__ import annotations

import click

from alloy_tui.commands.context import CliContext


@click.command(
    "sendmail",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=False,
)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def sendmail_command(ctx: click.Context, argv: tuple[str, ...]) -> None:
    """Queue the message on stdin (sendmail options: -t -i -f ADDR -F NAME -bp ...)."""
    from alloy_tui.commands.sendmail.handoff import run

    obj: CliContext = ctx.obj
    code = run(list(argv), "alloy-tui sendmail", str(obj.config_path))
    if code:
        raise SystemExit(code)  # ctx.exit's code is lost under standalone_mode=False


COMMANDS: list[click.Command] = [sendmail_command]
