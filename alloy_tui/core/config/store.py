"""Load and save config.toml without ever losing the admin's file.

Loading reports every problem as ``path:line: dotted.key message``. Saving merges the
settings into the tomlkit document (comments, key order and unknown keys survive), writes
only what changed, and replaces the file atomically (temp file in the same folder, fsync,
rename, fsync of the folder) with mode 0600, keeping the previous version as ``<name>.bak``.
It refuses to write if the file changed on disk since it was loaded, and it never overwrites
a file that is not valid TOML.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tomllib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config.reading import (
    MAX_CONFIG_BYTES,
    ConfigChangedError,
    ConfigError,
    decode,
    parse_document,
    parse_plain,
    read_bytes,
)
from alloy_tui.core.config.settings import (
    SECTIONS,
    Problem,
    Settings,
    SettingsError,
    from_mapping,
    to_mapping,
    validate,
)
from alloy_tui.core.config.toml_lines import key_lines, line_of
from alloy_tui.core.filelocks import folder_lock
from alloy_tui.core.fs import (
    FolderError,
    atomic_write,
    fsync_folder,
    make_folder,
    remove_leftovers,
    remove_quietly,
    why,
    write_temp,
)

if TYPE_CHECKING:
    import tomlkit

__all__ = [
    "MAX_CONFIG_BYTES",
    "ConfigChangedError",
    "ConfigError",
    "Fingerprint",
    "LoadedConfig",
    "diff",
    "load",
    "load_or_default",
    "rebase",
    "render",
    "save",
    "unknown_keys",
]

HEADER = (
    "alloy-tui settings (TOML). Saved by alloy-tui: your comments, key order and extra keys are kept.",
    "Keys left out use their defaults; `alloy-tui config show` prints every effective value.",
)


@dataclass(frozen=True)
class Fingerprint:
    """What was on disk when loaded. ``sha256`` is None when there was no file."""

    sha256: str | None
    size: int = 0
    mtime_ns: int = 0

    @classmethod
    def of(cls, data: bytes | None, st: os.stat_result | None = None) -> Fingerprint:
        if data is None:
            return cls(None)
        return cls(hashlib.sha256(data).hexdigest(), len(data), st.st_mtime_ns if st else 0)

    def same_content(self, other: Fingerprint) -> bool:
        return self.sha256 == other.sha256


@dataclass
class LoadedConfig:
    path: Path
    settings: Settings
    exists: bool  # False: defaults, nothing on disk yet
    fingerprint: Fingerprint  # what was on disk when loaded (to refuse stale saves)
    problems: list[str] = field(default_factory=list)  # only with strict=False
    text: str = ""  # the file as read ("" when it did not exist)
    data: dict[str, Any] = field(default_factory=dict)  # its plain values, unknown keys too
    _document: tomlkit.TOMLDocument | None = field(default=None, repr=False, compare=False)

    @property
    def document(self) -> tomlkit.TOMLDocument:
        """The tomlkit document (comments and all); parsed on first use, so a plain load is fast."""
        if self._document is None:
            self._document = parse_document(self.path, self.text)
        return self._document

    def line_of(self, dotted_key: str) -> int | None:
        return line_of(key_lines(self.text), dotted_key)


# ---------------------------------------------------------------- reading


def _problem_lines(path: Path, text: str, problems: list[Problem]) -> list[str]:
    lines = key_lines(text)
    out = []
    for p in problems:
        number = line_of(lines, p.key) if p.key else None
        out.append(f"{path}:{number}: {p}" if number else f"{path}: {p}")
    return out


def _loaded(path: Path, raw: tuple[bytes, os.stat_result] | None, strict: bool) -> LoadedConfig:
    if raw is None:
        return LoadedConfig(path, Settings(), False, Fingerprint(None))
    data, st = raw
    text = decode(path, data)
    plain = parse_plain(path, text)
    settings, problems = from_mapping(plain)
    lines = _problem_lines(path, text, problems)
    if lines and strict:
        raise ConfigError(lines)
    return LoadedConfig(path, settings, True, Fingerprint.of(data, st), lines, text, plain)


def load(path: Path, *, strict: bool = True) -> LoadedConfig:
    """Read and validate the config. Raises ConfigError (every problem, with file:line).

    ``strict=False`` returns the settings anyway (defaults where a value was wrong) with the
    problems in ``.problems``, so the wizard can show them and let the admin fix them.
    """
    path = Path(path)
    return _loaded(path, read_bytes(path, missing_ok=False), strict)


def load_or_default(path: Path, *, strict: bool = True) -> LoadedConfig:
    """Like load, but a missing file gives the defaults with ``exists=False``."""
    path = Path(path)
    return _loaded(path, read_bytes(path, missing_ok=True), strict)


def unknown_keys(loaded: LoadedConfig) -> list[str]:
    """Warnings for keys alloy-tui does not know (kept in the file, ignored)."""
    lines = key_lines(loaded.text)
    known_top = ["service", *SECTIONS]
    out = []

    def warn(key: str, candidates: list[str]) -> None:
        close = difflib.get_close_matches(key.rsplit(".", 1)[-1], candidates, n=1)
        hint = (
            f" (did you mean {key.rsplit('.', 1)[0] + '.' if '.' in key else ''}{close[0]}?)"
            if close
            else ""
        )
        number = line_of(lines, key)
        where = f"{loaded.path}:{number}" if number else str(loaded.path)
        out.append(f"{where}: unknown key {key} is ignored{hint}")

    data = loaded.data
    for name, value in data.items():
        if name not in known_top:
            warn(name, known_top)
        elif name in SECTIONS and isinstance(value, Mapping):
            names = [f.name for f in fields(SECTIONS[name])]
            for key in value:
                if key not in names:
                    warn(f"{name}.{key}", names)
    return out


def diff(loaded: LoadedConfig, settings: Settings) -> list[tuple[str, object, object]]:
    """(dotted key, old, new) for every key whose effective value changes."""
    return [
        (k, old, new)
        for k, old, new in _pairs(to_mapping(loaded.settings), to_mapping(settings))
        if not _same(old, new)
    ]


def rebase(base: LoadedConfig, draft: Settings, onto: LoadedConfig) -> Settings:
    """The draft's changes (made on top of ``base``) applied to ``onto``, a fresh load.

    For saving after ConfigChangedError: keys the other editor changed and the draft did not
    keep the other editor's value, so ``save(onto, rebase(base, draft, onto))`` loses nothing.
    """
    result = onto.settings
    for key, _old, new in diff(base, draft):
        section, _, name = key.rpartition(".")
        change: dict[str, Any] = {name: new}  # one field of the draft Settings, of its type
        result = result.with_section(section, **change) if section else replace(result, **change)
    return result


def _pairs(old: dict[str, Any], new: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    for key, value in new.items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                yield f"{key}.{sub}", old[key][sub], sub_value
        else:
            yield key, old[key], value


# ---------------------------------------------------------------- saving


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b and isinstance(a, str) == isinstance(b, str)


def _merge(doc: tomlkit.TOMLDocument, settings: Settings) -> None:
    """Write into doc only the keys that differ from it (or that it lacks and are not defaults)."""
    import tomlkit

    defaults = to_mapping(Settings())
    wanted = to_mapping(settings)

    def put(container: MutableMapping[str, Any], key: str, value: object, default: object) -> None:
        if key in container:
            current = container[key]
            current = current.unwrap() if hasattr(current, "unwrap") else current
            if not _same(current, value):
                container[key] = value
        elif not _same(value, default):
            container[key] = value

    put(doc, "service", wanted["service"], defaults["service"])
    for name in SECTIONS:
        changes = wanted[name]
        section = doc.get(name)
        if section is not None and not isinstance(section, MutableMapping):
            del doc[name]  # e.g. `network = 5`: a wrong value the admin was told about
            section = None
        if section is None:
            needed = {k: v for k, v in changes.items() if not _same(v, defaults[name][k])}
            if not needed:
                continue
            section = tomlkit.table()
            doc[name] = section
            section = doc[name]
        for key, value in changes.items():
            put(section, key, value, defaults[name][key])


def _render(loaded: LoadedConfig, settings: Settings) -> str:
    import tomlkit

    doc = parse_document(loaded.path, loaded.text)  # a fresh copy: the caller's stays as loaded
    if not loaded.exists and not doc.body:
        for line in HEADER:
            doc.add(tomlkit.comment(line))
        doc.add(tomlkit.nl())
    _merge(doc, settings)
    text = doc.as_string()
    # Never write a file we could not read back as exactly these settings.
    again, problems = from_mapping(tomllib.loads(text))
    if problems or again != settings:
        raise ConfigError(
            f"{loaded.path}: internal error: the saved text would not read back the same; nothing was written."
        )
    return text


def render(loaded: LoadedConfig, settings: Settings) -> str:
    """The text `save(loaded, settings)` would write, without writing it (dry runs, diffs).

    Raises SettingsError if the settings don't validate."""
    problems = validate(settings)
    if problems:
        raise SettingsError(problems)
    return _render(loaded, settings)


