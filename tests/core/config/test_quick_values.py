"""The doors' fast config read (`read_values`) agrees with the typed model everywhere: the
same defaults, the same values, and the same refusals worded the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.core.config import ConfigError, Settings, load_or_default, read_values, to_mapping
from alloy_tui.core.config.defaults import DEFAULTS

GOOD = """\
service = "exchange-online"
[exchange_online]
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-2222-3333-4444-555555555555"
[queue]
path = "q"
lifetime_hours = 48
[sendmail]
admin = "ops@contoso.com"
[sendmail.aliases]
postgres = "dba@contoso.com"
"""


def test_the_defaults_table_is_the_models_defaults() -> None:
    assert DEFAULTS == to_mapping(Settings())


def test_a_missing_file_gives_every_default(tmp_path: Path) -> None:
    values = read_values(tmp_path / "none.toml")
    assert not values.exists
    assert values.data == to_mapping(Settings())


def test_values_are_the_models_values(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD)
    values = read_values(path)
    assert values.exists
    assert values.data == to_mapping(load_or_default(path).settings)
    assert values.number("queue.lifetime_hours") == 48
    assert values.table("sendmail.aliases") == {"postgres": "dba@contoso.com"}
    values.table("sendmail.aliases")["x"] = "y@contoso.com"  # a copy: nothing shared
    assert read_values(path).table("sendmail.aliases") == {"postgres": "dba@contoso.com"}


def test_a_bad_value_is_refused_with_the_stores_words(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD.replace('admin = "ops@contoso.com"', 'admin = "not an address"'))
    with pytest.raises(ConfigError) as quick:
        read_values(path)
    with pytest.raises(ConfigError) as full:
        load_or_default(path)
    assert quick.value.lines == full.value.lines
    assert f"{path}:9: sendmail.admin must be one address" in quick.value.lines[0]


SCALARS = st.one_of(
    st.booleans(),
    st.integers(-5, 10**7),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "graph", "ews", "smtp", "x@contoso.com", "https://h", "a b", "root"]),
    st.lists(st.sampled_from(["grafana", "@contoso.com", "bad one"]), max_size=2),
)


def _key_values() -> st.SearchStrategy[dict[str, Any]]:
    keys = [(s, k) for s, table in DEFAULTS.items() if isinstance(table, dict) for k in table]
    return st.dictionaries(st.sampled_from(keys), SCALARS, max_size=6).map(_nest)


def _nest(pairs: dict[tuple[str, str], Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for (section, key), value in pairs.items():
        doc.setdefault(section, {})[key] = value
    return doc


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=_key_values())
def test_quick_and_full_agree_on_any_values(tmp_path: Path, doc: dict[str, Any]) -> None:
    path = tmp_path / "config.toml"
    path.write_text(tomlkit.dumps(doc))
    try:
        full = to_mapping(load_or_default(path).settings)
    except ConfigError as e:
        with pytest.raises(ConfigError) as quick:
            read_values(path)
        assert quick.value.lines == e.lines
        return
    assert read_values(path).data == full
