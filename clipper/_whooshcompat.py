"""Whoosh's compatibility module, loaded without ``urllib.request``.

``whoosh.compat``, which every Whoosh module imports, runs ``from
urllib.request import urlretrieve``: that loads ``http.client``, ``email``,
``ssl`` and ``socket`` into every process that searches, for a function no
part of Whoosh that clipper uses ever calls (see docs/performance.md for what
it costs a fresh ``clipper search``). While ``whoosh.compat`` executes, and
only if nothing has imported ``urllib.request`` yet, a stand-in module gives it
a ``urlretrieve`` that imports the real one when called. The stand-in leaves
``sys.modules`` as soon as ``whoosh.compat`` has run.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from typing import Any

_MODULE = "whoosh.compat"
_URLLIB = "urllib.request"


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


class _Finder:
    """On ``sys.meta_path`` until ``whoosh.compat`` is found, for that module only."""

    @staticmethod
    def find_spec(fullname: str, path: Sequence[str] | None = None, target: Any = None) -> Any:
        if fullname != _MODULE:
            return None
        uninstall()
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None  # let the other finders look for it
        loader = spec.loader
        exec_module = loader.exec_module

        def without_urllib(module: types.ModuleType) -> None:
            if _URLLIB in sys.modules:
                exec_module(module)
                return
            stand_in = types.ModuleType(_URLLIB)
            stand_in.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
            sys.modules[_URLLIB] = stand_in
            try:
                exec_module(module)
            finally:
                if sys.modules.get(_URLLIB) is stand_in:
                    del sys.modules[_URLLIB]

        loader.exec_module = without_urllib  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Look out for the first import of ``whoosh.compat`` (nothing if it is loaded)."""
    if _MODULE not in sys.modules and _Finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)


def uninstall() -> None:
    if _Finder in sys.meta_path:
        sys.meta_path.remove(_Finder)
