"""Whoosh's modules loaded without dependencies that clipper never calls.

Two Whoosh modules import, when they load, something that costs a fresh
``clipper search`` time and that no part of Whoosh clipper uses ever calls:

- ``whoosh.compat``, which every Whoosh module imports, runs ``from
  urllib.request import urlretrieve``: that loads ``http.client``, ``email``,
  ``ssl`` and ``socket``;
- ``whoosh.query.terms`` runs ``from whoosh.lang.morph_en import variations``
  (for the ``Variations`` query), whose dozens of large patterns are compiled
  at import.

While such a module executes, and only if nothing has imported the dependency
yet, a stand-in module gives it a function that imports the real one when
called. The stand-in leaves ``sys.modules`` as soon as the module has run.
(docs/performance.md says what each costs.)
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Sequence
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(*args: Any, **kwargs: Any) -> Any:
    # By name, as this module names every Whoosh module it watches: it loads
    # before Whoosh and is no part of the search-index adapter.
    from importlib import import_module

    return import_module("whoosh.lang.morph_en").variations(*args, **kwargs)


# Module being loaded -> (the dependency it imports, the names it takes from it).
_STAND_INS: dict[str, tuple[str, dict[str, Callable[..., Any]]]] = {
    "whoosh.compat": ("urllib.request", {"urlretrieve": _urlretrieve}),
    "whoosh.query.terms": ("whoosh.lang.morph_en", {"variations": _variations}),
}


class _Finder:
    """On ``sys.meta_path`` until the modules of ``_STAND_INS`` are found, for them only."""

    @staticmethod
    def find_spec(fullname: str, path: Sequence[str] | None = None, target: Any = None) -> Any:
        if fullname not in _STAND_INS:
            return None
        if all(name in sys.modules or name == fullname for name in _STAND_INS):
            uninstall()
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None  # let the other finders look for it
        loader = spec.loader
        exec_module = loader.exec_module
        dependency, names = _STAND_INS[fullname]

        def without_dependency(module: types.ModuleType) -> None:
            if dependency in sys.modules:
                exec_module(module)
                return
            stand_in = types.ModuleType(dependency)
            stand_in.__dict__.update(names)
            sys.modules[dependency] = stand_in
            try:
                exec_module(module)
            finally:
                if sys.modules.get(dependency) is stand_in:
                    del sys.modules[dependency]

        loader.exec_module = without_dependency  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Look out for the first import of each module (nothing if all are loaded)."""
    if not all(name in sys.modules for name in _STAND_INS) and _Finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)


def uninstall() -> None:
    if _Finder in sys.meta_path:
        sys.meta_path.remove(_Finder)
