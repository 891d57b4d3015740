"""Small command-line wording: required options say so, a global option in the wrong place
says where it goes."""

from __future__ import annotations

from functools import partial

from tests.helpers.cli import alloy

run = partial(alloy, timeout=60)


def test_send_help_marks_to_as_required() -> None:
    out = run("send", "--help").stdout
    to_line = next(line for line in out.splitlines() if line.strip().startswith("--to"))
    assert "[required]" in to_line


def test_send_without_to_exits_2() -> None:
    result = run("send", "--subject", "s")
    assert result.returncode == 2 and "--to" in result.stderr


def test_sandbox_after_the_command_says_it_goes_before() -> None:
    result = run("status", "--sandbox")
    assert result.returncode == 2
    assert "alloy-tui --sandbox status" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_config_after_the_command_says_it_goes_before() -> None:
    result = run("log", "--config", "/tmp/x.toml")
    assert result.returncode == 2
    assert "alloy-tui --config PATH log" in result.stderr, result.stderr
