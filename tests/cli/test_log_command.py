"""`alloy-tui log`: oldest to newest, --json, --level, --follow, Ctrl-C and broken pipes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.core.alertlog import AlertLogWriter


def _log_path() -> Path:
    return Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"


def _seed(n: int = 6) -> AlertLogWriter:
    w = AlertLogWriter(_log_path())
    for i in range(n):
        w.write(("info", "warning", "error")[i % 3], "test_message.sent", f"entry {i}", {"i": i})
    return w


def test_log_prints_newest_n_oldest_first() -> None:
    _seed()
    result = CliRunner().invoke(cli, ["log", "-n", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert [line.split("  ")[-1] for line in lines] == ["entry 3", "entry 4", "entry 5"]
    # Level words readable without colour, and no escape codes in a pipe.
    assert "INFO" in lines[0] and "WARN" in lines[1] and "ERROR" in lines[2]
    assert "\x1b[" not in result.output
    assert "test_message.sent" in lines[0]


def test_log_shows_local_time(monkeypatch: object) -> None:
    _log_path().parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "ts": "2026-03-01T10:00:00.000Z",
        "level": "info",
        "event": "a.b",
        "message": "m",
        "details": {},
    }
    _log_path().write_text(json.dumps(entry) + "\n")
    code = "from alloy_tui.cli import main; main()"
    env = {**os.environ, "TZ": "Asia/Tokyo"}
    out = subprocess.run(
        [sys.executable, "-c", code, "log"], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.startswith("2026-03-01 19:00:00  INFO ")


def test_log_json_prints_raw_lines() -> None:
    _seed(4)
    with open(_log_path(), "a") as f:
        f.write("this is not json\n")
    result = CliRunner().invoke(cli, ["log", "-n", "2", "--json"])
    assert result.exit_code == 0
    first, second = result.output.splitlines()
    assert json.loads(first)["message"] == "entry 3"
    assert second == "this is not json"


def test_log_level_filter_and_malformed_lines() -> None:
    _seed(9)
    with open(_log_path(), "a") as f:
        f.write("{broken\n")
    result = CliRunner().invoke(cli, ["log", "-n", "100", "--level", "warning"])
    messages = [line.split("  ")[-1] for line in result.output.splitlines()]
    assert messages == ["entry 1", "entry 2", "entry 4", "entry 5", "entry 7", "entry 8"]
    result = CliRunner().invoke(cli, ["log", "-n", "2", "--level", "ERROR"])
    assert [line.split("  ")[-1] for line in result.output.splitlines()] == ["entry 5", "entry 8"]
    result = CliRunner().invoke(cli, ["log", "-n", "1"])
    assert (
        "?BAD" in result.output
        and "not a valid entry" in result.output
        and "{broken" in result.output
    )


def test_log_bad_options_and_missing_log() -> None:
    result = CliRunner().invoke(cli, ["log", "--level", "debug"])
    assert result.exit_code == 2 and "debug" in result.output
    result = CliRunner().invoke(cli, ["log", "-n", "-1"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["log"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "empty" in result.stderr


def test_log_path_is_a_folder() -> None:
    _log_path().mkdir(parents=True)
    out = subprocess.run(["alloy-tui", "log"], capture_output=True, text=True)
    assert out.returncode == 2
    assert (
        out.stderr.strip().startswith("alloy-tui: the alert log path")
        and "Traceback" not in out.stderr
    )


def test_log_uses_the_configured_path(tmp_path: Path) -> None:
    config = Path(os.environ["ALLOY_TUI_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[alert_log]\npath = "elsewhere/log.jsonl"\n')
    AlertLogWriter(config.parent / "elsewhere" / "log.jsonl").write(
        "info", "a.b", "from the configured path"
    )
    result = CliRunner().invoke(cli, ["log"])
    assert "from the configured path" in result.output


def test_log_follow_prints_new_entries_and_ctrl_c_exits_zero() -> None:
    w = _seed(2)
    proc = subprocess.Popen(
        ["alloy-tui", "log", "-n", "1", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().rstrip().endswith("entry 1")
        w.write("error", "send.failed", "arrived while following")
        assert proc.stdout.readline().rstrip().endswith("arrived while following")
        w.rotate()
        w.write("info", "after.rotation", "after rotation")
        assert proc.stdout.readline().rstrip().endswith("after rotation")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err and err == ""


def test_log_broken_pipe_exits_quietly() -> None:
    _seed(3000)
    out = subprocess.run(
        "alloy-tui log -n 3000 | head -1", shell=True, capture_output=True, text=True
    )
    assert out.stdout.count("\n") == 1
    assert out.stderr == ""
    proc = subprocess.Popen(
        ["alloy-tui", "log", "-n", "3000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.read(10)
    proc.stdout.close()
    time.sleep(0.05)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and b"Traceback" not in err and b"Exception" not in err


def _run(cmd: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30, **kw)  # type: ignore[call-overload]


def test_log_to_a_closed_or_full_stdout_is_one_line_not_a_traceback() -> None:
    _seed(3)
    for redirect, why in [(">&-", "standard output is closed"), ("> /dev/full", "No space left")]:
        out = _run(f"alloy-tui log -n 3 {redirect}")
        assert out.returncode == 1, (redirect, out.stderr)
        assert "Traceback" not in out.stderr and "Exception" not in out.stderr
        assert out.stderr.startswith("alloy-tui: ") and why in out.stderr
        assert out.stderr.count("\n") == 1


def test_log_follow_into_head_ends_when_head_does() -> None:
    _seed(3)
    # One line, then no new entry: like tail -f it must notice by itself that the reader is gone.
    proc = subprocess.Popen(
        "alloy-tui log -n 1 --follow | head -1",
        shell=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError("log --follow kept running after head exited") from None
    assert out.splitlines()[0].endswith("entry 2") and err == ""


def test_log_live_refuses_a_dumb_terminal() -> None:
    import pty

    _seed(1)
    primary, secondary = pty.openpty()
    try:
        env = {**os.environ, "TERM": "dumb"}
        proc = subprocess.run(
            ["alloy-tui", "log", "--live"],
            stdin=secondary,
            stdout=secondary,
            stderr=subprocess.PIPE,
            env=env,
            timeout=30,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert proc.returncode == 2
    assert b"TERM=dumb" in proc.stderr and b"--follow" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_log_keeps_the_level_of_an_entry_too_long_to_parse() -> None:
    w = _seed(2)
    w.write("error", "send.failed", "Server said: " + "x" * (1024 * 1024 + 100))
    w.write("info", "after.it", "after the long one")
    result = CliRunner().invoke(cli, ["log", "-n", "2", "--level", "error"])
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert "ERROR  send.failed" in lines[0]  # the event column is padded to line up
    assert "send.failed        (line too long, cut) Server said: xxx" in lines[0]
    assert len(lines[0]) < 2200  # cut for the terminal, not a megabyte


def test_log_columns_line_up() -> None:
    w = AlertLogWriter(_log_path())
    for event in ("smtp.error", "signin.started", "test_message.sent", "config.changed"):
        w.write("info", event, f"after {event}", {})
    result = CliRunner().invoke(cli, ["log", "-n", "10"])
    lines = result.output.splitlines()
    starts = {line.index("after ") for line in lines}
    assert len(lines) == 4 and len(starts) == 1, result.output
