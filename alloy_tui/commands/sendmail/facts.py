"""What the hand-off needs from the config, without parsing it on cron's path: which config,
where its outbox is, and the size limit of its service.

The config is found as `core.config.paths` finds it (``--config``, ``$ALLOY_TUI_CONFIG``, the
user's config, the system config), with the XDG rules platformdirs applies on Linux written out
here (importing platformdirs and pathlib costs a cron job more than the rest of the hand-off);
elsewhere `paths` itself decides. tests/cli/test_sendmail_facts.py keeps both in step.

The facts come from ``<state dir>/sendmail-facts``, written by the first hand-off that had to
work them out (tomllib, the config's checks, `outbox_path`, `message_limit`): a few lines whose
first is a digest of the config's bytes, its path, this user and the environment variables the
paths depend on. Any other content, a file that is not this user's regular file, or no state
folder: worked out again (and the cache rewritten when the state folder is there).
"""

from __future__ import annotations

import os
import sys

APP = "alloy-tui"
CACHE_NAME = "sendmail-facts"
CACHE_MAGIC = "alloy-sendmail-facts 1"
SYSTEM_CONFIG = "/etc/alloy-tui/config.toml"
SYSTEM_STATE = "/var/lib/alloy-tui"
ENV_KEYS = (
    "ALLOY_TUI_CONFIG",
    "ALLOY_TUI_STATE_DIR",
    "ALLOY_TUI_SYSTEM_CONFIG",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "HOME",
)
MAX_CONFIG_BYTES = 1 << 20
LINUX = sys.platform.startswith("linux")


class Facts:
    """The outbox folder and the service's size limit (bytes, and in words for the refusal)."""

    __slots__ = ("outbox", "limit", "words")

    def __init__(self, outbox: str, limit: int, words: str) -> None:
        self.outbox = outbox
        self.limit = limit
        self.words = words


def system_config() -> str:
    return os.environ.get("ALLOY_TUI_SYSTEM_CONFIG") or SYSTEM_CONFIG


def _xdg(var: str, default: str) -> str:
    value = os.environ.get(var, "").strip()
    return os.path.join(value or os.path.expanduser(default), APP)


def _is_file(path: str) -> bool:
    try:
        return os.path.isfile(path)
    except OSError:  # a 0700 folder hides it: not ours to use
        return False


def config_file(override: str | None = None) -> str:
    """The config this hand-off uses (as `paths.config_path`)."""
    if override:
        return os.path.expanduser(override)
    env = os.environ.get("ALLOY_TUI_CONFIG")
    if env:
        return os.path.expanduser(env)
    if not LINUX:
        from alloy_tui.core.config import paths

        return str(paths.config_path())
    user = os.path.join(_xdg("XDG_CONFIG_HOME", "~/.config"), "config.toml")
    if os.path.exists(user):
        return user
    if _is_file(system_config()):
        return system_config()
    return user


def state_dir() -> str:
    """The state folder (as `paths.state_dir`)."""
    env = os.environ.get("ALLOY_TUI_STATE_DIR")
    if env:
        return os.path.expanduser(env)
    if not LINUX:
        from alloy_tui.core.config import paths

        return str(paths.state_dir())
    if not os.environ.get("ALLOY_TUI_CONFIG") and config_file() == system_config():
        return SYSTEM_STATE
    return _xdg("XDG_STATE_HOME", "~/.local/state")


def _digest(data: bytes) -> str:
    try:
        from _blake2 import blake2b  # the C core: hashlib would load OpenSSL (a millisecond)
    except ImportError:  # pragma: no cover - a Python built without it
        from hashlib import blake2b
    return blake2b(data, digest_size=20).hexdigest()


def _key(config: str, text: bytes) -> str:
    env = "\0".join(os.environ.get(k, "") for k in ENV_KEYS)
    where = f"{config}\0{os.geteuid()}\0{env}".encode("utf-8", "surrogateescape")
    return _digest(text + b"\0" + where)


