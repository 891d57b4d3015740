"""`alloy-tui --sandbox <command>`: a fresh sandbox and a throwaway config pointing at it.

The admin's real config, token cache and alert log are never read or touched: everything lives
in a temporary folder that is removed on exit.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alloy_tui.sandbox.server import Sandbox

DEFAULT_AUTO_APPROVE = 3.0


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
    """A complete config.toml for this sandbox; keys as in alloy_tui.core.settings."""
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
def open_sandbox_session(
    *,
    auto_approve_after: float | None = DEFAULT_AUTO_APPROVE,
    api: str = "graph",
    from_delegation: bool = False,
    **sandbox_options: Any,
) -> Iterator[SandboxSession]:
    """Start a sandbox in a temporary folder with a config pointing at it; remove it all on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="alloy-tui-sandbox-"))
    os.chmod(workdir, 0o700)
    sandbox = Sandbox(
        workdir=workdir / "server", auto_approve_after=auto_approve_after, **sandbox_options
    )
    try:
        sandbox.start()
        config_path = workdir / "config.toml"
        write_config(
            config_path, config_text(sandbox, workdir, api=api, from_delegation=from_delegation)
        )
        yield SandboxSession(config_path=config_path, sandbox=sandbox, workdir=workdir)
    finally:
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)
