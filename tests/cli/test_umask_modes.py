"""Issue 20, item 10: every folder and file alloy-tui creates has the mode the design says,
whatever the umask (000 and 077): nothing world-writable (systemd's user folders 0755), the
outbox and its parents 0700, setup-system's folders on the way 0755 (traversable)."""

from __future__ import annotations

import os
import stat
import subprocess
from functools import partial
from pathlib import Path

import pytest

from tests.helpers.cli import alloy

MESSAGE = "To: root\nSubject: disk full\n\n91%\n"
SETUP_TREE = {
    "etc": 0o755,
    "etc/alloy-tui": 0o700,
    "var": 0o755,
    "var/lib": 0o755,
    "var/lib/alloy-tui": 0o700,
    "var/spool": 0o755,
    "var/spool/alloy-tui": 0o711,
    "var/spool/alloy-tui/queue": 0o700,
    "var/spool/alloy-tui/maildrop": 0o3733,
}


def run(base: Path, umask: int, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        "ALLOY_TUI_STATE_DIR": str(base / "state" / "deep"),
        "XDG_CONFIG_HOME": str(base / "xdg"),
        "ALLOY_TUI_MAILDROP": str(base / "maildrop"),
    }
    umasked = partial(os.umask, umask)
    return alloy(*args, stdin=stdin, env=env, timeout=120, preexec_fn=umasked)  # noqa: PLW1509


@pytest.mark.parametrize("umask", [0o000, 0o077])
def test_every_created_path_has_its_mode_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    base = tmp_path / "run"
    base.mkdir(mode=0o755)
    (base / "maildrop").mkdir()
    (base / "maildrop").chmod(0o3733)
    cfg = base / "config.toml"
    cfg.write_text(
        'service = "smtp"\n[message]\ndefault_from = "alerts@contoso.example"\n'
        '[sendmail]\nadmin = "ops@contoso.example"\n'
        f'[queue]\npath = "{base}/srv/deep/queue"\nmaildrop = "{base}/maildrop"\n'
        f'[alert_log]\npath = "{base}/logs/deep/alert.jsonl"\n'
        '[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
    )
    cfg.chmod(0o600)
    made = {cfg, base / "maildrop"}
    (base / "maildrop" / "junk").write_text("not a drop file")  # refused/ gets made
    os.chmod(base / "maildrop" / "junk", 0o600)
    made.add(base / "maildrop" / "junk")
    c = ["--config", str(cfg)]
    steps = [
        run(base, umask, *c, "sendmail", "-i", "root", stdin=MESSAGE),
        run(base, umask, *c, "queue", "run"),
        run(base, umask, *c, "status", "--check"),
        run(base, umask, *c, "systemd", "install", "--user"),
        run(base, umask, "setup-system", "--prefix", str(base / "pfx")),
    ]
    assert [r.returncode for r in steps][::3] == [0, 0], [r.stderr for r in steps]
    assert steps[4].returncode == 0, steps[4].stderr
    assert (base / "srv/deep/queue/refused/junk").exists()
    wrong = []
    for path, expected in expectations(base).items():
        got = stat.S_IMODE(os.lstat(path).st_mode)
        if got != expected:
            wrong.append(f"{path.relative_to(base)}: {got:04o}, not {expected:04o}")
    for path in walk(base):
        if path in made or path.is_relative_to(base / "pfx"):
            continue
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        if mode & 0o022 or (not path.is_dir() and mode not in (0o600, 0o644, 0o640)):
            wrong.append(f"{path.relative_to(base)}: {mode:04o}")
    assert wrong == [], f"umask {umask:03o}: " + "; ".join(wrong)


def walk(base: Path) -> list[Path]:
    out = []
    for top, dirs, files in os.walk(base):
        out += [Path(top) / n for n in dirs + files]
    return out


def expectations(base: Path) -> dict[Path, int]:
    want = {base / "pfx" / rel: mode for rel, mode in SETUP_TREE.items()}
    want[base / "pfx"] = 0o755
    for rel in ("srv", "srv/deep", "srv/deep/queue", "srv/deep/queue/refused", "logs",
                "logs/deep"):  # fmt: skip
        want[base / rel] = 0o700
    want[base / "logs/deep/alert.jsonl"] = 0o600
    for rel in ("xdg", "xdg/systemd", "xdg/systemd/user"):
        want[base / rel] = 0o755
    for unit in (base / "xdg/systemd/user").iterdir():
        want[unit] = 0o644
    return want
