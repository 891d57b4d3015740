"""Settings: the typed model, the TOML store (comments kept, atomic, 0600), and where files live.

Outside this package, import from here: `from alloy_tui.core.config import Settings, load_or_default`,
or the two namespaces `paths` and `store` (`store.load(...)`, `paths.config_path()`).

Every name loads on first use (PEP 562): sendmail and `status --check`, which run for every
cron job and every monitoring poll, read the config with `read_values` (tomllib and the same
checks, no dataclasses, no tomlkit) and never pay for the typed model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core import lazy_names

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
    from alloy_tui.core.config.secret_keys import (
        SECRET_SETTINGS,
        is_secret_key,
        is_secret_setting,
    )
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

__getattr__ = lazy_names(
    globals(),
    {
        "checks": "APIS CLOUD_LABELS CLOUDS EXCHANGE_AUTH MESSAGE_FORMATS SERVICES SMTP_SECURITY",
        "defaults": "DEFAULTS",
        "paths": ". alert_log_path token_cache_path",
        "quick": "Values read_values setting",
        "reading": "ConfigChangedError ConfigError",
        "secret_keys": "SECRET_SETTINGS is_secret_key is_secret_setting",
        "settings": (
            "settings_model=. GUID_RE SECTIONS SERVICE_SECTIONS AlertLog ExchangeOnline "
            "ExchangeServer Problem Settings SettingsError Smtp Smtpd from_mapping to_mapping "
            "validate"
        ),
        "smtpd_keys": ".",
        "store": ". LoadedConfig load load_or_default save unknown_keys",
    },
)


__all__ = [
    "APIS",
    "DEFAULTS",
    "CLOUD_LABELS",
    "CLOUDS",
    "EXCHANGE_AUTH",
    "GUID_RE",
    "MESSAGE_FORMATS",
    "SECRET_SETTINGS",
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
    "is_secret_key",
    "is_secret_setting",
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
