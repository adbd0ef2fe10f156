"""The package structure: feature packages import each other in one direction only.

A cycle between packages means a rule can no longer be read bottom-up (and, with lazy
imports, it works until the day someone moves an import to the top of a module). Every
package has a layer; a module may import from its own package and from packages in lower
layers, never from a higher one. Imports inside ``if TYPE_CHECKING:`` do not count: they
never run, and they are how a table names, for its type checker, the table above it that
it relates to (the audit history's actor is a ``User``).
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "factcheck"

#: Lowest first. Where a new package goes: below everything it imports, above everything
#: that imports it (ARCHITECTURE.md explains each layer).
LAYERS: list[set[str]] = [
    {
        "db",
        "errors",
        "i18n",
        "extensions",
        "validators",
        "forms",
        "segmentation",
        "ratelimit",
        "web",
        "commit_hooks",
        "jobs",
        "observability",
    },
    {"unit_of_work"},
    {"audit"},
    {"users"},
    {"verdicts"},
    {"articles"},
    {"annotations"},
    {"review"},
    {"revisions"},
    {"factchecks"},
    {"workspace"},
    {"history", "reports", "exports", "search"},
    {"publishing"},
    {"restore"},
    {"backups"},
    {"imports"},
    {"api"},
    {"models", "demo", "demo_articles", "demo_data", "cli", "worker", "__init__"},
]


def _layer_of(package: str) -> int:
    for number, layer in enumerate(LAYERS):
        if package in layer:
            return number
    raise AssertionError(f"factcheck/{package} has no layer: add it to LAYERS")


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                ids.update(id(n) for n in ast.walk(child))
    return ids


def _imported_packages(tree: ast.Module) -> list[tuple[str, int]]:
    """(package, line) of every factcheck import that runs, top-level or in a function."""
    skip = _type_checking_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "factcheck":
                modules = [f"factcheck.{alias.name}" for alias in node.names]
            else:
                modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "factcheck" and len(parts) > 1:
                found.append((parts[1], node.lineno))
    return found


def package_imports() -> dict[str, dict[str, list[str]]]:
    """{package: {imported package: ["file:line", ...]}} over the whole source tree."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        package = relative.parts[0].removesuffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for imported, line in _imported_packages(tree):
            if imported != package:
                graph[package][imported].append(f"factcheck/{relative}:{line}")
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One import cycle between packages, as the packages along it, or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(package: str) -> list[str] | None:
        if package in visiting:
            return [*visiting[visiting.index(package) :], package]
        if package in done:
            return None
        visiting.append(package)
        for imported in sorted(graph.get(package, {})):
            cycle = visit(imported)
            if cycle:
                return cycle
        visiting.pop()
        done.add(package)
        return None

    for package in sorted(graph):
        cycle = visit(package)
        if cycle:
            return cycle
    return None


def test_every_package_has_a_layer() -> None:
    packages = {
        path.name.removesuffix(".py")
        for path in PACKAGE.iterdir()
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists())
    }
    for package in sorted(packages):
        _layer_of(package)


def test_no_import_cycles_between_packages() -> None:
    graph = package_imports()
    cycle = find_cycle(graph)
    if cycle:
        steps = [f"{a} -> {b} ({', '.join(graph[a][b][:3])})" for a, b in itertools.pairwise(cycle)]
        pytest.fail("Import cycle between packages:\n  " + "\n  ".join(steps))


def test_packages_import_only_from_lower_layers() -> None:
    wrong = [
        f"{package} -> {imported}: {', '.join(places[:3])}"
        for package, imports in package_imports().items()
        for imported, places in imports.items()
        if _layer_of(imported) > _layer_of(package)
        or (
            _layer_of(imported) == _layer_of(package)
            and _layer_of(package) not in (0, len(LAYERS) - 1)
        )
    ]
    assert not wrong, "Imports from a higher layer (or a sibling):\n" + "\n".join(wrong)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": ["x:1"]}, "b": {"c": ["x:2"]}, "c": {"a": ["x:3"]}, "d": {"a": ["x:4"]}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": ["x:1"]}, "b": {}}) is None


def test_type_only_imports_do_not_count() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from factcheck.users.models import User\n"
        "def f():\n    from factcheck.review import operations\n"
    )
    assert _imported_packages(tree) == [("review", 5)]
