"""The one rule: the core never imports Textual (nor the heavy sending libraries at import)."""

import subprocess
import sys


def test_core_does_not_import_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, alloy_tui.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'alloy_tui.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(k for k in sys.modules if k == 'textual' or k.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported Textual: {out.stdout}"


def test_cli_start_is_light() -> None:
    """`alloy-tui --help` must not load textual, msal, httpx or exchangelib."""
    code = (
        "import sys\n"
        "sys.argv = ['alloy-tui', '--help']\n"
        "from alloy_tui import cli\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('textual', 'msal', 'httpx', 'exchangelib') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in out.stdout + "\n" and "HEAVY=," not in out.stdout, out.stdout
    assert out.stdout.strip().endswith("HEAVY="), out.stdout
