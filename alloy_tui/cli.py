"""The command line. Bare `alloy-tui` opens the setup wizard; subcommands are headless.

Only click and the light core modules load here, so `alloy-tui log` and `status` start fast;
Textual, msal, httpx and exchangelib load inside the command that needs them.
"""

from __future__ import annotations

import importlib
import sys

import click

from alloy_tui import __version__
from alloy_tui.commands import MODULES
from alloy_tui.commands.context import CliContext, acts_as_config_owner, as_config_owner
from alloy_tui.core.config import paths
from alloy_tui.exits import run_guarded


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=True, path_type=str),
    default=None,
    help="Config file (default: $ALLOY_TUI_CONFIG, else the platform's config folder).",
)
@click.option(
    "--sandbox",
    is_flag=True,
    help="Run against a fresh local sandbox and a throwaway config; never touches your settings.",
)
@click.version_option(__version__, prog_name="alloy-tui")
@click.pass_context
def cli(ctx: click.Context, config: str | None, sandbox: bool) -> None:
    """Set up and watch this server's outgoing notification e-mail.

    Run with no command to open the setup wizard.
    """
    if ctx.invoked_subcommand is None:  # the wizard: check for a terminal before any sandbox starts
        from alloy_tui.terminal import WIZARD_INSTEAD, require_fullscreen

        require_fullscreen("The setup wizard", WIZARD_INSTEAD)
    obj = CliContext(config_path=paths.config_path(config), explicit_config=config is not None)
    if sandbox:
        from alloy_tui.sandbox.session import open_sandbox_session

        obj.sandbox = ctx.with_resource(open_sandbox_session())
        obj.config_path = obj.sandbox.config_path
    ctx.obj = obj
    if ctx.invoked_subcommand and acts_as_config_owner(
        cli.get_command(ctx, ctx.invoked_subcommand)
    ):
        as_config_owner(obj)
    if ctx.invoked_subcommand is None:
        _open_wizard(obj)


def _open_wizard(obj: CliContext) -> None:
    from alloy_tui.ui.app import run_wizard

    if obj.sandbox is None:
        as_config_owner(obj)  # root for the service user's config: the wizard runs as that user

    run_wizard(obj.config_path, obj.sandbox)


for _name in MODULES:
    for _command in importlib.import_module(f"alloy_tui.commands.{_name}").COMMANDS:
        cli.add_command(_command)


#: Options of `alloy-tui` itself, which go before the command: how each is written there.
GLOBAL_OPTIONS = {"--sandbox": "--sandbox", "--config": "--config PATH"}


def _hint_global_option(e: click.ClickException) -> None:
    """`alloy-tui status --sandbox`: say where the option goes instead of only "no such option"."""
    if not isinstance(e, click.NoSuchOption) or e.option_name not in GLOBAL_OPTIONS:
        return
    command = e.ctx.command_path.removeprefix("alloy-tui").strip() if e.ctx else "COMMAND"
    written = GLOBAL_OPTIONS[e.option_name]
    click.echo(
        f"alloy-tui: {e.option_name} goes before the command: alloy-tui {written} {command}",
        err=True,
    )


def _run_click() -> None:
    try:
        cli.main(prog_name="alloy-tui", standalone_mode=False)
    except click.exceptions.Abort as e:  # click turns KeyboardInterrupt into Abort
        name = getattr(e.__context__, "signal_name", "SIGINT")  # cli_support.interrupts.Interrupted
        click.echo("Aborted." if name == "SIGINT" else f"Stopped by {name}.", err=True)
        sys.exit(getattr(e.__context__, "exit_code", 130))
    except click.ClickException as e:
        e.show()
        _hint_global_option(e)
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)


def _closed_stdout() -> None:
    """click turns EPIPE on stdout into exit 1 (and wraps stdout in its PacifyFlushWrapper);
    a reader that went away (`config show | head -1`) is not a failure: exit 0, as `log` and
    `queue list` always did. A command that acts says its outcome with `echo_result`, which
    never stops it halfway."""
    from click.utils import PacifyFlushWrapper

    if isinstance(sys.stdout, PacifyFlushWrapper):
        from alloy_tui.cli_support.outcome import drop_stdout

        drop_stdout()
        sys.exit(0)


def main() -> None:
    try:
        run_guarded(_run_click)
    except SystemExit as e:
        if e.code == 1:
            _closed_stdout()
        raise
