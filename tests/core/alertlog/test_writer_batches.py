"""Several entries in one append (`write_many`, the SMTP listener's batches): whole lines in
order, redacted like single ones, all or nothing when one is bad, and rotation still keeps
every line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alloy_tui.core.alertlog import REDACTED, AlertLogWriter, parse_line, record_many
from alloy_tui.core.config.settings import AlertLog, Settings


def entries(n: int, tag: str = "m") -> list[tuple[str, str, str, dict[str, object]]]:
    return [
        ("info", "mail.queued", f"Queued {tag}{i}", {"queue_id": f"{tag}{i}"}) for i in range(n)
    ]


def test_entries_are_appended_whole_and_in_order(tmp_path: Path) -> None:
    w = AlertLogWriter(tmp_path / "log.jsonl")
    w.write("info", "first.one", "before")
    written = w.write_many(entries(30))
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert len(lines) == 31
    assert [json.loads(x)["details"]["queue_id"] for x in lines[1:]] == [f"m{i}" for i in range(30)]
    assert [e["message"] for e in written] == [f"Queued m{i}" for i in range(30)]
    assert all(parse_line(x.encode()).event for x in lines)


def test_secrets_are_redacted_in_a_batch_too(tmp_path: Path) -> None:
    w = AlertLogWriter(tmp_path / "log.jsonl")
    w.write_many([("info", "mail.queued", "x", {"access_token": "eyJsecret"})])
    text = (tmp_path / "log.jsonl").read_text()
    assert "eyJsecret" not in text and REDACTED in text


def test_one_bad_entry_writes_nothing(tmp_path: Path) -> None:
    w = AlertLogWriter(tmp_path / "log.jsonl")
    with pytest.raises(ValueError, match="level"):
        w.write_many([*entries(3), ("loud", "mail.queued", "x", None)])
    assert not (tmp_path / "log.jsonl").exists() or (tmp_path / "log.jsonl").read_text() == ""


def test_batches_past_the_size_limit_rotate_and_lose_no_line(tmp_path: Path) -> None:
    w = AlertLogWriter(tmp_path / "log.jsonl", AlertLog(max_bytes=4000, keep=50, retention_days=0))
    for b in range(10):
        w.write_many(entries(12, f"b{b}-"))
    files = [tmp_path / "log.jsonl", *sorted(tmp_path.glob("log.jsonl.*"))]
    assert len(files) > 2
    ids = [json.loads(x)["details"]["queue_id"] for f in files for x in f.read_text().splitlines()]
    assert sorted(ids) == sorted(f"b{b}-{i}" for b in range(10) for i in range(12))


def test_record_many_writes_to_the_configured_log(tmp_path: Path) -> None:
    settings = Settings().with_section("alert_log", path=str(tmp_path / "a.jsonl"))
    record_many(settings, tmp_path / "config.toml", entries(2))
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 2
