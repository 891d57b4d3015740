"""Settings: the typed model, the TOML store (comments kept, atomic, 0600), and where files live.

Outside this package, import from here: `from alloy_tui.core.config import Settings, load_or_default`,
or the two namespaces `paths` and `store` (`store.load(...)`, `paths.config_path()`).
"""

from __future__ import annotations

from alloy_tui.core.config import paths, store
from alloy_tui.core.config import settings as settings_model
from alloy_tui.core.config.paths import alert_log_path, token_cache_path
from alloy_tui.core.config.reading import ConfigChangedError, ConfigError
from alloy_tui.core.config.settings import (
    APIS,
    CLOUD_LABELS,
    CLOUDS,
    EXCHANGE_AUTH,
    GUID_RE,
    MESSAGE_FORMATS,
    SECTIONS,
    SERVICES,
    SMTP_SECURITY,
    AlertLog,
    Problem,
    Settings,
    SettingsError,
    from_mapping,
    to_mapping,
    validate,
)
from alloy_tui.core.config.store import (
    LoadedConfig,
    load,
    load_or_default,
    save,
    unknown_keys,
)

__all__ = [
    "APIS",
    "CLOUD_LABELS",
    "CLOUDS",
    "EXCHANGE_AUTH",
    "GUID_RE",
    "MESSAGE_FORMATS",
    "SECTIONS",
    "SERVICES",
    "SMTP_SECURITY",
    "AlertLog",
    "ConfigChangedError",
    "ConfigError",
    "LoadedConfig",
    "Problem",
    "Settings",
    "SettingsError",
    "alert_log_path",
    "from_mapping",
    "load",
    "load_or_default",
    "paths",
    "save",
    "settings_model",
    "store",
    "to_mapping",
    "token_cache_path",
    "unknown_keys",
    "validate",
]
