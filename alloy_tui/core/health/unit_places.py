"""Where a unit's service really reads and writes, and the sandboxing that follows from it.

A unit that can't exec its own interpreter is worse than one with less sandboxing: the
protections (`ProtectHome`, `PrivateTmp`) follow from where the interpreter (``sys.executable``,
as written in ExecStart and resolved), the standard library, the package and its dependencies,
the CA bundles, the config, state, outbox, maildrop and alert log really are. Each protection
relaxed says why, as a comment in the unit; `ReadWritePaths` lists what the service writes.
"""

from __future__ import annotations

import os
import ssl
import sys
from dataclasses import dataclass, field
from pathlib import Path

from alloy_tui.core.config import Settings, alert_log_path, paths, token_cache_path

HOMES = ("/home", "/root", "/run/user")
TMPS = ("/tmp", "/var/tmp")
DEPENDENCIES = ("click", "platformdirs", "tomlkit", "msal", "httpx", "certifi", "exchangelib")


@dataclass
class Places:
    """What the service reads (the program, the config, the CA bundles) and writes."""

    program: list[tuple[str, Path]] = field(default_factory=list)  # (what, path): exec/read
    reads: list[tuple[str, Path]] = field(default_factory=list)
    writes: list[tuple[str, Path]] = field(default_factory=list)

    def everything(self) -> list[tuple[str, Path]]:
        return [*self.program, *self.reads, *self.writes]


def program_places() -> list[tuple[str, Path]]:
    """The interpreter (as named and resolved), its prefix, the package, its dependencies."""
    import importlib.util

    import alloy_tui

    found: list[tuple[str, Path]] = [
        ("the interpreter", Path(sys.executable).absolute()),
        ("the interpreter", Path(sys.executable).resolve()),
        ("the Python installation", Path(sys.base_prefix).resolve()),
        ("the Python environment", Path(sys.prefix).resolve()),
        ("the alloy_tui package", Path(alloy_tui.__file__).resolve().parent),
    ]
    for entry in sys.path:  # a user site-packages (pip --user) or PYTHONPATH under a home
        if entry and os.path.isabs(entry) and os.path.exists(entry):
            found.append(("a folder on the Python path", Path(entry).resolve()))
    for name in DEPENDENCIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.origin:
            found.append((f"the {name} package", Path(spec.origin).resolve().parent))
    return found


