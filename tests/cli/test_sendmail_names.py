"""argv[0] dispatch with real symlinks: `sendmail` and `mailq` pointing at the `alloy-tui`
console script (as pip writes it) behave as sendmail and as `queue list`; the
`alloy-sendmail` console script is declared in pyproject."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from alloy_tui.core.outbox import Outbox
from alloy_tui.launch import by_name
from tests.helpers.sendmail_door import take_in

ROOT = Path(__file__).resolve().parents[2]
CONFIG = (
    'service = "exchange-online"\n[exchange_online]\ntenant = "contoso.onmicrosoft.com"\n'
    'client_id = "11111111-2222-3333-4444-555555555555"\naccount = "alerts@contoso.com"\n'
    # A runner started here must never reach Microsoft: nothing listens on port 9.
    'login_endpoint = "https://127.0.0.1:9"\ngraph_endpoint = "https://127.0.0.1:9"\n'
    '[alert_log]\npath = "{d}/alert_log.jsonl"\n[queue]\npath = "{d}/queue"\n'
    '[sendmail]\nadmin = "ops@contoso.com"\n'
)


def alloy_tui_script(folder: Path) -> Path:
    script = folder / "alloy-tui"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from alloy_tui.launch import main\nmain()\n"
    )
    script.chmod(0o755)
    return script


def run(path: Path, *args: str, stdin: bytes, config: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "ALLOY_TUI_CONFIG": str(config)}
    return subprocess.run([str(path), *args], input=stdin, capture_output=True, timeout=60, env=env)


def test_names() -> None:
    assert by_name("/usr/sbin/sendmail") == "sendmail"
    assert by_name("/usr/lib/sendmail") == "sendmail"
    assert by_name("mailq") == "mailq"
    assert by_name("/usr/local/bin/alloy-tui") is None
    assert by_name("/x/__main__.py") is None


def test_sendmail_and_mailq_symlinks_to_alloy_tui(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(d=tmp_path))
    script = alloy_tui_script(tmp_path)
    for folder in ("sbin", "lib"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "sendmail").symlink_to(script)
    (tmp_path / "sbin" / "mailq").symlink_to(script)
    mail = b"To: root\nSubject: through the symlink\n\nhello\n"
    r = run(tmp_path / "sbin" / "sendmail", "-t", stdin=mail, config=config)
    assert r.returncode == 0, r.stderr
    assert (
        run(tmp_path / "lib" / "sendmail", "-t", "-oi", stdin=mail, config=config).returncode == 0
    )
    take_in(tmp_path)  # the runner's first step (issue 23: sendmail no longer parses)
    assert len(Outbox(tmp_path / "queue").list()) == 2
    bad = run(tmp_path / "sbin" / "sendmail", "-bd", stdin=b"", config=config)
    assert bad.returncode == 64 and bad.stderr.startswith(b"sendmail: ")
    q = run(tmp_path / "sbin" / "mailq", stdin=b"", config=config)
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines()[-1] == b"-- 0 Kbytes in 2 Requests."  # sendmail's format


def test_console_script_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["alloy-tui"] == "alloy_tui.launch:main"
    # alloy-sendmail is a plain script (issue 23: no `import re` before the hand-off), which
    # pip installs next to alloy-tui with its own interpreter on the first line
    assert project["tool"]["setuptools"]["script-files"] == ["scripts/alloy-sendmail"]
    script = (ROOT / "scripts" / "alloy-sendmail").read_text()
    assert script.startswith("#!python\n") and os.access(
        ROOT / "scripts" / "alloy-sendmail", os.X_OK
    )
    assert "from alloy_tui.commands.sendmail.handoff import main\n" in script
    assert "import re" not in script


def test_the_plain_script_runs_as_sendmail(tmp_path: Path) -> None:
    """The script as pip installs it (first line: this interpreter), linked as sendmail."""
    text = (ROOT / "scripts" / "alloy-sendmail").read_text()
    script = tmp_path / "alloy-sendmail"
    script.write_text(text.replace("#!python\n", f"#!{sys.executable}\n", 1))
    script.chmod(0o755)
    (tmp_path / "sendmail").symlink_to(script)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(d=tmp_path))
    env = {**os.environ, "ALLOY_TUI_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [str(tmp_path / "sendmail"), "-x"], input=b"", capture_output=True, env=env, timeout=60
    )
    assert r.returncode == 64 and r.stderr.startswith(b"sendmail: unknown option -x")
    mail = b"To: root\nSubject: through the plain script\n\nhello\n"
    r = subprocess.run(
        [str(tmp_path / "sendmail"), "-t"], input=mail, capture_output=True, env=env, timeout=60
    )
    assert r.returncode == 0, r.stderr
    take_in(tmp_path)
    assert [m.subject for m in Outbox(tmp_path / "queue").list()] == ["through the plain script"]


def test_the_command_the_wizard_shows_links_a_working_sendmail(tmp_path: Path) -> None:
    """The wizard and setup-system name the installed alloy-sendmail itself (not whatever
    `command -v` finds: a pyenv shim picks its program by name and fails as `sendmail`)."""
    import shlex

    from alloy_tui.scripts import link_command

    words = shlex.split(link_command(str(tmp_path / "sendmail")))
    assert words[:2] == ["ln", "-sf"] and not words[2].startswith("$("), words
    subprocess.run(words, check=True)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(d=tmp_path))
    mail = b"To: root\nSubject: through the wizard's link\n\nhello\n"
    r = run(tmp_path / "sendmail", "-t", "-oi", stdin=mail, config=config)
    assert r.returncode == 0, r.stderr
    take_in(tmp_path)
    assert [m.subject for m in Outbox(tmp_path / "queue").list()] == ["through the wizard's link"]
