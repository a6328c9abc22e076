"""A fix to Whoosh 2.7.4, applied once when clipper's index modules load.

Whoosh is pinned (unmaintained, index format frozen), so the patched method
cannot change under us; the test suite exercises it on every index write.

``W3PerDocReader._cached_reader`` caches the length column of a field, but
not the *absence* of one: for every posting of a field without lengths (ids,
facets, tags) it asks the file system again whether the column file exists,
hundreds of calls per indexed article.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import W3PerDocReader

_original = W3PerDocReader._cached_reader


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original(self, fieldname, column)
    self._readers[fieldname] = reader  # None too: "this field has no lengths"
    return reader


def apply() -> None:
    if W3PerDocReader._cached_reader is not _cached_reader:
        W3PerDocReader._cached_reader = _cached_reader