def _read(path: str, flags: int, most: int) -> tuple[bytes, os.stat_result]:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | flags)
    try:
        st = os.fstat(fd)
        if (st.st_mode & 0o170000) != 0o100000:
            raise OSError(f"{path} is not a regular file")
        parts, got = [], 0
        while got <= most:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
    finally:
        os.close(fd)
    return b"".join(parts), st


def lookup(config: str) -> Facts:
    """The facts of `config`: cached, else worked out (HandoffError as `setup_check.load`)."""
    try:
        text, _ = _read(config, 0, MAX_CONFIG_BYTES)
    except OSError as e:
        _out_of_reach(config, e)  # not this user's to read: the maildrop, without the slow path
        return work_out(config, None)  # missing or not a file: the slow path says how
    key = _key(config, text)
    cached = _cached(key)
    return cached if cached is not None else work_out(config, key)


def _out_of_reach(config: str, e: OSError) -> None:
    """HandoffError with `permission` (sendmail then hands off to the maildrop) when the config
    is there but not this user's to read, or when it is missing and the system config is out
    of this user's sight (system mode set up for its owner only)."""
    from alloy_tui.commands.sendmail.errors import HandoffError

    if isinstance(e, PermissionError):
        why = f"the config can't be used: {config} can't be read (permission denied)"
    elif isinstance(e, FileNotFoundError) and system_config_hidden():
        why = f"not set up: {config} does not exist and the system config is out of reach"
    else:
        return
    raise HandoffError(why, os.EX_CONFIG, permission=True) from None


def system_config_hidden() -> bool:
    """The system config is there but this user may not even see it (/etc/alloy-tui 0700)."""
    try:
        os.stat(system_config())
    except PermissionError:
        return True
    except OSError:
        return False
    return False


def _cached(key: str) -> Facts | None:
    try:
        data, st = _read(os.path.join(state_dir(), CACHE_NAME), os.O_NOFOLLOW, 65536)
        if st.st_uid != os.geteuid():
            return None
        lines = data.decode("utf-8", "surrogateescape").split("\n")
        if len(lines) != 6 or lines[0] != CACHE_MAGIC or lines[1] != key or lines[5]:
            return None
        return Facts(lines[2], int(lines[3]), lines[4])
    except (OSError, ValueError):
        return None


def work_out(config: str, key: str | None) -> Facts:
    """The slow way (tomllib, the config's checks): for the first hand-off after a change."""
    from pathlib import Path

    from alloy_tui.commands.sendmail.setup_check import load
    from alloy_tui.core.mail import message_limit
    from alloy_tui.core.outbox import outbox_path

    values = load(Path(config))
    limit, words = message_limit(values)
    facts = Facts(str(outbox_path(values, Path(config))), limit, words)
    if key is not None:
        _save(key, facts)
    return facts


def _save(key: str, facts: Facts) -> None:
    """The cache file, replaced atomically (no fsync: a lost cache is only worked out again)."""
    lines = [CACHE_MAGIC, key, facts.outbox, str(facts.limit), facts.words, ""]
    if any("\n" in line for line in lines):
        return
    try:
        dfd = os.open(state_dir(), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return  # no state folder yet: nothing is cached
    try:
        st = os.fstat(dfd)
        if st.st_uid != os.geteuid() or st.st_mode & 0o022:
            return
        tmp = f".{CACHE_NAME}.{os.urandom(6).hex()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(tmp, flags, 0o600, dir_fd=dfd)
        try:
            os.write(fd, "\n".join(lines).encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)
        try:
            os.replace(tmp, CACHE_NAME, src_dir_fd=dfd, dst_dir_fd=dfd)
        except OSError:
            os.unlink(tmp, dir_fd=dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def over_limit_text(size: int, facts: Facts | None) -> str:
    """The refusal of a message over the limit (as `mail.limits.over_limit` words it)."""
    words = facts.words if facts is not None else ""
    if not words:
        from alloy_tui.core.mail import message_limit

        words = message_limit()[1]
    mb = f"{size / (1024 * 1024):.1f} MB"
    return (
        f"the message is {mb} ({size} bytes); {words}. "
        "Send large files as a link instead of an attachment."
    )
