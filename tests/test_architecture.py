"""The package's structure stays as documented: no import cycle between pyvb's modules (lazy imports
inside functions count too), no runtime module imports the test plugin ``pyvb.testing``, no file
grows past ~300 lines unless its docstring says why, and the SQL that runtime modules run goes
through the product's interfaces (vb_api, vb_ops, vb_report), never to the tables of ``vb``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pyvb.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "pyvb"
MAX_LINES = 320
#: a long file's docstring explains itself with this phrase
LONG_FILE_MARK = "Longer than ~300 lines because"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The pyvb modules ``name`` imports (``from pyvb.x import y`` counts y when it is a module)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in MODULES:
                found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES}
    found.discard(name)
    return found


def test_no_import_cycle():
    graph = {name: imports_of(name) for name in MODULES}
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycle = [*path[path.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*path, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_no_runtime_module_imports_the_test_plugin():
    runtime = [name for name in MODULES if not name.startswith("pyvb.testing")]
    offenders = {
        name: sorted(m for m in imports_of(name) if m.startswith("pyvb.testing")) for name in runtime
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_file_over_about_300_lines_without_a_reason():
    long = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in MODULES.items()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
        and LONG_FILE_MARK not in (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "")
    }
    assert long == {}


#: Modules that may name vb's tables and internal functions in their SQL: the benchmarks build and
#: observe scratch databases as their owner (a year of fabricated history, the escrow accounts a
#: market that has been trading would have, a shorter retention, the relay's backlog before any
#: sink registered), the test plugin builds fixtures, and the demo's tampering step edits an audit
#: record of a scratch copy as an insider with the owner's rights would.
OWNER_LEVEL_PACKAGES = ("pyvb.bench", "pyvb.testing", "pyvb.demo.tamper")
SQL_WORD = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|CALL)\b")
INTERNAL_NAME = re.compile(r"\bvb\.[a-z_]+")


def sql_strings(path: Path) -> list[str]:
    """String constants that look like SQL (docstrings excluded: they may name a table)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and SQL_WORD.search(node.value)
    ]


def test_runtime_sql_goes_through_the_product_interfaces():
    found = {
        name: sorted({m for text in sql_strings(path) for m in INTERNAL_NAME.findall(text)})
        for name, path in MODULES.items()
        if not name.startswith(OWNER_LEVEL_PACKAGES)
    }
    assert {name: names for name, names in found.items() if names} == {}


def test_the_sql_check_sees_an_internal_name(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('"""Doc naming vb.accounts."""\nQUERY = "SELECT balance FROM vb.accounts"\n')
    assert [INTERNAL_NAME.findall(t) for t in sql_strings(probe)] == [["vb.accounts"]]
