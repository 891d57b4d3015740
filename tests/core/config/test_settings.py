"""The settings model, and config.example.toml kept in step with it."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest
import tomlkit

from alloy_tui.core.config import store
from alloy_tui.core.config.checks import CHOICES
from alloy_tui.core.config.settings import (
    SECTIONS,
    Problem,
    Settings,
    from_mapping,
    to_mapping,
    validate,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "config.example.toml"


def every_key() -> list[str]:
    return ["service"] + [f"{name}.{f.name}" for name, cls in SECTIONS.items() for f in fields(cls)]


def comment_block_above(lines: list[str], index: int) -> list[str]:
    block = []
    i = index - 1
    while i >= 0 and lines[i].startswith("#"):
        block.insert(0, lines[i])
        i -= 1
    return block


def test_example_loads_with_no_problems_and_no_unknown_keys() -> None:
    loaded = store.load(EXAMPLE)
    assert loaded.problems == []
    assert store.unknown_keys(loaded) == []


def test_example_holds_the_defaults() -> None:
    """Every key in the example is set to its default, so copying it changes nothing."""
    assert store.load(EXAMPLE).settings == Settings()


def test_example_documents_every_key() -> None:
    loaded = store.load(EXAMPLE)
    text_lines = loaded.text.splitlines()
    data = loaded.document.unwrap()
    defaults = to_mapping(Settings())
    missing = []
    for key in every_key():
        section, _, name = key.rpartition(".")
        if (data.get(section, {}) if section else data).get(name, ...) is ...:
            missing.append(key)
            continue
        number = loaded.line_of(key)
        assert number is not None, key
        block = comment_block_above(text_lines, number - 1)
        assert block, f"{key} (line {number}) has no comment above it"
        doc = " ".join(block)
        assert "Default" in doc, f"{key}: the comment does not say the default"
        default = defaults[section][name] if section else defaults[name]
        shown = tomlkit.item(default).as_string()  # as TOML: "graph", false, 30.0, 10485760
        assert f"Default: {shown}" in doc, f"{key}: the comment does not say Default: {shown}"
        for option in CHOICES.get(key, ()):
            assert f'"{option}"' in doc, f"{key}: allowed value {option!r} not documented"
    assert missing == [], f"config.example.toml lacks: {missing}"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            {"service": "sendmail"},
            'service must be "exchange-online" or "smtp" or "exchange-server", got "sendmail"',
        ),
        (
            {"exchange_online": {"api": "rest"}},
            'exchange_online.api must be "graph" or "ews", got "rest"',
        ),
        ({"exchange_online": {"cloud": "germany"}}, "exchange_online.cloud must be"),
        (
            {"exchange_online": {"from_delegation": 1}},
            "exchange_online.from_delegation must be true or false",
        ),
        (
            {"exchange_online": {"client_id": "app"}},
            "exchange_online.client_id must be the application (client) ID",
        ),
        ({"exchange_online": {"tenant": "contoso"}}, "exchange_online.tenant must be"),
        (
            {"exchange_online": {"graph_endpoint": "graph.microsoft.com"}},
            "exchange_online.graph_endpoint must be a URL starting with https://",
        ),
        ({"smtp": {"port": 0}}, "smtp.port must be between 1 and 65535, got 0"),
        ({"smtp": {"port": True}}, "smtp.port must be a whole number"),
        ({"smtp": {"host": "a b"}}, "smtp.host must be a host name without spaces"),
        ({"message": {"default_from": "a\nb"}}, "message.default_from must be a single line"),
        ({"network": {"timeout": "30"}}, "network.timeout must be a number"),
        ({"network": 5}, "network must be a table ([network]), got a whole number"),
        ({"queue": {"lifetime_hours": 0}}, "queue.lifetime_hours must be between 1 and 8760"),
        ({"queue": {"max_per_minute": -1}}, "queue.max_per_minute must be between 0 and"),
        ({"sendmail": {"admin": "root"}}, "sendmail.admin must be one address like"),
        ({"sendmail": {"aliases": "root"}}, "sendmail.aliases must be a table"),
        (
            {"sendmail": {"aliases": {"root": "a@b.com\nBcc: x@evil.com"}}},
            "sendmail.aliases.root must be one address like",
        ),
        ({"sendmail": {"aliases": {"a b": "a@b.com"}}}, "sendmail.aliases.a b must be a local"),
    ],
)
def test_each_bad_value_is_one_problem(data: dict, problem: str) -> None:
    settings, problems = from_mapping(data)
    assert len(problems) == 1 and str(problems[0]).startswith(problem), problems
    # A wrong type or choice falls back to the default; a badly formed text is kept (so the
    # wizard can show it for editing) and validate() keeps reporting it.
    assert settings == Settings() or validate(settings) == problems


def test_good_values_and_unknown_keys() -> None:
    data = {
        "service": "smtp",
        "smtp": {"host": "relay.example.com", "port": 25, "security": "none", "extra": 1},
        "network": {"timeout": 5},
        "someone_else": {"x": 1},
    }
    settings, problems = from_mapping(data)
    assert problems == []
    assert settings.smtp.port == 25 and settings.network.timeout == 5.0
    assert isinstance(settings.network.timeout, float)
    assert to_mapping(settings)["smtp"]["host"] == "relay.example.com"
    assert validate(settings) == []


def test_with_section_returns_a_changed_copy() -> None:
    s = Settings()
    t = s.with_section("exchange_online", api="ews")
    assert s.exchange_online.api == "graph" and t.exchange_online.api == "ews"
    assert validate(t.with_section("smtp", port=70000)) == [
        Problem("smtp.port", "must be between 1 and 65535, got 70000")
    ]


def test_each_service_has_one_section_on_settings() -> None:
    from alloy_tui.core.config.settings import SERVICES

    s = Settings()
    assert s.section_name() == "exchange_online" and s.service_section() is s.exchange_online
    for service in SERVICES:
        chosen = replace(s, service=service)
        assert chosen.service_section() is getattr(s, chosen.section_name())
        assert s.section_name(service) == chosen.section_name() == service.replace("-", "_")
    with pytest.raises(ValueError, match="unknown service 'fax'"):
        s.section_name("fax")


def test_settings_error_is_an_alloy_error() -> None:
    from alloy_tui.core.config import SettingsError
    from alloy_tui.core.errors import AlloyError

    assert issubclass(SettingsError, AlloyError) and issubclass(SettingsError, ValueError)


def test_queue_and_sendmail_sections(tmp_path: Path) -> None:
    settings, problems = from_mapping(
        {
            "queue": {"path": "spool", "lifetime_hours": 2, "max_per_minute": 0},
            "sendmail": {"admin": "ops@contoso.com", "aliases": {"www-data": "web@contoso.com"}},
        }
    )
    assert problems == []
    assert settings.queue.max_per_minute == 0 and settings.queue.lifetime_hours == 2
    assert settings.sendmail.aliases == {"www-data": "web@contoso.com"}
    # Saved and loaded back unchanged, the aliases as a table.
    path = tmp_path / "config.toml"
    saved = store.save(store.load_or_default(path), settings)
    assert store.load(path).settings == settings == saved.settings
    assert "web@contoso.com" in path.read_text()
