"""No import circle crosses the package's folders, counting lazy (function-level) imports."""

from __future__ import annotations

import ast
from pathlib import Path

import certcheck

PACKAGE = Path(certcheck.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every certcheck module and the certcheck modules it imports anywhere in its body."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                # ``from a.b import c`` names module a.b.c when there is one, else a name in a.b
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
                targets = [t if t in modules else node.module for t in targets]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _folder(module: str) -> str:
    path = PACKAGE.parent / Path(*module.split("."))
    return module if path.is_dir() else module.rpartition(".")[0]


def test_the_walker_sees_lazy_imports() -> None:
    graph = import_graph()
    assert "certcheck.audit.pipeline" in graph["certcheck.cli.verify_run"]  # inside a function
    assert "certcheck.checks.cells" in graph["certcheck.checks.registry"]  # load_all
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_no_import_circle_crosses_folders() -> None:
    crossing = [
        sorted(group) for group in circles(import_graph()) if len({_folder(m) for m in group}) > 1
    ]
    assert crossing == []


def test_the_demo_world_and_its_writers_form_no_circle() -> None:
    demo = [group for group in circles(import_graph()) if any(".demo." in m for m in group)]
    assert demo == []
