"""Where the config, the token cache and the alert log live.

Config: ``--config PATH``, else ``$ALLOY_TUI_CONFIG``, else the platform's config folder.
Token cache and alert log: the config's setting if set (relative paths are relative to the
config file's folder), else the platform's state folder (``$ALLOY_TUI_STATE_DIR`` overrides it).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "alloy-tui"
CONFIG_ENV = "ALLOY_TUI_CONFIG"
STATE_ENV = "ALLOY_TUI_STATE_DIR"


def config_path(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def state_dir() -> Path:
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def resolve_setting_path(value: str, config_file: Path, default_name: str) -> Path:
    """A path setting: empty means the state folder; relative means next to the config file."""
    if not value:
        return state_dir() / default_name
    p = Path(value).expanduser()
    return p if p.is_absolute() else config_file.parent / p


def token_cache_path(value: str, config_file: Path) -> Path:
    return resolve_setting_path(value, config_file, "token_cache.json")


def alert_log_path(value: str, config_file: Path) -> Path:
    return resolve_setting_path(value, config_file, "alert_log.jsonl")
