"""The store: loading reports file:line problems; saving keeps the admin's file intact."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest

from alloy_tui.core.config import store
from alloy_tui.core.config.settings import Settings, SettingsError
from alloy_tui.core.config.store import ConfigChangedError, ConfigError

COMMENTED = """\
# Mail for the backup server. Ask Dana before changing.
service = "exchange-online"  # we moved off the relay in 2024

[exchange_online]
# the app registration "alloy-notify"
tenant = "contoso.onmicrosoft.com"
api = "graph"   # EWS is being retired
x_ticket = "CHG-1234"   # unknown key, kept

[network]
timeout = 30

[custom_tool]
# another program's section, kept
enabled = true
"""


def lines_changed(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------- round trip


def test_round_trip_changes_only_the_changed_line(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED)
    loaded = store.load(p)
    assert loaded.exists and loaded.settings.exchange_online.tenant == "contoso.onmicrosoft.com"
    store.save(loaded, loaded.settings.with_section("exchange_online", api="ews"))
    after = p.read_text()
    assert lines_changed(COMMENTED, after) == [
        '-api = "graph"   # EWS is being retired',
        '+api = "ews"   # EWS is being retired',
    ]


def test_new_keys_go_into_their_section_and_new_sections_at_the_end(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED)
    loaded = store.load(p)
    s = loaded.settings.with_section("exchange_online", cloud="china")
    s = s.with_section("smtp", host="relay.example.com")
    store.save(loaded, s)
    after = p.read_text()
    assert after.startswith(
        COMMENTED.split("[network]")[0].replace(
            'x_ticket = "CHG-1234"   # unknown key, kept\n',
            'x_ticket = "CHG-1234"   # unknown key, kept\ncloud = "china"\n',
        )
    )
    assert "[custom_tool]\n# another program's section, kept\nenabled = true\n" in after
    assert after.rstrip().endswith('[smtp]\nhost = "relay.example.com"')
    again = store.load(p)
    assert again.settings == s
    assert again.document["custom_tool"]["enabled"] is True
    assert again.document["exchange_online"]["x_ticket"] == "CHG-1234"


def test_saving_unchanged_settings_does_not_touch_the_file(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED)
    before = os.stat(p)
    loaded = store.load(p)
    again = store.save(loaded, loaded.settings)
    assert os.stat(p).st_ino == before.st_ino
    assert p.read_text() == COMMENTED
    assert not (tmp_path / "config.toml.bak").exists()
    assert again.fingerprint == loaded.fingerprint


def test_a_value_equal_to_the_file_but_different_type_is_not_rewritten(tmp_path: Path) -> None:
    # `timeout = 30` (an integer) already means 30.0 seconds: no change, no rewrite.
    p = write(tmp_path / "config.toml", COMMENTED)
    loaded = store.load(p)
    store.save(loaded, loaded.settings.with_section("network", timeout=30.0))
    assert p.read_text() == COMMENTED


def test_a_new_file_is_short_commented_private_and_its_folders_are_0700(tmp_path: Path) -> None:
    p = tmp_path / "a" / "b" / "config.toml"
    loaded = store.load_or_default(p)
    assert not loaded.exists and loaded.settings == Settings()
    s = Settings(service="smtp").with_section("smtp", host="relay.example.com", port=25)
    new = store.save(loaded, s)
    text = p.read_text()
    assert text.startswith("# alloy-tui settings")
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert body == ['service = "smtp"', "[smtp]", 'host = "relay.example.com"', "port = 25"]
    assert mode(p) == 0o600
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert new.exists and store.load(p).settings == s
    assert not (p.parent / "config.toml.bak").exists()
    assert sorted(os.listdir(p.parent)) == ["config.toml"]


def test_save_is_0600_keeps_a_0600_backup_and_leaves_no_temp_files(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED, mode=0o644)
    loaded = store.load(p)
    first = store.save(loaded, loaded.settings.with_section("exchange_online", api="ews"))
    assert mode(p) == 0o600
    bak = tmp_path / "config.toml.bak"
    assert bak.read_text() == COMMENTED and mode(bak) == 0o600
    second_text = p.read_text()
    store.save(first, first.settings.with_section("exchange_online", cloud="usgov-high"))
    assert bak.read_text() == second_text  # the backup is always the version just replaced
    assert sorted(os.listdir(tmp_path)) == ["config.toml", "config.toml.bak"]


def test_save_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path / "etc" / "alloy.toml", COMMENTED)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    loaded = store.load(link)
    store.save(loaded, loaded.settings.with_section("exchange_online", api="ews"))
    assert link.is_symlink()
    assert 'api = "ews"' in real.read_text()
    assert (tmp_path / "etc" / "alloy.toml.bak").read_text() == COMMENTED


def test_save_refuses_invalid_settings_and_writes_nothing(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED)
    loaded = store.load(p)
    bad = loaded.settings.with_section("exchange_online", client_id="not-a-guid")
    with pytest.raises(SettingsError) as e:
        store.save(loaded, bad)
    assert "exchange_online.client_id" in str(e.value)
    assert p.read_text() == COMMENTED
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]


def test_diff_lists_each_changed_key(tmp_path: Path) -> None:
    loaded = store.load(write(tmp_path / "config.toml", COMMENTED))
    s = loaded.settings.with_section("exchange_online", api="ews").with_section("smtp", port=25)
    assert store.diff(loaded, s) == [
        ("exchange_online.api", "graph", "ews"),
        ("smtp.port", 587, 25),
    ]
    assert store.diff(loaded, loaded.settings.with_section("network", timeout=30)) == []


# ---------------------------------------------------------------- stale writes


def test_a_file_edited_by_someone_else_since_load_is_not_overwritten(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED)
    loaded = store.load(p)
    st = os.stat(p)
    # Someone else changes one character, same size, and even puts the mtime back.
    edited = COMMENTED.replace("timeout = 30", "timeout = 31")
    p.write_text(edited)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(ConfigChangedError) as e:
        store.save(loaded, loaded.settings.with_section("exchange_online", api="ews"))
    assert "changed on disk since it was loaded; nothing was written" in str(e.value)
    assert p.read_text() == edited
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]


def test_a_saved_config_must_be_reloaded_before_saving_from_the_old_copy(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED)
    loaded = store.load(p)
    newer = store.save(loaded, loaded.settings.with_section("exchange_online", api="ews"))
    with pytest.raises(ConfigChangedError):
        store.save(loaded, loaded.settings.with_section("smtp", port=25))
    store.save(newer, newer.settings.with_section("smtp", port=25))  # the returned copy is current
    assert store.load(p).settings.exchange_online.api == "ews"


def test_a_file_created_or_removed_since_load_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    fresh = store.load_or_default(p)
    write(p, 'service = "smtp"\n')
    with pytest.raises(ConfigChangedError, match="was created on disk since it was loaded"):
        store.save(fresh, Settings())
    assert p.read_text() == 'service = "smtp"\n'
    loaded = store.load(p)
    p.unlink()
    with pytest.raises(ConfigChangedError, match="was removed on disk"):
        store.save(loaded, Settings())
    assert not p.exists()


def test_a_file_that_is_not_valid_toml_is_never_overwritten(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    broken = '[exchange_online]\napi = "ews\n'
    write(p, broken)
    with pytest.raises(ConfigError):
        store.load_or_default(p)
    # A wizard that started before the file was broken still can't overwrite it.
    good = write(tmp_path / "other.toml", COMMENTED)
    loaded = store.load(good)
    good.write_text(broken)
    with pytest.raises(ConfigError):
        store.save(loaded, loaded.settings.with_section("exchange_online", api="ews"))
    assert good.read_text() == broken and p.read_text() == broken


# ---------------------------------------------------------------- problems with line numbers

PROBLEMS = """\
# line 1
service = "sendmail"

