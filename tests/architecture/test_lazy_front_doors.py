"""The front doors load their names on first use (PEP 562). Every name they list must resolve,
and no exported function or class may share its name with a module of the same package: the
import system would put that module where the name should be, once anyone imports it."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(
    m.name for m in pkgutil.iter_modules([str(ROOT / "alloy_tui" / "core")]) if m.ispkg
)


def test_every_listed_name_resolves() -> None:
    for name in PACKAGES:
        door = importlib.import_module(f"alloy_tui.core.{name}")
        for attr in door.__all__:
            assert getattr(door, attr, None) is not None, f"alloy_tui.core.{name}.{attr}"


def test_no_exported_name_is_shadowed_by_a_module() -> None:
    """Run fresh: import every submodule first, then look each listed name up."""
    code = (
        "import importlib, pkgutil, sys, types\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "bad = []\n"
        f"for name in {PACKAGES!r}:\n"
        "    door = importlib.import_module(f'alloy_tui.core.{name}')\n"
        "    subs = {m.name for m in pkgutil.iter_modules(door.__path__)}\n"
        "    for sub in subs:\n"
        "        importlib.import_module(f'alloy_tui.core.{name}.{sub}')\n"
        "    for attr in door.__all__:\n"
        "        value = getattr(door, attr)\n"
        "        if isinstance(value, types.ModuleType):\n"
        "            ok = value.__name__.rpartition('.')[2] in subs  # a submodule (or its alias)\n"
        "        else:\n"
        "            ok = attr not in subs  # a function or class, not shadowed\n"
        "        if not ok:\n"
        "            bad.append(f'{name}.{attr}')\n"
        "print(bad)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
    assert isinstance(importlib.import_module("alloy_tui.core.config").paths, types.ModuleType)
