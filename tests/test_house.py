"""The house rules of the code base, checked from its source (docs/architecture.md).

The library imports no Prefect, every user-facing error lives in ``errors.py``, no module
reaches into another's private names, imports form no cycle, and modules and functions stay
small enough to read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules(package: str) -> dict[str, Path]:
    out = {}
    for f in sorted((REPO / package).rglob("*.py")):
        if "data" in f.relative_to(REPO / package).parts[:-1]:
            continue  # scripts that rebuild package data, not the library
        name = ".".join(f.relative_to(REPO).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = f
    return out


LIB = _modules("cls_text")
FLOWS = _modules("flows")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def test_the_library_imports_no_prefect():
    bad = [
        f"{name} imports {mod}"
        for name, path in LIB.items()
        for mod, _ in _imports(path)
        if mod.split(".")[0] in {"prefect", "prefect_dask", "flows"}
    ]
    assert not bad


def test_every_error_class_is_defined_in_errors_py():
    bad = []
    for name, path in LIB.items():
        if name == "cls_text.errors":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Exception")):
                bad.append(f"{name}.{node.name}")
    assert not bad


def test_no_private_name_is_imported_across_modules():
    bad = [
        f"{name}: from {mod} import {n}"
        for name, path in {**LIB, **FLOWS}.items()
        for mod, names in _imports(path)
        if mod.startswith(("cls_text", "flows"))
        for n in names
        if n.startswith("_") and n != "__version__"
    ]
    assert not bad


def _import_graph() -> dict[str, set[str]]:
    def owner(mod: str) -> str | None:
        while mod and mod not in LIB:
            mod = mod.rpartition(".")[0]
        return mod or None

    graph: dict[str, set[str]] = {m: set() for m in LIB}
    for name, path in LIB.items():
        for mod, names in _imports(path):
            if not mod.startswith("cls_text"):
                continue
            for n in names or [""]:
                target = f"{mod}.{n}" if f"{mod}.{n}" in LIB else owner(mod)
                if target and target != name:
                    graph[name].add(target)
    return graph


def test_imports_form_no_cycle():
    graph = _import_graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycles


@pytest.mark.parametrize("name", sorted({**LIB, **FLOWS}))
def test_modules_and_functions_stay_small(name):
    path = {**LIB, **FLOWS}[name]
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    # A function's body, its docstring included (a command's options in its signature aside).
    long = [
        f"{node.name}: {node.end_lineno - node.body[0].lineno + 1} lines"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.body[0].lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long


def test_ci_runs_the_readme_test_command_and_shows_the_slowest_15_tests():
    import re
    import tomllib

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    test_command = first_block[1]
    assert "pytest" in test_command
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    addopts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "pytest"
    ]["ini_options"]["addopts"]
    assert re.search(r"(^|\s)--durations=15(\s|$)", addopts)
