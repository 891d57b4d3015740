"""`alloy-tui takeover`: read the relay this server has (postfix, msmtp, ssmtp, nullmailer, dma,
exim4, OpenSMTPD), show what it means, write it as alloy-tui's settings; `--switch` points sendmail
at alloy-tui, `--rollback` puts it back. The work is in core/relays; this is the face.

Exit codes: 0 done (with --dry-run: something found), 1 nothing found or a step failed,
2 ambiguous or bad input (several relays and no --from, a file it can't read: file and line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from alloy_tui.commands.context import CliContext, as_config_owner
from alloy_tui.core.errors import printable
from alloy_tui.exits import fail

if TYPE_CHECKING:
    from alloy_tui.core.config import LoadedConfig
    from alloy_tui.core.relays import Plan, Relay, Root

#: The relays `--from` accepts (the same as core.relays.KINDS; a test keeps them equal).
KIND_CHOICES = ("postfix", "msmtp", "ssmtp", "exim4", "nullmailer", "dma", "opensmtpd")


def _echo(text: str = "") -> None:
    click.echo(printable(text))


@click.command("takeover")
@click.option(
    "--dry-run", is_flag=True, help="Show what was found and what would change; write nothing."
)
@click.option(
    "--from",
    "kind",
    type=click.Choice(KIND_CHOICES),
    help="The relay to take over when there are several.",
)
@click.option(
    "--root",
    "root_dir",
    default="/",
    type=click.Path(file_okay=False, exists=True),
    help="Read the relays (and switch) under this folder instead of / (images, chroots, tests).",
)
@click.option(
    "--switch",
    is_flag=True,
    help="Also stop the old relay and point sendmail, mailq and newaliases at alloy-tui.",
)
@click.option("--rollback", is_flag=True, help="Put back everything a --switch changed.")
@click.pass_obj
def takeover_command(
    obj: CliContext, dry_run: bool, kind: str | None, root_dir: str, switch: bool, rollback: bool
) -> None:
    """Take over the settings of the mail relay this server already has.

    Reads the relay's own files (never runs it), maps them onto alloy-tui's settings and writes
    them (the config atomically with a .bak, the password into the 0600 secrets file); the old
    relay's files are never changed. Exit 0 done, 1 nothing found, 2 ambiguous or bad input.
    """
    from alloy_tui.core import relays

    if switch and rollback:
        fail("--switch and --rollback go alone: pick one", 2)
    root = relays.Root(root_dir)
    if rollback:
        _rollback(root, dry_run)
        return
    relay = _the_relay(root, kind or "")
    _as_config_owner(obj, lambda: _plan_and_write(obj, root, relay, dry_run, switch))
    if switch and not dry_run:
        _switch(root, relay)


def _plan_and_write(obj: CliContext, root: Root, relay: Relay, dry_run: bool, switch: bool) -> None:
    """The config read, the plan shown and (not `dry_run`) written: as the config's owner."""
    from alloy_tui.core import relays

    loaded = _load(obj)
    plan = relays.plan_takeover(relay, loaded.settings)
    _show_found(relay, plan)
    if dry_run:
        _show_dry_run(root, loaded, plan, switch)
        return
    _write(loaded, plan)
    _show_next(plan)


def _the_relay(root: Root, kind: str) -> Relay:
    from alloy_tui.core import relays

    found = relays.discover(root, kind)
    if found.errors:
        fail([f"{e} (nothing was written)" for e in found.errors], 2)
    if not found.relays:
        where = f" under {root.path}" if not root.is_system else ""
        looked = kind or ", ".join(relays.KINDS)
        fail(f"no relay found{where} (looked for {looked}); nothing to take over", 1)
    if len(found.relays) > 1:
        names = ", ".join(r.label for r in found.relays)
        fail(f"several relays found: {names}; pick one with --from KIND", 2)
    return found.relays[0]


def _load(obj: CliContext) -> LoadedConfig:
    from alloy_tui.core.config import ConfigError, load_or_default

    try:
        return load_or_default(obj.config_path)
    except ConfigError as e:
        fail(e.lines, 2)


def _show_found(relay: Relay, plan: Plan) -> None:
    _echo(f"Found {relay.label}:")
    for finding in relay.findings:
        _echo(f"  {finding.where()}: {finding.meaning}")
    if plan.not_carried:
        _echo("Not carried (alloy-tui has no such setting, or it stays with the old relay):")
        for line in plan.not_carried:
            _echo(f"  - {line}")


