"""What every subcommand gets: which config file, and the running sandbox when --sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.sandbox.session import SandboxSession

from alloy_tui.exits import fail

__all__ = ["CliContext", "fail"]


@dataclass
class CliContext:
    config_path: Path
    sandbox: SandboxSession | None = None  # when --sandbox
    explicit_config: bool = False

    @property
    def in_sandbox(self) -> bool:
        return self.sandbox is not None
