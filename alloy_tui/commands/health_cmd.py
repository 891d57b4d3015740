"""`alloy-tui keepalive` and `alloy-tui status --check` (the monitoring plugin).

`keepalive` refreshes the sign-in now (exit 0 refreshed, 1 not: the explanation says why).
`status --check` is `health_check.check_main` (run without click by launch.py).
"""

from __future__ import annotations

import click

from alloy_tui.commands.context import CliContext, config_owner


def status_check(obj: CliContext) -> None:
    """`status --check` reached through click (e.g. with --sandbox)."""
    from alloy_tui.cli_support.health_check import check_main

    raise SystemExit(check_main(str(obj.config_path)))


@config_owner
@click.command("keepalive")
@click.pass_obj
def keepalive_command(obj: CliContext) -> None:
    """Refresh the Microsoft sign-in now so it never expires unused (run daily, or use the
    daemon `queue run --daemon`, which does it by itself); exit 1 when it could not."""
    from alloy_tui.core.health import keepalive
    from alloy_tui.exits import fail

    settings = obj.load().settings
    result = keepalive(settings, obj.config_path)
    if result.ok:
        click.echo(result.line)
        return
    if result.explanation is None:
        fail(result.line, 1)

    ex = result.explanation
    fix = ex.fix
    if not result.needed:
        fix += " (A network or service problem: the daemon tries again in 15 minutes.)"
    fail(ex.replace(title=result.line.rstrip("."), fix=fix), 1)


COMMANDS: list[click.Command] = [keepalive_command]
