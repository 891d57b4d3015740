"""Passwords for the SMTP and Exchange Server services; never kept in config.toml.

Where a password comes from, first match wins:

1. ``password_command``: run through ``/bin/sh -c`` like msmtp's ``passwordeval``; the first
   line of its standard output is the password. A command that is missing, fails, times out or
   prints nothing is a clear error that shows the exit code and the first line of its standard
   error with anything but plain words masked, never its output. It runs in its own process
   group; on a timeout the whole group is killed.
2. ``password_env``: the named environment variable, which must exist and not be empty.
3. The secrets file, ``secrets.toml`` in the state folder (``$ALLOY_TUI_STATE_DIR``): mode 0600,
   owned by the user; it is refused when group or others can read or write it. The wizard
   keeps the password typed into it *pending* in memory (`set_pending`, used by the test send)
   and writes it with `committing_pending` together with the config, so quitting the wizard
   without saving writes nothing.

Nothing here ever puts a password into an exception, a log line or a return value other than
`resolve_password`'s.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.core.config import SERVICE_SECTIONS, ExchangeOnline
from alloy_tui.core.errors import ExplainedError, Explanation, UserInputError
from alloy_tui.core.secrets.command import _run_in_own_group, check_command_source, redact_line
from alloy_tui.core.secrets.file import SECRETS_FILE as SECRETS_FILE  # re-exported
from alloy_tui.core.secrets.file import _read_all, _write_all, secrets_path

if TYPE_CHECKING:
    from alloy_tui.core.config import ExchangeServer, Settings, Smtp

SERVICES = ("smtp", "exchange-server")
COMMAND_TIMEOUT = 30.0


@dataclass(frozen=True)
class PasswordSource:
    """Where a service's password would come from, for status lines and the wizard."""

    kind: str  # "command" | "env" | "pending" | "file" | "none"
    detail: str  # the command, the variable's name, or the file path (never the password)

    def describe(self) -> str:
        return {
            "command": f"from the command `{self.detail}`",
            "env": f"from the environment variable ${self.detail}",
            "file": f"from the secrets file {self.detail}",
            "pending": f"typed in the setup wizard (kept in {self.detail} when saved)",
        }.get(self.kind, "not set")


def _section(settings: Settings, service: str) -> Smtp | ExchangeServer:
    if service not in SERVICES:  # the services with a password
        raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
    section = settings.service_section(service)
    assert not isinstance(section, ExchangeOnline)  # SERVICES are the two with a password
    return section


def password_source(settings: Settings, service: str) -> PasswordSource:
    """Which source `get_password` would use (without running or reading anything secret)."""
    section = _section(settings, service)
    if section.password_command.strip():
        return PasswordSource("command", section.password_command.strip())
    if section.password_env.strip():
        return PasswordSource("env", section.password_env.strip())
    if pending_password(service, section.username) is not None:
        return PasswordSource("pending", str(secrets_path()))
    if has_stored_password(service, section.username):
        return PasswordSource("file", str(secrets_path()))
    return PasswordSource("none", "")


def get_password(
    settings: Settings,
    service: str,
    *,
    timeout: float = COMMAND_TIMEOUT,
    config_path: Path | None = None,
) -> str:
    """The password for `service` ("smtp" or "exchange-server") from its configured source.

    `config_path`: the file the settings came from; a `password_command` is run only when
    neither it nor its folder can be written by anyone but its owner (see `check_command_source`).
    """
    section = _section(settings, service)
    if section.password_command.strip() and config_path is not None:
        check_command_source(config_path, f"{SERVICE_SECTIONS[service]}.password_command")
    return resolve_password(
        service,
        section.username,
        password_command=section.password_command,
        password_env=section.password_env,
        timeout=timeout,
    )


def resolve_password(
    service: str,
    username: str,
    *,
    password_command: str = "",
    password_env: str = "",
    timeout: float = COMMAND_TIMEOUT,
) -> str:
    """The password from the command, else the environment variable, else the secrets file."""
    key = SERVICE_SECTIONS.get(service, service)
    if password_command.strip():
        return run_password_command(password_command.strip(), timeout=timeout, key=key)
    if password_env.strip():
        return read_password_env(password_env.strip(), key=key)
    pending = pending_password(service, username)
    if pending is not None:
        return pending
    stored = load_password(service, username)
    if stored is None:
        who = f" for {username}" if username else ""
        raise ExplainedError(
            Explanation(
                title="No password is set",
                cause=f"The {service} account{who} needs a password, and none is configured.",
                fix=(
                    f"Run the setup wizard to store it in {secrets_path()}, or set "
                    f"{key}.password_command (a command that prints it) or "
                    f"{key}.password_env (the name of an environment variable holding it)."
                ),
                code="password.missing",
                verdict="settings",
            )
        )
    return stored


