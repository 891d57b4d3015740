"""Fuzzing the config loader: whatever bytes sit in config.toml, `store.load` gives a
LoadedConfig or a ConfigError (an AlloyError), never another exception: no traceback for
`config validate`, `status`, `log` or the wizard (README: "never a traceback")."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.core.config import SECTIONS, store, to_mapping, validate
from alloy_tui.core.errors import AlloyError

FUZZ = settings(
    max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

KEYS = ["service", *SECTIONS, "host", "port", "tenant", "client_id", "path", "max_bytes", "x"]
FRAGMENTS = [
    *KEYS,
    *(f"[{s}]" for s in SECTIONS),
    "[[",
    "]]",
    "[",
    "]",
    "{",
    "}",
    "=",
    " = ",
    ",",
    ".",
    '"',
    "'",
    '"""',
    "'''",
    "\n",
    "\r\n",
    "\t",
    "#",
    "\\",
    "\\u",
    "0",
    "25",
    "-1",
    "1e999",
    "nan",
    "inf",
    "true",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "0x1F",
    "é",
    "\ufeff",
    "\x00",
    "\x1b]52;c;AAAA\x07",
]


def _load_any(path: Path, data: bytes) -> None:
    """Write `data` as the config and load it both ways; only AlloyError may escape."""
    path.write_bytes(data)
    for strict in (True, False):
        try:
            loaded = store.load(path, strict=strict)
        except AlloyError:
            continue
        assert isinstance(loaded, store.LoadedConfig)
        # What `config validate` and `config show` do next with a loaded config.
        store.unknown_keys(loaded)
        validate(loaded.settings)
        to_mapping(loaded.settings)


toml_ish = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(max_size=6),
        st.binary(max_size=4).map(lambda b: b.decode("latin-1")),
    ),
    max_size=40,
).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=st.one_of(toml_ish, st.binary(max_size=200)))
def test_random_toml_ish_bytes_load_or_raise_config_error(tmp_path: Path, data: bytes) -> None:
    _load_any(tmp_path / "config.toml", data)


def _value(v: Any) -> str:
    """An inline TOML value (strings as JSON, which TOML basic strings accept)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, int | str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + "}"


def _as_toml(doc: dict[str, Any], deep: int) -> str:
    lines = []
    for key, value in doc.items():
        if isinstance(value, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines.extend(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items())
        else:
            lines.insert(0, f"{json.dumps(key)} = {_value(value)}")
    if deep:  # an array nested `deep` levels: the shape that overflowed the parser's stack
        lines.append("deep = " + "[" * deep + "]" * deep)
    return "\n".join(lines) + "\n"


# Kept small: hypothesis spends far more time drawing big structures than the loader reads them.
keys = st.sampled_from(KEYS) | st.text(max_size=4)
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=6),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=6,
)
documents = st.dictionaries(
    keys, values | st.dictionaries(st.sampled_from(KEYS), values, max_size=4), max_size=4
)


@FUZZ
@given(doc=documents, deep=st.just(0) | st.integers(min_value=1, max_value=1200))
def test_random_nested_structures_written_as_toml_load_or_raise_config_error(
    tmp_path: Path, doc: dict[str, Any], deep: int
) -> None:
    _load_any(tmp_path / "config.toml", _as_toml(doc, deep).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("depth", [31, 32, 33, 499, 500, 501])
def test_nesting_around_the_limits(tmp_path: Path, depth: int) -> None:
    text = "[alert_log]\nx = " + "[" * depth + "]" * depth + "\n"
    _load_any(tmp_path / "config.toml", text.encode())
