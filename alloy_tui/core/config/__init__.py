"""Settings: the typed model, the TOML store (comments kept, atomic, 0600), and where files live.

Outside this package, import from here: `from alloy_tui.core.config import Settings, load_or_default`,
or the two namespaces `paths` and `store` (`store.load(...)`, `paths.config_path()`).
"""

from __future__ import annotations

from alloy_tui.core.config import paths, smtpd_keys, store
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
    SERVICE_SECTIONS,
    SERVICES,
    SMTP_SECURITY,
    AlertLog,
    ExchangeOnline,
    ExchangeServer,
    Problem,
    Settings,
    SettingsError,
    Smtp,
    from_mapping,
    to_mapping,
    validate,
)
from alloy_tui.core.config.smtpd_keys import Smtpd
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
    "SERVICE_SECTIONS",
    "SMTP_SECURITY",
    "AlertLog",
    "ConfigChangedError",
    "ConfigError",
    "ExchangeOnline",
    "ExchangeServer",
    "LoadedConfig",
    "Problem",
    "Settings",
    "SettingsError",
    "Smtp",
    "Smtpd",
    "alert_log_path",
    "from_mapping",
    "load",
    "load_or_default",
    "paths",
    "save",
    "settings_model",
    "smtpd_keys",
    "store",
    "to_mapping",
    "token_cache_path",
    "unknown_keys",
    "validate",
]
