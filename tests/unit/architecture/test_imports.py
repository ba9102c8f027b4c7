"""The package's import graph: no cycles, and data flows one way between layers.

Read from the source (every runtime import, also inside functions, and every
``lazy_module("...")``), so a cycle hidden in a function body counts too: the
two the architecture issue found were pose.base ↔ pose.mediapipe and
reports.worksheet ↔ reports.worksheet_pdf.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kneecoach

PACKAGE = Path(kneecoach.__file__).parent
#: Lower layers never import higher ones (the README's layout paragraph).
LAYERS = [
    {"core"},
    {"capture", "io"},
    {"pose"},
    {"filtering"},
    {"quality"},
    {"metrics"},
    {"events"},
    {"assessment"},
    {"live"},
    {"program"},
    {"reports", "storage"},
    {"pipeline", "analyze", "sample_data"},
    {"app"},
    {"cli", "web", "__main__"},
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST, modules: set[str]) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:  # the else branch runs
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kneecoach"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kneecoach"):
            base = node.module or ""
            for alias in node.names:  # a name may be a submodule (from kneecoach.app import x)
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "lazy_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    modules = set(files)
    return {
        name: {m for m in _runtime_imports(ast.parse(path.read_text()), modules) if m != name}
        & modules
        for name, path in files.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return next(i for i, names in enumerate(LAYERS) if top in names)


def test_data_flows_one_way() -> None:
    upward = [
        f"{a} imports {b}"
        for a, deps in _graph().items()
        if a != "kneecoach"
        for b in deps
        if b != "kneecoach" and _layer(b) > _layer(a)
    ]
    assert upward == []