[exchange_online]
tenant = "contoso.onmicrosoft.com"
api = "rest"
cloud = "azure-germany"
from_delegation = "yes"

[network]
timeout = "30"

[alert_log]
keep = 5.5
max_bytes = 10
"""


def test_every_problem_is_reported_with_file_line_and_key(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", PROBLEMS)
    with pytest.raises(ConfigError) as e:
        store.load(p)
    assert e.value.lines == [
        f'{p}:2: service must be "exchange-online" or "smtp" or "exchange-server", got "sendmail"',
        f'{p}:6: exchange_online.api must be "graph" or "ews", got "rest"',
        f'{p}:7: exchange_online.cloud must be "global" or "usgov-high" or "usgov-dod" or "china", got "azure-germany"',
        f"{p}:8: exchange_online.from_delegation must be true or false, got 'yes'",
        f"{p}:11: network.timeout must be a number, got '30'",
        f"{p}:15: alert_log.max_bytes must be between 4096 and 1099511627776, got 10",
        f"{p}:14: alert_log.keep must be a whole number, got 5.5",
    ]
    assert str(e.value) == "\n".join(e.value.lines)


def test_line_numbers_for_dotted_quoted_and_inline_keys(tmp_path: Path) -> None:
    text = (
        'note = """\n'  # a multi-line string that looks like keys inside
        "api = 1\n"
        "[exchange_online]\n"
        '"""\n'
        'exchange_online.cloud = "mars"\n'
        'smtp = { host = "a b", port = 99999 }\n'
        "\n"
        '["network"]\n'
        "'timeout' = [\n"
        "  1,\n"
        "]\n"
    )
    p = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as e:
        store.load(p)
    where = [(line.split(": ")[0], line.split(": ")[1].split()[0]) for line in e.value.lines]
    assert where == [
        (f"{p}:5", "exchange_online.cloud"),
        (f"{p}:9", "network.timeout"),
        (f"{p}:6", "smtp.host"),
        (f"{p}:6", "smtp.port"),
    ]


