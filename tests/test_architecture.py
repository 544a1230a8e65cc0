"""The import graph points one way: pack -> functions -> engine -> outputs.

Every module under ``src/sheetcheck`` is parsed with :mod:`ast` (nothing is imported), and
its imports, module-level and inside functions alike, become edges of a graph. Imports under
``if TYPE_CHECKING:`` are left out: they name types for mypy and never run, so they cannot
make an import circle at run time (and the modules that use them say so beside them).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "sheetcheck"

#: What the check functions must never reach: they are called by these, not the reverse.
FORBIDDEN_FOR_FUNCTIONS = (
    "sheetcheck.engine",
    "sheetcheck.packs",
    "sheetcheck.checker",
    "sheetcheck.cli",
    "sheetcheck.excel",
    "sheetcheck.template",
    "sheetcheck.annotate",
    "sheetcheck.report",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _imports(node)


def _targets(
    module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]
) -> set[str]:
    """The sheetcheck modules one import statement loads (``from . import x`` loads module
    x when x is one, else the package itself)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        return {n for n in names if n in known}
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    found = set()
    for alias in node.names:
        sub = f"{prefix}.{alias.name}"
        if sub in known:
            found.add(sub)
        elif prefix in known:
            found.add(prefix)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in _imports(tree):
            edges |= _targets(name, is_package, node, known)
        edges.discard(name)
        graph[name] = edges
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# --------------------------------------------------------------------------- the graph itself


@pytest.mark.parametrize(
    ("source", "module", "is_package", "expect"),
    [
        ("from . import engine", "sheetcheck.cli", False, {"sheetcheck.engine"}),
        ("from .engine import Context", "sheetcheck.cli", False, {"sheetcheck.engine"}),
        ("from . import Finding", "sheetcheck.functions.basic", False, {"sheetcheck.functions"}),
        ("from ..dates import EARLIEST", "sheetcheck.functions.basic", False, {"sheetcheck.dates"}),
        ("from . import basic", "sheetcheck.functions", True, {"sheetcheck.functions.basic"}),
        ("import sheetcheck.engine", "sheetcheck.cli", False, {"sheetcheck.engine"}),
        ("def f():\n    from .engine import x", "sheetcheck.cli", False, {"sheetcheck.engine"}),
        ("if TYPE_CHECKING:\n    from .engine import x", "sheetcheck.cli", False, set()),
        ("import json", "sheetcheck.cli", False, set()),
    ],
)
def test_imports_are_resolved_like_python_does(
    source: str, module: str, is_package: bool, expect: set[str]
) -> None:
    known = set(_modules())
    found: set[str] = set()
    for node in _imports(ast.parse(source)):
        found |= _targets(module, is_package, node, known)
    assert found == expect


def test_a_cycle_is_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


# --------------------------------------------------------------------------- the rules


def test_no_import_cycle_contains_the_engine() -> None:
    cycles = [c for c in import_cycles(import_graph()) if "sheetcheck.engine" in c]
    assert cycles == []


def test_the_check_functions_import_nothing_that_calls_them() -> None:
    graph = import_graph()
    functions = [m for m in graph if _under(m, "sheetcheck.functions")]
    assert "sheetcheck.functions.basic" in functions
    offending = {
        (start, reached)
        for start in functions
        for reached in reachable(graph, start)
        if any(_under(reached, bad) for bad in FORBIDDEN_FOR_FUNCTIONS)
    }
    assert sorted(offending) == []


def test_no_import_cycle_remains() -> None:
    """Every circle, listed: a module that cannot be read without its own importer."""
    assert import_cycles(import_graph()) == []


# --------------------------------------------------------------------------- the loader


def test_every_function_module_is_loaded_by_the_builtin_list() -> None:
    from sheetcheck.functions import BUILTIN_MODULES

    on_disk = {
        f"sheetcheck.functions.{p.stem}"
        for p in (PACKAGE / "functions").glob("*.py")
        if p.name != "__init__.py"
    }
    assert set(BUILTIN_MODULES) == on_disk


def test_builtins_register_without_installed_metadata() -> None:
    """Pyodide unpacks a wheel with no entry points: the built-ins still come from the list."""
    code = (
        "import importlib.metadata as m\n"
        "m.entry_points = lambda **kw: []\n"
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from sheetcheck import functions\n"
        "names = functions.registered()\n"
        "assert {'dmy-date', 'reference', 'checksum-mod11', 'learner-reconciliation'} <= set(names), names\n"
        "import sheetcheck.engine\n"
        "print('ok', len(names))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(SRC)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard only, sized for a loaded machine
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_a_newcomer_module_is_registered_by_the_same_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module file that registers a function on import is loaded like the built-ins."""
    from sheetcheck import functions

    (tmp_path / "sheetcheck_test_newcomer.py").write_text(
        "from sheetcheck.functions import ValueResult, check_function\n"
        "@check_function('newcomer-upper', 'value')\n"
        "def upper(value, args):\n"
        "    return ValueResult(value)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    functions.registered()  # load the built-ins into the real registry before copying it
    monkeypatch.setattr(functions, "_REGISTRY", dict(functions._REGISTRY))
    monkeypatch.delitem(sys.modules, "sheetcheck_test_newcomer", raising=False)
    assert functions.get_function("newcomer-upper") is None
    functions.load_modules(["sheetcheck_test_newcomer"])
    found = functions.get_function("newcomer-upper")
    assert found is not None
    assert found.kind == "value"
    monkeypatch.delitem(sys.modules, "sheetcheck_test_newcomer")
