"""sendmail as programs run it, for the tests of its options, -bs, signals and fsync: a config
whose runner never reaches Microsoft, `alloy-sendmail` written as pip writes a console script
(plus `sendmail` and `newaliases` symlinks to it), and a way to run it as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from alloy_tui.core.outbox import Outbox

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
MAIL = b"To: root\nSubject: from a program\n\nhello\n"
#: sendmail options that callers pass and alloy-tui takes and ignores, each with its value glued
#: on or in the next word (the parser's and the door's tests add the others they check).
IGNORED_OPTIONS = [
    ["-L", "myapp"],
    ["-Lmyapp"],
    ["-h", "12"],
    ["-h12"],
    ["-G"],
    ["-U"],
    ["-n"],
]


def write_config(folder: Path, extra: str = "", *, service: str = "") -> Path:
    """exchange-online as alerts@contoso.com (nothing listens at its endpoints), or `service`
    (a whole service section, e.g. SMTP to a test server) instead."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    head = service or (
        'service = "exchange-online"\n[exchange_online]\n'
        f'tenant = "contoso.onmicrosoft.com"\nclient_id = "{CLIENT_ID}"\n'
        'account = "alerts@contoso.com"\n'
        'login_endpoint = "https://127.0.0.1:9"\ngraph_endpoint = "https://127.0.0.1:9"\n'
    )
    config.write_text(
        head + f'[alert_log]\npath = "{folder / "alert_log.jsonl"}"\n'
        f'[queue]\npath = "{folder / "queue"}"\nmax_per_minute = 0\n'
        '[sendmail]\nadmin = "ops@contoso.com"\n' + extra
    )
    return config


def scripts(folder: Path) -> Path:
    bin_dir = folder / "bin"
    if bin_dir.exists():
        return bin_dir
    bin_dir.mkdir()
    script = bin_dir / "alloy-sendmail"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from alloy_tui.commands.sendmail.handoff import main\nmain()\n"
    )
    script.chmod(0o755)
    for name in ("sendmail", "newaliases", "mailq"):
        (bin_dir / name).symlink_to(script)
    return bin_dir


def env_for(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ALLOY_TUI_CONFIG": str(folder / "config.toml"),
        "ALLOY_TUI_STATE_DIR": str(folder / "state"),
        "PYTHONPATH": str(ROOT),
    }


def sendmail(
    folder: Path,
    *args: str,
    stdin: bytes = MAIL,
    program: str = "sendmail",
    timeout: float = 60,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """The installed `program` script for `folder` (its config, state and outbox) with `args`,
    `stdin` its input, run in `cwd` (default: this process's)."""
    bin_dir = scripts(folder)
    return subprocess.run(
        [str(bin_dir / program), *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env_for(folder),
        cwd=cwd,
    )


def take_in(folder: Path) -> int:
    """What the runner does first: the hand-offs in queue/incoming/ parsed and queued (the
    detached runner sendmail started may have done it already; claims keep it to once)."""
    from alloy_tui.core.config import load_or_default
    from alloy_tui.core.outbox import open_outbox
    from alloy_tui.core.outbox.intake import IncomingIntake

    config = folder / "config.toml"
    settings = load_or_default(config).settings
    box = open_outbox(settings, config)
    if not (box.path / "incoming").exists():
        return 0
    intake = IncomingIntake(settings, config, box)
    taken = intake.take()
    deadline = time.monotonic() + 20
    while intake.fresh() and time.monotonic() < deadline:  # another runner holds one: wait
        time.sleep(0.05)
        taken += intake.take()
    return taken


def run_runner(folder: Path) -> Any:
    """One `queue run` in this process, as the runner sendmail starts does it: the hand-offs
    taken in, failure notices queued, each due message tried (nothing listens at the config's
    endpoints: a try fails at once)."""
    from alloy_tui.core.config import load_or_default
    from alloy_tui.core.outbox import run_queue

    config = folder / "config.toml"
    return run_queue(load_or_default(config).settings, config)


def queued(folder: Path) -> list[Any]:
    take_in(folder)
    return Outbox(folder / "queue").list()


def metas(folder: Path) -> list[dict[str, Any]]:
    take_in(folder)
    meta = folder / "queue" / "meta"
    if not meta.exists():
        return []
    return [json.loads(p.read_text()) for p in sorted(meta.iterdir())]


def log_events(folder: Path) -> list[dict[str, Any]]:
    log = folder / "alert_log.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def leftovers(folder: Path) -> dict[str, list[str]]:
    """What a hand-off left in tmp/ and messages/ that no metadata names (a torn write)."""
    q = folder / "queue"
    listed = {p.name[:-5] for p in (q / "meta").iterdir()} if (q / "meta").exists() else set()
    tmp = sorted(p.name for p in (q / "tmp").iterdir()) if (q / "tmp").exists() else []
    orphans = (
        sorted(p.name for p in (q / "messages").iterdir() if p.name[:-4] not in listed)
        if (q / "messages").exists()
        else []
    )
    return {"tmp": tmp, "orphan_messages": orphans}
