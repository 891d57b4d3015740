"""`alloy-tui systemd print|install [--user|--system]`: the units for unattended running.

`print` shows them; `install` writes them (0644, atomically) and prints the `systemctl enable
--now` line to run: nothing is enabled or started behind the admin's back.
"""

from __future__ import annotations

import click

from alloy_tui.commands.context import CliContext, fail


@click.group("systemd")
def systemd_group() -> None:
    """systemd units: the queue daemon, or timers for those who want no daemon."""


def _mode_option(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--system", "mode", flag_value="system", help="System units (root).")(f)
    return click.option(
        "--user", "mode", flag_value="user", default=True, help="Units for your user (default)."
    )(f)


def _units(obj: CliContext, mode: str) -> dict[str, str]:
    from alloy_tui.core.health import unit_set

    made = unit_set(obj.load().settings, obj.config_path, mode)
    for warning in made.warnings:  # the service could not start as it is
        click.echo(f"alloy-tui: warning: {warning}", err=True)
    return made.files


@systemd_group.command("print")
@_mode_option
@click.pass_obj
def print_command(obj: CliContext, mode: str) -> None:
    """Print the unit files."""
    from alloy_tui.core.health import unit_dir

    for name, text in _units(obj, mode).items():
        click.echo(f"# {unit_dir(mode) / name}")
        click.echo(text)


@systemd_group.command("install")
@_mode_option
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Write the units here instead (packaging, tests).",
)
@click.pass_obj
def install_command(obj: CliContext, mode: str, unit_dir: str | None) -> None:
    """Write the unit files; prints the systemctl line that enables them (nothing is started)."""
    from pathlib import Path

    from alloy_tui.core import health
    from alloy_tui.core.fs import atomic_write, why

    folder = Path(unit_dir) if unit_dir else health.unit_dir(mode)
    try:
        if not folder.is_dir():  # 0755 whatever the umask: systemd reads it, nobody else writes
            from alloy_tui.core.fs import FolderError, make_folder

            try:
                make_folder(folder, mode=0o755)
            except FolderError as e:
                fail(f"cannot write the units to {folder}: {e}", 1)
        for name, text in _units(obj, mode).items():
            atomic_write(folder / name, text.encode())
            (folder / name).chmod(0o644)  # systemd reads units as any user
            click.echo(f"Wrote {folder / name}")
    except OSError as e:
        fail(f"cannot write the units to {folder}: {why(e)}" + (
            " (system units need root: sudo)" if mode == "system" else ""), 1)  # fmt: skip
    click.echo("Nothing was started. To start the queue daemon now and at every boot, run:")
    click.echo(f"  {health.enable_line(mode)}")


COMMANDS: list[click.Command] = [systemd_group]
