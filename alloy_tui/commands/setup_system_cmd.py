"""`alloy-tui setup-system [--user NAME] [--dry-run] [--prefix DIR]`: system mode's folders.

Creates /etc/alloy-tui (0700), /var/lib/alloy-tui (0700), /var/spool/alloy-tui (0711), its
outbox queue/ (0700) and the maildrop (3733), all owned by NAME (default root: the config's
owner, who runs the queue daemon); prints each step; running it again changes nothing. Needs
root, except --dry-run. ``--prefix DIR`` makes the same tree under DIR (a package build root;
the tests use it), with the same owners and modes.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from alloy_tui.commands.context import fail


def _account(name: str) -> tuple[int, int]:
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        fail(
            f"there is no user {name!r} on this system; create it first (e.g. `useradd "
            f"--system {name}`) or leave out --user (root)",
            1,
        )
    return entry.pw_uid, entry.pw_gid


@click.command("setup-system")
@click.option("--user", "user", default="root", show_default=True, metavar="NAME",
              help="Who owns the config and runs the queue daemon.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Only print what would be done.")
@click.option(
    "--prefix",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Make the folders under this root instead of / (packaging, tests).",
)
def setup_system_command(user: str, dry_run: bool, prefix: Path | None) -> None:
    """Create the system mode folders (config, state, outbox, maildrop) with owners and modes."""
    from alloy_tui.core import maildrop

    if os.geteuid() != 0 and not dry_run:
        fail(
            "setup-system must run as root: it creates folders under /etc and /var and gives "
            f"them to {user}; run it with sudo (or add --dry-run to see the steps)",
            1,
        )
    uid, gid = _account(user)
    try:
        steps = maildrop.system_folders(uid, gid, prefix)
    except maildrop.SetupError as e:
        fail(str(e), 1)
    for step in steps:
        click.echo(("would " if dry_run and step.action != "ok" else "") + step.describe())
        if not dry_run:
            try:
                maildrop.apply_step(step)
            except maildrop.SetupError as e:
                fail(str(e), 1)
    _check_programs(user, uid, gid)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    _next_steps(user, prefix)


NOBODY = 65534  # "other users": a uid with no group of ours


def _check_programs(user: str, uid: int, gid: int) -> bool:
    """Warn when another user, or the unit's user, can't run the interpreter or the package
    (pipx or pyenv under a 0700 /root): their sendmail would exit 126, their mail lost."""
    from alloy_tui.core.health import unreachable_programs

    said = False
    lost = "their sendmail would fail (exit 126) and the mail be lost"
    units = "the queue service would not start (exit 127)"
    for who, (u, g), then in (
        ("other users", (NOBODY, NOBODY), lost),
        (f"{user}, who runs the units", (uid, gid), units),
    ):
        found = unreachable_programs(u, g)
        for blocked in dict.fromkeys(b for _w, _p, b in found):  # one line per folder in the way
            paths = [(w, p) for w, p, b in found if b == blocked]
            what, path = paths[0]
            more = f" and {len(paths) - 1} more of its files" if len(paths) > 1 else ""
            said = True
            click.echo(
                f"alloy-tui: warning: {what} {path}{more} can't be run by {who}: {blocked} is "
                f"closed to them; {then}.",
                err=True,
            )
    if said:
        click.echo(
            "alloy-tui: Fix: install alloy-tui system-wide, where every user can run it (as "
            "root: `python3 -m pip install alloy-tui` with the system's Python, or `pipx "
            "install --global alloy-tui`), then run setup-system again.",
            err=True,
        )
    return said


def _next_steps(user: str, prefix: Path | None) -> None:
    from alloy_tui.core.config import paths

    config = paths.SYSTEM_CONFIG if prefix is None else prefix / "etc/alloy-tui/config.toml"
    as_user = "" if user == "root" else f"sudo -u {user} "
    click.echo("Done. Next, as root:")
    click.echo(f"  {as_user}alloy-tui --config {config}      (the setup wizard; signs in)")
    click.echo("  alloy-tui systemd install --system    (the queue daemon takes in the maildrop)")
    from alloy_tui.scripts import link_command

    click.echo(f"  {link_command()}")
    click.echo("Then every local user's sendmail (cron as www-data, backup...) goes through it.")


COMMANDS: list[click.Command] = [setup_system_command]
