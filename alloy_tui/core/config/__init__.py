"""Settings: the typed model, the TOML store (comments kept, atomic, 0600), and where files live.

Outside this package, import from here: `from alloy_tui.core.config import Settings, load_or_default`,
or the two namespaces `paths` and `store` (`store.load(...)`, `paths.config_path()`).

Every name loads on first use (PEP 562): sendmail and `status --check`, which run for every
cron job and every monitoring poll, read the config with `read_values` (tomllib and the same
checks, no dataclasses, no tomlkit) and never pay for the typed model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.config import paths, smtpd_keys, store
    from alloy_tui.core.config import settings as settings_model
    from alloy_tui.core.config.checks import (
        APIS,
        CLOUD_LABELS,
        CLOUDS,
        EXCHANGE_AUTH,
        MESSAGE_FORMATS,
        SERVICES,
        SMTP_SECURITY,
    )
    from alloy_tui.core.config.defaults import DEFAULTS
    from alloy_tui.core.config.paths import alert_log_path, token_cache_path
    from alloy_tui.core.config.quick import Values, read_values, setting
    from alloy_tui.core.config.reading import ConfigChangedError, ConfigError
    from alloy_tui.core.config.settings import (
        GUID_RE,
        SECTIONS,
        SERVICE_SECTIONS,
        AlertLog,
        ExchangeOnline,
        ExchangeServer,
        Problem,
        Settings,
        SettingsError,
        Smtp,
        Smtpd,
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

_MODULES = {
    "paths": "alloy_tui.core.config.paths",
    "smtpd_keys": "alloy_tui.core.config.smtpd_keys",
    "store": "alloy_tui.core.config.store",
    "settings_model": "alloy_tui.core.config.settings",
}
_FROM = {
    "alloy_tui.core.config.checks": (
        "APIS CLOUD_LABELS CLOUDS EXCHANGE_AUTH MESSAGE_FORMATS SERVICES SMTP_SECURITY"
    ),
    "alloy_tui.core.config.defaults": "DEFAULTS",
    "alloy_tui.core.config.paths": "alert_log_path token_cache_path",
    "alloy_tui.core.config.quick": "Values read_values setting",
    "alloy_tui.core.config.reading": "ConfigChangedError ConfigError",
    "alloy_tui.core.config.settings": (
        "GUID_RE SECTIONS SERVICE_SECTIONS AlertLog ExchangeOnline ExchangeServer Problem Settings "
        "SettingsError Smtp Smtpd from_mapping to_mapping validate"
    ),
    "alloy_tui.core.config.store": "LoadedConfig load load_or_default save unknown_keys",
}
_LAZY = {name: module for module, names in _FROM.items() for name in names.split()}


def __getattr__(name: str) -> object:
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


__all__ = [
    "APIS",
    "DEFAULTS",
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
    "Values",
    "alert_log_path",
    "from_mapping",
    "load",
    "load_or_default",
    "paths",
    "read_values",
    "save",
    "setting",
    "settings_model",
    "smtpd_keys",
    "store",
    "to_mapping",
    "token_cache_path",
    "unknown_keys",
    "validate",
]
