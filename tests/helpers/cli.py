"""The real program as a child process, for the command-line tests: `CLI`, `alloy(*args)`,
`run(cfg, *args)`,
`delivered(sb, subject)`, `signed_in_config(sb, tmp_path)` (a config signed in by a real
`alloy-tui login`) and the `syslog` fixture (`syslog_receiver`). Their sandbox (`sb`, one per module, approving a device-flow
sign-in at once since `alloy-tui login` runs in a child process the test can't approve for) is
tests/helpers/sandboxes.py's `approving_sb`, reaching tests/cli through its conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.alert_receivers import syslog_receiver  # noqa: F401 - fixture `syslog`

CLI = [sys.executable, "-m", "alloy_tui"]


ROOT = Path(__file__).resolve().parents[2]  # this checkout: its alloy_tui is what runs


def alloy(
    *args: str,
    stdin: bytes | str = b"",
    timeout: float = 90,
    env: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    decode: bool = True,
    **popen: Any,
) -> subprocess.CompletedProcess[Any]:
    """`alloy-tui args...` from this checkout, `stdin` its input, its output decoded (bytes with
    ``decode=False``). The environment is `environ` (default: this process's) with TERM=dumb and
    NO_COLOR=1, then `env` (a None value removes that variable); `popen`: more subprocess.run
    arguments (preexec_fn...)."""
    full = {**(os.environ if environ is None else environ), "TERM": "dumb", "NO_COLOR": "1"}
    full["PYTHONPATH"] = str(ROOT)
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    r = subprocess.run(
        [*CLI, *args],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        env=full,
        timeout=timeout,
        **popen,
    )
    if not decode:
        return r
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(), r.stderr.decode())


def run(cfg: Path, *args: str, syslog: bool = False, **kw: Any) -> subprocess.CompletedProcess[Any]:
    """`alloy(--config cfg, args...)`. `syslog`: the mail-log lines go to a socket beside the
    config (``ALLOY_TUI_SYSLOG_SOCKET``), never to this machine's syslog."""
    if syslog:
        kw["env"] = {"ALLOY_TUI_SYSLOG_SOCKET": str(cfg.parent / "log.sock"), **kw.get("env", {})}
    return alloy("--config", str(cfg), *args, **kw)


def delivered(
    sb: Sandbox, subject: str, timeout: float = 60.0, *, flush: Path | None = None
) -> Any:
    """The last message the sandbox received with this subject, waiting up to `timeout` s;
    `flush`: run `queue flush` on that config first (and show its queue if nothing came)."""
    import time

    if flush is not None:
        run(flush, "queue", "flush", timeout=120)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in sb.messages() if m.subject == subject]
        if found:
            return found[-1]
        time.sleep(0.2)
    queue = f": {run(flush, 'queue', 'list').stdout}" if flush is not None else ""
    raise AssertionError(f"{subject!r} never arrived{queue}")


def signed_in_config(
    sb: Sandbox, tmp_path: Path, extra: str = "", *, env: Mapping[str, str] | None = None
) -> Path:
    """A config for the sandbox in `tmp_path` (`extra` TOML appended), signed in by a real
    `alloy-tui login` in a child process (the sandbox must approve by itself)."""
    from alloy_tui.sandbox.session import config_text, write_config

    sb.clear_scenarios()
    path = tmp_path / "config.toml"
    write_config(path, config_text(sb, tmp_path) + extra)
    r = run(path, "login", env=env)
    assert r.returncode == 0, r.stderr
    return path


@pytest.fixture(name="cfg")
def sandbox_config(sb: Sandbox, tmp_path: Path) -> Path:
    """A config for the sandbox, not signed in; the sandbox approves a sign-in at once."""
    from alloy_tui.sandbox.session import config_text, write_config

    sb.clear_scenarios()
    sb.auto_approve_after = 0
    path = tmp_path / "config.toml"
    write_config(path, config_text(sb, tmp_path))
    return path
