"""Which modules may import what: the layers of the README's Architecture section.

Imports are read from the source (every ``import`` statement, those inside
functions and ``TYPE_CHECKING`` blocks too), so a lazy import cannot hide a
crossing. The pins are exact: a module that starts or stops importing Whoosh,
click or Flask changes them here, on purpose.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The source tree beside the tests, not the installed copy: CI installs
# clipper into site-packages, where neither README.md nor benchmarks/ is.
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "clipper"

# The only modules that may import Whoosh: the search-index adapter.
WHOOSH_IMPORTERS = {
    "clipper.analysis",
    "clipper.fields",
    "clipper.indexing",
    "clipper.parallel_writing",
    "clipper.searching",
    "clipper.whooshfix",
}
# The adapter: SearchIndex (clipper.index) and the modules it drives.
ADAPTER = {"clipper.index", *WHOOSH_IMPORTERS}
# Outside the adapter, who uses it, and through which of its modules.
ADAPTER_USERS = {"clipper.archive": {"clipper.index"}, "clipper.check": {"clipper.index"}}
# The command line and what prints for it.
CLICK_IMPORTERS = {"clipper.cli", "clipper.render"}
# The web page's libraries, used under clipper/web/ only.
WEB_LIBRARIES = ("flask", "werkzeug", "jinja2", "markupsafe", "markdown_it")
# Front ends: they talk to the library through clipper.archive and value types.
FRONT_ENDS = ("clipper.cli", "clipper.render", "clipper.web")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def clipper_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_the_source_tree_is_read():
    # An empty tree would make every pin below hold trivially.
    modules = clipper_modules()
    assert {"clipper.archive", "clipper.cli", "clipper.index"} <= modules.keys()
    assert any(path.parts[-2] == "benchmarks" for path in _front_end_files())


def imported_names(path: Path, module: str = "") -> set[str]:
    """Every module an import statement of the file names, at any depth of the code.

    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a submodule);
    relative imports are read from ``module``, the file's module name.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def importers(top_level: str) -> set[str]:
    """The clipper modules that import ``top_level`` or any of its submodules."""
    return {
        name
        for name, path in clipper_modules().items()
        if any(n == top_level or n.startswith(top_level + ".") for n in imported_names(path, name))
    }


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    # The pins below are only as good as this reader: a lazy import counts.
    module = tmp_path / "lazy.py"
    module.write_text(
        "import os\n"
        "def f():\n"
        "    from whoosh import query\n"
        "    import click.testing\n"
        "    from .sibling import thing\n",
        encoding="utf-8",
    )
    names = imported_names(module, "clipper.web.lazy")
    assert {"os", "whoosh", "whoosh.query", "click.testing", "clipper.web.sibling"} <= names


def test_only_the_search_index_adapter_imports_whoosh():
    assert importers("whoosh") == WHOOSH_IMPORTERS


def test_only_the_command_line_imports_click():
    assert importers("click") == CLICK_IMPORTERS


@pytest.mark.parametrize("library", WEB_LIBRARIES)
def test_only_the_web_page_imports_web_libraries(library):
    outside = {m for m in importers(library) if not m.startswith("clipper.web")}
    assert outside == set()


def test_the_archive_imports_no_whoosh():
    assert not any(
        n == "whoosh" or n.startswith("whoosh.")
        for n in imported_names(clipper_modules()["clipper.archive"], "clipper.archive")
    )


def test_the_library_reaches_the_index_through_the_adapter_class_only():
    users = {}
    for name, path in clipper_modules().items():
        if name not in ADAPTER and (used := imported_names(path, name) & ADAPTER):
            users[name] = used
    assert users == ADAPTER_USERS


def _lazy_modules_loaded(module: str) -> set[str]:
    # A fresh interpreter: this one has loaded everything already.
    code = f"import sys, {module}\n" + "print(' '.join({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_importing_the_library_loads_neither_whoosh_nor_a_front_end():
    loaded = _lazy_modules_loaded("clipper.archive")
    assert {"whoosh", "click", "flask"} & loaded == set()


@pytest.mark.parametrize("module", ["clipper.cli", "clipper.render", "clipper.options"])
def test_the_command_line_loads_no_whoosh_before_it_searches(module):
    assert "whoosh" not in _lazy_modules_loaded(module)


def _front_end_files() -> Iterator[Path]:
    for name, path in clipper_modules().items():
        if name.startswith(FRONT_ENDS):
            yield path
    yield from sorted((ROOT / "benchmarks").rglob("*.py"))


def _ends_with_archive(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return "archive" in node.id
    if isinstance(node, ast.Attribute):
        return "archive" in node.attr
    return False


def archive_internals_used(path: Path) -> list[str]:
    """``archive.corpus``, ``archive.index`` and ``archive._private`` uses, as ``line: text``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Attribute) and _ends_with_archive(node.value)):
            continue
        private = node.attr.startswith("_") and not node.attr.startswith("__")
        if private or node.attr in ("corpus", "index"):
            found.append((node.lineno, ast.unparse(node)))
    return [f"{line}: {text}" for line, text in sorted(found)]


def test_the_internals_reader_finds_what_it_looks_for(tmp_path):
    module = tmp_path / "front.py"
    module.write_text(
        "n = archive.corpus.count()\n"
        "s = self.archive._open_index()\n"
        "i = archive.index.segment_count()\n"
        "ok = archive.count() + args.corpus + archive.__class__\n",
        encoding="utf-8",
    )
    assert archive_internals_used(module) == [
        "1: archive.corpus",
        "2: self.archive._open_index",
        "3: archive.index",
    ]


@pytest.mark.parametrize("path", list(_front_end_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_front_ends_and_benchmarks_use_the_archive_public_api_only(path):
    assert archive_internals_used(path) == []


def test_the_readme_architecture_names_the_pinned_modules():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    whoosh_line = re.search(r"Only the adapter's modules \(([^)]*)\)", section)
    assert whoosh_line is not None
    named = {f"clipper.{name}" for name in re.findall(r"`(\w+)`", whoosh_line[1])}
    assert named == WHOOSH_IMPORTERS
    click_line = re.search(r"Only (`\w+`) and (`\w+`) import click", section)
    assert click_line is not None
    assert {f"clipper.{name.strip('`')}" for name in click_line.groups()} == CLICK_IMPORTERS
    users = re.search(r"only `(\w+)` and `(\w+)`\s+use it", section)
    assert users is not None
    assert {f"clipper.{name}" for name in users.groups()} == ADAPTER_USERS.keys()
