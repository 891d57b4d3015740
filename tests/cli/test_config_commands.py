"""`alloy-tui config path|show|validate`, in process (CliRunner) and as the real program."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.core.config.settings import Settings, to_mapping
from tests.helpers.app_only import pem_with_validity

GOOD = """\
# ops team
service = "smtp"

[smtp]
host = "relay.example.com"  # the internal relay
port = 25
hots = "typo"

[exchange_online]
token_cache = "tokens/cache.json"
"""

BAD = """\
service = "smtp"

[exchange_online]
api = "rest"

[smtp]
port = "twenty-five"
"""


def config_file() -> Path:
    return Path(os.environ["ALLOY_TUI_CONFIG"])


def write_config(text: str) -> Path:
    p = config_file()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_program(*args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point (cli.main), so error printing and exit codes are the shipped ones."""
    return subprocess.run(
        [sys.executable, "-m", "alloy_tui", *args], capture_output=True, text=True, timeout=60
    )


# ---------------------------------------------------------------- path


def test_path_prints_the_resolved_config_path() -> None:
    assert run("config", "path") == (0, f"{config_file()}\n", "")


def test_path_follows_the_config_option(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "alloy.toml"
    assert run("--config", str(other), "config", "path") == (0, f"{other}\n", "")


def test_path_all_lists_token_cache_alert_log_and_secrets() -> None:
    code, out, err = run("config", "path", "--all")
    state = Path(os.environ["ALLOY_TUI_STATE_DIR"])
    assert code == 0 and err == ""
    assert out.splitlines() == [
        f"config:      {config_file()}  (not created yet)",
        "chosen by:   $ALLOY_TUI_CONFIG",
        f"token cache: {state / 'token_cache.json'}",
        f"alert log:   {state / 'alert_log.jsonl'}",
        f"secrets:     {state / 'secrets.toml'}",
    ]
    p = write_config(GOOD)
    code, out, _ = run("config", "path", "--all")
    assert out.splitlines()[:3] == [
        f"config:      {p}",
        "chosen by:   $ALLOY_TUI_CONFIG",
        f"token cache: {p.parent / 'tokens' / 'cache.json'}",  # relative to the config's folder
    ]


# ---------------------------------------------------------------- show


def test_show_without_a_file_prints_every_default_as_toml() -> None:
    code, out, err = run("config", "show")
    assert code == 0 and err == ""
    assert "does not exist yet: every value below is a default" in out
    assert tomllib.loads(out) == to_mapping(Settings())
    key_lines = [line for line in out.splitlines() if " = " in line and not line.startswith("#")]
    assert key_lines and all(line.endswith("# default") for line in key_lines)
    assert not config_file().exists()  # showing never creates anything
    assert not config_file().parent.exists()


def test_show_marks_defaults_and_warns_about_unknown_keys() -> None:
    p = write_config(GOOD)
    code, out, err = run("config", "show")
    assert code == 0
    shown = tomllib.loads(out)
    assert shown["service"] == "smtp" and shown["smtp"]["port"] == 25
    assert shown["smtp"]["security"] == "starttls"
    lines = out.splitlines()
    assert 'service = "smtp"' in lines
    assert 'host = "relay.example.com"' in lines and "port = 25" in lines
    assert any(
        line.startswith('security = "starttls"') and line.endswith("# default") for line in lines
    )
    assert "hots" not in out  # unknown keys are not settings ...
    assert err == f"alloy-tui: {p}:7: unknown key smtp.hots is ignored (did you mean smtp.host?)\n"
    assert p.read_text() == GOOD


# ---------------------------------------------------------------- validate


def test_validate_ok() -> None:
    write_config(GOOD.replace('hots = "typo"\n', ""))
    assert run("config", "validate") == (0, "OK\n", "")


def test_validate_ok_with_a_warning_for_unknown_keys() -> None:
    p = write_config(GOOD)
    code, out, err = run("config", "validate")
    assert (code, out) == (0, "OK\n")
    assert err == f"{p}:7: unknown key smtp.hots is ignored (did you mean smtp.host?) (warning)\n"


def test_validate_prints_each_problem_on_its_own_line_and_exits_2() -> None:
    p = write_config(BAD)
    code, out, err = run("config", "validate")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f'{p}:4: exchange_online.api must be "graph" or "ews", got "rest"',
        f"{p}:7: smtp.port must be a whole number, got 'twenty-five'",
    ]


