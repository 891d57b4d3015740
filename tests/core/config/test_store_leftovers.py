"""Issue 9 item 8: temp files a killed save left beside the config are removed by the next save.

A SIGKILL between `write_temp` and the rename leaves `.config.toml.<random>.tmp` (or the
`.bak`'s); the next save, holding the folder lock every saver holds, removes them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from alloy_tui.core.config import store
from alloy_tui.core.config.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def test_the_next_save_removes_what_a_killed_save_left(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    loaded = store.save(store.load_or_default(cfg), Settings())
    left = [tmp_path / ".config.toml.k1ll3d.tmp", tmp_path / ".config.toml.bak.k1ll3d.tmp"]
    for p in left:
        p.write_text("half a config")
    unrelated = tmp_path / ".notes.tmp"
    unrelated.write_text("not ours")
    store.save(loaded, Settings().with_section("smtp", host="relay.example.com"))
    assert not any(p.exists() for p in left) and unrelated.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".notes.tmp",
        "config.toml",
        "config.toml.bak",
    ]


SAVER = """
import sys
from pathlib import Path
from alloy_tui.core.config import store
from alloy_tui.core.config.settings import Settings
cfg = Path(sys.argv[1])
n = 0
print("ready", flush=True)
while True:
    n += 1
    loaded = store.load_or_default(cfg)
    store.save(loaded, Settings().with_section("smtp", host=f"relay{n}.example.com"))
"""


def test_after_real_sigkills_one_save_leaves_no_temp_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for i in range(15):
        p = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(cfg)], stdout=subprocess.PIPE, env=env
        )
        assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
        time.sleep(0.05 + (i % 5) * 0.013)
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
    store.save(store.load_or_default(cfg), Settings().with_section("smtp", host="final.example"))
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert 'host = "final.example"' in cfg.read_text()
