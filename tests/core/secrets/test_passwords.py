"""Passwords: command (msmtp passwordeval style), environment variable, 0600 secrets file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError, UserInputError
from alloy_tui.core.secrets import passwords as secrets

SECRET = "s3cr3t-Pa55"


def _smtp(**kw: str) -> Settings:
    return Settings(service="smtp").with_section(
        "smtp", host="mail.example.com", username="app@example.com", **kw
    )


def test_command_first_line_of_stdout() -> None:
    s = _smtp(password_command=f"printf '{SECRET}\\nsecond line\\n'")
    assert secrets.get_password(s, "smtp") == SECRET
    assert secrets.password_source(s, "smtp").kind == "command"


def test_command_runs_through_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOY_TEST_PW_PART", "abc")
    s = _smtp(password_command='echo "x-$ALLOY_TEST_PW_PART" | tr a-z A-Z')
    assert secrets.get_password(s, "smtp") == "X-ABC"


def test_command_wins_over_env_and_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOY_TEST_PW", "from-env")
    secrets.store_password("smtp", "app@example.com", "from-file")
    s = _smtp(password_command="echo from-command", password_env="ALLOY_TEST_PW")
    assert secrets.get_password(s, "smtp") == "from-command"
    assert secrets.get_password(_smtp(password_env="ALLOY_TEST_PW"), "smtp") == "from-env"
    assert secrets.get_password(_smtp(), "smtp") == "from-file"


def test_missing_command_is_explained() -> None:
    s = _smtp(password_command="no-such-pass-helper-xyz show mail")
    with pytest.raises(ExplainedError) as e:
        secrets.get_password(s, "smtp")
    ex = e.value.explanation
    assert ex.code == "password.command"
    assert "127" in ex.cause and "not found" in ex.cause
    assert "smtp.password_command" in ex.cause


def test_failing_command_shows_exit_code_and_stderr_never_stdout() -> None:
    s = _smtp(password_command=f"echo {SECRET}; echo 'vault is locked' >&2; exit 3")
    with pytest.raises(ExplainedError) as e:
        secrets.get_password(s, "smtp")
    ex = e.value.explanation
    assert "exited with code 3" in ex.cause
    assert "vault is locked" in ex.cause
    text = str(e.value) + ex.cause + ex.fix
    # The command text is the admin's own config; the *output* must never be echoed back.
    assert text.count(SECRET) == text.count(f"echo {SECRET}")


def test_stderr_echoing_the_password_is_masked() -> None:
    s = _smtp(password_command="echo hunter2-xyz; echo 'bad: hunter2-xyz' >&2; exit 1")
    with pytest.raises(ExplainedError) as e:
        secrets.get_password(s, "smtp")
    assert "bad: ***" in e.value.explanation.cause


def test_command_printing_nothing_is_an_error() -> None:
    with pytest.raises(ExplainedError, match="printed nothing"):
        secrets.get_password(_smtp(password_command="true"), "smtp")


def test_command_timeout() -> None:
    with pytest.raises(ExplainedError, match="did not finish within 0.3 seconds"):
        secrets.get_password(_smtp(password_command="sleep 5"), "smtp", timeout=0.3)


def test_env_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOY_TEST_PW", SECRET)
    assert secrets.get_password(_smtp(password_env="ALLOY_TEST_PW"), "smtp") == SECRET
    monkeypatch.delenv("ALLOY_TEST_PW")
    with pytest.raises(ExplainedError, match=r"\$ALLOY_TEST_PW, which is not set"):
        secrets.get_password(_smtp(password_env="ALLOY_TEST_PW"), "smtp")
    monkeypatch.setenv("ALLOY_TEST_PW", "")
    with pytest.raises(ExplainedError, match="is empty"):
        secrets.get_password(_smtp(password_env="ALLOY_TEST_PW"), "smtp")


def test_nothing_configured_says_how_to_set_it() -> None:
    with pytest.raises(ExplainedError) as e:
        secrets.get_password(_smtp(), "smtp")
    assert e.value.explanation.code == "password.missing"
    assert "password_command" in e.value.explanation.fix
    assert secrets.password_source(_smtp(), "smtp").kind == "none"


def test_store_is_0600_atomic_and_per_service_and_user() -> None:
    path = secrets.store_password("smtp", "app@example.com", SECRET)
    assert path == secrets.secrets_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secrets.store_password("exchange-server", r"CONTOSO\svc", "other")
    secrets.store_password("smtp", "second@example.com", 'quote"and\\back')
    assert secrets.load_password("smtp", "app@example.com") == SECRET
    assert secrets.load_password("exchange-server", r"CONTOSO\svc") == "other"
    assert secrets.load_password("smtp", "second@example.com") == 'quote"and\\back'
    assert secrets.load_password("smtp", "nobody") is None
    # no temp files left behind
    assert sorted(p.name for p in path.parent.iterdir()) == ["secrets.toml"]
    s = Settings().with_section("exchange_server", username=r"CONTOSO\svc")
    assert secrets.get_password(s, "exchange-server") == "other"
    assert secrets.password_source(s, "exchange-server").kind == "file"


def test_store_replaces_and_clear_removes() -> None:
    secrets.store_password("smtp", "a@example.com", "one")
    secrets.store_password("smtp", "a@example.com", "two")
    secrets.store_password("smtp", "b@example.com", "three")
    assert secrets.load_password("smtp", "a@example.com") == "two"
    assert secrets.clear_password("smtp", "a@example.com") is True
    assert secrets.clear_password("smtp", "a@example.com") is False
    assert secrets.load_password("smtp", "b@example.com") == "three"
    assert secrets.clear_password("smtp") is True
    assert secrets.load_password("smtp", "b@example.com") is None
    assert "three" not in secrets.secrets_path().read_text()


@pytest.mark.parametrize("bad", ["", "line\nbreak", "cr\rhere", "nul\x00"])
def test_store_refuses_bad_passwords_and_keeps_the_old_one(bad: str) -> None:
    secrets.store_password("smtp", "a@example.com", "kept")
    before = secrets.secrets_path().read_bytes()
    with pytest.raises(UserInputError):
        secrets.store_password("smtp", "a@example.com", bad)
    assert secrets.secrets_path().read_bytes() == before


def test_unknown_service_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        secrets.store_password("gmail", "a", "b")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_refuses_a_file_others_can_access(mode: int) -> None:
    path = secrets.store_password("smtp", "a@example.com", SECRET)
    os.chmod(path, mode)
    with pytest.raises(UserInputError, match="chmod 600") as e:
        secrets.load_password("smtp", "a@example.com")
    assert SECRET not in str(e.value)
    with pytest.raises(UserInputError):
        secrets.store_password("smtp", "a@example.com", "new")
    os.chmod(path, 0o600)
    assert secrets.load_password("smtp", "a@example.com") == SECRET


def test_broken_file_is_a_clear_error_without_its_content() -> None:
    path: Path = secrets.secrets_path()
    path.parent.mkdir(parents=True)
    path.write_text(f'[smtp]\n"a@example.com" = "{SECRET}\n')
    os.chmod(path, 0o600)
    with pytest.raises(UserInputError, match="not valid TOML") as e:
        secrets.load_password("smtp", "a@example.com")
    assert SECRET not in str(e.value)


def test_pending_password_is_used_but_not_written_until_committed() -> None:
    s = _smtp()
    secrets.set_pending("smtp", "app@example.com", SECRET)
    try:
        assert secrets.get_password(s, "smtp") == SECRET
        assert secrets.password_source(s, "smtp").kind == "pending"
        assert not secrets.secrets_path().exists()
        with secrets.committing_pending(s):
            pass
        assert secrets.load_password("smtp", "app@example.com") == SECRET
        assert secrets.pending_password("smtp", "app@example.com") is None
        assert stat.S_IMODE(secrets.secrets_path().stat().st_mode) == 0o600
    finally:
        secrets.clear_pending()


def test_failed_save_puts_the_secrets_file_back() -> None:
    s = _smtp()
    secrets.store_password("smtp", "app@example.com", "old-one")
    secrets.set_pending("smtp", "app@example.com", "new-one")
    try:
        with pytest.raises(RuntimeError), secrets.committing_pending(s):
            assert secrets.load_password("smtp", "app@example.com") == "new-one"
            raise RuntimeError("config save failed")
        assert secrets.load_password("smtp", "app@example.com") == "old-one"
        assert secrets.pending_password("smtp", "app@example.com") == "new-one"
        secrets.clear_pending("smtp")
        secrets.set_pending("smtp", "fresh@example.com", "x1")
        fresh = _smtp().with_section("smtp", username="fresh@example.com")
        with pytest.raises(RuntimeError), secrets.committing_pending(fresh):
            raise RuntimeError("again")
        assert secrets.load_password("smtp", "fresh@example.com") is None
    finally:
        secrets.clear_pending()


def test_commit_skips_command_env_and_other_services(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets.set_pending("smtp", "app@example.com", SECRET)
    try:
        for s in (
            _smtp(password_command="echo x"),
            _smtp(password_env="X"),
            Settings(service="exchange-online"),
        ):
            with secrets.committing_pending(s):
                pass
        assert not secrets.secrets_path().exists()
    finally:
        secrets.clear_pending()