def test_validate_invalid_toml() -> None:
    p = write_config('service = "smtp\n')
    code, out, err = run("config", "validate")
    assert (code, out) == (2, "")
    assert err.startswith(f"{p}:1:") and "not valid TOML" in err and len(err.splitlines()) == 1


def test_validate_a_missing_file_says_so() -> None:
    code, out, err = run("config", "validate")
    assert (code, out) == (2, "")
    assert err == (
        f"alloy-tui: {config_file()} does not exist, so there is nothing to check; "
        "run `alloy-tui` to set up, or pass --config PATH.\n"
    )


def cert_config(pem: Path) -> Path:
    return write_config(
        'service = "exchange-online"\n\n[exchange_online]\n'
        'tenant = "contoso.onmicrosoft.com"\n'
        'client_id = "11111111-2222-3333-4444-555555555555"\n'
        f'auth = "certificate"\ncertificate = "{pem}"\nmailbox = "alerts@contoso.com"\n'
    )


def test_validate_checks_the_certificate_file(tmp_path: Path) -> None:
    from alloy_tui.core.signin import certificate

    pem = tmp_path / "app.pem"
    p = cert_config(pem)
    code, out, err = run("config", "validate")
    assert (code, out) == (2, "")
    assert err.startswith(f"{p}:7: exchange_online.certificate: {pem} does not exist")
    assert len(err.splitlines()) == 1
    certificate.write_new(pem, 30)
    assert run("config", "validate") == (0, "OK\n", "")
    pem.chmod(0o644)
    code, out, err = run("config", "validate")
    assert (code, out) == (2, "") and "has mode 0644" in err and "chmod 600" in err
    pem.chmod(0o600)
    key_only = pem.read_text().split("-----BEGIN CERTIFICATE-----")[0]
    pem.write_text(key_only)
    code, out, err = run("config", "validate")
    assert code == 2 and "holds a private key but no certificate" in err


def test_validate_refuses_an_expired_certificate(tmp_path: Path) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    pem = tmp_path / "old.pem"
    pem.write_bytes(pem_with_validity(now - dt.timedelta(days=10), now - dt.timedelta(days=1)))
    pem.chmod(0o600)
    p = cert_config(pem)
    code, out, err = run("config", "validate")
    assert (code, out) == (2, "")
    assert err.startswith(f"{p}:7: exchange_online.certificate: the certificate in {pem} expired")


# ---------------------------------------------------------------- the real program: no tracebacks


def test_show_with_problems_prints_each_line_and_no_traceback() -> None:
    p = write_config(BAD)
    done = run_program("config", "show")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f'alloy-tui: {p}:4: exchange_online.api must be "graph" or "ews", got "rest"',
        f"alloy-tui: {p}:7: smtp.port must be a whole number, got 'twenty-five'",
    ]


def test_a_folder_as_config_is_one_line_and_no_traceback(tmp_path: Path) -> None:
    for command in (["config", "show"], ["config", "validate"], ["config", "path", "--all"]):
        done = run_program("--config", str(tmp_path), *command)
        assert done.returncode in (0, 2) and "Traceback" not in done.stderr
        problem = (
            f"{tmp_path} is a folder, not a config file; point --config (or $ALLOY_TUI_CONFIG) "
            f"at a file such as {tmp_path / 'config.toml'}."
        )
        assert problem in done.stderr.splitlines()[-1], (command, done.stderr)
        assert len(done.stderr.splitlines()) == 1


def test_not_utf8_is_one_line_and_no_traceback() -> None:
    p = config_file()
    p.parent.mkdir(parents=True)
    p.write_bytes(b'service = "smtp"\n# \xff\xfe\n')
    done = run_program("config", "show")
    assert done.returncode == 2
    assert done.stderr == f"alloy-tui: {p}:2: not UTF-8 text (byte 0xff); save the file as UTF-8.\n"
