"""The tests of unusable places (outbox, alert log, state folder, maildrop): an SMTP config
whose queue and alert log are where the test says, and the real program run with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, queue: str, alert_log: str | None = None) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'service = "smtp"\n'
        '[message]\ndefault_from = "alerts@contoso.example"\n'
        '[sendmail]\nadmin = "ops@contoso.example"\n'
        f'[queue]\npath = "{queue}"\n'
        f'[alert_log]\npath = "{alert_log or tmp_path / "log" / "alert.jsonl"}"\n'
        '[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
    )
    cfg.chmod(0o600)
    return cfg


def cli(cfg: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ALLOY_TUI_STATE_DIR": str(cfg.parent / "state"),
    }
    return subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
