"""Whether the config can take mail at all (78 when not), read the fast way (tomllib and the
same checks as every command, no typed model). For `-bs` and for the hand-off's facts when
they are not cached (facts.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.commands.sendmail.errors import HandoffError

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values


def not_set_up(
    values: Settings | Values, config_path: Path, exists: bool | None = None
) -> str | None:
    """Why nothing can be sent with these settings (78), or None. `exists`: whether the config
    file is there (Values know it themselves)."""
    fix = "Fix: run `alloy-tui` (the setup wizard)"
    if not (getattr(values, "exists", False) if exists is None else exists):
        return (
            f"not set up: {config_path} does not exist. {fix}, or point $ALLOY_TUI_CONFIG at "
            "the config; for mail from every local user (cron as www-data, backup...), as "
            "root: `alloy-tui setup-system`."
        )
    from alloy_tui.core.mail import not_set_up as service_not_set_up

    problem = service_not_set_up(values)
    return f"not set up: {problem}. {fix}." if problem else None


def load(config_path: Path) -> Values:
    """The config's values; HandoffError 78 when it can't be read or is not set up."""
    from alloy_tui.core.config import ConfigError, read_values

    try:
        values = read_values(config_path)
    except ConfigError as e:
        raise HandoffError(f"the config can't be used: {e.lines[0]}", os.EX_CONFIG) from None
    problem = not_set_up(values, config_path)
    if problem:
        raise HandoffError(problem, os.EX_CONFIG)
    return values


def settings_of(config_path: Path) -> Settings:
    """The typed settings, loaded once (-bs); HandoffError 78 when they can't be used or
    nothing is set up."""
    from alloy_tui.core.config import ConfigError, load_or_default

    try:
        settings = load_or_default(config_path).settings
    except ConfigError as e:
        raise HandoffError(f"the config can't be used: {e.lines[0]}", os.EX_CONFIG) from None
    problem = not_set_up(settings, config_path, exists=config_path.exists())
    if problem:
        raise HandoffError(problem, os.EX_CONFIG)
    return settings