def test_a_section_that_is_not_a_table(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", 'service = "smtp"\nsmtp = "relay.example.com"\n')
    with pytest.raises(ConfigError) as e:
        store.load(p)
    assert e.value.lines == [f"{p}:2: smtp must be a table ([smtp]), got text"]


def test_strict_false_returns_problems_and_save_repairs_only_those_keys(tmp_path: Path) -> None:
    text = COMMENTED.replace('api = "graph"', 'api = "rest"').replace(
        "[network]\n", "network_x = 1\n[network]\n"
    )
    p = write(tmp_path / "config.toml", text)
    loaded = store.load(p, strict=False)
    assert loaded.problems == [f'{p}:7: exchange_online.api must be "graph" or "ews", got "rest"']
    assert loaded.settings.exchange_online.api == "graph"  # the default stands in
    store.save(loaded, loaded.settings)
    assert lines_changed(text, p.read_text()) == [
        '-api = "rest"   # EWS is being retired',
        '+api = "graph"   # EWS is being retired',
    ]


def test_invalid_toml_names_file_line_column_and_reason(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", 'service = "smtp"\n[smtp]\nport = \n')
    with pytest.raises(ConfigError) as e:
        store.load(p)
    assert e.value.lines == [f"{p}:3:8: not valid TOML: Unexpected character: end of line."]
    p.write_text("[smtp]\nport = 25\nport = 26\n")
    with pytest.raises(ConfigError) as e:
        store.load(p)
    assert str(e.value).startswith(f"{p}:3:")
    assert 'Key "port" already exists' in str(e.value)


def test_unknown_keys_are_kept_and_warned_with_a_suggestion(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED + '\n[smtp]\nhots = "relay"\n')
    loaded = store.load(p)
    assert store.unknown_keys(loaded) == [
        f"{p}:8: unknown key exchange_online.x_ticket is ignored",
        f"{p}:13: unknown key custom_tool is ignored",
        f"{p}:18: unknown key smtp.hots is ignored (did you mean smtp.host?)",
    ]


# ---------------------------------------------------------------- paths that are not config files


def test_a_folder_is_one_clear_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        store.load_or_default(tmp_path)
    assert e.value.lines == [
        f"{tmp_path} is a folder, not a config file; point --config (or $ALLOY_TUI_CONFIG) "
        f"at a file such as {tmp_path / 'config.toml'}."
    ]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is not a regular file"):
        store.load(fifo)


def test_a_dangling_symlink_is_not_mistaken_for_no_config(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ConfigError) as e:
        store.load_or_default(link)
    assert e.value.lines == [
        f"{link} is a symbolic link to {tmp_path / 'gone.toml'}, which does not exist."
    ]


def test_missing_file_load_vs_load_or_default(tmp_path: Path) -> None:
    p = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="does not exist"):
        store.load(p)
    assert store.load_or_default(p).exists is False


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    p.write_bytes(b'service = "smtp"\n[smtp]\nhost = "caf\xe9.example"\n')
    with pytest.raises(ConfigError) as e:
        store.load(p)
    assert e.value.lines == [f"{p}:3: not UTF-8 text (byte 0xe9); save the file as UTF-8."]


def test_a_huge_file_is_the_wrong_file(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    p.write_bytes(b"# x\n" * (store.MAX_CONFIG_BYTES // 4 + 1))
    with pytest.raises(ConfigError, match="too large to be an alloy-tui config file"):
        store.load(p)


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    p.write_bytes('\ufeffservice = "smtp"\n'.encode())
    assert store.load(p).settings.service == "smtp"


def test_rebase_keeps_the_other_editors_change(tmp_path: Path) -> None:
    p = write(tmp_path / "config.toml", COMMENTED)
    base = store.load(p)
    draft = base.settings.with_section("exchange_online", api="ews")
    p.write_text(COMMENTED.replace("timeout = 30", "timeout = 45"))  # someone else, meanwhile
    with pytest.raises(ConfigChangedError):
        store.save(base, draft)
    fresh = store.load(p)
    store.save(fresh, store.rebase(base, draft, fresh))
    final = store.load(p).settings
    assert final.exchange_online.api == "ews" and final.network.timeout == 45.0


def test_a_plain_load_does_not_import_tomlkit(tmp_path: Path) -> None:
    """`alloy-tui log` and `status` load the config on every run: keep that cheap."""
    import subprocess
    import sys

    p = write(tmp_path / "config.toml", COMMENTED)
    code = (
        "import sys\nfrom pathlib import Path\nfrom alloy_tui.core.config import store\n"
        f"loaded = store.load(Path({str(p)!r}))\n"
        "print('tomlkit' in sys.modules, loaded.settings.exchange_online.tenant)\n"
        "loaded.document\n"
        "print('tomlkit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "contoso.onmicrosoft.com", "True"]


def test_root_saving_a_service_accounts_config_keeps_its_owner(tmp_path: Path) -> None:
    owner = 65534 if os.geteuid() == 0 else os.getuid()  # only root can give a file away
    p = write(tmp_path / "config.toml", COMMENTED, mode=0o600)
    os.chown(p, owner, owner if os.geteuid() == 0 else os.getgid())
    loaded = store.load(p)
    store.save(loaded, loaded.settings.with_section("exchange_online", api="ews"))
    for f in (p, tmp_path / "config.toml.bak"):
        st = os.stat(f)
        assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (owner, 0o600)
