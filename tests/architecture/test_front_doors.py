"""Each core sub-package has one front door, its ``__init__``: product code outside a package
imports only the names that ``__init__`` lists in ``__all__`` (tests may reach inside)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import alloy_tui

ROOT = Path(alloy_tui.__file__).parent
PACKAGES = sorted(
    p.name for p in (ROOT / "core").iterdir() if p.is_dir() and (p / "__init__.py").exists()
)


def _package_of(path: Path) -> str | None:
    rel = path.relative_to(ROOT).parts
    if len(rel) >= 3 and rel[0] == "core" and rel[1] in PACKAGES:
        return rel[1]
    return None


def _violations() -> list[str]:
    exported = {p: set(importlib.import_module(f"alloy_tui.core.{p}").__all__) for p in PACKAGES}
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        home = _package_of(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            targets: list[tuple[str, list[str]]] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.append((node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                targets.extend((a.name, []) for a in node.names)
            for module, names in targets:
                parts = module.split(".")
                if parts[:2] != ["alloy_tui", "core"] or len(parts) < 3:
                    continue
                pkg = parts[2]
                if pkg not in PACKAGES or pkg == home:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if len(parts) > 3:
                    found.append(f"{where}: imports {module} (inside alloy_tui.core.{pkg})")
                for name in names:
                    if name not in exported[pkg]:
                        found.append(f"{where}: {name} is not in alloy_tui.core.{pkg}.__all__")
    return found


def test_product_code_uses_only_front_doors() -> None:
    assert _violations() == []


def test_every_name_a_front_door_lists_exists() -> None:
    for pkg in PACKAGES:
        module = importlib.import_module(f"alloy_tui.core.{pkg}")
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert missing == [], f"alloy_tui.core.{pkg}.__all__ lists {missing}"
