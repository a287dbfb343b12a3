"""The import reads as a pipeline: read bytes -> detect kinds and map headers -> parse values ->
stage typed tables -> checks -> load. No module of revmachine/ingest imports another in a circle
(top-level, inside a function or for type checking alike), and no step imports a later one."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

INGEST = Path(__file__).resolve().parents[2] / "revmachine" / "ingest"
MODULES = sorted(p.stem for p in INGEST.glob("*.py") if p.stem != "__init__")
# the steps in order (the vocabulary modules, headers / fields / stages / sniff / parsing / platforms
# and the readers' helpers, may be used by any step)
STEPS = ["readers", "recognise", "state", "detect", "typed", "build", "checks", "preview", "stage", "load"]


def _imports(name: str, source: str | None = None) -> set[str]:
    """The ingest modules a module imports, wherever the import statement is."""
    tree = ast.parse(source if source is not None else (INGEST / f"{name}.py").read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("revmachine.ingest."):
                    out.add(a.name.split(".")[2])
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "revmachine.ingest":
                out |= {a.name for a in node.names if a.name in MODULES}
            elif node.module.startswith("revmachine.ingest."):
                out.add(node.module.split(".")[2])
    return out - {name}


GRAPH = {m: _imports(m) for m in MODULES}


@pytest.mark.parametrize("name", MODULES)
def test_each_ingest_module_imports(name):
    mod = importlib.import_module(f"revmachine.ingest.{name}")
    assert mod.__doc__, f"{name}.py says what it does in its docstring"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycles.append([*path[path.index(node):], node])
            return
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, [*path, node])
        done.add(node)

    for m in sorted(graph):
        visit(m, [])
    return cycles


def test_no_import_cycle():
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_step_imports_a_later_step():
    assert set(STEPS) <= set(MODULES)
    late = [(a, b) for a in STEPS for b in GRAPH[a] if b in STEPS and STEPS.index(b) > STEPS.index(a)]
    assert not late, f"a step imports a later one: {late}"


def test_the_check_sees_a_cycle_through_a_function_level_import():
    """What the restructure removed: checks.py imported stage.py inside a function, stage.py imports checks."""
    graph = {"stage": _imports("stage", "from revmachine.ingest import checks, detect\n"),
             "checks": _imports("checks", "def values():\n    from revmachine.ingest.stage import is_sentinel\n"),
             "detect": _imports("detect", "if TYPE_CHECKING:\n    from revmachine.ingest.stage import _Stager\n")}
    assert graph["checks"] == {"stage"} and graph["detect"] == {"stage"}
    found = {frozenset(c) for c in _cycles(graph)}
    assert {"stage", "checks"} in found and {"stage", "detect"} in found