def ca_places(settings: Settings, config_path: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    verify = ssl.get_default_verify_paths()
    for value in (verify.cafile, verify.capath):
        if value:
            found.append(("the system CA store", Path(value).resolve()))
    if settings.network.ca_bundle:
        from alloy_tui.core.net import ca_bundle_path

        bundle = ca_bundle_path(settings, config_path)
        if bundle is not None:
            found.append(("[network] ca_bundle", bundle.absolute()))
    return found


def data_places(settings: Settings, config_path: Path) -> Places:
    from alloy_tui.core.outbox import outbox_path

    state = paths.SYSTEM_STATE if paths.is_system_config(config_path) else paths.state_dir()
    places = Places(reads=[("the config", Path(config_path).absolute())])
    places.writes = [
        ("the state folder", state),
        ("the outbox", outbox_path(settings, config_path)),
        ("the alert log", alert_log_path(settings.alert_log.path, config_path).parent),
    ]
    from alloy_tui.core.maildrop import maildrop_path, reads_maildrop

    if reads_maildrop(settings, config_path):  # the runner reads it: it must write there
        places.writes.append(("the maildrop", maildrop_path(settings, config_path)))
    from alloy_tui.core.mail import service_of

    if service_of(settings).signs_in:
        cache = token_cache_path(settings.exchange_online.token_cache, config_path)
        places.writes.append(("the token cache", cache.parent))
    places.writes = _unique([(w, p.expanduser().absolute()) for w, p in places.writes])
    places.reads += ca_places(settings, config_path)
    return places


def _unique(items: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for what, p in items:
        if p not in [q for _w, q in out]:
            out.append((what, p))
    return out


def _under(p: Path, roots: tuple[str, ...]) -> bool:
    text = str(p)
    return any(text == r or text.startswith(r + "/") for r in roots)


def _quote(text: str) -> str:
    return f'"{text}"' if any(c.isspace() for c in text) else text


def hardening(places: Places, mode: str, user: str | None = None) -> list[str]:
    """The [Service] sandboxing lines, with a comment for each protection relaxed."""
    lines = ["NoNewPrivileges=yes", "ProtectSystem=strict"]
    homes = [(w, p) for w, p in places.everything() if _under(p, HOMES)]
    if mode == "user":
        lines.append("ProtectHome=read-only")  # a user's files live in their home
    elif homes:
        what, where = homes[0]
        lines += [
            f"# ProtectHome=read-only, not yes: {what} is {where}, under {_root(where, HOMES)}",
            "ProtectHome=read-only",
        ]
    else:
        lines.append("ProtectHome=yes")
    rw = " ".join(f"-{_quote(str(p))}" for _w, p in places.writes)
    lines += read_only_notes(places)
    lines.append(f"ReadWritePaths={rw}")
    tmps = [(w, p) for w, p in places.everything() if _under(p, TMPS)]
    if tmps:
        what, where = tmps[0]
        lines += [
            f"# PrivateTmp off: {what} is {where}; a private /tmp would hide it",
            "PrivateTmp=no",
        ]
    else:
        lines.append("PrivateTmp=yes")
    if user and mode == "system":
        lines += unreachable_notes(places, user)
    lines.append("UMask=0077")
    return lines


def read_only_notes(places: Places) -> list[str]:
    """Why the unit has no ``ReadOnlyPaths=`` for the config and the CA bundles: under
    ``ProtectSystem=strict`` (and ``ProtectHome``) everything the service does not list in
    ``ReadWritePaths=`` is read-only already. When one of them lies in a folder the service
    writes, that is said instead: a ``ReadOnlyPaths=`` bind mount of the file would pin the
    old file, so a config replaced by the wizard (a rename) would not be seen on reload."""
    inside = [
        (what, p, q)
        for what, p in places.reads
        for _w, q in places.writes
        if p == q or _under(p, (str(q),))
    ]
    if not inside:
        return [
            "# No ReadOnlyPaths=: ProtectSystem=strict already keeps the config and the CA "
            "bundles read-only (only ReadWritePaths= below is writable)"
        ]
    what, p, q = inside[0]
    return [
        f"# NOTE: {what} {p} lies in {q}, which the service writes: it is writable by the "
        "service; move it out (a ReadOnlyPaths= bind mount would hide a replaced file until "
        "restart)"
    ]


def _root(p: Path, roots: tuple[str, ...]) -> str:
    return next(r for r in roots if _under(p, (r,)))


def unreachable_notes(places: Places, user: str) -> list[str]:
    """Comments for the program paths `user` can't reach (e.g. a pyenv under a 0700 /root)."""
    return [f"# WARNING: {line}" for line in unreachable(places, user)]


def unreachable(places: Places, user: str) -> list[str]:
    """One sentence for each program path `user` can't reach: the service will not start."""
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return []
    out = []
    for what, p in places.program[:2]:
        blocked = blocking_folder(p, entry.pw_uid, entry.pw_gid)
        if blocked is not None:
            out.append(
                f"{what} {p} can't be reached by {user} ({blocked} is closed to it): "
                "the service will not start; install alloy-tui system-wide"
            )
    return out


def unreachable_programs(uid: int, gid: int) -> list[tuple[str, Path, Path]]:
    """(what, path, the folder in the way) for each program path (the interpreter, the
    package, the console scripts) that `uid` can't reach: its sendmail would exit 126."""
    import shutil

    found = list(program_places())
    for script in ("alloy-sendmail", "alloy-tui"):
        where = shutil.which(script)
        if where:
            found.append((f"the {script} program", Path(where).absolute()))
    out = []
    for what, p in found:
        blocked = blocking_folder(p, uid, gid)
        if blocked is not None:
            out.append((what, p, blocked))
    return out


def blocking_folder(path: Path, uid: int, gid: int, groups: tuple[int, ...] = ()) -> Path | None:
    """The first folder on the way to `path` that `uid` can't pass through (no x bit for it),
    or `path` itself if it can't be read/executed; None when it is reachable."""
    if uid == 0:
        return None
    current = Path("/")
    for part in path.parts[1:]:
        if not _may(current, uid, gid, groups, 0o1):
            return current
        current = current / part
    try:
        os.stat(current)
    except OSError:
        return None  # not there (yet): nothing to say
    return None if _may(current, uid, gid, groups, 0o5 if current.is_dir() else 0o1) else current


def _may(p: Path, uid: int, gid: int, groups: tuple[int, ...], bits: int) -> bool:
    try:
        st = os.stat(p)
    except OSError:
        return True
    if st.st_uid == uid:
        mode = (st.st_mode >> 6) & 7
    elif st.st_gid == gid or st.st_gid in groups:
        mode = (st.st_mode >> 3) & 7
    else:
        mode = st.st_mode & 7
    return mode & bits == bits