def _show_dry_run(root: Root, loaded: LoadedConfig, plan: Plan, switch: bool) -> None:
    from alloy_tui.core import relays
    from alloy_tui.core.secrets import secrets_path

    lines = _diff(loaded, plan)
    _echo()
    _echo(f"The config it would write ({loaded.path}):" if lines else f"{loaded.path}: no change")
    for line in lines:
        _echo(line)
    if plan.secret_password:
        _echo(
            f"The password found in {plan.relay.password_file} would be stored in "
            f"{secrets_path()} (0600), under smtp / {plan.secret_user}."
        )
    _echo()
    _echo(
        "What --switch would do:" if not switch else "What --switch will do (not now: --dry-run):"
    )
    for step in relays.planned(root, plan.relay.service_unit, relays.program()):
        _echo(f"  - {step}")
    _show_next(plan)
    _echo("Nothing was written (--dry-run).")


def _diff(loaded: LoadedConfig, plan: Plan) -> list[str]:
    from alloy_tui.core import relays
    from alloy_tui.core.config import SettingsError

    try:
        return relays.config_diff(loaded, plan)
    except SettingsError as e:
        fail([f"the relay's settings can't be used: {line}" for line in e.lines], 2)


def _as_config_owner(obj: CliContext, work: Callable[[], None]) -> None:
    """Root for another user's config (`setup-system --user alloy`): the relay's files were
    read as root; the config is read, shown and written (with the secrets file) by a child that
    becomes the config's owner first (core/become.py), so root never acts by path in that
    user's folders (a link there can't show a root-only file in the dry run's diff). The parent
    goes on as root (--switch) once the child is done."""
    import os
    import sys

    from alloy_tui.core.become import foreign_owner

    if foreign_owner(obj.config_path) is None:
        work()
        return
    import tomlkit  # noqa: F401 - loaded before the child drops root (it may not reach them)

    from alloy_tui.core import relays, secrets
    from alloy_tui.core.config import load_or_default

    _ = (relays.apply_plan, relays.config_diff, relays.plan_takeover, relays.planned)
    _ = (secrets.store_password, secrets.secrets_path, load_or_default)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: become the owner, do the work, leave
        code = 0
        try:
            as_config_owner(obj)
            work()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException as e:  # noqa: BLE001 - the child must never return into click
            print(printable(f"alloy-tui: {e}"), file=sys.stderr)
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(code)


def _write(loaded: LoadedConfig, plan: Plan) -> None:
    from alloy_tui.core import relays
    from alloy_tui.core.errors import AlloyError

    _diff(loaded, plan)  # refuses settings that don't validate before anything is written
    try:
        written = relays.apply_plan(loaded, plan)
    except AlloyError as e:
        fail(getattr(e, "lines", None) or str(e), 2)
    kept = f" (the previous one kept as {written.backup})" if written.backup else ""
    _echo()
    _echo(f"Wrote {written.config}{kept}.")
    if written.secrets is not None:
        _echo(
            f"Stored the password found in {plan.relay.password_file} in {written.secrets} (0600)."
        )
    _echo(f"The old relay's files are unchanged: {', '.join(plan.relay.files)}.")


def _switch(root: Root, relay: Relay) -> None:
    from alloy_tui.core import relays

    _echo()
    _echo("Switching:")
    try:
        relays.switch(root, relay.service_unit, relays.program(), lambda s: _echo(f"  - {s}"))
    except relays.SwitchError as e:
        fail(f"switch stopped: {e}; `alloy-tui takeover --rollback` undoes what was done", 1)


def _rollback(root: Root, dry_run: bool) -> None:
    from alloy_tui.core import relays

    if dry_run:
        record = root.real(relays.RECORD)
        _echo(
            f"--rollback would put back what {relays.RECORD} lists"
            if record.exists()
            else f"nothing to roll back ({relays.RECORD} does not exist)"
        )
        return
    _echo("Rolling back:")
    try:
        relays.rollback(root, lambda s: _echo(f"  - {s}"))
    except relays.SwitchError as e:
        fail(f"rollback stopped: {e}", 1)


def _show_next(plan: Plan) -> None:
    if plan.next_steps:
        _echo()
        _echo("Next:")
        for step in plan.next_steps:
            _echo(f"  - {step}")


COMMANDS = [takeover_command]