def run_password_command(
    command: str, *, timeout: float = COMMAND_TIMEOUT, key: str = "smtp"
) -> str:
    """Run `command` with /bin/sh -c; the first line of its output is the password."""
    setting = f"{key}.password_command"
    try:
        returncode, out, err = _run_in_own_group(command, timeout)
    except subprocess.TimeoutExpired:
        raise _command_error(
            setting,
            command,
            f"It did not finish within {timeout:g} seconds (it was stopped, with every "
            "process it started).",
            "Make the command print the password without waiting for input "
            "(e.g. unlock the password store first), or fix it.",
        ) from None
    except OSError as e:
        raise _command_error(
            setting,
            command,
            f"It could not be started ({e.strerror}).",
            "Check that /bin/sh exists.",
        ) from None
    stdout = out.decode("utf-8", "replace")
    first = stdout.splitlines()[0] if stdout.splitlines() else ""
    err_line = _first_line(err.decode("utf-8", "replace"))
    if first and err_line:
        err_line = err_line.replace(first, "***")
    err_line = redact_line(err_line)
    if returncode != 0:
        said = f' It said: "{err_line}".' if err_line else ""
        if returncode == 127:
            cause = f"The command was not found (exit code 127).{said}"
            fix = f"Install the program or give its full path in {setting}."
        else:
            cause = f"It exited with code {returncode}.{said}"
            fix = f"Run the command yourself to see what is wrong, or change {setting}."
        raise _command_error(setting, command, cause, fix)
    if not first:
        raise _command_error(
            setting,
            command,
            "It succeeded but printed nothing on its first line.",
            "Make the command print the password on the first line of its output.",
        )
    return first


def read_password_env(name: str, *, key: str = "smtp") -> str:
    """The value of environment variable `name`, which must exist and not be empty."""
    value = os.environ.get(name)
    if value is None or value == "":
        state = "is not set" if value is None else "is empty"
        raise ExplainedError(
            Explanation(
                title="The password environment variable is not set",
                cause=f"{key}.password_env names ${name}, which {state} in this process's environment.",
                fix=(
                    f"Export {name} in the environment alloy-tui runs in (service unit, cron job, "
                    f"shell), or change {key}.password_env."
                ),
                code="password.env",
                verdict="settings",
            )
        )
    return value


# --- the secrets file -------------------------------------------------------------------------
# (reading and writing it, with the mode and owner checks: secrets_file.py)


# The secrets file's tables: the two services, and the local SMTP listener's users ([smtpd]).
STORED = (*SERVICES, "smtpd")


def _check_service(service: str) -> str:
    if service not in STORED:
        raise ValueError(f"unknown service {service!r}; expected one of {STORED}")
    return service


def load_password(service: str, username: str) -> str | None:
    """The stored password for (service, username), or None when there is none."""
    return _read_all().get(_check_service(service), {}).get(username)


def has_stored_password(service: str, username: str) -> bool:
    return load_password(service, username) is not None


def check_password(password: str, username: str = "") -> None:
    """UserInputError when the password (or username) can't be stored or sent."""
    if not password:
        raise UserInputError("The password is empty; type it again.")
    if any(c in password for c in "\r\n\x00"):
        raise UserInputError("The password cannot contain line breaks or NUL characters.")
    if any(c in username for c in "\r\n\x00"):
        raise UserInputError("The username must be a single line.")


def store_password(service: str, username: str, password: str) -> Path:
    """Keep `password` for (service, username) in the secrets file (atomic, mode 0600)."""
    _check_service(service)
    check_password(password, username)
    data = _read_all()
    data.setdefault(service, {})[username] = password
    return _write_all(data)


def clear_password(service: str, username: str | None = None) -> bool:
    """Forget the stored password for (service, username), or all of the service's if None.

    Returns whether anything was removed.
    """
    _check_service(service)
    data = _read_all()
    table = data.get(service, {})
    if username is None:
        removed = bool(table)
        data.pop(service, None)
    else:
        removed = table.pop(username, None) is not None
    if removed:
        _write_all(data)
    return removed


# --- pending passwords (typed in the wizard, not saved yet) --------------------------------------

_pending: dict[tuple[str, str], str] = {}
_pending_lock = threading.Lock()


def set_pending(service: str, username: str, password: str) -> None:
    """Hold a typed password in memory: transports use it, nothing is written until committed."""
    _check_service(service)
    check_password(password, username)
    with _pending_lock:
        _pending[(service, username)] = password


def pending_password(service: str, username: str) -> str | None:
    with _pending_lock:
        return _pending.get((service, username))


def clear_pending(service: str | None = None) -> None:
    with _pending_lock:
        for key in [k for k in _pending if service is None or k[0] == service]:
            del _pending[key]


def commit_pending(settings: Settings) -> Callable[[], None]:
    """Store the pending password for the settings' service and username, if that is where its
    password comes from (no command, no environment variable). Returns a function that puts the
    secrets file back as it was (for when saving the config then fails)."""
    service = settings.service
    if service not in SERVICES:
        return lambda: None
    section = _section(settings, service)
    if section.password_command.strip() or section.password_env.strip():
        return lambda: None
    password = pending_password(service, section.username)
    if password is None:
        return lambda: None
    before = load_password(service, section.username)
    store_password(service, section.username, password)
    with _pending_lock:
        _pending.pop((service, section.username), None)

    def undo() -> None:
        with _pending_lock:
            _pending[(service, section.username)] = password
        if before is None:
            clear_password(service, section.username)
        else:
            store_password(service, section.username, before)

    return undo


@contextmanager
def committing_pending(settings: Settings) -> Iterator[None]:
    """``with committing_pending(draft): store.save(...)``: the password and the config are
    saved together; if the block fails the secrets file is put back as it was."""
    undo = commit_pending(settings)
    try:
        yield
    except BaseException:
        undo()
        raise


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def _command_error(setting: str, command: str, cause: str, fix: str) -> ExplainedError:
    return ExplainedError(
        Explanation(
            title="The password command failed",
            cause=f"{setting} `{command}`: {cause}",
            fix=fix,
            code="password.command",
            verdict="settings",
        )
    )
