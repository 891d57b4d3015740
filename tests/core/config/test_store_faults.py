"""The store under real failures (no permission, a full disk) and for arbitrary settings."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from alloy_tui.core.config import store
from alloy_tui.core.config.checks import (
    APIS,
    CLOUDS,
    EXCHANGE_AUTH,
    MESSAGE_FORMATS,
    SERVICES,
    SMTP_SECURITY,
)
from alloy_tui.core.config.settings import (
    AlertLog,
    ExchangeOnline,
    ExchangeServer,
    MessageDefaults,
    Network,
    Settings,
    Smtp,
    validate,
)
from tests.helpers.store import public_dir, run_child, unprivileged

OLD = '# keep me\nservice = "smtp"\n\n[smtp]\nhost = "relay.example.com"\n'


def test_an_unreadable_config_is_one_clear_sentence() -> None:
    with public_dir() as d:
        p = d / "config.toml"
        p.write_text(OLD)
        os.chmod(p, 0o600)  # owner only; the child is someone else
        if unprivileged() is None:
            os.chmod(p, 0o000)
        got = run_child(
            "try:\n"
            "    store.load(Path(args['path']))\n"
            "    report(ok=True)\n"
            "except store.ConfigError as e:\n"
            "    report(ok=False, lines=e.lines, euid=os.geteuid())\n",
            path=str(p),
            drop=unprivileged(),
        )
        assert got["ok"] is False
        assert got["euid"] != 0
        assert got["lines"] == [
            f"cannot read {p}: permission denied; run alloy-tui as the user who owns it, "
            "or fix its permissions."
        ]


def test_permission_denied_while_saving_keeps_the_old_file() -> None:
    with public_dir() as d:
        p = d / "config.toml"
        p.write_text(OLD)
        os.chmod(p, 0o644)  # readable by the child, the folder is not writable by it
        if unprivileged() is None:
            os.chmod(d, 0o555)
        try:
            got = run_child(
                "loaded = store.load(Path(args['path']))\n"
                "try:\n"
                "    store.save(loaded, loaded.settings.with_section('smtp', port=25))\n"
                "    report(ok=True)\n"
                "except store.ConfigError as e:\n"
                "    report(ok=False, lines=e.lines)\n",
                path=str(p),
                drop=unprivileged(),
            )
        finally:
            os.chmod(d, 0o755)
        assert got == {
            "ok": False,
            "lines": [f"cannot save {p}: permission denied; the old file is unchanged."],
        }
        assert p.read_text() == OLD
        assert sorted(os.listdir(d)) == ["config.toml"]


def test_disk_full_while_saving_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    p.write_text(OLD)
    got = run_child(
        "loaded = store.load(Path(args['path']))\n"
        "big = loaded.settings.with_section('smtp', password_command='pass show ' + 'x' * 8000)\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    store.save(loaded, big)\n"
        "    report(ok=True)\n"
        "except store.ConfigError as e:\n"
        "    report(ok=False, lines=e.lines)\n",
        path=str(p),
    )
    assert got == {
        "ok": False,
        "lines": [
            f"cannot save {p}: the file would be larger than this process may write "
            "(file size limit); the old file is unchanged."
        ],
    }
    assert p.read_text() == OLD
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]  # no temp file, backup untouched


# ---------------------------------------------------------------- property: save -> load is exact

_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=30,
)
_no_space = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), max_size=30
)
_guid = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
_domain = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,8}){1,3}", fullmatch=True)
_url = st.builds(lambda host, rest: f"https://{host}/{rest}", _domain, _line) | st.just("")
_guid_or_empty = _guid | st.just("")


def _choice(options: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(options)


settings_strategy = st.builds(
    Settings,
    service=_choice(SERVICES),
    exchange_online=st.builds(
        ExchangeOnline,
        api=_choice(APIS),
        tenant=_guid | _domain | st.sampled_from(["", "organizations"]),
        client_id=_guid_or_empty,
        cloud=_choice(CLOUDS),
        account=_line,
        from_delegation=st.booleans(),
        token_cache=_line,
        login_endpoint=_url,
        graph_endpoint=_url,
        ews_endpoint=_url,
    ),
    network=st.builds(
        Network,
        ca_bundle=_line,
        timeout=st.floats(min_value=1, max_value=600, allow_nan=False, allow_infinity=False),
    ),
    message=st.builds(MessageDefaults, default_from=_line, format=_choice(MESSAGE_FORMATS)),
    alert_log=st.builds(
        AlertLog,
        path=_line,
        max_bytes=st.integers(4096, 2**40),
        keep=st.integers(0, 1000),
        retention_days=st.integers(0, 36500),
    ),
    smtp=st.builds(
        Smtp,
        host=_no_space,
        port=st.integers(1, 65535),
        security=_choice(SMTP_SECURITY),
        username=_line,
        password_command=_line,
        password_env=_line,
    ),
    exchange_server=st.builds(
        ExchangeServer,
        ews_endpoint=_url,
        username=_line,
        auth=_choice(EXCHANGE_AUTH),
        password_command=_line,
        password_env=_line,
    ),
)

BASE = '# admin note\n[exchange_online]\nx_keep = 1  # unknown, kept\n\n[extra]\na = "b"\n'


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=settings_strategy, second=settings_strategy)
def test_any_valid_settings_survive_save_then_load_exactly(
    first: Settings, second: Settings
) -> None:
    assert validate(first) == [] and validate(second) == []
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "config.toml"
        p.write_text(BASE)
        loaded = store.save(store.load(p), first)
        again = store.load(p)
        assert again.settings == first
        assert store.diff(again, first) == []
        # and onto a file that already holds other values
        store.save(loaded, second)
        final = store.load(p)
        assert final.settings == second
        text = p.read_text()
        assert text.startswith("# admin note\n")
        assert "x_keep = 1  # unknown, kept" in text and '[extra]\na = "b"' in text
        # a fresh file too
        fresh = Path(d) / "new" / "config.toml"
        store.save(store.load_or_default(fresh), second)
        assert store.load(fresh).settings == second


def test_savers_racing_from_the_same_version_lose_nothing(tmp_path: Path) -> None:
    """Several processes load the same file, then all save at once: one wins, the rest refuse."""
    p = tmp_path / "config.toml"
    p.write_text(OLD)
    go = tmp_path / "go"
    code = (
        "import json, os, sys, time\n"
        "from pathlib import Path\n"
        "from alloy_tui.core.config import store\n"
        "p, go, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])\n"
        "loaded = store.load(p)\n"
        "print('ready', flush=True)\n"
        "while not go.exists():\n"
        "    time.sleep(0.001)\n"
        "try:\n"
        "    store.save(loaded, loaded.settings.with_section('smtp', port=port))\n"
        "    print('saved', flush=True)\n"
        "except store.ConfigChangedError:\n"
        "    print('refused', flush=True)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(p), str(go), str(1000 + i)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        go.touch()
        results = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    assert sorted(results) == ["refused", "refused", "refused", "saved"]
    winner = 1000 + results.index("saved")
    assert store.load(p).settings.smtp.port == winner
    assert (tmp_path / "config.toml.bak").read_text() == OLD
