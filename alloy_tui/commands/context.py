"""What every subcommand gets: which config file, and the running sandbox when --sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.sandbox.session import SandboxSession

from alloy_tui.exits import fail

__all__ = ["SANDBOX_SERIES", "CliContext", "fail"]


@dataclass
class CliContext:
    config_path: Path
    sandbox: SandboxSession | None = None  # when --sandbox
    explicit_config: bool = False

    @property
    def in_sandbox(self) -> bool:
        return self.sandbox is not None


#: What a lone `--sandbox COMMAND` says when its fresh sandbox has nothing to show yet.
SANDBOX_SERIES = (
    "Sandbox: each `alloy-tui --sandbox COMMAND` gets a fresh sandbox that ends with the "
    "command, so nothing carries over to the next one. For a series of commands (login, "
    "status, test-send, log), run `alloy-tui sandbox serve` in another terminal and the "
    "`export ...` line it prints, then the commands without --sandbox."
)
