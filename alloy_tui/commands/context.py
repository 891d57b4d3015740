"""What every subcommand gets: which config file, and the running sandbox when --sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import click

    from alloy_tui.core.config import LoadedConfig
    from alloy_tui.sandbox.session import SandboxSession

from alloy_tui.exits import fail

__all__ = [
    "SANDBOX_SERIES",
    "CliContext",
    "acts_as_config_owner",
    "as_config_owner",
    "config_owner",
    "fail",
]


@dataclass
class CliContext:
    config_path: Path
    sandbox: SandboxSession | None = None  # when --sandbox
    explicit_config: bool = False

    @property
    def in_sandbox(self) -> bool:
        return self.sandbox is not None

    def load(self) -> LoadedConfig:
        """This command's config as it is on disk (the defaults when there is no file yet)."""
        from alloy_tui.core.config import load_or_default

        return load_or_default(self.config_path)


#: What a lone `--sandbox COMMAND` says when its fresh sandbox has nothing to show yet.
SANDBOX_SERIES = (
    "Sandbox: each `alloy-tui --sandbox COMMAND` gets a fresh sandbox that ends with the "
    "command, so nothing carries over to the next one. For a series of commands (login, "
    "status, test-send, log), run `alloy-tui sandbox serve` in another terminal and the "
    "`export ...` line it prints, then the commands without --sandbox."
)


def as_config_owner(obj: CliContext) -> None:
    """Root for another user's config (`setup-system --user alloy`): become that user now, before
    anything touches its outbox, state folder or alert log (core/become.py), or exit 1 saying why
    not. Nothing happens for anyone else."""
    from alloy_tui.core.become import BecomeError, become_owner_of

    try:
        become_owner_of(obj.config_path)
    except BecomeError as e:
        fail(f"{e}; {obj.config_path} is that user's config, and root does not act on its files", 1)


Command = TypeVar("Command", bound="click.Command")


def config_owner(command: Command) -> Command:
    """Declares that `command` acts on the config's outbox, state folder or alert log: run by
    root for another user's config (`setup-system --user alloy`), the CLI becomes that user
    before the command starts (`as_config_owner`, called by cli.py for each command that says
    so). Written above the command's ``@click.command``/``@click.group``."""
    command.__dict__["as_config_owner"] = True
    return command


def acts_as_config_owner(command: click.Command | None) -> bool:
    """Whether `command` declared itself with `config_owner`."""
    return command is not None and bool(command.__dict__.get("as_config_owner", False))
