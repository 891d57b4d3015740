"""`alloy-tui --sandbox <command>`: a fresh sandbox and a throwaway config pointing at it.

The admin's real config, token cache and alert log are never read or touched: everything lives
in a temporary folder that is removed on exit, also when the terminal closes (SIGHUP) or the
process is told to stop (SIGTERM): those signals remove the folder at once and then turn into an
orderly exit (SystemExit), and an atexit hook catches any other way out of the interpreter.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from alloy_tui.core.config import paths
from alloy_tui.sandbox.server import Sandbox

DEFAULT_AUTO_APPROVE = 3.0
#: After SIGHUP/SIGTERM, how long the orderly exit may take before the process ends regardless.
EXIT_GRACE = 5.0
CLEANUP_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


@dataclass
class SandboxSession:
    config_path: Path
    sandbox: Sandbox
    workdir: Path


def _q(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML)."""
    return json.dumps(value)


def config_text(
    sandbox: Sandbox, workdir: Path, *, api: str = "graph", from_delegation: bool = False
) -> str:
    """A complete config.toml for this sandbox; keys as in alloy_tui.core.config.settings."""
    return "\n".join(
        [
            "# Throwaway config for the alloy-tui sandbox. Nothing here talks to Microsoft.",
            'service = "exchange-online"',
            "",
            "[exchange_online]",
            f"api = {_q(api)}",
            f"tenant = {_q(sandbox.tenant)}",
            f"client_id = {_q(sandbox.client_id)}",
            'cloud = "global"',
            f"from_delegation = {'true' if from_delegation else 'false'}",
            f"token_cache = {_q(str(workdir / 'token_cache.json'))}",
            f"login_endpoint = {_q(sandbox.login_endpoint)}",
            f"graph_endpoint = {_q(sandbox.graph_endpoint)}",
            f"ews_endpoint = {_q(sandbox.ews_endpoint)}",
            "",
            "[network]",
            f"ca_bundle = {_q(str(sandbox.ca_path))}",
            "timeout = 10.0",
            "",
            "[alert_log]",
            f"path = {_q(str(workdir / 'alert_log.jsonl'))}",
            "",
            "[queue]",
            f"path = {_q(str(workdir / 'queue'))}",
            "",
        ]
    )


def write_config(path: Path, text: str) -> None:
    """Write with mode 0600 from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)


@contextmanager
def _state_dir_in(folder: Path) -> Iterator[None]:
    """$ALLOY_TUI_STATE_DIR points into the sandbox folder while it runs, so whatever lives in the
    state folder (the secrets file, anything added later) never reaches the real one."""
    folder.mkdir(mode=0o700, exist_ok=True)
    previous = os.environ.get(paths.STATE_ENV)
    os.environ[paths.STATE_ENV] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(paths.STATE_ENV, None)
        else:
            os.environ[paths.STATE_ENV] = previous


def _remove(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)


def _install_signal_cleanup(workdir: Path) -> Callable[[], None]:
    """SIGHUP/SIGTERM: remove the folder now, then exit in order (SystemExit runs the context
    managers' cleanup); if that hangs (a dead terminal), end the process after EXIT_GRACE.
    Returns what restores the previous handlers. Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        _remove(workdir)
        for sig, handler in previous.items():  # a second signal: the previous behaviour
            signal.signal(sig, handler)
        timer = threading.Timer(EXIT_GRACE, os._exit, args=(128 + signum,))
        timer.daemon = True
        timer.start()
        raise SystemExit(128 + signum)

    for sig in CLEANUP_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, on_signal)
        except (OSError, ValueError):  # pragma: no cover - not settable here
            pass

    def restore() -> None:
        for sig, handler in previous.items():
            try:
                if signal.getsignal(sig) is on_signal:
                    signal.signal(sig, handler)
            except (OSError, ValueError):  # pragma: no cover
                pass

    return restore


@contextmanager
def open_sandbox_session(
    *,
    auto_approve_after: float | None = DEFAULT_AUTO_APPROVE,
    api: str = "graph",
    from_delegation: bool = False,
    **sandbox_options: Any,
) -> Iterator[SandboxSession]:
    """Start a sandbox in a temporary folder with a config pointing at it; remove it all on exit
    (also on SIGHUP, SIGTERM and interpreter exit)."""
    workdir = Path(tempfile.mkdtemp(prefix="alloy-tui-sandbox-"))
    os.chmod(workdir, 0o700)

    def at_exit() -> None:
        _remove(workdir)

    atexit.register(at_exit)
    restore_signals = _install_signal_cleanup(workdir)
    sandbox = Sandbox(
        workdir=workdir / "server", auto_approve_after=auto_approve_after, **sandbox_options
    )
    stack = ExitStack()
    try:
        stack.enter_context(_state_dir_in(workdir / "state"))
        sandbox.start()
        config_path = workdir / "config.toml"
        write_config(
            config_path, config_text(sandbox, workdir, api=api, from_delegation=from_delegation)
        )
        yield SandboxSession(config_path=config_path, sandbox=sandbox, workdir=workdir)
    finally:
        try:
            sandbox.stop()
        finally:
            stack.close()
            _remove(workdir)
            restore_signals()
            atexit.unregister(at_exit)
