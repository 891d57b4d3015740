"""What every subcommand gets: which config file, and the running sandbox when --sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from alloy_tui.sandbox.session import SandboxSession


@dataclass
class CliContext:
    config_path: Path
    sandbox: SandboxSession | None = None  # when --sandbox
    explicit_config: bool = False

    @property
    def in_sandbox(self) -> bool:
        return self.sandbox is not None


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit; never a traceback."""
    import click

    click.echo(f"alloy-tui: {message}", err=True)
    raise SystemExit(code)
