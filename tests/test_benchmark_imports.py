"""Benchmarks are kept out of the test run, but what they import from clipper
must still exist: a renamed function would otherwise be found only when a
benchmark is next run, often long after."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def clipper_imports(path: Path) -> list[tuple[str, str]]:
    """``(module, name)`` of every ``from clipper… import name`` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "clipper":
            found.extend((node.module or "", alias.name) for alias in node.names)
    return found


SCRIPTS = sorted(BENCHMARKS.rglob("*.py"))


def test_benchmarks_are_found() -> None:
    assert any(clipper_imports(script) for script in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(BENCHMARKS)))
def test_what_a_benchmark_imports_from_clipper_exists(script: Path) -> None:
    for module_name, name in clipper_imports(script):
        module = importlib.import_module(module_name)
        if not hasattr(module, name):
            # ``from clipper import web`` names a submodule.
            importlib.import_module(f"{module_name}.{name}")