def _write_target(path: Path) -> Path:
    """Write through a symlink to its file (so a linked config stays linked)."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else path


def save(loaded: LoadedConfig, settings: Settings) -> LoadedConfig:
    """Merge settings into the file and replace it atomically. Returns the new LoadedConfig.

    Raises SettingsError if the settings don't validate, ConfigChangedError if the file changed
    on disk since ``loaded`` was read, ConfigError if it can't be written (the old file is intact).
    """
    problems = validate(settings)
    if problems:
        raise SettingsError(problems)
    text = _render(loaded, settings)
    data = text.encode("utf-8")
    target = _write_target(loaded.path)
    try:
        make_folder(target.parent)
    except FolderError as e:
        raise ConfigError(f"cannot save {loaded.path}: {e}; nothing was written.") from None
    with folder_lock(target.parent):
        remove_leftovers(target)  # what a killed save left (every saver holds this lock)
        raw = read_bytes(target, missing_ok=True)
        current = Fingerprint.of(raw[0] if raw else None, raw[1] if raw else None)
        if not current.same_content(loaded.fingerprint):
            what = (
                "was created"
                if loaded.fingerprint.sha256 is None
                else ("was removed" if raw is None else "changed")
            )
            raise ConfigChangedError(
                f"{loaded.path} {what} on disk since it was loaded; nothing was written. "
                "Load it again (to see the other change) and save once more."
            )
        if raw is not None:
            try:
                tomllib.loads(decode(target, raw[0]))
            except (tomllib.TOMLDecodeError, ConfigError):
                raise ConfigError(
                    f"{loaded.path} is not valid TOML; it was not overwritten."
                ) from None
            if raw[0] == data:
                return _after(loaded, settings, text, raw)
        tmp: Path | None = None
        try:
            owner = (raw[1].st_uid, raw[1].st_gid) if raw is not None else None
            tmp = write_temp(target, data, owner)  # the new version first: a full disk stops here
            if raw is not None:
                atomic_write(target.with_name(target.name + ".bak"), raw[0], owner)
            os.replace(tmp, target)
            tmp = None
        except OSError as e:
            raise ConfigError(
                f"cannot save {loaded.path}: {why(e)}; the old file is unchanged."
            ) from None
        finally:
            if tmp is not None:
                remove_quietly(tmp)
        fsync_folder(target.parent)
        st = os.stat(target)
    return _after(loaded, settings, text, (data, st))


def _after(
    loaded: LoadedConfig, settings: Settings, text: str, raw: tuple[bytes, os.stat_result]
) -> LoadedConfig:
    return LoadedConfig(
        loaded.path, settings, True, Fingerprint.of(*raw), [], text, tomllib.loads(text)
    )
