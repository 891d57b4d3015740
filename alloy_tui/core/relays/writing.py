"""Writing a takeover: the config through the store (atomic, `.bak`, comments saying where each
value came from, added with tomlkit) and the password into the 0600 secrets file. The old relay's
files are only ever read."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alloy_tui.core.config import LoadedConfig, store, to_mapping
from alloy_tui.core.relays.mapping import Plan

HEADER = "Taken over from {label} by `alloy-tui takeover`; the old relay's files are unchanged."


def _commented(loaded: LoadedConfig, plan: Plan) -> LoadedConfig:
    """`loaded` with the plan's values already in its text, each with a `# from FILE:LINE`
    comment; the store then merges the settings (nothing left to change) and writes it."""
    import tomlkit

    doc = tomlkit.parse(loaded.text)
    header = HEADER.format(label=plan.relay.label)
    if header not in loaded.text:
        body = doc.body[:]
        doc = tomlkit.document()
        doc.add(tomlkit.comment(header))
        if not loaded.text.strip():
            doc.add(tomlkit.nl())
        for key, old in body:
            if key is None:
                doc.add(old)
            else:
                doc.append(key, old)
    wanted = to_mapping(plan.settings)
    for dotted, note in plan.comments.items():
        section, _, name = dotted.rpartition(".")
        value: Any = wanted[section][name] if section else wanted[name]
        if isinstance(value, dict):
            table = tomlkit.inline_table()
            table.update(value)
            item: Any = table
        else:
            item = tomlkit.item(value)
        item.comment(note)
        if not section:
            doc[name] = item  # tomlkit puts a plain key before the first table
            continue
        if section not in doc:
            doc[section] = tomlkit.table()
        doc[section][name] = item
    text = tomlkit.dumps(doc)
    return LoadedConfig(
        loaded.path,
        loaded.settings,
        loaded.exists,
        loaded.fingerprint,
        list(loaded.problems),
        text,
        loaded.data,
    )


@dataclass
class Written:
    config: Path
    backup: Path | None  # the previous config, kept as <name>.bak
    secrets: Path | None  # the secrets file, when a password was stored


def config_diff(loaded: LoadedConfig, plan: Plan) -> list[str]:
    """The config `apply_plan` would write, as a unified diff against the current file."""
    text = store.render(_commented(loaded, plan), plan.settings)
    name = str(loaded.path)
    return list(
        difflib.unified_diff(
            loaded.text.splitlines(),
            text.splitlines(),
            fromfile=name if loaded.exists else "/dev/null",
            tofile=name,
            lineterm="",
        )
    )


def apply_plan(loaded: LoadedConfig, plan: Plan) -> Written:
    """Store the password (if any), then save the config. Raises what the store and the
    secrets file raise (ConfigError, SettingsError, ConfigChangedError, UserInputError...)."""
    from alloy_tui.core import secrets

    stored: Path | None = None
    if plan.secret_password:
        stored = secrets.store_password("smtp", plan.secret_user, plan.secret_password)
    saved = store.save(_commented(loaded, plan), plan.settings)
    backup = saved.path.with_name(saved.path.name + ".bak")
    return Written(saved.path, backup if loaded.exists else None, stored)
