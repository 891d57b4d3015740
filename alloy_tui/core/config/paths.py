"""Where the config, the token cache and the alert log live.

Config: ``--config PATH``, else ``$ALLOY_TUI_CONFIG``, else the platform's config folder, else
(no user config there) the system config ``/etc/alloy-tui/config.toml`` if it exists.
Token cache and alert log: the config's setting if set (relative paths are relative to the
config file's folder), else the platform's state folder (``$ALLOY_TUI_STATE_DIR`` overrides it);
for the system config the state lives in ``/var/lib/alloy-tui`` and the outbox in
``/var/spool/alloy-tui``.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "alloy-tui"
CONFIG_ENV = "ALLOY_TUI_CONFIG"
STATE_ENV = "ALLOY_TUI_STATE_DIR"
SYSTEM_CONFIG_ENV = "ALLOY_TUI_SYSTEM_CONFIG"  # packagers and tests: another system config path
SYSTEM_CONFIG = Path("/etc/alloy-tui/config.toml")
SYSTEM_STATE = Path("/var/lib/alloy-tui")
SYSTEM_SPOOL = Path("/var/spool/alloy-tui")


def system_config() -> Path:
    return Path(os.environ.get(SYSTEM_CONFIG_ENV) or SYSTEM_CONFIG)


def config_path(override: str | os.PathLike[str] | None = None) -> Path:
    return config_choice(override)[0]


def config_choice(override: str | os.PathLike[str] | None = None) -> tuple[Path, str]:
    """(the config file, why this one): for `config path --all`."""
    if override:
        return Path(override).expanduser(), "--config"
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser(), f"${CONFIG_ENV}"
    import platformdirs

    user = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"
    if user.exists():
        return user, "your user config"
    if _is_file(system_config()):
        return system_config(), f"the system config (no user config at {user})"
    return user, "your user config (not created yet)"


def _is_file(path: Path) -> bool:
    """Like Path.is_file, but False when a 0700 folder hides it from this user (Python 3.11's
    is_file raises PermissionError then): another user's system config is not ours to use."""
    try:
        return path.is_file()
    except OSError:
        return False


def is_system_config(config_file: Path) -> bool:
    try:
        return Path(config_file).resolve() == system_config().resolve()
    except OSError:
        return False


def state_dir() -> Path:
    """``$ALLOY_TUI_STATE_DIR``, else /var/lib/alloy-tui when the system config is the one in
    use (no user config, none named), else the platform's user state folder."""
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser()
    if not os.environ.get(CONFIG_ENV) and config_choice()[0] == system_config():
        return SYSTEM_STATE
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def resolve_setting_path(value: str, config_file: Path, default_name: str) -> Path:
    """A path setting: empty means the state folder; relative means next to the config file."""
    if not value:
        if is_system_config(config_file) and not os.environ.get(STATE_ENV):
            return (SYSTEM_SPOOL if default_name == "queue" else SYSTEM_STATE) / default_name
        return state_dir() / default_name
    p = Path(value).expanduser()
    return p if p.is_absolute() else config_file.parent / p


def token_cache_path(value: str, config_file: Path) -> Path:
    return resolve_setting_path(value, config_file, "token_cache.json")


def alert_log_path(value: str, config_file: Path) -> Path:
    return resolve_setting_path(value, config_file, "alert_log.jsonl")
