"""No import circle among the product's modules (outside sandbox/), counting every import
statement: those at module level, inside functions and under ``TYPE_CHECKING``. A lazy import is
still a dependency: the two modules can't be read, tested or moved apart.

The graph is built with `ast` from the source (nothing is imported); its strongly connected
components with more than one module are the circles, printed when the test fails. Also: no
import from a lower layer to a higher one, between the program's parts (`LAYERS`) and between
the core's sub-packages (the layers contract in pyproject.toml, read from there)."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import alloy_tui

ROOT = Path(alloy_tui.__file__).parent

# Highest first. A module may import its own layer and any lower one, never a higher one.
LAYERS: list[tuple[str, ...]] = [
    ("alloy_tui.__main__", "alloy_tui.launch"),  # the entry points
    ("alloy_tui.cli",),  # the click group
    ("alloy_tui.commands", "alloy_tui.cli_support"),  # the command line's commands
    ("alloy_tui.ui",),  # the Textual faces
    ("alloy_tui.core", "alloy_tui.exits", "alloy_tui.terminal", "alloy_tui.scripts"),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if not name.startswith("alloy_tui.sandbox"):
            found[name] = path
    return found


def _known(name: str, mods: dict[str, Path]) -> str | None:
    """The module `name` refers to (a name imported from a module refers to the module)."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the product modules it imports, by any import statement anywhere in it."""
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        package = m if path.name == "__init__.py" else m.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                # `from pkg import mod` imports the module; `from mod import name`, the module
                targets = [
                    f"{source}.{a.name}" if f"{source}.{a.name}" in mods else source
                    for a in node.names
                ]
            for target in targets:
                found = _known(target, mods)
                if found is not None and found != m:
                    edges[m].add(found)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module, each sorted."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(out)


def layer_of(module: str) -> int | None:
    for n, layer in enumerate(LAYERS):
        if any(module == top or module.startswith(top + ".") for top in layer):
            return n
    return None


def test_the_graph_sees_lazy_and_type_checking_imports() -> None:
    """The walk counts what the rule counts (else an empty result would prove nothing)."""
    edges = imports(modules())
    # under TYPE_CHECKING in core/alertlog/__init__.py; inside a function in launch.py
    assert "alloy_tui.core.alertlog.reader" in edges["alloy_tui.core.alertlog"]
    assert "alloy_tui.cli_support.health_check" in edges["alloy_tui.launch"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles() -> None:
    found = circles(imports(modules()))
    for component in found:
        print(len(component), component)
    assert found == []


def core_layers() -> list[tuple[str, ...]]:
    """The core's layers as pyproject.toml's import-linter contract lists them, highest first."""
    config = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (layered,) = [
        c for c in contracts if c["type"] == "layers" and c["containers"] == ["alloy_tui.core"]
    ]
    return [
        tuple(f"alloy_tui.core.{name.strip()}" for name in layer.split("|"))
        for layer in layered["layers"]
    ]


def upward_imports(layers: list[tuple[str, ...]]) -> list[str]:
    """Each import from a module of one layer into a module of a higher one; modules of the same
    layer written "a | b" may not import each other either."""

    def place(module: str) -> tuple[int, str] | None:
        for n, layer in enumerate(layers):
            for top in layer:
                if module == top or module.startswith(top + "."):
                    return n, top
        return None

    found = []
    for source, targets in sorted(imports(modules()).items()):
        s = place(source)
        for target in sorted(targets):
            t = place(target)
            if s is None or t is None or s[1] == t[1]:
                continue
            if t[0] < s[0] or (t[0] == s[0] and len(layers[s[0]]) > 1):
                found.append(f"{source} -> {target}")
    return found


def test_the_core_sub_packages_import_only_lower_layers() -> None:
    upward = upward_imports(core_layers())
    for line in upward:
        print(line)
    assert upward == []


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    mods = modules()
    assert all(layer_of(m) is not None for m in mods if m != "alloy_tui"), [
        m for m in mods if m != "alloy_tui" and layer_of(m) is None
    ]
    upward = []
    for source, targets in sorted(imports(mods).items()):
        for target in sorted(targets):
            s, t = layer_of(source), layer_of(target)
            if s is not None and t is not None and t < s:
                upward.append(f"{source} -> {target}")
    for line in upward:
        print(line)
    assert upward == []
