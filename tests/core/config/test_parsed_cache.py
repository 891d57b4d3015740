"""The fast read's private memo of the TOML parse: a hit only for the very same text, private to
the config's owner, and anything odd about it is a miss that still reads the right values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.core.config import ConfigError, read_values
from alloy_tui.core.config.parsed_cache import MEMO_NAME, digest

CONFIG = """\
service = "smtp"
[smtp]
host = "mail.contoso.com"
[sendmail]
admin = "ops@contoso.com"
"""


@pytest.fixture()
def cfg(tmp_path: Path) -> Path:
    (tmp_path / "state").mkdir(mode=0o700)
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


def memo(tmp_path: Path) -> Path:
    return tmp_path / "state" / MEMO_NAME


def test_a_read_keeps_a_private_memo_and_the_next_read_skips_the_toml_parser(
    cfg: Path, tmp_path: Path
) -> None:
    first = read_values(cfg)
    assert memo(tmp_path).stat().st_mode & 0o777 == 0o600
    kept = json.loads(memo(tmp_path).read_text())
    assert kept["digest"] == digest(CONFIG) and "text" not in kept  # the text is not copied
    code = (
        "import sys; from alloy_tui.core.config import read_values; "
        f"v = read_values({str(cfg)!r}); print(v.text('smtp.host'), 'tomllib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True
    ).stdout.split()
    assert out == ["mail.contoso.com", "False"]
    assert read_values(cfg).data == first.data


def test_an_edit_of_the_same_size_within_the_same_moment_is_read_afresh(
    cfg: Path, tmp_path: Path
) -> None:
    read_values(cfg)
    cfg.write_text(CONFIG.replace("mail.contoso.com", "smtp.contoso.com"))
    assert read_values(cfg).text("smtp.host") == "smtp.contoso.com"


@pytest.mark.parametrize("spoil", ["garbage", "wide", "link", "other-config", "not-a-dict"])
def test_an_odd_memo_is_a_miss_and_the_file_is_read(cfg: Path, tmp_path: Path, spoil: str) -> None:
    read_values(cfg)
    m = memo(tmp_path)
    fake = {
        "path": str(cfg),
        "digest": digest(CONFIG),
        "parsed": {"service": "exchange-online"},
        "withheld": [],
    }
    if spoil == "garbage":
        m.write_bytes(b"{\x00not json")
    elif spoil == "wide":
        m.write_text(json.dumps(fake))
        m.chmod(0o644)
    elif spoil == "link":
        (tmp_path / "elsewhere.json").write_text(json.dumps(fake))
        m.unlink()
        m.symlink_to(tmp_path / "elsewhere.json")
    elif spoil == "other-config":
        m.write_text(json.dumps({**fake, "path": str(tmp_path / "other.toml")}))
    else:
        m.write_text(json.dumps([fake]))
    assert read_values(cfg).text("service") == "smtp"


def test_no_state_folder_means_no_memo_and_the_values_still_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    assert read_values(path).text("smtp.host") == "mail.contoso.com"
    assert not (tmp_path / "state").exists()


def test_a_toml_date_is_not_memoised_and_its_refusal_is_worded_as_always(
    cfg: Path, tmp_path: Path
) -> None:
    cfg.write_text(CONFIG + "[queue]\nlifetime_hours = 1979-05-27\n")
    with pytest.raises(ConfigError) as e:
        read_values(cfg)
    assert "lifetime_hours" in str(e.value)
    assert not memo(tmp_path).exists()


def test_a_refused_value_is_refused_on_a_memo_hit_too(cfg: Path, tmp_path: Path) -> None:
    bad = CONFIG + "[queue]\nlifetime_hours = -3\n"
    cfg.write_text(bad)
    with pytest.raises(ConfigError) as e:
        read_values(cfg)
    assert "lifetime_hours" in str(e.value)
    assert not memo(tmp_path).exists()  # only a text whose values all passed is memoised
    # A memo for exactly this text (as an older version kept it) is checked all the same.
    parsed = {
        "service": "smtp",
        "smtp": {"host": "mail.contoso.com"},
        "queue": {"lifetime_hours": -3},
    }
    kept = {"path": str(cfg), "digest": digest(bad), "parsed": parsed, "withheld": []}
    memo(tmp_path).write_text(json.dumps(kept))
    memo(tmp_path).chmod(0o600)
    with pytest.raises(ConfigError) as e:
        read_values(cfg)
    assert "lifetime_hours" in str(e.value)
